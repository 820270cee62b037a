/* The bundled SRCU library, traced as lockdep traces SRCU: readers are recursive readers
 * of the domain, grace-period waits a lock_sync on it (engine/srcu_events.c). These
 * definitions come before libulockdep-srcu.so's in symbol lookup; each calls the real one. */
#include "shim.h"
#include "ulockdep/srcu.h"

UL_EXPORT int srcu_read_lock(struct srcu_struct *ssp)
{
    int idx = REAL(srcu_read_lock)(ssp);
    struct ul_thread *t = ul_enter();
    if (t) {
        ul_on_srcu_lock(t, ssp, idx, UL_CALLER);
        ul_leave();
    }
    return idx;
}

UL_EXPORT void srcu_read_unlock(struct srcu_struct *ssp, int idx)
{
    struct ul_thread *t = ul_enter();
    if (t) {
        ul_on_srcu_unlock(t, ssp, idx, UL_CALLER);
        ul_leave();
    }
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
