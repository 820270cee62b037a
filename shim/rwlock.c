/* pthread_rwlock_*: readers are recursive-read acquisitions (see lockword.c). */
#include "interpose.h"

UL_EXPORT int pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *attr)
{
    int r = REAL(pthread_rwlock_init)(l, attr);
    struct ul_thread *t;
    if (r == 0 && !UL_BAD_LOCK_PTR(l) && (t = ul_enter())) {
        ul_on_init(t, l, UL_KIND_RWLOCK);
        ul_leave();
    }
    return r;
}

UL_EXPORT int pthread_rwlock_destroy(pthread_rwlock_t *l)
{
    struct ul_thread *t = UL_BAD_LOCK_PTR(l) ? NULL : ul_enter();
    if (t) {
        ul_on_destroy(t, l, sizeof *l);
        ul_leave();
    }
    return REAL(pthread_rwlock_destroy)(l);
}

UL_SLOW int rwlock_rdlock_slow(pthread_rwlock_t *l, uintptr_t caller)
{
    UL_BLOCKING_ACQUIRE_AT(l, UL_KIND_RWLOCK, ul_rwlock_read_mode_inline(l), 0, REAL(pthread_rwlock_rdlock)(l),
                           UL_PTHREAD_OK, caller,
                           "pthread_rwlock_rdlock");
}

/* Fast path: glibc's rdlock fails only with EDEADLK when the caller holds it as a writer
 * (then its class is held: slow path) and with EAGAIN at 2^29 concurrent readers. */
UL_FAST_MISSED(rwlock_rdlock_missed, pthread_rwlock_t *, UL_KIND_RWLOCK, ul_real_pthread_rwlock_rdlock)

UL_EXPORT int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
    if (UL_BAD_LOCK_PTR(l))
        return rwlock_rdlock_slow(l, UL_CALLER); /* the program's bug: it calls libc, reads nothing */
    unsigned mode = ul_rwlock_read_mode_inline(l);
    int f = ul_fast_acquire(l, mode, 0, UL_CALLER);
    if (ul_likely(f == UL_FAST_DONE))
        return ul_real_pthread_rwlock_rdlock(l);
    if (f == UL_FAST_MISS)
        return rwlock_rdlock_missed(l, mode, 0, UL_CALLER);
    return rwlock_rdlock_slow(l, UL_CALLER);
}

UL_EXPORT int pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *abstime)
{
    UL_BLOCKING_ACQUIRE(l, UL_KIND_RWLOCK, ul_rwlock_read_mode_inline(l), 0, REAL(pthread_rwlock_timedrdlock)(l, abstime),
                        UL_PTHREAD_OK);
}

UL_EXPORT int pthread_rwlock_clockrdlock(pthread_rwlock_t *l, clockid_t clk, const struct timespec *abstime)
{
    UL_BLOCKING_ACQUIRE(l, UL_KIND_RWLOCK, ul_rwlock_read_mode_inline(l), 0,
                        REAL(pthread_rwlock_clockrdlock)(l, clk, abstime), UL_PTHREAD_OK);
}

UL_EXPORT int pthread_rwlock_tryrdlock(pthread_rwlock_t *l)
{
    UL_TRY_ACQUIRE(l, UL_KIND_RWLOCK, ul_rwlock_read_mode_inline(l), 0, REAL(pthread_rwlock_tryrdlock)(l), UL_PTHREAD_OK);
}

UL_SLOW int rwlock_wrlock_slow(pthread_rwlock_t *l, uintptr_t caller)
{
    UL_BLOCKING_ACQUIRE_AT(l, UL_KIND_RWLOCK, UL_WRITE, 0, REAL(pthread_rwlock_wrlock)(l), UL_PTHREAD_OK, caller,
                           "pthread_rwlock_wrlock");
}

/* Fast path: glibc's wrlock fails only with EDEADLK when the caller holds it as a writer. */
UL_FAST_MISSED(rwlock_wrlock_missed, pthread_rwlock_t *, UL_KIND_RWLOCK, ul_real_pthread_rwlock_wrlock)

UL_EXPORT int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
    if (UL_BAD_LOCK_PTR(l))
        return rwlock_wrlock_slow(l, UL_CALLER); /* the program's bug: it calls libc, reads nothing */
    int f = ul_fast_acquire(l, UL_WRITE, 0, UL_CALLER);
    if (ul_likely(f == UL_FAST_DONE))
        return ul_real_pthread_rwlock_wrlock(l);
    if (f == UL_FAST_MISS)
        return rwlock_wrlock_missed(l, UL_WRITE, 0, UL_CALLER);
    return rwlock_wrlock_slow(l, UL_CALLER);
}

UL_EXPORT int pthread_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *abstime)
{
    UL_BLOCKING_ACQUIRE(l, UL_KIND_RWLOCK, UL_WRITE, 0, REAL(pthread_rwlock_timedwrlock)(l, abstime), UL_PTHREAD_OK);
}

UL_EXPORT int pthread_rwlock_clockwrlock(pthread_rwlock_t *l, clockid_t clk, const struct timespec *abstime)
{
    UL_BLOCKING_ACQUIRE(l, UL_KIND_RWLOCK, UL_WRITE, 0, REAL(pthread_rwlock_clockwrlock)(l, clk, abstime),
                        UL_PTHREAD_OK);
}

UL_EXPORT int pthread_rwlock_trywrlock(pthread_rwlock_t *l)
{
    UL_TRY_ACQUIRE(l, UL_KIND_RWLOCK, UL_WRITE, 0, REAL(pthread_rwlock_trywrlock)(l), UL_PTHREAD_OK);
}

UL_SLOW int rwlock_unlock_slow(pthread_rwlock_t *l, uintptr_t caller)
{
    UL_RELEASE_AT(l, UL_KIND_RWLOCK, ul_rwlock_unlock_hint(l, ul_tid()), REAL(pthread_rwlock_unlock)(l), caller);
}

UL_EXPORT int pthread_rwlock_unlock(pthread_rwlock_t *l)
{
    if (ul_likely(ul_fast_release(l)))
        return ul_real_pthread_rwlock_unlock(l);
    return rwlock_unlock_slow(l, UL_CALLER);
}
