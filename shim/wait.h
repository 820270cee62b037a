/* Blocking waits, for the hang watchdog (deadlock_timeout) and lock statistics (lock_stat).
 *
 * Both are off by default and then cost one predictable branch on ul_wait_hooks in the
 * blocking interposers (and one on ul_lockstat_on in the unlock and trylock ones).
 * With the watchdog on, a blocking call records "I wait for lock L" in the thread's own
 * state before the real call and clears it after (plain stores: no atomic read-modify-
 * write, no lock); condition variable waits and pthread_join record the same way. The
 * watchdog (watchdog.c) reads these records.
 * With lock_stat on, a blocking acquisition first tries the real trylock: taken, it is an
 * uncontended acquisition; busy, it is a contention, timed until the real call returns.
 * lock_stat (lockstat.c) also times every hold. */
#ifndef ULOCKDEP_SHIM_WAIT_H
#define ULOCKDEP_SHIM_WAIT_H

#include "shim.h"

extern int ul_wait_hooks;    /* deadlock_timeout > 0 or lock_stat: set once at start-up */
extern int ul_watch_on;      /* deadlock_timeout > 0 */
extern int ul_lockstat_on;   /* lock_stat */
extern int ul_watchdog_started;

void ul_watchdog_kick(struct ul_thread *t);
/* A thread's first wait: notes its pthread_t (joins name it) and starts the watchdog. */
void ul_wait_first(struct ul_thread *t);

/* The watchdog alone (no lock_stat), and not inside another wait (a signal handler's lock):
 * a blocking acquisition just says what it blocks on, around the real call. The watchdog
 * finds the rest (mode, the pending held-stack entry) on the thread's held stack. */
static inline bool ul_wait_lock_quick(const struct ul_thread *t)
{
    return !ul_lockstat_on && !t->wait.obj;
}

static inline void ul_wait_lock_mark(struct ul_thread *t, const void *lock, uintptr_t ip)
{
    t->wait.seq++;
    t->wait.kind = UL_WAIT_LOCK;
    t->wait.ip = ip;
    __atomic_store_n(&t->wait.obj, lock, __ATOMIC_RELEASE);
    if (ul_unlikely(!__atomic_load_n(&ul_watchdog_started, __ATOMIC_RELAXED)) || ul_unlikely(!t->self_handle))
        ul_wait_first(t);
}

static inline void ul_wait_lock_unmark(struct ul_thread *t)
{
    __atomic_store_n(&t->wait.obj, NULL, __ATOMIC_RELEASE);
}

/* One blocking call in progress (on the interposer's stack). */
struct ul_wait_frame {
    struct ul_wait outer;    /* a wait this one interrupted (a lock taken in a signal handler) */
    uint64_t t0;             /* lock_stat: when the wait began (ul_stat_clock) */
    enum ul_token tok;
};

/* Before the real blocking acquisition. Returns the real trylock's result when it took the
 * lock (0, or EOWNERDEAD for a robust mutex): the caller returns that and does not block.
 * Returns -1 when the lock is busy: the caller makes the real blocking call and then calls
 * ul_wait_lock_end. */
/* try_fn: the family's real trylock (0: taken); NULL for the pthread family of kind. */
typedef int (*ul_try_fn)(void *lock, unsigned mode);
int ul_wait_lock_begin(struct ul_wait_frame *f, struct ul_thread *t, void *lock, enum ul_lock_kind kind,
                       ul_try_fn try_fn, unsigned mode, enum ul_token tok, uintptr_t ip);
void ul_wait_lock_end(struct ul_wait_frame *f, struct ul_thread *t, void *lock, bool acquired);

/* Condition variable waits (cond.c) and joins: mark the thread waiting / not waiting. */
void ul_wait_mark(struct ul_wait_frame *f, struct ul_thread *t, enum ul_wait_kind kind, const void *obj,
                  const void *mutex, uint64_t deadline, uintptr_t ip);
void ul_wait_unmark(struct ul_wait_frame *f, struct ul_thread *t);

/* A condition variable wait (cond.c; GLib's GCond, glib.c): the mutex m is released
 * before the real wait and taken again (with flags) after it, whatever the result; with the
 * watchdog, the thread is marked waiting on c until abstime on clk (NULL: no deadline),
 * unless c is process-shared (another process may signal it). */
struct ul_cond_wait {
    bool held;                /* the mutex was on the held stack (released for the wait) */
    bool marked;              /* the thread is marked waiting (watchdog) */
    struct ul_wait_frame frame;
};
void ul_cond_wait_begin(struct ul_cond_wait *w, const void *c, void *m, bool pshared, clockid_t clk,
                        const struct timespec *abstime, const char *fn, uintptr_t ip);
void ul_cond_wait_end(struct ul_cond_wait *w, void *m, unsigned flags, uintptr_t ip);

/* CLOCK_MONOTONIC in ns. */
uint64_t ul_now_ns(void);

/* lock_stat's clock, in ticks (converted to ns when printed): the TSC where the kernel uses
 * it as its own clocksource (constant rate, synchronised across CPUs), which costs half a
 * clock_gettime; else CLOCK_MONOTONIC ns. */
extern int ul_stat_tsc;
static inline uint64_t ul_stat_clock(void)
{
#if defined(__x86_64__) || defined(__i386__)
    if (ul_likely(ul_stat_tsc))
        return __builtin_ia32_rdtsc();
#endif
    return ul_now_ns();
}

/* lock_stat (lockstat.c). Called inside ul_enter()/ul_leave() or with ul_busy set. */
void ul_lockstat_acquired(struct ul_thread *t, void *lock, enum ul_token tok, bool contended, uint64_t waited);
void ul_lockstat_contended(struct ul_thread *t, void *lock, enum ul_token tok, uint64_t waited);
void ul_lockstat_released(void *lock);
void ul_lockstat_setup(void);
/* Prints the table (text) and the lock_stat JSON line to the report sink. */
void ul_lockstat_dump(void);

/* The watchdog (watchdog.c); ul_watchdog_kick starts it (the first blocking call does). */
void ul_watchdog_setup(void);

#endif
