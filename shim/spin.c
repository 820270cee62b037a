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

UL_SLOW int spin_lock_slow(pthread_spinlock_t *l, uintptr_t caller)
{
    UL_BLOCKING_ACQUIRE_AT((void *)l, UL_KIND_SPIN, UL_WRITE, 0, REAL(pthread_spin_lock)(l), UL_PTHREAD_OK, caller,
                           "pthread_spin_lock");
}

/* Fast path: pthread_spin_lock always returns 0 (nothing to undo). */
UL_FAST_MISSED(spin_lock_missed, pthread_spinlock_t *, UL_KIND_SPIN, ul_real_pthread_spin_lock)

UL_EXPORT int pthread_spin_lock(pthread_spinlock_t *l)
{
    if (UL_BAD_LOCK_PTR(l))
        return spin_lock_slow(l, UL_CALLER); /* the program's bug: it calls libc, reads nothing */
    int f = ul_fast_acquire((void *)l, UL_WRITE, 0, UL_CALLER);
    if (ul_likely(f == UL_FAST_DONE))
        return ul_real_pthread_spin_lock(l);
    if (f == UL_FAST_MISS)
        return spin_lock_missed(l, UL_WRITE, 0, UL_CALLER);
    return spin_lock_slow(l, UL_CALLER);
}

UL_EXPORT int pthread_spin_trylock(pthread_spinlock_t *l)
{
    UL_TRY_ACQUIRE((void *)l, UL_KIND_SPIN, UL_WRITE, 0, REAL(pthread_spin_trylock)(l), UL_PTHREAD_OK);
}

UL_SLOW int spin_unlock_slow(pthread_spinlock_t *l, uintptr_t caller)
{
    UL_RELEASE_AT((void *)l, UL_KIND_SPIN, ul_spin_unlock_hint(l), REAL(pthread_spin_unlock)(l), caller);
}

UL_EXPORT int pthread_spin_unlock(pthread_spinlock_t *l)
{
    if (ul_likely(ul_fast_release((void *)l)))
        return ul_real_pthread_spin_unlock(l);
    return spin_unlock_slow(l, UL_CALLER);
}
