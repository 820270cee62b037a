/* SPDX-License-Identifier: MIT */
/*
 * Test-only hooks. They exist only in the test builds of the library (built
 * with ULOCKDEP_SRCU_TEST_HOOKS, never installed): there the library calls them
 * at a few chosen points so that tests can widen race windows or stop a thread
 * in the middle of an update-side operation. In the production library the
 * hook points expand to nothing (see SRCU_TEST_HOOK in internal.h) and these
 * functions do not exist.
 */
#ifndef ULOCKDEP_SRCU_TEST_HOOKS_H
#define ULOCKDEP_SRCU_TEST_HOOKS_H

#include <ulockdep/srcu.h>

/*
 * Every `every`-th read-side section of each thread spins for `us`
 * microseconds between loading the domain's index and storing its count: a
 * reader that picked an index long before it counts on it, which is the
 * reader the first scan of a grace period (SCAN1) exists for. A spin, not a
 * sleep, so it is safe in signal handlers. us == 0 turns it off.
 */
ULOCKDEP_SRCU_API void ulockdep_srcu_test_reader_delay(unsigned us, unsigned every);

/*
 * The call_srcu worker calls fn while it takes the queue, with the queue lock
 * held, after clearing the list head and before it clears the list tail and
 * updates the callback counts: a fork() at that moment gives the child a
 * half-updated queue. NULL turns it off.
 */
ULOCKDEP_SRCU_API void ulockdep_srcu_test_splice_hook(void (*fn)(void));

/* Threads of this process that ssp's update side counts as waiting:
 * expedited callers (which make every grace period poll instead of sleep),
 * callers sleeping until another caller's grace period ends, and srcu_barrier
 * callers. */
struct ulockdep_srcu_test_waiters {
	unsigned exp_pending, gp_waiters, barrier_waiters;
};
ULOCKDEP_SRCU_API struct ulockdep_srcu_test_waiters ulockdep_srcu_test_waiters(struct srcu_struct *ssp);

#endif
