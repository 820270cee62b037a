/* Cycles of the union graph that no single run saw.
 *
 * Only dependencies inside one strongly connected component can be on a cycle, so the
 * components are found first (Tarjan, iteratively) and everything else is ignored: a big
 * graph with no cycle costs one linear pass. Then, for each dependency u -> v inside a
 * component, a breadth-first search from v back to u finds the shortest cycle through it,
 * under the engine's rule for recursive readers (a path that enters a lock by a recursive
 * read, -(xR)->, and leaves it as a reader, -(Sx)->, cannot deadlock; engine/graph.h).
 * Cycles over the same set of classes are reported once. A cycle whose dependencies were
 * all recorded by one run is dropped: that run's shim saw the cycle and reported it. */
#include "merge.h"

#include <stdlib.h>
#include <string.h>

/* Dependency kinds, as in engine/graph.h. */
enum { DEP_SR = 1, DEP_ER = 2, DEP_SN = 4, DEP_EN = 8 };
enum { VIA_RREAD = 0, STRONG = 1 };

struct search {
    const struct union_graph *ug;
    size_t *first;          /* CSR: out-edges of class i are edges[first[i] .. first[i+1]) */
    uint32_t *comp;         /* strongly connected component of each class */
    /* BFS scratch, per class and arrival state */
    uint32_t *visit;        /* [2 * class + state] == gen when visited */
    uint32_t *par_edge;     /* edge used to arrive */
    uint8_t *par_state;     /* state of the node it came from */
    uint32_t gen;
    uint32_t *queue;        /* class << 1 | state */
    uint32_t *path, *tmp;   /* a cycle's edges, and room to build one */
    uint32_t *cls;          /* a cycle's classes */
};

/* ---- strongly connected components (iterative Tarjan) ---------------------------------- */

static bool components(struct search *s)
{
    size_t n = s->ug->nclasses;
    uint32_t *index = malloc((n + 1) * sizeof *index), *low = malloc((n + 1) * sizeof *low);
    uint32_t *stack = malloc((n + 1) * sizeof *stack);
    size_t *call = malloc((n + 1) * sizeof *call), *next_edge = malloc((n + 1) * sizeof *next_edge);
    bool *on = calloc(n + 1, sizeof *on);
    bool ok = index && low && stack && call && next_edge && on;
    uint32_t counter = 1, ncomp = 0;
    size_t sp = 0;
    for (size_t i = 0; ok && i < n; i++)
        index[i] = 0;
    for (size_t root = 0; ok && root < n; root++) {
        if (index[root])
            continue;
        size_t depth = 0;
        call[depth++] = root;
        index[root] = low[root] = counter++;
        next_edge[root] = s->first[root];
        stack[sp++] = (uint32_t)root;
        on[root] = true;
        while (depth) {
            size_t v = call[depth - 1];
            if (next_edge[v] < s->first[v + 1]) {
                size_t w = s->ug->edges[next_edge[v]++].to;
                if (!index[w]) {
                    index[w] = low[w] = counter++;
                    next_edge[w] = s->first[w];
                    stack[sp++] = (uint32_t)w;
                    on[w] = true;
                    call[depth++] = w;
                } else if (on[w] && index[w] < low[v]) {
                    low[v] = index[w];
                }
                continue;
            }
            if (low[v] == index[v]) {
                uint32_t w;
                do {
                    w = stack[--sp];
                    on[w] = false;
                    s->comp[w] = ncomp;
                } while (w != v);
                ncomp++;
            }
            depth--;
            if (depth && low[v] < low[call[depth - 1]])
                low[call[depth - 1]] = low[v];
        }
    }
    free(index);
    free(low);
    free(stack);
    free(call);
    free(next_edge);
    free(on);
    return ok;
}

/* ---- shortest cycle through one dependency ---------------------------------------------- */

/* BFS from `src` (arrived in state s0) to `dst` inside src's component. When dst_strong,
 * dst must be reached in the STRONG state. Returns the path length in edges (0: none) and
 * fills path[] (edge indexes, src first). */
static size_t bfs(struct search *s, uint32_t src, uint8_t s0, uint32_t dst, bool dst_strong, uint32_t *path)
{
    const struct union_graph *ug = s->ug;
    uint32_t gen = ++s->gen, c = s->comp[src];
    size_t head = 0, tail = 0;
    s->visit[2 * src + s0] = gen;
    s->queue[tail++] = src << 1 | s0;
    while (head < tail) {
        uint32_t u = s->queue[head] >> 1;
        uint8_t st = s->queue[head] & 1;
        head++;
        for (size_t k = s->first[u]; k < s->first[u + 1]; k++) {
            const struct union_edge *e = &ug->edges[k];
            if (s->comp[e->to] != c)
                continue;
            unsigned d = e->dep;
            if (st == VIA_RREAD)
                d &= DEP_ER | DEP_EN;  /* after -(xR)-> only an exclusive holder counts */
            if (!d)
                continue;
            uint8_t ns = (d & (DEP_SN | DEP_EN)) ? STRONG : VIA_RREAD;
            uint32_t v = e->to;
            if (s->visit[2 * v + STRONG] == gen || (ns == VIA_RREAD && s->visit[2 * v + VIA_RREAD] == gen))
                continue;
            s->visit[2 * v + ns] = gen;
            s->par_edge[2 * v + ns] = (uint32_t)k;
            s->par_state[2 * v + ns] = st;
            if (v == dst && (!dst_strong || ns == STRONG)) {
                size_t len = 0;
                for (uint32_t x = v, xs = ns; !(x == src && xs == s0);) {
                    uint32_t ek = s->par_edge[2 * x + xs];
                    uint32_t px = ug->edges[ek].from, ps = s->par_state[2 * x + xs];
                    x = px;
                    xs = ps;
                    len++;
                }
                size_t i = len;
                for (uint32_t x = v, xs = ns; i > 0;) {
                    uint32_t ek = s->par_edge[2 * x + xs];
                    path[--i] = ek;
                    uint32_t ps = s->par_state[2 * x + xs];
                    x = ug->edges[ek].from;
                    xs = ps;
                }
                return len;
            }
            if (v != dst)
                s->queue[tail++] = v << 1 | ns;
        }
    }
    return 0;
}

/* The shortest deadlocking cycle that uses edge k (last in path[]); its length, or 0. */
static size_t cycle_through(struct search *s, size_t k, uint32_t *path, uint32_t *tmp)
{
    const struct union_edge *e = &s->ug->edges[k];
    size_t best = 0;
    /* The closing edge e = u -> v, taken with an exclusive holder: any arrival at u will do. */
    unsigned ex = e->dep & (DEP_ER | DEP_EN);
    if (ex) {
        size_t n = bfs(s, e->to, (ex & DEP_EN) ? STRONG : VIA_RREAD, e->from, false, tmp);
        if (n) {
            memcpy(path, tmp, n * sizeof *path);
            best = n;
        }
    }
    /* Or with any holder: then u must not be entered by a recursive read. */
    if (e->dep & (DEP_SR | DEP_SN)) {
        size_t n = bfs(s, e->to, (e->dep & (DEP_SN | DEP_EN)) ? STRONG : VIA_RREAD, e->from, true, tmp);
        if (n && (!best || n < best)) {
            memcpy(path, tmp, n * sizeof *path);
            best = n;
        }
    }
    if (best)
        path[best] = (uint32_t)k;
    return best ? best + 1 : 0;
}

/* ---- one report per set of classes ------------------------------------------------------ */

struct seen {
    uint64_t *hash;
    uint32_t **sets;        /* sorted class indexes, [0] = length */
    size_t cap, n;
};

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* True if the set was new (and remembers it). */
static bool seen_add(struct seen *s, const uint32_t *classes, size_t n)
{
    uint32_t *set = malloc((n + 1) * sizeof *set);
    if (!set)
        return false;
    set[0] = (uint32_t)n;
    memcpy(set + 1, classes, n * sizeof *set);
    qsort(set + 1, n, sizeof *set, u32_cmp);
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    for (size_t i = 1; i <= n; i++)
        h = (h ^ set[i]) * 0xff51afd7ed558ccdull, h ^= h >> 31;
    if (s->n * 2 >= s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 64;
        uint64_t *nh = calloc(ncap, sizeof *nh);
        uint32_t **ns = calloc(ncap, sizeof *ns);
        if (!nh || !ns) {
            free(nh);
            free(ns);
            free(set);
            return false;
        }
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->sets[i])
                continue;
            size_t j = s->hash[i] & (ncap - 1);
            while (ns[j])
                j = (j + 1) & (ncap - 1);
            nh[j] = s->hash[i];
            ns[j] = s->sets[i];
        }
        free(s->hash);
        free(s->sets);
        s->hash = nh;
        s->sets = ns;
        s->cap = ncap;
    }
    size_t j = h & (s->cap - 1);
    for (; s->sets[j]; j = (j + 1) & (s->cap - 1)) {
        if (s->hash[j] == h && s->sets[j][0] == n && !memcmp(s->sets[j] + 1, set + 1, n * sizeof *set)) {
            free(set);
            return false;
        }
    }
    s->hash[j] = h;
    s->sets[j] = set;
    s->n++;
    return true;
}

static void seen_free(struct seen *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->sets[i]);
    free(s->sets);
    free(s->hash);
}

/* ---- the runs behind a cycle --------------------------------------------------------------- */

/* Fills the steps' runs; false (and nothing kept) when one run has every dependency. */
static bool cross_run(struct merge_db *db, struct xcycle *c, bool *error)
{
    long long *common = NULL;
    size_t ncommon = 0;
    for (size_t i = 0; i < c->n; i++) {
        long long *ids;
        size_t n;
        if (!merge_db_edge_run_ids(db, c->steps[i].edge_id, &ids, &n)) {
            *error = true;
            free(common);
            return false;
        }
        c->steps[i].nruns = n;
        c->steps[i].shown.run_id = n ? ids[0] : 0;
        if (i == 0) {
            common = ids;
            ncommon = n;
            continue;
        }
        size_t a = 0, b = 0, m = 0; /* intersect two ascending lists */
        while (a < ncommon && b < n) {
            if (common[a] < ids[b])
                a++;
            else if (common[a] > ids[b])
                b++;
            else
                common[m++] = common[a++], b++;
        }
        ncommon = m;
        free(ids);
    }
    free(common);
    if (ncommon)
        return false;
    for (size_t i = 0; i < c->n; i++) {
        if (!merge_db_edge_run(db, c->steps[i].edge_id, c->steps[i].shown.run_id, &c->steps[i].shown)) {
            *error = true;
            return false;
        }
    }
    return true;
}

/* Starts the cycle at its lowest class (a stable order between merges). */
static void rotate(struct xcycle *c)
{
    size_t best = 0;
    for (size_t i = 1; i < c->n; i++)
        if (c->steps[i].from < c->steps[best].from)
            best = i;
    struct xcycle_step tmp[c->n];
    for (size_t i = 0; i < c->n; i++)
        tmp[i] = c->steps[(best + i) % c->n];
    memcpy(c->steps, tmp, c->n * sizeof *tmp);
}

static int cycle_cmp(const void *a, const void *b)
{
    const struct xcycle *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? -1 : 1;
    for (size_t i = 0; i < x->n; i++)
        if (x->steps[i].from != y->steps[i].from)
            return x->steps[i].from < y->steps[i].from ? -1 : 1;
    return 0;
}

/* The search's tables and scratch for a graph of n classes, and its components; false when
 * out of memory. */
static bool search_init(struct search *s, const struct union_graph *ug)
{
    size_t n = ug->nclasses;
    *s = (struct search){ .ug = ug };
    s->first = calloc(n + 2, sizeof *s->first);
    s->comp = calloc(n + 1, sizeof *s->comp);
    s->visit = calloc(2 * n + 2, sizeof *s->visit);
    s->par_edge = calloc(2 * n + 2, sizeof *s->par_edge);
    s->par_state = calloc(2 * n + 2, sizeof *s->par_state);
    s->queue = calloc(2 * n + 2, sizeof *s->queue);
    s->path = calloc(n + 2, sizeof *s->path);
    s->tmp = calloc(n + 2, sizeof *s->tmp);
    s->cls = calloc(n + 2, sizeof *s->cls);
    if (!s->first || !s->comp || !s->visit || !s->par_edge || !s->par_state || !s->queue || !s->path || !s->tmp ||
        !s->cls)
        return false;
    /* Edges are sorted by source: first[i] is where class i's begin. */
    for (size_t k = 0; k < ug->nedges; k++)
        s->first[ug->edges[k].from + 1]++;
    for (size_t i = 0; i < n; i++)
        s->first[i + 1] += s->first[i];
    return components(s);
}

static void search_free(struct search *s)
{
    free(s->first);
    free(s->comp);
    free(s->visit);
    free(s->par_edge);
    free(s->par_state);
    free(s->queue);
    free(s->path);
    free(s->tmp);
    free(s->cls);
}

/* The shortest cycle through edge k, if it is new (its classes not seen in another cycle)
 * and no single run has all of its dependencies: 1 with *c filled, 0 if not, -1 on an
 * error. */
static int cross_cycle_through(struct search *s, struct merge_db *db, struct seen *seen, size_t k, struct xcycle *c)
{
    const struct union_graph *ug = s->ug;
    const struct union_edge *e = &ug->edges[k];
    if (e->from == e->to || s->comp[e->from] != s->comp[e->to])
        return 0;
    size_t len = cycle_through(s, k, s->path, s->tmp);
    if (!len)
        return 0;
    for (size_t i = 0; i < len; i++)
        s->cls[i] = ug->edges[s->path[i]].from;
    if (!seen_add(seen, s->cls, len))
        return 0;
    *c = (struct xcycle){ .steps = calloc(len, sizeof *c->steps), .n = len };
    if (!c->steps)
        return -1;
    for (size_t i = 0; i < len; i++) {
        const struct union_edge *pe = &ug->edges[s->path[i]];
        c->steps[i] = (struct xcycle_step){ .from = pe->from, .to = pe->to, .edge_id = pe->id, .dep = pe->dep };
    }
    bool error = false;
    if (!cross_run(db, c, &error)) {
        xcycle_clear(c);
        return error ? -1 : 0;
    }
    rotate(c);
    return 1;
}

bool find_cross_run_cycles(struct merge_db *db, const struct union_graph *ug, struct xcycle **out, size_t *nout)
{
    struct search s;
    struct seen seen = { 0 };
    struct xcycle *list = NULL;
    size_t nlist = 0, cap = 0;
    bool ok = search_init(&s, ug);
    for (size_t k = 0; ok && k < ug->nedges; k++) {
        struct xcycle c;
        int found = cross_cycle_through(&s, db, &seen, k, &c);
        ok = found >= 0;
        if (found <= 0)
            continue;
        if (nlist == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct xcycle *m = realloc(list, ncap * sizeof *m);
            if (!m) {
                xcycle_clear(&c);
                ok = false;
                break;
            }
            list = m;
            cap = ncap;
        }
        list[nlist++] = c;
    }
    search_free(&s);
    seen_free(&seen);
    if (!ok) {
        xcycles_free(list, nlist);
        return false;
    }
    qsort(list, nlist, sizeof *list, cycle_cmp);
    *out = list;
    *nout = nlist;
    return true;
}

void xcycle_clear(struct xcycle *c)
{
    for (size_t k = 0; k < c->n; k++)
        edge_run_free(&c->steps[k].shown);
    free(c->steps);
    c->steps = NULL;
    c->n = 0;
}

void xcycles_free(struct xcycle *c, size_t n)
{
    for (size_t i = 0; c && i < n; i++)
        xcycle_clear(&c[i]);
    free(c);
}
