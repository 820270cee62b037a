/* ulockdep's internal locks: tiny futex-based mutexes that never go through the pthread
 * functions the shim interposes (so taking one is never traced and cannot recurse).
 *   ul_glock  - the graph lock: every change to shared engine state (classes, instances,
 *               edges, stacks). Lookups on the fast path never take it.
 *   ul_rlock  - the report lock: rendering and writing reports, naming classes.
 * Both are taken with every signal blocked (restored on unlock), so a signal handler that
 * longjmps out of an interrupted ulockdep call can never leave one of them locked.
 * Order: graph before report; the engine never holds the graph lock while a report is
 * rendered, so the symbolizer (which may take the dynamic loader's lock) cannot deadlock
 * against a thread that is inside dlopen. */
#ifndef ULOCKDEP_ENGINE_GLOCK_H
#define ULOCKDEP_ENGINE_GLOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct ul_flock {
    atomic_int word;  /* 0 free, 1 locked, 2 locked with waiters */
    atomic_int owner; /* tid of the holder */
    uint64_t saved_mask; /* the holder's signal mask before it blocked every signal */
};

void ul_flock_lock(struct ul_flock *l);
void ul_flock_unlock(struct ul_flock *l);
bool ul_flock_held_by_me(struct ul_flock *l);
void ul_flock_reset(struct ul_flock *l); /* forked child: make it free again (restores the mask) */

extern struct ul_flock ul_glock, ul_rlock;

#endif
