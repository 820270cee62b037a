/* pthread_mutex_* */
#include "interpose.h"

UL_EXPORT int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr)
{
    int r = REAL(pthread_mutex_init)(m, attr);
    struct ul_thread *t;
    if (r == 0 && !UL_BAD_LOCK_PTR(m) && (t = ul_enter())) {
        ul_on_init(t, m, UL_KIND_MUTEX);
        ul_leave();
    }
    return r;
}

UL_EXPORT int pthread_mutex_destroy(pthread_mutex_t *m)
{
    struct ul_thread *t = UL_BAD_LOCK_PTR(m) ? NULL : ul_enter();
    if (t) {
        ul_on_destroy(t, m, sizeof *m);
        ul_leave();
    }
    return REAL(pthread_mutex_destroy)(m);
}

UL_EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
    UL_BLOCKING_ACQUIRE(m, UL_KIND_MUTEX, UL_WRITE, ul_mutex_flags_inline(m), REAL(pthread_mutex_lock)(m),
                        UL_PTHREAD_OK);
}

UL_EXPORT int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abstime)
{
    UL_BLOCKING_ACQUIRE(m, UL_KIND_MUTEX, UL_WRITE, ul_mutex_flags_inline(m), REAL(pthread_mutex_timedlock)(m, abstime),
                        UL_PTHREAD_OK);
}

UL_EXPORT int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clk, const struct timespec *abstime)
{
    UL_BLOCKING_ACQUIRE(m, UL_KIND_MUTEX, UL_WRITE, ul_mutex_flags_inline(m),
                        REAL(pthread_mutex_clocklock)(m, clk, abstime), UL_PTHREAD_OK);
}

UL_EXPORT int pthread_mutex_trylock(pthread_mutex_t *m)
{
    UL_TRY_ACQUIRE(m, UL_KIND_MUTEX, UL_WRITE, ul_mutex_flags_inline(m), REAL(pthread_mutex_trylock)(m), UL_PTHREAD_OK);
}

UL_EXPORT int pthread_mutex_unlock(pthread_mutex_t *m)
{
    UL_RELEASE(m, UL_KIND_MUTEX, ul_mutex_unlock_hint(m, ul_tid()), REAL(pthread_mutex_unlock)(m));
}
