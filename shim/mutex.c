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

/* The slow path sees every relock of a held mutex (its class is held). A lock word that says
 * free while this thread holds the mutex: its memory was overwritten or abandoned (Helgrind's
 * tc04), which is what is reported, not a recursive relock. */
static bool word_says_free(const pthread_mutex_t *m)
{
    return __atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED) == 0 &&
           !(__atomic_load_n(&m->__data.__kind, __ATOMIC_RELAXED) & UL_MUTEX_KIND_MAY_FAIL);
}

static void check_overwritten(pthread_mutex_t *m)
{
    struct ul_thread *t;
    if (!word_says_free(m) || !(t = ul_enter()))
        return;
    if (ul_is_held(t, m))
        ul_on_overwritten(t, m);
    ul_leave();
}

UL_SLOW int mutex_lock_slow(pthread_mutex_t *m, uintptr_t caller)
{
    if (!UL_BAD_LOCK_PTR(m))
        check_overwritten(m);
    UL_BLOCKING_ACQUIRE_AT(m, UL_KIND_MUTEX, UL_WRITE, ul_mutex_flags_inline(m), REAL(pthread_mutex_lock)(m),
                           UL_PTHREAD_OK, caller,
                           "pthread_mutex_lock");
}

UL_FAST_MISSED(mutex_lock_missed_common, pthread_mutex_t *, UL_KIND_MUTEX, ul_real_pthread_mutex_lock)

/* A miss of the acquisition cache (ul_busy set): the same check first. */
static __attribute__((noinline)) int mutex_lock_missed(pthread_mutex_t *m, unsigned mode, unsigned flags,
                                                       uintptr_t ip)
{
    if (ul_unlikely(word_says_free(m)) && ul_is_held(ul_self, m))
        ul_on_overwritten(ul_self, m);
    return mutex_lock_missed_common(m, mode, flags, ip);
}

/* Fast path: glibc's pthread_mutex_lock returns 0 for every kind but robust, PI and PP
 * unless the caller owns the mutex already (interpose.h). */
UL_EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
    if (UL_BAD_LOCK_PTR(m))
        return mutex_lock_slow(m, UL_CALLER); /* the program's bug: it calls libc, reads nothing */
    int kind = __atomic_load_n(&m->__data.__kind, __ATOMIC_RELAXED);
    if (ul_likely(!(kind & UL_MUTEX_KIND_MAY_FAIL))) {
        unsigned flags = (kind & 3) == PTHREAD_MUTEX_RECURSIVE_NP ? UL_F_RECURSIVE : 0;
        int f = ul_fast_acquire(m, UL_WRITE, flags, UL_CALLER);
        if (ul_likely(f == UL_FAST_DONE))
            return ul_real_pthread_mutex_lock(m);
        if (f == UL_FAST_MISS)
            return mutex_lock_missed(m, UL_WRITE, flags, UL_CALLER);
    }
    return mutex_lock_slow(m, UL_CALLER);
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

UL_SLOW int mutex_unlock_slow(pthread_mutex_t *m, uintptr_t caller)
{
    UL_RELEASE_AT(m, UL_KIND_MUTEX, ul_mutex_unlock_hint(m, ul_tid()), REAL(pthread_mutex_unlock)(m), caller);
}

UL_EXPORT int pthread_mutex_unlock(pthread_mutex_t *m)
{
    if (ul_likely(ul_fast_release(m)))
        return ul_real_pthread_mutex_unlock(m);
    return mutex_unlock_slow(m, UL_CALLER);
}
