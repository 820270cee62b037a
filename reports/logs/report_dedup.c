/* `ulockdep report`: merging identical problems. Two reports are the same problem when they
 * have the same kind, the same lock classes and the same sites: for a cycle, each dependency
 * with the function where it was taken (the first frame of its stack), in any rotation (which
 * edge closed the cycle depends on timing); otherwise the locks with the functions that took
 * them, and the function that made the report (first frame of the reporting stack). The rest
 * of the stacks is left out -- one inversion reached from many tests through different
 * callers is one bug -- and so are pids, thread ids, addresses and thread names: the same bug
 * found by many processes of many runs (or machines) is one problem with a count. */
#include "logs.h"

#include <stdlib.h>
#include <string.h>

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The site of a stack: the function of its first frame. */
static void site_key(struct ul_strbuf *b, json_object *frames)
{
    char fb[512];
    if (frames && json_object_array_length(frames))
        ul_sb_puts(b, rp_frame_function(json_object_array_get_idx(frames, 0), fb, sizeof fb));
    else
        ul_sb_puts(b, "-");
}

static const char *class_of(json_object *lock)
{
    const char *c = rp_str(lock, "class");
    return c ? c : rp_str(lock, "name") ? rp_str(lock, "name") : "?";
}

/* The n strings of v (taken: freed with v) sorted, each on a line after prefix: an order
 * that does not depend on which came first. */
static void sorted_lines(struct ul_strbuf *b, const char *prefix, char **v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_str);
    for (size_t i = 0; i < n; i++) {
        ul_sb_printf(b, "%s %s\n", prefix, v[i]);
        free(v[i]);
    }
    free(v);
}

/* The cycle's edges, each "from>to:site", sorted. */
static void cycle_key(struct ul_strbuf *b, json_object *cycle)
{
    size_t n = json_object_array_length(cycle);
    char **edges = rp_xmalloc(n * sizeof *edges);
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(cycle, i);
        struct ul_strbuf eb = { 0 };
        ul_sb_printf(&eb, "%s>%s:", rp_str(e, "from"), rp_str(e, "to"));
        site_key(&eb, rp_arr(e, "stack"));
        edges[i] = rp_take(&eb);
    }
    sorted_lines(b, "edge", edges, n);
}

/* A deadlock: each blocked thread's held locks, the lock it waits for and where, sorted
 * (thread ids and the order the watchdog found them in do not matter). */
static void threads_key(struct ul_strbuf *b, json_object *threads)
{
    size_t n = threads ? json_object_array_length(threads) : 0;
    if (!n)
        return;
    char **v = rp_xmalloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        json_object *t = json_object_array_get_idx(threads, i), *w = rp_obj(t, "waiting_for");
        json_object *holding = rp_arr(t, "holding");
        struct ul_strbuf tb = { 0 };
        for (size_t j = 0; holding && j < json_object_array_length(holding); j++)
            ul_sb_printf(&tb, "%s,", class_of(json_object_array_get_idx(holding, j)));
        char fb[512];
        json_object *at = w ? rp_obj(w, "at") : NULL;
        ul_sb_printf(&tb, ">%s@%s", w ? class_of(w) : rp_str(t, "wait") ? rp_str(t, "wait") : "-",
                     at ? rp_frame_function(at, fb, sizeof fb) : "-");
        v[i] = rp_take(&tb);
    }
    sorted_lines(b, "thread", v, n);
}

static char *problem_key(json_object *o)
{
    struct ul_strbuf b = { 0 };
    const char *kind = rp_str(o, "kind");
    ul_sb_printf(&b, "kind %s\n", kind);
    json_object *cycle = rp_arr(o, "cycle");
    if (cycle && json_object_array_length(cycle)) {
        cycle_key(&b, cycle);
        if (!strcmp(kind, "circular"))
            return rp_take(&b);
    }
    json_object *chain = rp_arr(o, "chain");
    if (chain && json_object_array_length(chain))
        cycle_key(&b, chain);
    threads_key(&b, rp_arr(o, "threads"));
    json_object *locks = rp_arr(o, "locks");
    size_t n = locks ? json_object_array_length(locks) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *l = json_object_array_get_idx(locks, i);
        char fb[512];
        json_object *at = rp_obj(l, "at");
        ul_sb_printf(&b, "lock %s at %s\n", class_of(l), at ? rp_frame_function(at, fb, sizeof fb) : "-");
    }
    ul_sb_puts(&b, "reported in ");
    site_key(&b, rp_arr(o, "stack"));
    ul_sb_puts(&b, "\n");
    return rp_take(&b);
}

/* Two FNV-1a 64-bit hashes with different offset bases: 128 bits as 32 hex digits. */
static void fingerprint(const char *key, char out[33])
{
    uint64_t h1 = 0xcbf29ce484222325ull, h2 = 0x84222325cbf29ce4ull;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h1 = (h1 ^ *p) * 0x100000001b3ull;
        h2 = (h2 ^ *p) * 0x100000001b3ull;
        h2 ^= h2 >> 29;
    }
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)h1, (unsigned long long)h2);
}

static void add_run(struct rp_problem *p, long pid, const char *exe, const char *cmdline, const char *log,
                    unsigned count, unsigned source)
{
    for (size_t i = 0; i < p->nruns; i++) {
        struct rp_run *r = &p->runs[i];
        if (r->pid == pid && !strcmp(r->exe, exe ? exe : "") && !strcmp(r->log, log ? log : "")) {
            r->count += count;
            return;
        }
    }
    if (p->nruns == p->capruns) {
        p->capruns = p->capruns ? 2 * p->capruns : 4;
        p->runs = rp_xrealloc(p->runs, p->capruns * sizeof *p->runs);
    }
    p->runs[p->nruns++] = (struct rp_run){ pid, rp_xstrdup(exe), rp_xstrdup(cmdline), rp_xstrdup(log), count, source };
}

/* A report that is itself a merged problem (the output of --format=json read back) brings
 * its count and runs along; a cross-run cycle (`ulockdep merge --format=json`: "runs" without
 * "count") is one report made from the dependencies of several processes. */
static void add_runs_of(struct rp_problem *p, json_object *o, const char *file, unsigned source)
{
    json_object *runs = rp_arr(o, "runs");
    long count = rp_int(o, "count", 0);
    size_t n = runs ? json_object_array_length(runs) : 0;
    if (n) {
        for (size_t i = 0; i < n; i++) {
            json_object *r = json_object_array_get_idx(runs, i);
            long c = count > 0 ? rp_int(r, "count", 1) : 1;
            const char *cmd = rp_str(r, "cmdline") ? rp_str(r, "cmdline") : rp_str(r, "command");
            const char *log = rp_str(r, "log") ? rp_str(r, "log") : rp_str(r, "file") ? rp_str(r, "file") : file;
            add_run(p, rp_int(r, "pid", 0), rp_str(r, "exe"), cmd, log, c > 0 ? (unsigned)c : 1, source);
        }
        p->count += count > 0 ? (unsigned)count : 1;
        return;
    }
    add_run(p, rp_int(o, "pid", 0), rp_str(o, "exe"), rp_str(o, "cmdline"), file, 1, source);
    p->count++;
}

void rp_set_add(struct rp_set *set, json_object *obj, const char *file, unsigned line)
{
    set->reports++;
    char *key = problem_key(obj);
    for (size_t i = 0; i < set->n; i++) {
        struct rp_problem *p = &set->v[i];
        if (!strcmp(p->key, key)) {
            add_runs_of(p, obj, file, set->source);
            json_object_put(obj);
            free(key);
            return;
        }
    }
    if (set->n == set->cap) {
        set->cap = set->cap ? 2 * set->cap : 16;
        set->v = rp_xrealloc(set->v, set->cap * sizeof *set->v);
    }
    struct rp_problem *p = &set->v[set->n++];
    memset(p, 0, sizeof *p);
    p->obj = obj;
    p->key = key;
    fingerprint(key, p->fingerprint);
    size_t wl = strlen(file) + 16;
    p->where = rp_xmalloc(wl);
    snprintf(p->where, wl, "%s:%u", file, line);
    add_runs_of(p, obj, file, set->source);
}

size_t rp_set_processes(const struct rp_set *set)
{
    /* Distinct (pid, exe, log) over all problems; sets are small, so quadratic is fine. */
    size_t n = 0;
    for (size_t i = 0; i < set->n; i++) {
        for (size_t j = 0; j < set->v[i].nruns; j++) {
            const struct rp_run *r = &set->v[i].runs[j];
            bool seen = false;
            for (size_t k = 0; k <= i && !seen; k++) {
                size_t lim = k == i ? j : set->v[k].nruns;
                for (size_t m = 0; m < lim && !seen; m++) {
                    const struct rp_run *q = &set->v[k].runs[m];
                    seen = q->pid == r->pid && !strcmp(q->exe, r->exe) && !strcmp(q->log, r->log);
                }
            }
            n += !seen;
        }
    }
    return n;
}

void rp_set_free(struct rp_set *set)
{
    rp_lockstat_free(set);
    for (size_t i = 0; i < set->n; i++) {
        struct rp_problem *p = &set->v[i];
        json_object_put(p->obj);
        free(p->key);
        free(p->where);
        for (size_t j = 0; j < p->nruns; j++) {
            free(p->runs[j].exe);
            free(p->runs[j].cmdline);
            free(p->runs[j].log);
        }
        free(p->runs);
    }
    free(set->v);
    for (size_t i = 0; i < set->nmessages; i++)
        free(set->messages[i]);
    free(set->messages);
    memset(set, 0, sizeof *set);
}
