/* SRCU as lockdep sees it since Linux 6.4: srcu_read_lock is a recursive-read acquisition
 * of the domain, srcu_read_unlock its release, and synchronize_srcu / _expedited /
 * srcu_barrier a lock_sync (checked like a write acquisition, never held). On top, the
 * checks of "suspicious RCU usage": a grace-period wait inside a read section of the same
 * domain or from a signal handler, an unlock with the wrong index or in another context
 * than its lock, and cleanup with readers still inside. */
#include <stdarg.h>
#include <stdio.h>

#include "glock.h"
#include "instance.h"
#include "internal.h"

static const char *signame(int signo, char *buf, size_t len)
{
    static const char *names[] = { [1] = "SIGHUP", [2] = "SIGINT", [3] = "SIGQUIT", [4] = "SIGILL",
                                   [5] = "SIGTRAP", [6] = "SIGABRT", [7] = "SIGBUS", [8] = "SIGFPE",
                                   [10] = "SIGUSR1", [11] = "SIGSEGV", [12] = "SIGUSR2", [13] = "SIGPIPE",
                                   [14] = "SIGALRM", [15] = "SIGTERM", [17] = "SIGCHLD", [18] = "SIGCONT",
                                   [20] = "SIGTSTP", [23] = "SIGURG", [26] = "SIGVTALRM", [27] = "SIGPROF",
                                   [28] = "SIGWINCH", [29] = "SIGIO" };
    if (signo > 0 && signo < (int)(sizeof names / sizeof *names) && names[signo])
        return names[signo];
    snprintf(buf, len, "signal %d", signo);
    return buf;
}

/* Queues an srcu_misuse about the domain `inst`, once per (domain, check, call site). */
__attribute__((format(printf, 5, 6)))
static void misuse(struct ul_thread *t, struct ul_instance *inst, uintptr_t ip, unsigned check, const char *fmt, ...)
{
    struct ctx c;
    ctx_init(&c, t);
    ctx_capture(&c);
    ul_flock_lock(&ul_glock);
    struct ul_lockref r = ref_of_instance(inst, UL_RREAD, ip);
    if (first_time(&c, ul_hash3(UL_P_SRCU_MISUSE, r.cls->id, (uint64_t)ip << 4 | check))) {
        struct ul_problem *p;
        char *msg = queue_problem_extra(&c, UL_P_SRCU_MISUSE, 0, 256, &p);
        if (p) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(msg, 256, fmt, ap);
            va_end(ap);
            p->message = msg;
            p->target = r;
        }
    }
    ul_flock_unlock(&ul_glock);
    ctx_flush(&c);
}

/* Where a read section was entered, in words. */
static const char *context_name(const struct ul_thread *t, uint8_t ctx, char *buf, size_t len)
{
    char sb[24];
    if (ctx == 0)
        return "thread context";
    if (ctx > UL_SIG_MAX_DEPTH)
        return "a signal handler that has returned";
    snprintf(buf, len, "the %s handler", signame(t->sig[ctx].signo, sb, sizeof sb));
    return buf;
}

void ul_on_srcu_lock(struct ul_thread *t, void *ssp, int idx, uintptr_t ip)
{
    ul_on_acquire(t, ssp, UL_KIND_SRCU, UL_RREAD, UL_F_NOWAIT | UL_F_AUX(idx), ip);
}

void ul_on_srcu_unlock(struct ul_thread *t, void *ssp, int idx, uintptr_t ip)
{
    if (!atomic_load_explicit(&enabled, memory_order_relaxed))
        return;
    uintptr_t addr = (uintptr_t)ssp;
    uint8_t want = (uint8_t)idx;
    int exact = -1, other_ctx = -1, wrong_idx = -1;
    for (int k = (int)t->depth - 1; k >= 0; k--) {
        const struct ul_held *h = &t->held[k];
        if (h->addr != addr)
            continue;
        if (h->ctx == t->sig_depth) {
            if (h->aux == want && exact < 0)
                exact = k;
            if (wrong_idx < 0)
                wrong_idx = k;
        } else if (h->aux == want && other_ctx < 0) {
            other_ctx = k;
        }
    }
    if (exact >= 0) {
        remove_held(t, (uint32_t)exact);
        return;
    }
    struct ul_instance *inst = engine_instance(t, addr, UL_KIND_SRCU);
    if (!inst)
        return;
    if (other_ctx >= 0) {
        char b1[40], b2[40];
        misuse(t, inst, ip, 1, "srcu_read_unlock() in %s of a read section entered in %s!",
               context_name(t, t->sig_depth, b1, sizeof b1), context_name(t, t->held[other_ctx].ctx, b2, sizeof b2));
        remove_held(t, (uint32_t)other_ctx);
    } else if (wrong_idx >= 0) {
        misuse(t, inst, ip, 2, "srcu_read_unlock() with index %d, but srcu_read_lock() returned %d!", idx,
               t->held[wrong_idx].aux);
        remove_held(t, (uint32_t)wrong_idx);
    }
    /* Nothing held: a read section entered before tracing started. */
}

void ul_on_srcu_sync(struct ul_thread *t, void *ssp, const char *fn, uintptr_t ip)
{
    if (!atomic_load_explicit(&enabled, memory_order_relaxed))
        return;
    struct ul_instance *inst = engine_instance(t, (uintptr_t)ssp, UL_KIND_SRCU);
    if (!inst)
        return;
    if (t->sig_depth) {
        char b[40];
        misuse(t, inst, ip, 3, "Illegal %s() in %s: it blocks, and the code it interrupted may be a reader!", fn,
               context_name(t, t->sig_depth, b, sizeof b));
    }
    for (uint32_t k = 0; k < t->depth; k++)
        if (t->held[k].addr == (uintptr_t)ssp) {
            misuse(t, inst, ip, 4, "Illegal %s() in same-type SRCU read-side critical section!", fn);
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
    if (first_time(&c, ul_hash3(UL_P_SRCU_MISUSE, r.cls->id, 5 ^ ip))) {
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
                        m++;
                    }
            }
            p->readers = readers;
            p->nreaders = m;
            p->target = r;
            p->message = m ? "cleanup_srcu_struct() with readers still in read-side critical sections!"
                           : "cleanup_srcu_struct() with readers still in read-side critical sections "
                             "(entered before tracing, or in threads that have exited)!";
        }
    }
    ul_flock_unlock(&ul_glock);
    ctx_flush(&c);
}
