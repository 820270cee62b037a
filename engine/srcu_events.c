/* SRCU as lockdep sees it since Linux 6.4: srcu_read_lock is a recursive-read acquisition
 * of the domain, srcu_read_unlock its release, and synchronize_srcu / _expedited /
 * srcu_barrier a lock_sync (checked like a write acquisition, never held). On top, the
 * checks of "suspicious RCU usage": a grace-period wait inside a read section of the same
 * domain or from a signal handler, an unlock with the wrong index or in another context
 * than its lock, and cleanup with readers still inside. */
#include "glock.h"
#include "instance.h"
#include "internal.h"
#include "srcu_read_site.h"

void report_srcu_misuse(struct ul_thread *t, struct ul_instance *inst, unsigned mode, uintptr_t ip,
                        const struct ul_misuse_info *m)
{
    struct ul_class *cls = atomic_load_explicit(&inst->cls, memory_order_relaxed);
    uint64_t key = ul_hash3(UL_P_SRCU_MISUSE, cls->id, (uint64_t)ip << 4 | m->check);
    if (already_reported(key))
        return; /* before capturing a stack: a repeated misuse costs a lookup */
    struct ctx c;
    ctx_init(&c, t);
    ctx_capture(&c);
    ul_flock_lock(&ul_glock);
    struct ul_lockref r = ref_of_instance(inst, mode, ip);
    if (first_time(&c, key)) {
        struct ul_problem *p = queue_problem(&c, UL_P_SRCU_MISUSE, 0);
        if (p) {
            p->misuse = *m;
            p->target = r;
        }
    }
    ul_flock_unlock(&ul_glock);
    ctx_flush(&c);
}

/* The stack of an srcu_read_lock at call site ip, for the report of cleanup_srcu_struct
 * with readers inside. Readers are a fast path: the stack is captured the first time this
 * thread reads at that call site, and found again in a small per-thread table by call site
 * (one load and compare; a call site that lost its slot to another is captured again). So a
 * reader shows the stack of its thread's first srcu_read_lock at the same place: the same
 * innermost frame, the same callers unless that place is reached from several. */
static uint32_t read_site_stack(struct ul_thread *t, uintptr_t ip)
{
    uint32_t known;
    if (likely(ul_srcu_site_known(t, ip, &known)))
        return known;
    uint64_t h = ul_srcu_site_hash(ip);
    struct ctx c;
    ctx_init(&c, t);
    ctx_capture(&c);
    ul_flock_lock(&ul_glock);
    uint32_t id = ctx_stack(&c);
    ul_flock_unlock(&ul_glock);
    __atomic_store_n(ul_srcu_site_slot(t, h), h << 32 | id, __ATOMIC_RELAXED); /* one store */
    return id;
}

void ul_on_srcu_lock(struct ul_thread *t, void *ssp, int idx, uintptr_t ip)
{
    if (ul_on_acquire(t, ssp, UL_KIND_SRCU, UL_RREAD, UL_F_NOWAIT | UL_F_AUX(idx), ip) == UL_T_PUSHED &&
        t->held[t->depth - 1].addr == (uintptr_t)ssp)
        t->held[t->depth - 1].read_stack = read_site_stack(t, ip);
}

void ul_on_srcu_unlock(struct ul_thread *t, void *ssp, int idx, uintptr_t ip)
{
    if (!atomic_load_explicit(&enabled, memory_order_relaxed))
        return;
    uintptr_t addr = (uintptr_t)ssp;
    uint8_t want = (uint8_t)idx;
    int exact = -1, other_ctx = -1, wrong_idx = -1, other_wrong = -1;
    for (int k = (int)t->depth - 1; k >= 0; k--) {
        const struct ul_held *h = &t->held[k];
        if (h->addr != addr)
            continue;
        if (h->ctx == t->sig_depth) {
            if (h->aux == want && exact < 0)
                exact = k;
            if (wrong_idx < 0)
                wrong_idx = k;
        } else if (h->aux == want) {
            if (other_ctx < 0)
                other_ctx = k;
        } else if (other_wrong < 0) {
            other_wrong = k;
        }
    }
    if (exact >= 0) {
        remove_held(t, (uint32_t)exact);
        return;
    }
    struct ul_instance *inst = engine_instance(t, addr, UL_KIND_SRCU);
    if (!inst)
        return;
    /* Both wrong (other_wrong): the only read section of this domain is another context's,
     * and its index is not this one. */
    int k = other_ctx >= 0 ? other_ctx : wrong_idx >= 0 ? wrong_idx : other_wrong;
    if (k < 0)
        return; /* nothing held: a read section entered before tracing started */
    const struct ul_held *h = &t->held[k];
    const struct ul_misuse_info m = {
        .check = other_ctx >= 0 ? UL_MISUSE_UNLOCK_CONTEXT : wrong_idx >= 0 ? UL_MISUSE_UNLOCK_INDEX : UL_MISUSE_UNLOCK_BOTH,
        .ctx = ul_context_signo(t, t->sig_depth), .lock_ctx = ul_context_signo(t, h->ctx),
        .idx = idx, .lock_idx = h->aux,
    };
    report_srcu_misuse(t, inst, UL_RREAD, ip, &m);
    remove_held(t, (uint32_t)k);
}

void ul_on_srcu_sync(struct ul_thread *t, void *ssp, const char *fn, uintptr_t ip)
{
    if (!atomic_load_explicit(&enabled, memory_order_relaxed))
        return;
    struct ul_instance *inst = engine_instance(t, (uintptr_t)ssp, UL_KIND_SRCU);
    if (!inst)
        return;
    if (t->sig_depth) {
        const struct ul_misuse_info m = { .check = UL_MISUSE_SYNC_IN_HANDLER, .fn = fn,
                                          .ctx = ul_context_signo(t, t->sig_depth) };
        report_srcu_misuse(t, inst, UL_RREAD, ip, &m);
    }
    for (uint32_t k = 0; k < t->depth; k++)
        if (t->held[k].addr == (uintptr_t)ssp) {
            const struct ul_misuse_info m = { .check = UL_MISUSE_SYNC_IN_READER, .fn = fn };
            report_srcu_misuse(t, inst, UL_RREAD, ip, &m);
            return; /* a certain self-deadlock; no dependency from it */
        }
    ul_on_acquire(t, ssp, UL_KIND_SRCU, UL_WRITE, UL_F_SYNC, ip);
}

void ul_on_srcu_cleanup(struct ul_thread *t, void *ssp, bool busy, uintptr_t ip)
{
    if (!atomic_load_explicit(&enabled, memory_order_relaxed))
        return;
    struct ul_instance *inst = ul_instance_find((uintptr_t)ssp);
    if (!inst)
        return;
    if (!busy) {
        ul_on_destroy(t, ssp, 0);
        return;
    }
    struct ctx c;
    ctx_init(&c, t);
    ctx_capture(&c);
    ul_flock_lock(&ul_glock);
    struct ul_lockref r = ref_of_instance(inst, UL_RREAD, ip);
    if (first_time(&c, ul_hash3(UL_P_SRCU_MISUSE, r.cls->id, UL_MISUSE_CLEANUP_BUSY ^ ip))) {
        /* Every thread's read sections of this domain, read under the graph lock (held
         * stacks only move under it). */
        unsigned n = 0;
        for (struct ul_thread *o = ul_thread_first(); o; o = o->reg_next) {
            uint32_t depth = o->depth < o->cap ? o->depth : o->cap;
            for (uint32_t k = 0; k < depth; k++)
                n += o->held[k].addr == (uintptr_t)ssp;
        }
        if (n > 64)
            n = 64;
        struct ul_problem *p;
        struct ul_srcu_reader *readers = queue_problem_extra(&c, UL_P_SRCU_MISUSE, 0, n * sizeof *readers, &p);
        if (p) {
            unsigned m = 0;
            for (struct ul_thread *o = ul_thread_first(); o && m < n; o = o->reg_next) {
                uint32_t depth = o->depth < o->cap ? o->depth : o->cap;
                for (uint32_t k = 0; k < depth && m < n; k++)
                    if (o->held[k].addr == (uintptr_t)ssp) {
                        readers[m].tid = o->tid;
                        uint8_t ctx = o->held[k].ctx;
                        readers[m].signo = ctx && ctx <= UL_SIG_MAX_DEPTH ? o->sig[ctx].signo : 0;
                        readers[m].lock = ref_of_held(&o->held[k]);
                        readers[m].stack = o->held[k].read_stack;
                        m++;
                    }
            }
            p->readers = readers;
            p->nreaders = m;
            p->target = r;
            p->misuse.check = UL_MISUSE_CLEANUP_BUSY;
        }
    }
    ul_flock_unlock(&ul_glock);
    ctx_flush(&c);
}
