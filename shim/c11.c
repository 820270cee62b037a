/* C11 mtx_*: glibc implements them on pthread mutexes but calls the internal functions,
 * so they need their own interposers. mtx_t shares pthread_mutex_t's layout. */
#include "interpose.h"

#define PM(m) ((pthread_mutex_t *)(m))

UL_EXPORT int mtx_init(mtx_t *m, int type)
{
    int r = REAL(mtx_init)(m, type);
    struct ul_thread *t;
    if (r == thrd_success && !UL_BAD_LOCK_PTR(m) && (t = ul_enter())) {
        ul_on_init(t, m, UL_KIND_MUTEX);
        ul_leave();
    }
    return r;
}

UL_EXPORT void mtx_destroy(mtx_t *m)
{
    struct ul_thread *t = UL_BAD_LOCK_PTR(m) ? NULL : ul_enter();
    if (t) {
        ul_on_destroy(t, m, sizeof *m);
        ul_leave();
    }
    REAL(mtx_destroy)(m);
}

UL_EXPORT int mtx_lock(mtx_t *m)
{
    UL_BLOCKING_ACQUIRE(m, UL_KIND_MUTEX, UL_WRITE, ul_mutex_flags(PM(m)), REAL(mtx_lock)(m), UL_C11_OK);
}

UL_EXPORT int mtx_timedlock(mtx_t *restrict m, const struct timespec *restrict abstime)
{
    UL_BLOCKING_ACQUIRE(m, UL_KIND_MUTEX, UL_WRITE, ul_mutex_flags(PM(m)), REAL(mtx_timedlock)(m, abstime),
                        UL_C11_OK);
}

UL_EXPORT int mtx_trylock(mtx_t *m)
{
    UL_TRY_ACQUIRE(m, UL_KIND_MUTEX, UL_WRITE, ul_mutex_flags(PM(m)), REAL(mtx_trylock)(m), UL_C11_OK);
}

UL_EXPORT int mtx_unlock(mtx_t *m)
{
    UL_RELEASE(m, UL_KIND_MUTEX, ul_mutex_unlock_hint(PM(m), ul_tid()), REAL(mtx_unlock)(m));
}
