/* Condition variables (pthread_cond_* and C11 cnd_*). glibc releases and re-takes the mutex
 * internally, out of our sight, so a wait is modelled as a release before the call and a
 * fresh acquisition after it, on every return (the mutex is held again whatever the
 * result). The re-acquisition is checked like any other.
 *
 * With the hang watchdog on, the thread is marked as waiting on the condition variable for
 * the duration of the call (a timed wait with its deadline, see watchdog.c for how that
 * counts); with lock_stat on, the wait ends the mutex's hold and the return starts a new
 * one. */
#include "interpose.h"

/* glibc (2.25 and later) keeps the clock of a condition variable in bit 1 of __wrefs, and
 * whether it is process-shared in bit 0. */
static clockid_t cond_clock(const pthread_cond_t *c)
{
    return (__atomic_load_n(&c->__data.__wrefs, __ATOMIC_RELAXED) & 2) ? CLOCK_MONOTONIC : CLOCK_REALTIME;
}

static bool cond_pshared(const pthread_cond_t *c)
{
    return __atomic_load_n(&c->__data.__wrefs, __ATOMIC_RELAXED) & 1;
}

/* The deadline of a timed wait on CLOCK_MONOTONIC, in ns; UINT64_MAX for none. */
static uint64_t monotonic_deadline(clockid_t clk, const struct timespec *abstime)
{
    if (!abstime)
        return UINT64_MAX;
    struct timespec now;
    if (clock_gettime(clk, &now) != 0)
        return UINT64_MAX;
    int64_t left = ((int64_t)abstime->tv_sec - (int64_t)now.tv_sec) * 1000000000 +
                   ((int64_t)abstime->tv_nsec - (int64_t)now.tv_nsec);
    uint64_t mono = ul_now_ns();
    if (left <= 0)
        return mono;
    if ((uint64_t)left > UINT64_MAX - 1 - mono)
        return UINT64_MAX - 1;
    return mono + (uint64_t)left;
}

void ul_cond_wait_begin(struct ul_cond_wait *w, const void *c, void *m, bool pshared, clockid_t clk,
                        const struct timespec *abstime, const char *fn, uintptr_t ip)
{
    w->held = w->marked = false;
    struct ul_thread *t = ul_enter();
    if (!t)
        return;
    ul_on_blocking_call(t, m, UL_KIND_MUTEX, UL_F_WAIT, fn, ip);
    w->held = ul_on_release(t, m, UL_KIND_MUTEX, UL_UNLOCK_UNKNOWN, ip);
    if (ul_unlikely(ul_wait_hooks)) {
        if (ul_lockstat_on && w->held)
            ul_lockstat_released(m);
        if (ul_watch_on && !pshared) { /* another process may signal a shared one */
            ul_wait_mark(&w->frame, t, UL_WAIT_COND, c, m, monotonic_deadline(clk, abstime), ip);
            w->marked = true;
        }
    }
    ul_leave();
}

void ul_cond_wait_end(struct ul_cond_wait *w, void *m, unsigned flags, uintptr_t ip)
{
    struct ul_thread *t;
    if (!(w->held || w->marked) || !(t = ul_enter()))
        return;
    if (w->marked)
        ul_wait_unmark(&w->frame, t);
    if (w->held) {
        enum ul_token tok = ul_on_acquire(t, m, UL_KIND_MUTEX, UL_WRITE, flags, ip);
        if (ul_unlikely(ul_lockstat_on))
            ul_lockstat_acquired(t, m, tok, false, 0);
    }
    ul_leave();
}

UL_EXPORT int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    if (UL_BAD_LOCK_PTR(c) || UL_BAD_LOCK_PTR(m))
        return REAL(pthread_cond_wait)(c, m);
    struct ul_cond_wait w;
    ul_cond_wait_begin(&w, c, m, cond_pshared(c), CLOCK_REALTIME, NULL, __func__, UL_CALLER);
    int r = REAL(pthread_cond_wait)(c, m);
    ul_cond_wait_end(&w, m, ul_mutex_flags((pthread_mutex_t *)m), UL_CALLER);
    return r;
}

UL_EXPORT int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abstime)
{
    if (UL_BAD_LOCK_PTR(c) || UL_BAD_LOCK_PTR(m))
        return REAL(pthread_cond_timedwait)(c, m, abstime);
    struct ul_cond_wait w;
    ul_cond_wait_begin(&w, c, m, cond_pshared(c), cond_clock(c), abstime, __func__, UL_CALLER);
    int r = REAL(pthread_cond_timedwait)(c, m, abstime);
    ul_cond_wait_end(&w, m, ul_mutex_flags((pthread_mutex_t *)m), UL_CALLER);
    return r;
}

UL_EXPORT int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clk,
                                     const struct timespec *abstime)
{
    if (UL_BAD_LOCK_PTR(c) || UL_BAD_LOCK_PTR(m))
        return REAL(pthread_cond_clockwait)(c, m, clk, abstime);
    struct ul_cond_wait w;
    ul_cond_wait_begin(&w, c, m, cond_pshared(c), clk, abstime, __func__, UL_CALLER);
    int r = REAL(pthread_cond_clockwait)(c, m, clk, abstime);
    ul_cond_wait_end(&w, m, ul_mutex_flags((pthread_mutex_t *)m), UL_CALLER);
    return r;
}

/* mtx_t shares pthread_mutex_t's layout in glibc; C11 timed waits are on TIME_UTC. */
UL_EXPORT int cnd_wait(cnd_t *c, mtx_t *m)
{
    if (UL_BAD_LOCK_PTR(c) || UL_BAD_LOCK_PTR(m))
        return REAL(cnd_wait)(c, m);
    struct ul_cond_wait w;
    ul_cond_wait_begin(&w, c, m, cond_pshared((const pthread_cond_t *)c), CLOCK_REALTIME, NULL, __func__, UL_CALLER);
    int r = REAL(cnd_wait)(c, m);
    ul_cond_wait_end(&w, m, ul_mutex_flags((pthread_mutex_t *)m), UL_CALLER);
    return r;
}

UL_EXPORT int cnd_timedwait(cnd_t *restrict c, mtx_t *restrict m, const struct timespec *restrict abstime)
{
    if (UL_BAD_LOCK_PTR(c) || UL_BAD_LOCK_PTR(m))
        return REAL(cnd_timedwait)(c, m, abstime);
    struct ul_cond_wait w;
    ul_cond_wait_begin(&w, c, m, cond_pshared((const pthread_cond_t *)c), CLOCK_REALTIME, abstime, __func__, UL_CALLER);
    int r = REAL(cnd_timedwait)(c, m, abstime);
    ul_cond_wait_end(&w, m, ul_mutex_flags((pthread_mutex_t *)m), UL_CALLER);
    return r;
}
