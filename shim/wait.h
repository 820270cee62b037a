/* Blocking waits, for the hang watchdog (deadlock_timeout) and lock statistics (lock_stat).
 *
 * Both are off by default and then cost one predictable branch on ul_wait_hooks in the
 * blocking interposers (and one on ul_lockstat_on in the unlock and trylock ones). When on,
 * a blocking acquisition first tries the real trylock: taken, it is done (an uncontended
 * acquisition costs what it did); busy, it is a contention: the thread records "I wait for
 * lock L" in its own state (plain stores, no atomic read-modify-write, no lock), blocks in
 * the real call, and clears the record. Condition variable waits and pthread_join record
 * the same way. The watchdog (watchdog.c) reads these records; lock_stat (lockstat.c)
 * times the waits and the holds. */
#ifndef ULOCKDEP_SHIM_WAIT_H
#define ULOCKDEP_SHIM_WAIT_H

#include "shim.h"

extern int ul_wait_hooks;    /* deadlock_timeout > 0 or lock_stat: set once at start-up */
extern int ul_watch_on;      /* deadlock_timeout > 0 */
extern int ul_lockstat_on;   /* lock_stat */

/* One blocking call in progress (on the interposer's stack). */
struct ul_wait_frame {
    struct ul_wait outer;    /* a wait this one interrupted (a lock taken in a signal handler) */
    uint64_t t0;             /* lock_stat: when the wait began */
    enum ul_token tok;
};

/* Before the real blocking acquisition. Returns the real trylock's result when it took the
 * lock (0, or EOWNERDEAD for a robust mutex): the caller returns that and does not block.
 * Returns -1 when the lock is busy: the caller makes the real blocking call and then calls
 * ul_wait_lock_end. */
int ul_wait_lock_begin(struct ul_wait_frame *f, struct ul_thread *t, void *lock, enum ul_lock_kind kind,
                       unsigned mode, enum ul_token tok, uintptr_t ip);
void ul_wait_lock_end(struct ul_wait_frame *f, struct ul_thread *t, void *lock, bool acquired);

/* Condition variable waits (cond.c) and joins: mark the thread waiting / not waiting. */
void ul_wait_mark(struct ul_wait_frame *f, struct ul_thread *t, enum ul_wait_kind kind, const void *obj,
                  const void *mutex, uint64_t deadline, uintptr_t ip);
void ul_wait_unmark(struct ul_wait_frame *f, struct ul_thread *t);

/* CLOCK_MONOTONIC in ns. */
uint64_t ul_now_ns(void);

/* lock_stat (lockstat.c). Called inside ul_enter()/ul_leave() or with ul_busy set. */
void ul_lockstat_acquired(struct ul_thread *t, void *lock, enum ul_token tok, bool contended, uint64_t wait_ns);
void ul_lockstat_contended(struct ul_thread *t, void *lock, enum ul_token tok, uint64_t wait_ns);
void ul_lockstat_released(void *lock);
void ul_lockstat_setup(void);
/* Prints the table (text) and the lock_stat JSON line to the report sink. */
void ul_lockstat_dump(void);

/* The watchdog (watchdog.c): starts it on the first contended wait. */
void ul_watchdog_kick(struct ul_thread *t);
void ul_watchdog_setup(void);

#endif
