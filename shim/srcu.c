/* The bundled SRCU library, traced as lockdep traces SRCU: readers are recursive readers
 * of the domain, grace-period waits a lock_sync on it (engine/srcu_events.c). These
 * definitions come before libulockdep-srcu.so's in symbol lookup; each calls the real one. */
#include "interpose.h"
#include "srcu_read_site.h"
#include "ulockdep/srcu.h"

/* The read side's fast path, like the pthread locks' (interpose.h): a reader whose
 * acquisition (this chain, this domain) is in the thread's acquisition cache, with no lock
 * of a possibly-same class held, at a call site whose stack the thread knows already, is a
 * push; the unlock of the top reader with its own index is a pop. Everything else (a first
 * read here, nested readers of one domain, a reader in a signal handler, an unlock out of
 * order or with another index) takes the engine's full path, which checks it. */
static inline __attribute__((always_inline)) bool srcu_fast_lock(struct srcu_struct *ssp, int idx, uintptr_t ip)
{
    struct ul_thread *t = ul_fast_begin(false); /* SRCU readers have no wait hooks */
    if (ul_unlikely(!t))
        return false;
    bool done = false;
    unsigned flags = UL_F_NOWAIT | UL_F_AUX(idx);
    struct ul_acache_entry *e = ul_acache_find(t, (uintptr_t)ssp, UL_RREAD, flags);
    uint32_t site;
    if (ul_likely(e != NULL) && ul_likely(!t->class_count[e->slot]) && ul_likely(ul_srcu_site_known(t, ip, &site))) {
        ul_acache_push_ctx(t, e, (uintptr_t)ssp, UL_RREAD, flags, ip, 0);
        t->held[t->depth - 1].read_stack = site;
        done = true;
    }
    ul_fast_end();
    return done;
}

static inline __attribute__((always_inline)) bool srcu_fast_unlock(struct srcu_struct *ssp, int idx)
{
    struct ul_thread *t = ul_self;
    if (ul_unlikely(!t) || ul_unlikely(ul_busy))
        return false;
    ul_busy = 1;
    __asm__ __volatile__("" ::: "memory");
    uint32_t d = t->depth;
    bool done = d && t->held[d - 1].aux == (uint8_t)idx && ul_release_top(t, (uintptr_t)ssp);
    ul_fast_end();
    return done;
}

static __attribute__((noinline)) void srcu_lock_slow(struct srcu_struct *ssp, int idx, uintptr_t caller)
{
    struct ul_thread *t = ul_enter();
    if (t) {
        ul_on_srcu_lock(t, ssp, idx, caller);
        ul_leave();
    }
}

static __attribute__((noinline)) void srcu_unlock_slow(struct srcu_struct *ssp, int idx, uintptr_t caller)
{
    struct ul_thread *t = ul_enter();
    if (t) {
        ul_on_srcu_unlock(t, ssp, idx, caller);
        ul_leave();
    }
}

UL_EXPORT int srcu_read_lock(struct srcu_struct *ssp)
{
    int idx = REAL(srcu_read_lock)(ssp);
    if (ul_unlikely(!srcu_fast_lock(ssp, idx, UL_CALLER)))
        srcu_lock_slow(ssp, idx, UL_CALLER);
    return idx;
}

UL_EXPORT void srcu_read_unlock(struct srcu_struct *ssp, int idx)
{
    if (ul_unlikely(!srcu_fast_unlock(ssp, idx)))
        srcu_unlock_slow(ssp, idx, UL_CALLER);
    REAL(srcu_read_unlock)(ssp, idx);
}

#define GRACE_PERIOD_WAIT(name)                                                                  \
    UL_EXPORT void name(struct srcu_struct *ssp)                                                 \
    {                                                                                            \
        struct ul_thread *t = ul_enter();                                                        \
        if (t) {                                                                                 \
            ul_on_srcu_sync(t, ssp, #name, UL_CALLER);                                           \
            ul_leave();                                                                          \
        }                                                                                        \
        REAL(name)(ssp);                                                                         \
    }
GRACE_PERIOD_WAIT(synchronize_srcu)
GRACE_PERIOD_WAIT(synchronize_srcu_expedited)
GRACE_PERIOD_WAIT(srcu_barrier)

UL_EXPORT int init_srcu_struct(struct srcu_struct *ssp)
{
    int r = REAL(init_srcu_struct)(ssp);
    struct ul_thread *t;
    if (r == 0 && (t = ul_enter())) {
        ul_on_init(t, ssp, UL_KIND_SRCU);
        ul_leave();
    }
    return r;
}

UL_EXPORT int init_srcu_struct_named(struct srcu_struct *ssp, const char *name)
{
    int r = REAL(init_srcu_struct_named)(ssp, name);
    struct ul_thread *t;
    if (r == 0 && (t = ul_enter())) {
        ul_on_init(t, ssp, UL_KIND_SRCU);
        ul_on_set_name(t, ssp, name);
        ul_leave();
    }
    return r;
}

UL_EXPORT int cleanup_srcu_struct(struct srcu_struct *ssp)
{
    int r = REAL(cleanup_srcu_struct)(ssp);
    struct ul_thread *t = ul_enter();
    if (t) {
        ul_on_srcu_cleanup(t, ssp, r != 0, UL_CALLER);
        ul_leave();
    }
    return r;
}
