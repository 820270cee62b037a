/* ulockdep's internal locks: tiny futex-based mutexes that never go through the pthread
 * functions the shim interposes (so taking one is never traced and cannot recurse).
 *   ul_glock  - the graph lock: every change to shared engine state (classes, instances,
 *               edges, stacks). Lookups on the fast path never take it.
 *   ul_rlock  - the report lock: rendering and writing reports, naming classes.
 * Order: graph before report; the engine never holds the graph lock while a report is
 * rendered, so the symbolizer (which may take the dynamic loader's lock) cannot deadlock
 * against a thread that is inside dlopen. */
#ifndef ULOCKDEP_ENGINE_GLOCK_H
#define ULOCKDEP_ENGINE_GLOCK_H

#include <stdatomic.h>
#include <stdbool.h>

struct ul_flock {
    atomic_int word;  /* 0 free, 1 locked, 2 locked with waiters */
    atomic_int owner; /* tid of the holder */
};

void ul_flock_lock(struct ul_flock *l);
void ul_flock_unlock(struct ul_flock *l);
bool ul_flock_held_by_me(struct ul_flock *l);
void ul_flock_reset(struct ul_flock *l); /* forked child: make it free again */

extern struct ul_flock ul_glock, ul_rlock;

#endif
