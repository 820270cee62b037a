/* Blocking waits (see wait.h): the slow path of a blocking acquisition while the watchdog
 * or lock_stat is on, the waiting records the watchdog reads, pthread_join, and the
 * start-up switch for both features. */
#include <dlfcn.h>
#include <errno.h>
#include <time.h>

#include "options.h"
#include "wait.h"

int ul_wait_hooks;
int ul_watch_on;
int ul_lockstat_on;

uint64_t ul_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The record is read by the watchdog without any lock: it reads obj (acquire), the fields,
 * then obj and seq again, and believes the fields only if both are unchanged. So a change
 * hides the record (obj = NULL) first and publishes it (obj) last. */
#define STORE(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)

static void publish(struct ul_thread *t, const struct ul_wait *w)
{
    __atomic_store_n(&t->wait.obj, NULL, __ATOMIC_RELEASE);
    STORE(t->wait.seq, w->seq);
    STORE(t->wait.kind, w->kind);
    STORE(t->wait.ip, w->ip);
    STORE(t->wait.mutex, w->mutex);
    STORE(t->wait.deadline, w->deadline);
    __atomic_store_n(&t->wait.obj, w->obj, __ATOMIC_RELEASE);
}

void ul_wait_first(struct ul_thread *t)
{
    if (!t->self_handle)
        t->self_handle = (uintptr_t)pthread_self();
    if (!__atomic_load_n(&ul_watchdog_started, __ATOMIC_RELAXED))
        ul_watchdog_kick(t);
}

static void mark(struct ul_wait_frame *f, struct ul_thread *t, const struct ul_wait *w)
{
    f->outer = t->wait;
    struct ul_wait n = *w;
    n.seq = t->wait.seq + 1;
    if (!n.seq)
        n.seq = 1;
    publish(t, &n);
}

static void unmark(struct ul_wait_frame *f, struct ul_thread *t)
{
    if (ul_likely(!f->outer.obj))
        __atomic_store_n(&t->wait.obj, NULL, __ATOMIC_RELEASE);
    else
        publish(t, &f->outer); /* back to the wait a signal handler interrupted */
}

void ul_wait_mark(struct ul_wait_frame *f, struct ul_thread *t, enum ul_wait_kind kind, const void *obj,
                  const void *mutex, uint64_t deadline, uintptr_t ip)
{
    struct ul_wait w = { .obj = obj, .kind = (uint8_t)kind, .ip = ip, .mutex = mutex, .deadline = deadline };
    mark(f, t, &w);
    if (ul_unlikely(!t->self_handle))
        t->self_handle = (uintptr_t)pthread_self();
}

void ul_wait_unmark(struct ul_wait_frame *f, struct ul_thread *t)
{
    unmark(f, t);
}

/* The real trylock of the family the blocking call belongs to. */
static int try_real(void *lock, enum ul_lock_kind kind, unsigned mode)
{
    switch (kind) {
    case UL_KIND_MUTEX: return REAL(pthread_mutex_trylock)(lock);
    case UL_KIND_RWLOCK:
        return mode == UL_WRITE ? REAL(pthread_rwlock_trywrlock)(lock) : REAL(pthread_rwlock_tryrdlock)(lock);
    case UL_KIND_SPIN: return REAL(pthread_spin_trylock)(lock);
    default: return EBUSY;
    }
}

/* lock_stat, or a blocking acquisition inside another wait (in a signal handler). */
int ul_wait_lock_begin(struct ul_wait_frame *f, struct ul_thread *t, void *lock, enum ul_lock_kind kind,
                       ul_try_fn try_fn, unsigned mode, enum ul_token tok, uintptr_t ip)
{
    if (ul_lockstat_on) {
        int r = try_fn ? try_fn(lock, mode) : try_real(lock, kind, mode);
        if (r == 0 || r == EOWNERDEAD) {
            ul_busy = 1;
            ul_lockstat_acquired(t, lock, tok, false, 0);
            ul_busy = 0;
            return r;
        }
        f->t0 = ul_stat_clock();
    }
    f->tok = tok;
    if (ul_watch_on) {
        struct ul_wait w = { .obj = lock, .kind = UL_WAIT_LOCK, .ip = ip, .deadline = UINT64_MAX };
        mark(f, t, &w);
        ul_wait_first(t);
    }
    return -1;
}

void ul_wait_lock_end(struct ul_wait_frame *f, struct ul_thread *t, void *lock, bool acquired)
{
    if (ul_watch_on)
        unmark(f, t);
    if (ul_lockstat_on) {
        uint64_t waited = ul_stat_clock() - f->t0;
        ul_busy = 1;
        if (acquired)
            ul_lockstat_acquired(t, lock, f->tok, true, waited);
        else
            ul_lockstat_contended(t, lock, f->tok, waited);
        ul_busy = 0;
    }
}

/* ---- pthread_join: waits for a thread to end (the watchdog follows it to that thread) ---- */

static int (*real_join)(pthread_t, void **);

static void resolve_join(void)
{
    if (!__atomic_load_n(&real_join, __ATOMIC_ACQUIRE))
        __atomic_store_n(&real_join, (int (*)(pthread_t, void **))dlsym(RTLD_NEXT, "pthread_join"),
                         __ATOMIC_RELEASE);
}

UL_EXPORT int pthread_join(pthread_t th, void **ret)
{
    if (ul_unlikely(!real_join))
        resolve_join();
    if (ul_likely(!ul_watch_on))
        return real_join(th, ret);
    struct ul_thread *t = ul_enter();
    if (!t)
        return real_join(th, ret);
    ul_leave();
    struct ul_wait_frame f;
    ul_wait_mark(&f, t, UL_WAIT_JOIN, (const void *)th, NULL, UINT64_MAX, UL_CALLER);
    int r = real_join(th, ret);
    ul_wait_unmark(&f, t);
    return r;
}

/* After the shim's own start-up (runtime.c, constructor 101): the options are known. */
__attribute__((constructor(102))) static void wait_setup(void)
{
    resolve_join();
    if (!__atomic_load_n(&ul_running, __ATOMIC_ACQUIRE))
        return;
    int busy = ul_busy;
    ul_busy = 1;
    if (ul_opt.lock_stat)
        ul_lockstat_setup();
    if (ul_opt.deadlock_timeout > 0)
        ul_watchdog_setup();
    ul_watch_on = ul_opt.deadlock_timeout > 0;
    ul_lockstat_on = ul_opt.lock_stat;
    __atomic_store_n(&ul_wait_hooks, ul_watch_on || ul_lockstat_on, __ATOMIC_RELEASE);
    ul_busy = busy;
}
