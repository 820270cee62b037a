#include "graph.h"

#include <string.h>

#include "arena.h"

struct ul_bfs_item {
    uint32_t id;
    uint8_t state;
};

enum { VIA_RREAD = 0, STRONG = 1 };

int ul_graph_add_edge(struct ul_graph *g, struct ul_node *from, uint32_t to, uint32_t to_gen,
                      uint8_t dep, unsigned to_mode, uint32_t stack)
{
    for (uint32_t i = 0; i < from->nout; i++) {
        struct ul_edge *e = &from->out[i];
        if (e->to == to && e->to_gen == to_gen) {
            e->dep |= dep;
            e->to_modes |= (uint8_t)(1u << to_mode);
            return 0;
        }
    }
    if (from->nout == from->cap) {
        uint32_t ncap = from->cap ? from->cap * 2 : 4;
        struct ul_edge *n = ul_alloc(ncap * sizeof *n);
        if (!n)
            return -1;
        if (from->nout)
            memcpy(n, from->out, from->nout * sizeof *n);
        ul_free(from->out, from->cap * sizeof *n);
        from->out = n;
        from->cap = ncap;
    }
    from->out[from->nout++] = (struct ul_edge){ .to = to, .to_gen = to_gen, .stack = stack, .dep = dep,
                                              .to_modes = (uint8_t)(1u << to_mode) };
    g->nedges++;
    return 1;
}

struct ul_edge *ul_graph_find_edge(struct ul_node *from, uint32_t to, uint32_t to_gen)
{
    for (uint32_t i = 0; i < from->nout; i++)
        if (from->out[i].to == to && from->out[i].to_gen == to_gen)
            return &from->out[i];
    return NULL;
}

unsigned ul_gates_mask(const struct ul_edge *e, const struct ul_gates *gates)
{
    unsigned m = 0;
    for (unsigned k = 0; k < gates->n; k++)
        for (unsigned j = 0; j < e->gates.n; j++)
            if (e->gates.id[j] == gates->id[k])
                m |= 1u << k;
    return m;
}

void ul_graph_retire_node(struct ul_node *n)
{
    ul_free(n->out, n->cap * sizeof *n->out);
    n->out = NULL;
    n->nout = n->cap = 0;
    n->gen++;
}

static bool push(struct ul_graph *g, uint32_t *tail, uint32_t id, uint8_t state)
{
    if (*tail == g->qcap) {
        uint32_t ncap = g->qcap ? g->qcap * 2 : 1024;
        struct ul_bfs_item *q = ul_alloc(ncap * sizeof *q);
        if (!q)
            return false;
        if (g->qcap)
            memcpy(q, g->queue, g->qcap * sizeof *q);
        ul_free(g->queue, g->qcap * sizeof *q);
        g->queue = q;
        g->qcap = ncap;
    }
    g->queue[(*tail)++] = (struct ul_bfs_item){ id, state };
    return true;
}

/* Walks parent links back from (dst, state) to the source and writes the path forward. */
static int unwind_path(struct ul_graph *g, uint32_t src, uint8_t src_state, uint32_t dst,
                       uint8_t state, struct ul_path_step *path, int max)
{
    int n = 0;
    uint32_t id = dst;
    uint8_t st = state;
    while (!(id == src && st == src_state)) {
        struct ul_node *v = g->node(id);
        uint32_t pid = v->par[st];
        uint8_t pst = v->par_state[st];
        n++;
        id = pid;
        st = pst;
    }
    int len = n;
    id = dst;
    st = state;
    for (int k = len - 1; k >= 0; k--) {
        struct ul_node *v = g->node(id);
        uint32_t pid = v->par[st];
        struct ul_node *p = g->node(pid);
        struct ul_edge *e = &p->out[v->par_edge[st]];
        if (k < max)
            path[k] = (struct ul_path_step){ .from = pid, .to = id, .stack = e->stack, .dep = e->dep,
                                             .to_modes = e->to_modes };
        st = v->par_state[st];
        id = pid;
    }
    return len;
}

int ul_graph_find_cycle(struct ul_graph *g, uint32_t src, unsigned src_mode, uint32_t dst,
                        unsigned dst_mode, struct ul_path_step *path, int max)
{
    struct ul_node *s = g->node(src);
    if (!s)
        return 0;
    uint32_t gen = ++g->bfs_gen;
    uint8_t s0 = src_mode == UL_RREAD ? VIA_RREAD : STRONG;
    s->visit[s0] = gen;
    uint32_t head = 0, tail = 0;
    if (!push(g, &tail, src, s0))
        return -1;
    while (head < tail) {
        struct ul_bfs_item it = g->queue[head++];
        struct ul_node *u = g->node(it.id);
        for (uint32_t i = 0; i < u->nout; i++) {
            struct ul_edge *e = &u->out[i];
            struct ul_node *v = g->node(e->to);
            if (!v || v->gen != e->to_gen)
                continue; /* stale edge into a retired node */
            uint8_t d = e->dep;
            if (it.state == VIA_RREAD)
                d &= UL_DEP_ER | UL_DEP_EN; /* after -(xR)-> only an exclusive holder counts */
            if (!d)
                continue;
            uint8_t ns = (d & (UL_DEP_SN | UL_DEP_EN)) ? STRONG : VIA_RREAD;
            if (v->visit[STRONG] == gen || (ns == VIA_RREAD && v->visit[VIA_RREAD] == gen))
                continue;
            v->visit[ns] = gen;
            v->par[ns] = it.id;
            v->par_state[ns] = it.state;
            v->par_edge[ns] = i;
            if (e->to == dst) {
                /* Closing junction: the new edge leaves dst as a reader (S) only when
                 * dst_mode != WRITE; -(xR)-> followed by -(Sx)-> is not a deadlock. */
                if (dst_mode == UL_WRITE || ns == STRONG)
                    return unwind_path(g, src, s0, dst, ns, path, max);
                continue;
            }
            if (!push(g, &tail, e->to, ns))
                return -1;
        }
    }
    return 0;
}

int ul_graph_find_path(struct ul_graph *g, uint32_t src, bool src_exclusive,
                       bool (*match)(uint32_t id, bool via_rread, void *arg), void *arg,
                       struct ul_path_step *path, int max)
{
    struct ul_node *s = g->node(src);
    if (!s)
        return 0;
    uint32_t gen = ++g->bfs_gen;
    /* Starting "as if reached by a recursive read" lets only -(Ex)-> leave src. */
    uint8_t s0 = src_exclusive ? VIA_RREAD : STRONG;
    s->visit[s0] = gen;
    uint32_t head = 0, tail = 0;
    if (!push(g, &tail, src, s0))
        return -1;
    while (head < tail) {
        struct ul_bfs_item it = g->queue[head++];
        struct ul_node *u = g->node(it.id);
        for (uint32_t i = 0; i < u->nout; i++) {
            struct ul_edge *e = &u->out[i];
            struct ul_node *v = g->node(e->to);
            if (!v || v->gen != e->to_gen || e->to == src)
                continue;
            uint8_t d = e->dep;
            if (it.state == VIA_RREAD)
                d &= UL_DEP_ER | UL_DEP_EN; /* -(xR)-> then -(Sx)-> is not a strong path */
            if (!d)
                continue;
            uint8_t ns = (d & (UL_DEP_SN | UL_DEP_EN)) ? STRONG : VIA_RREAD;
            if (v->visit[STRONG] == gen || (ns == VIA_RREAD && v->visit[VIA_RREAD] == gen))
                continue;
            v->visit[ns] = gen;
            v->par[ns] = it.id;
            v->par_state[ns] = it.state;
            v->par_edge[ns] = i;
            if (match(e->to, ns == VIA_RREAD, arg))
                return unwind_path(g, src, s0, e->to, ns, path, max);
            if (!push(g, &tail, e->to, ns))
                return -1;
        }
    }
    return 0;
}

/* ---- the gated search ------------------------------------------------------------------
 * States are (node, strong or via a recursive read, the gates still common to the path so
 * far); a node keeps a bit per state seen in gvisit. The queue keeps each state's parent. */

struct gitem {
    uint32_t id;
    uint8_t state, mask;
    uint32_t parent; /* index in the queue; UINT32_MAX for the start */
    uint32_t edge;   /* index of the edge into it in the parent's out[] */
};

static bool gpush(struct gitem **q, uint32_t *cap, uint32_t *tail, struct gitem it)
{
    if (*tail == *cap) {
        uint32_t ncap = *cap ? *cap * 2 : 256;
        struct gitem *n = ul_alloc(ncap * sizeof *n);
        if (!n)
            return false;
        if (*cap)
            memcpy(n, *q, *cap * sizeof *n);
        ul_free(*q, *cap * sizeof *n);
        *q = n;
        *cap = ncap;
    }
    (*q)[(*tail)++] = it;
    return true;
}

static bool gseen(struct ul_node *v, uint32_t gen, unsigned state, unsigned mask)
{
    if (v->gvisit_gen != gen) {
        v->gvisit_gen = gen;
        v->gvisit = 0;
    }
    unsigned bit = 1u << (state * 8 + mask);
    /* a strong arrival with the same gates covers a recursive-read one */
    if ((v->gvisit & bit) || (state == VIA_RREAD && (v->gvisit & (1u << (STRONG * 8 + mask)))))
        return true;
    v->gvisit = (uint16_t)(v->gvisit | bit);
    return false;
}

static int gunwind(struct ul_graph *g, const struct gitem *q, uint32_t last, uint32_t dst, uint32_t edge,
                   struct ul_path_step *path, int max)
{
    int len = 1;
    for (uint32_t i = last; q[i].parent != UINT32_MAX; i = q[i].parent)
        len++;
    int k = len - 1;
    uint32_t to = dst, e_idx = edge;
    for (uint32_t i = last;; i = q[i].parent) {
        struct ul_node *from = g->node(q[i].id);
        struct ul_edge *e = &from->out[e_idx];
        if (k < max)
            path[k] = (struct ul_path_step){ .from = q[i].id, .to = to, .stack = e->stack, .dep = e->dep,
                                             .to_modes = e->to_modes };
        k--;
        if (q[i].parent == UINT32_MAX)
            break;
        to = q[i].id;
        e_idx = q[i].edge;
    }
    return len;
}

int ul_graph_find_ungated_cycle(struct ul_graph *g, uint32_t src, unsigned src_mode, uint32_t dst,
                                unsigned dst_mode, const struct ul_gates *gates, struct ul_path_step *path,
                                int max)
{
    struct ul_node *s = g->node(src);
    if (!s || !gates->n || gates->n > UL_GATES)
        return 0;
    uint32_t gen = ++g->bfs_gen;
    uint8_t s0 = src_mode == UL_RREAD ? VIA_RREAD : STRONG;
    uint8_t full = (uint8_t)((1u << gates->n) - 1);
    struct gitem *q = NULL;
    uint32_t cap = 0, head = 0, tail = 0;
    int found = 0;
    gseen(s, gen, s0, full);
    if (!gpush(&q, &cap, &tail, (struct gitem){ src, s0, full, UINT32_MAX, 0 }))
        return -1;
    while (head < tail && !found) {
        struct gitem it = q[head];
        struct ul_node *u = g->node(it.id);
        for (uint32_t i = 0; i < u->nout; i++) {
            struct ul_edge *e = &u->out[i];
            struct ul_node *v = g->node(e->to);
            if (!v || v->gen != e->to_gen)
                continue;
            uint8_t d = e->dep;
            if (it.state == VIA_RREAD)
                d &= UL_DEP_ER | UL_DEP_EN;
            if (!d)
                continue;
            uint8_t ns = (d & (UL_DEP_SN | UL_DEP_EN)) ? STRONG : VIA_RREAD;
            uint8_t nm = (uint8_t)(it.mask & ul_gates_mask(e, gates));
            if (e->to == dst) {
                if (nm == 0 && (dst_mode == UL_WRITE || ns == STRONG)) {
                    found = gunwind(g, q, head, dst, i, path, max);
                    break;
                }
                continue;
            }
            if (gseen(v, gen, ns, nm))
                continue;
            if (!gpush(&q, &cap, &tail, (struct gitem){ e->to, ns, nm, head, i })) {
                found = -1;
                break;
            }
        }
        head++;
    }
    ul_free(q, cap * sizeof *q);
    return found;
}
