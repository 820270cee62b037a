/* Condition variables (pthread_cond_* and C11 cnd_*). glibc releases and re-takes the mutex
 * internally, out of our sight, so a wait is modelled as a release before the call and a
 * fresh acquisition after it, on every return (the mutex is held again whatever the
 * result). The re-acquisition is checked like any other. */
#include "interpose.h"

static bool wait_begin(pthread_mutex_t *m)
{
    struct ul_thread *t = ul_enter();
    if (!t)
        return false;
    bool held = ul_on_release(t, m, UL_KIND_MUTEX, UL_UNLOCK_UNKNOWN, UL_CALLER);
    ul_leave();
    return held;
}

static void wait_end(pthread_mutex_t *m, bool held, uintptr_t ip)
{
    struct ul_thread *t;
    if (held && (t = ul_enter())) {
        ul_on_acquire(t, m, UL_KIND_MUTEX, UL_WRITE, ul_mutex_flags(m), ip);
        ul_leave();
    }
}

UL_EXPORT int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    bool held = wait_begin(m);
    int r = REAL(pthread_cond_wait)(c, m);
    wait_end(m, held, UL_CALLER);
    return r;
}

UL_EXPORT int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abstime)
{
    bool held = wait_begin(m);
    int r = REAL(pthread_cond_timedwait)(c, m, abstime);
    wait_end(m, held, UL_CALLER);
    return r;
}

UL_EXPORT int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clk,
                                     const struct timespec *abstime)
{
    bool held = wait_begin(m);
    int r = REAL(pthread_cond_clockwait)(c, m, clk, abstime);
    wait_end(m, held, UL_CALLER);
    return r;
}

/* mtx_t shares pthread_mutex_t's layout in glibc. */
UL_EXPORT int cnd_wait(cnd_t *c, mtx_t *m)
{
    bool held = wait_begin((pthread_mutex_t *)m);
    int r = REAL(cnd_wait)(c, m);
    wait_end((pthread_mutex_t *)m, held, UL_CALLER);
    return r;
}

UL_EXPORT int cnd_timedwait(cnd_t *restrict c, mtx_t *restrict m, const struct timespec *restrict abstime)
{
    bool held = wait_begin((pthread_mutex_t *)m);
    int r = REAL(cnd_timedwait)(c, m, abstime);
    wait_end((pthread_mutex_t *)m, held, UL_CALLER);
    return r;
}
