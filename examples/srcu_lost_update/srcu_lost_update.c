/* SPDX-License-Identifier: MIT */
/*
 * srcu_lost_update: the interrupt-context lost update of Linux commit cdf7abc4
 * ("srcu: Allow use of Tiny/Tree SRCU from both process and interrupt
 * context"), reproduced in userspace with a thread and its signal handler.
 *
 * Before that fix, Classic/Tree SRCU kept monotonic per-CPU lock_count[] and
 * unlock_count[] counters and srcu_read_lock() bumped lock_count with
 * __this_cpu_inc(): a load, an add and a store that an interrupt can split.
 * If the interrupt handler runs its own srcu_read_lock() in between, the
 * interrupted store writes back a stale value and the handler's increment is
 * lost forever: the sums never balance again, cleanup_srcu_struct() warns that
 * readers are still active (what KVM hit), and grace periods can end under a
 * reader or never end.
 *
 * Part 1 runs such a naive reader in a thread while a second thread floods it
 * with SIGUSR1, whose handler is also a naive reader, and counts the lost
 * increments. Part 2 does the same with the bundled srcu_read_lock/unlock and
 * checks that the count ends exactly at zero.
 *
 * Exit status: 0 if the bundled SRCU count is exact. With --require-naive-loss,
 * also 1 if the naive counters lost nothing (the race is timing-dependent).
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ulockdep/srcu.h>

/* ---- the naive, pre-cdf7abc4 reader ----------------------------------------- */

struct naive_srcu {
	atomic_ulong idx;
	/* One thread plays the CPU, so "per-CPU" is one set of counters. Atomic
	 * only so that each load and each store is untorn; the increment as a
	 * whole is not atomic, exactly like __this_cpu_inc(). */
	atomic_long lock_count[2];
	atomic_long unlock_count[2];
};

static struct naive_srcu naive;

static void naive_inc(atomic_long *counter)
{
	long v = atomic_load_explicit(counter, memory_order_relaxed);
	/* The kernel's window between load and store is a few instructions; widen
	 * it to a few dozen cycles so that the demo shows the race quickly. */
	for (int i = 0; i < 40; i++)
		__asm__ __volatile__("" ::: "memory");
	atomic_store_explicit(counter, v + 1, memory_order_relaxed);
}

static int naive_read_lock(void)
{
	int idx = (int)(atomic_load(&naive.idx) & 1);
	naive_inc(&naive.lock_count[idx]);
	return idx;
}

static void naive_read_unlock(int idx)
{
	naive_inc(&naive.unlock_count[idx]);
}

/* ---- the bundled SRCU ------------------------------------------------------- */

DEFINE_STATIC_SRCU(demo_srcu);

/* ---- the experiment --------------------------------------------------------- */

static atomic_bool use_bundled;
static atomic_long handler_sections, handler_nested;
static atomic_int stop_storm;

static void handler(int sig)
{
	(void)sig;
	if (use_bundled) {
		if (srcu_read_lock_held(&demo_srcu))
			atomic_fetch_add(&handler_nested, 1); /* interrupted an open section */
		int idx = srcu_read_lock(&demo_srcu);
		srcu_read_unlock(&demo_srcu, idx);
	} else {
		int idx = naive_read_lock();
		naive_read_unlock(idx);
	}
	atomic_fetch_add(&handler_sections, 1);
}

static void *storm(void *arg)
{
	pthread_t target = *(pthread_t *)arg;
	long n = 0;
	while (!atomic_load(&stop_storm)) {
		pthread_kill(target, SIGUSR1);
		if (++n % 16 == 0) {
			struct timespec ts = { 0, 20000 };
			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* The reader loop runs in the main thread; returns the number of sections. */
static long run(double seconds)
{
	pthread_t self = pthread_self(), storm_thread;
	long sections = 0;
	double end = now_s() + seconds;

	atomic_store(&handler_sections, 0);
	atomic_store(&stop_storm, 0);
	pthread_create(&storm_thread, NULL, storm, &self);
	while (now_s() < end) {
		for (int i = 0; i < 1000; i++) {
			if (use_bundled) {
				int idx = srcu_read_lock(&demo_srcu);
				srcu_read_unlock(&demo_srcu, idx);
			} else {
				int idx = naive_read_lock();
				naive_read_unlock(idx);
			}
		}
		sections += 1000;
		if (use_bundled)
			synchronize_srcu(&demo_srcu); /* flip indexes now and then */
		else
			atomic_fetch_add(&naive.idx, 1);
	}
	atomic_store(&stop_storm, 1);
	pthread_join(storm_thread, NULL);
	return sections;
}

int main(int argc, char **argv)
{
	bool require_naive_loss = argc > 1 && strcmp(argv[1], "--require-naive-loss") == 0;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);

	/* Part 1: naive split counters. Retry a few short rounds: it is a race. */
	long lost_locks = 0, lost_unlocks = 0, sections = 0, in_handler = 0;
	for (int round = 0; round < 5 && lost_locks + lost_unlocks == 0; round++) {
		memset(&naive, 0, sizeof(naive));
		use_bundled = false;
		sections = run(0.3);
		in_handler = atomic_load(&handler_sections);
		long expected = sections + in_handler;
		long locks = atomic_load(&naive.lock_count[0]) + atomic_load(&naive.lock_count[1]);
		long unlocks = atomic_load(&naive.unlock_count[0]) + atomic_load(&naive.unlock_count[1]);
		lost_locks = expected - locks;
		lost_unlocks = expected - unlocks;
	}
	printf("naive split counters (pre-cdf7abc4 layout, non-atomic increment):\n");
	printf("  %ld sections in the thread, %ld in its signal handler\n", sections, in_handler);
	printf("  lost lock_count increments:   %ld\n", lost_locks);
	printf("  lost unlock_count increments: %ld\n", lost_unlocks);
	printf("  lock_count - unlock_count:    %ld%s\n", lost_unlocks - lost_locks,
	       lost_unlocks != lost_locks ? "  <- never balances: cleanup_srcu_struct() would warn" : "");

	/* Part 2: the bundled SRCU, used the same way. */
	use_bundled = true;
	atomic_store(&handler_nested, 0);
	sections = run(0.5);
	in_handler = atomic_load(&handler_sections);
	long active = srcu_readers_active(&demo_srcu);
	int cleanup = cleanup_srcu_struct(&demo_srcu);
	bool exact = active == 0 && cleanup == 0;
	printf("bundled srcu_read_lock/unlock (per-thread nesting counters):\n");
	printf("  %ld sections in the thread, %ld in its signal handler (%ld interrupted an open section)\n",
	       sections, in_handler, atomic_load(&handler_nested));
	printf("  open sections at the end: %ld, cleanup_srcu_struct() = %d -> %s\n", active, cleanup,
	       exact ? "count exact" : "COUNT WRONG");

	if (!exact)
		return 1;
	if (require_naive_loss && lost_locks + lost_unlocks == 0) {
		printf("naive counters lost nothing this time (timing-dependent)\n");
		return 1;
	}
	return 0;
}
