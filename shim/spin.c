/* pthread_spin_* */
#include "interpose.h"

UL_EXPORT int pthread_spin_init(pthread_spinlock_t *l, int pshared)
{
    int r = REAL(pthread_spin_init)(l, pshared);
    struct ul_thread *t;
    if (r == 0 && !UL_BAD_LOCK_PTR(l) && (t = ul_enter())) {
        ul_on_init(t, (void *)l, UL_KIND_SPIN);
        ul_leave();
    }
    return r;
}

UL_EXPORT int pthread_spin_destroy(pthread_spinlock_t *l)
{
    struct ul_thread *t = UL_BAD_LOCK_PTR(l) ? NULL : ul_enter();
    if (t) {
        ul_on_destroy(t, (void *)l, sizeof *l);
        ul_leave();
    }
    return REAL(pthread_spin_destroy)(l);
}

UL_EXPORT int pthread_spin_lock(pthread_spinlock_t *l)
{
    UL_BLOCKING_ACQUIRE((void *)l, UL_KIND_SPIN, UL_WRITE, 0, REAL(pthread_spin_lock)(l), UL_PTHREAD_OK);
}

UL_EXPORT int pthread_spin_trylock(pthread_spinlock_t *l)
{
    UL_TRY_ACQUIRE((void *)l, UL_KIND_SPIN, UL_WRITE, 0, REAL(pthread_spin_trylock)(l), UL_PTHREAD_OK);
}

UL_EXPORT int pthread_spin_unlock(pthread_spinlock_t *l)
{
    UL_RELEASE((void *)l, UL_KIND_SPIN, ul_spin_unlock_hint(l), REAL(pthread_spin_unlock)(l));
}
