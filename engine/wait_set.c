/* The hang watchdog's judgement (wait_set.h); the rule is written out at the top of
 * shim/watchdog.c, which samples the threads' waits and makes the report. */
#include "wait_set.h"

#include <stdlib.h>

bool ul_grow_array(void **p, unsigned *cap, unsigned want, size_t elem)
{
    if (want <= *cap)
        return true;
    unsigned n = want + want / 2 + 16;
    void *q = realloc(*p, (size_t)n * elem);
    if (!q)
        return false;
    *p = q;
    *cap = n;
    return true;
}

int ul_waiter_by_tid(const void *a, const void *b)
{
    const struct ul_waiter *x = a, *y = b;
    return (x->tid > y->tid) - (x->tid < y->tid);
}

static int by_addr(const void *a, const void *b)
{
    const struct ul_lock_owner *x = a, *y = b;
    return (x->addr > y->addr) - (x->addr < y->addr);
}

struct ul_waiter *ul_waiter_find(struct ul_waiter *v, unsigned n, int tid)
{
    struct ul_waiter key = { .tid = tid };
    return n ? bsearch(&key, v, n, sizeof *v, ul_waiter_by_tid) : NULL;
}

bool ul_wait_set_member(const struct ul_wait_set *s, int tid)
{
    const struct ul_waiter *v = ul_waiter_find(s->cur, s->ncur, tid);
    return v && v->in;
}

bool ul_wait_set_owners(struct ul_wait_set *s)
{
    s->nowners = 0;
    if (!ul_grow_array((void **)&s->owners, &s->cap_owners, s->nheld, sizeof *s->owners))
        return false;
    for (unsigned k = 0; k < s->ncur; k++) {
        const struct ul_waiter *v = &s->cur[k];
        if (!v->cand)
            continue;
        for (unsigned i = 0; i < v->nheld; i++) {
            const struct ul_held_copy *c = &s->held[v->held_lo + i];
            if (!c->pending)
                s->owners[s->nowners++] = (struct ul_lock_owner){ c->ref.addr, k };
        }
    }
    if (s->nowners)
        qsort(s->owners, s->nowners, sizeof *s->owners, by_addr);
    return true;
}

/* The first member of the set holding addr (other than `except`), or -1. */
static int holder_in_set(const struct ul_wait_set *s, uintptr_t addr, int except)
{
    struct ul_lock_owner key = { addr, 0 };
    const struct ul_lock_owner *o = s->nowners ? bsearch(&key, s->owners, s->nowners, sizeof key, by_addr) : NULL;
    if (!o)
        return -1;
    while (o > s->owners && o[-1].addr == addr)
        o--;
    for (; o < s->owners + s->nowners && o->addr == addr; o++)
        if (s->cur[o->who].in && (int)o->who != except)
            return (int)o->who;
    return -1;
}

/* Who the waiter v (index k) waits for inside the set, or -1 (none, or anyone: condvar). */
static int blocker(const struct ul_wait_set *s, unsigned k)
{
    const struct ul_waiter *v = &s->cur[k];
    switch (v->w.kind) {
    case UL_WAIT_LOCK: {
        int h = holder_in_set(s, (uintptr_t)v->w.obj, -1);
        if (h >= 0 || v->mode == UL_WRITE)
            return h;
        for (unsigned j = 0; j < s->ncur; j++) /* a reader queued behind a waiting writer */
            if (j != k && s->cur[j].in && s->cur[j].w.kind == UL_WAIT_LOCK && s->cur[j].w.obj == v->w.obj &&
                s->cur[j].mode == UL_WRITE)
                return (int)j;
        return -1;
    }
    case UL_WAIT_JOIN:
        for (unsigned j = 0; j < s->ncur; j++)
            if (s->cur[j].in && s->cur[j].handle && s->cur[j].handle == (uintptr_t)v->w.obj)
                return (int)j;
        return -1;
    default:
        return -1;
    }
}

bool ul_wait_set_stuck(struct ul_wait_set *s)
{
    for (unsigned k = 0; k < s->ncur; k++)
        s->cur[k].in = s->cur[k].cand;
    bool changed = true;
    while (changed) {
        changed = false;
        int outside = -1; /* computed once per round, only if a condvar waiter asks */
        for (unsigned k = 0; k < s->ncur; k++) {
            struct ul_waiter *v = &s->cur[k];
            if (!v->in)
                continue;
            bool stuck;
            if (v->w.kind == UL_WAIT_COND) {
                if (outside < 0)
                    outside = s->someone_outside(s, s->arg);
                stuck = !outside;
            } else {
                stuck = blocker(s, k) >= 0;
            }
            if (!stuck) {
                v->in = false;
                changed = true;
                outside = -1;
            }
        }
    }
    for (unsigned k = 0; k < s->ncur; k++)
        if (s->cur[k].in && s->cur[k].w.kind == UL_WAIT_LOCK)
            return true;
    return false;
}

uint64_t ul_wait_set_signature(const struct ul_wait_set *s)
{
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (unsigned k = 0; k < s->ncur; k++) {
        const struct ul_waiter *v = &s->cur[k];
        if (!v->in)
            continue;
        h ^= (uint64_t)(uint32_t)v->tid * 0xff51afd7ed558ccdull + (uintptr_t)v->w.obj + ((uint64_t)v->w.seq << 32);
        h *= 0xc4ceb9fe1a85ec53ull;
        h ^= h >> 29;
    }
    return h ? h : 1;
}

unsigned ul_wait_set_order(struct ul_wait_set *s, int *order, unsigned *n)
{
    unsigned m = 0, cyc = 0;
    for (unsigned k = 0; k < s->ncur; k++) {
        s->cur[k].order = -1;
        s->cur[k].next = s->cur[k].in ? blocker(s, k) : -1;
    }
    for (unsigned k = 0; k < s->ncur && !cyc; k++) {
        if (!s->cur[k].in || s->cur[k].w.kind != UL_WAIT_LOCK)
            continue;
        /* walk from k; a revisit closes a cycle */
        int path[64];
        unsigned len = 0;
        int c = (int)k;
        while (c >= 0 && len < 64) {
            unsigned at = 0;
            while (at < len && path[at] != c)
                at++;
            if (at < len) {
                for (unsigned i = at; i < len; i++)
                    order[m++] = path[i];
                cyc = len - at;
                break;
            }
            path[len++] = c;
            c = s->cur[c].next;
        }
    }
    for (unsigned i = 0; i < m; i++)
        s->cur[order[i]].order = (int)i;
    for (int kind = UL_WAIT_LOCK; kind <= UL_WAIT_JOIN; kind++)
        for (unsigned k = 0; k < s->ncur; k++)
            if (s->cur[k].in && s->cur[k].order < 0 && s->cur[k].w.kind == kind) {
                s->cur[k].order = (int)m;
                order[m++] = (int)k;
            }
    *n = m;
    return cyc;
}

