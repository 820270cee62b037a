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
 * increments. Part 2 keeps the same non-atomic, deliberately widened
 * load/add/store but counts the way the bundled SRCU does (one net nesting
 * count per thread and index): nothing is lost, because a handler's sections
 * are balanced before it returns. Part 3 runs the bundled srcu_read_lock/unlock
 * and checks that the count ends exactly at zero; the handler notes how often
 * it interrupted the thread inside srcu_read_lock() or srcu_read_unlock()
 * themselves, i.e. in the very window of the bug.
 *
 * Exit status: 0 if the counts of parts 2 and 3 are exact. With --check, also
 * 1 if the naive counters lost nothing, or no handler landed inside a part 2
 * update or inside the bundled functions (these are races; parts 1 and 3
 * retry a few rounds).
 */
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
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

/* Set between a counter's load and its store, so the handler can count how
 * often it ran exactly there (it saves and restores the flag around its own
 * sections). */
static volatile sig_atomic_t in_window;

static void naive_inc(atomic_long *counter)
{
	long v = atomic_load_explicit(counter, memory_order_relaxed);
	in_window = 1;
	/* The kernel's window between load and store is a few instructions; widen
	 * it to a few dozen cycles so that the demo shows the race quickly. */
	for (int i = 0; i < 40; i++)
		__asm__ __volatile__("" ::: "memory");
	atomic_store_explicit(counter, v + 1, memory_order_relaxed);
	in_window = 0;
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

/* ---- the bundled design, with the same widened window ----------------------- */

/* What srcu/reader.c does, minus the library: one net nesting count per index
 * for this (one) thread, changed by the same slow load/add/store. */
static atomic_long nest_count[2];

static void naive_add(atomic_long *counter, long delta)
{
	long v = atomic_load_explicit(counter, memory_order_relaxed);
	in_window = 1;
	for (int i = 0; i < 40; i++)
		__asm__ __volatile__("" ::: "memory");
	atomic_store_explicit(counter, v + delta, memory_order_relaxed);
	in_window = 0;
}

static int nest_read_lock(void)
{
	int idx = (int)(atomic_load(&naive.idx) & 1);
	naive_add(&nest_count[idx], 1);
	return idx;
}

static void nest_read_unlock(int idx)
{
	naive_add(&nest_count[idx], -1);
}

/* ---- the bundled SRCU ------------------------------------------------------- */

DEFINE_STATIC_SRCU(demo_srcu);

/* [start, end) of a function of the loaded library, for the handler to tell
 * whether it interrupted the thread inside it. */
struct code_range {
	uintptr_t start, end;
};
static struct code_range lock_fn, unlock_fn;

static struct code_range function_range(const char *name)
{
	struct code_range r = { 0, 0 };
	void *h = dlopen("libulockdep-srcu.so.0", RTLD_NOW | RTLD_NOLOAD);
	void *fn = h ? dlsym(h, name) : NULL;
	Dl_info info;
	const ElfW(Sym) *sym = NULL;
	if (fn && dladdr1(fn, &info, (void **)&sym, RTLD_DL_SYMENT) && sym)
		r = (struct code_range){ (uintptr_t)fn, (uintptr_t)fn + sym->st_size };
	return r;
}

static uintptr_t interrupted_pc(void *uctx)
{
	ucontext_t *uc = uctx;
#if defined(__x86_64__)
	return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
	return (uintptr_t)uc->uc_mcontext.pc;
#else
	(void)uc;
	return 0;
#endif
}

/* ---- the experiment --------------------------------------------------------- */

enum mode { NAIVE_SPLIT, NESTING, BUNDLED };
static _Atomic enum mode mode;
static atomic_long handler_sections, handler_nested, handler_in_lock, handler_in_unlock;
static atomic_long handler_in_window;
static atomic_int stop_storm;

static void handler(int sig, siginfo_t *si, void *uctx)
{
	sig_atomic_t window = in_window;
	(void)sig;
	(void)si;
	if (window)
		atomic_fetch_add(&handler_in_window, 1);
	switch (mode) {
	case BUNDLED: {
		uintptr_t pc = interrupted_pc(uctx);
		if (pc >= lock_fn.start && pc < lock_fn.end)
			atomic_fetch_add(&handler_in_lock, 1);
		else if (pc >= unlock_fn.start && pc < unlock_fn.end)
			atomic_fetch_add(&handler_in_unlock, 1);
		if (srcu_read_lock_held(&demo_srcu))
			atomic_fetch_add(&handler_nested, 1); /* interrupted an open section */
		int idx = srcu_read_lock(&demo_srcu);
		srcu_read_unlock(&demo_srcu, idx);
		break;
	}
	case NESTING: {
		int idx = nest_read_lock();
		nest_read_unlock(idx);
		break;
	}
	case NAIVE_SPLIT: {
		int idx = naive_read_lock();
		naive_read_unlock(idx);
		break;
	}
	}
	atomic_fetch_add(&handler_sections, 1);
	in_window = window;
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
	atomic_store(&handler_in_window, 0);
	atomic_store(&stop_storm, 0);
	pthread_create(&storm_thread, NULL, storm, &self);
	while (now_s() < end) {
		for (int i = 0; i < 1000; i++) {
			if (mode == BUNDLED) {
				int idx = srcu_read_lock(&demo_srcu);
				srcu_read_unlock(&demo_srcu, idx);
			} else if (mode == NESTING) {
				int idx = nest_read_lock();
				nest_read_unlock(idx);
			} else {
				int idx = naive_read_lock();
				naive_read_unlock(idx);
			}
		}
		sections += 1000;
		if (mode == BUNDLED)
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
	bool check = argc > 1 && strcmp(argv[1], "--check") == 0;
	struct sigaction sa;

	if (argc > 1 && !check) {
		fprintf(stderr, "usage: %s [--check]\n", argv[0]);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);

	/* Part 1: naive split counters. Retry a few short rounds: it is a race. */
	long lost_locks = 0, lost_unlocks = 0, sections = 0, in_handler = 0;
	mode = NAIVE_SPLIT;
	for (int round = 0; round < 5 && lost_locks + lost_unlocks == 0; round++) {
		memset(&naive, 0, sizeof(naive));
		sections = run(0.3);
		in_handler = atomic_load(&handler_sections);
		long expected = sections + in_handler;
		long locks = atomic_load(&naive.lock_count[0]) + atomic_load(&naive.lock_count[1]);
		long unlocks = atomic_load(&naive.unlock_count[0]) + atomic_load(&naive.unlock_count[1]);
		lost_locks = expected - locks;
		lost_unlocks = expected - unlocks;
	}
	printf("1. naive split counters (pre-cdf7abc4 layout, non-atomic increment, widened window):\n");
	printf("  %ld sections in the thread, %ld in its signal handler (%ld between a load and its store)\n",
	       sections, in_handler, atomic_load(&handler_in_window));
	printf("  lost lock_count increments:   %ld\n", lost_locks);
	printf("  lost unlock_count increments: %ld\n", lost_unlocks);
	printf("  lock_count - unlock_count:    %ld%s\n", lost_unlocks - lost_locks,
	       lost_unlocks != lost_locks ? "  <- never balances: cleanup_srcu_struct() would warn" : "");

	/* Part 2: the bundled design (per-thread nesting counts), same window. */
	mode = NESTING;
	memset(&naive, 0, sizeof(naive));
	sections = run(0.3);
	in_handler = atomic_load(&handler_sections);
	long open_nest = atomic_load(&nest_count[0]) + atomic_load(&nest_count[1]);
	bool nest_exact = atomic_load(&nest_count[0]) == 0 && atomic_load(&nest_count[1]) == 0;
	long nest_window_hits = atomic_load(&handler_in_window);
	printf("2. per-thread nesting counters (the bundled design), same non-atomic widened window:\n");
	printf("  %ld sections in the thread, %ld in its signal handler (%ld between a load and its store)\n",
	       sections, in_handler, atomic_load(&handler_in_window));
	printf("  open sections at the end: %ld -> %s\n", open_nest, nest_exact ? "count exact" : "COUNT WRONG");

	/* Part 3: the bundled SRCU, used the same way. Retry a few rounds until
	 * handlers have landed inside srcu_read_lock/unlock themselves. */
	lock_fn = function_range("srcu_read_lock");
	unlock_fn = function_range("srcu_read_unlock");
	mode = BUNDLED;
	sections = 0;
	in_handler = 0;
	for (int round = 0; round < 5 && atomic_load(&handler_in_lock) + atomic_load(&handler_in_unlock) < 100;
	     round++) {
		sections += run(0.5);
		in_handler += atomic_load(&handler_sections);
	}
	long inside = atomic_load(&handler_in_lock) + atomic_load(&handler_in_unlock);
	long active = srcu_readers_active(&demo_srcu);
	int cleanup = cleanup_srcu_struct(&demo_srcu);
	bool exact = active == 0 && cleanup == 0;
	printf("3. bundled srcu_read_lock/unlock (libulockdep-srcu):\n");
	printf("  %ld sections in the thread, %ld in its signal handler (%ld interrupted an open section)\n",
	       sections, in_handler, atomic_load(&handler_nested));
	printf("  handlers that interrupted srcu_read_lock: %ld, srcu_read_unlock: %ld\n",
	       atomic_load(&handler_in_lock), atomic_load(&handler_in_unlock));
	printf("  open sections at the end: %ld, cleanup_srcu_struct() = %d -> %s\n", active, cleanup,
	       exact ? "count exact" : "COUNT WRONG");

	if (!exact || !nest_exact)
		return 1;
	if (check && lost_locks + lost_unlocks == 0) {
		printf("naive counters lost nothing this time (timing-dependent)\n");
		return 1;
	}
	if (check && nest_window_hits == 0) {
		printf("no handler interrupted a nesting-counter update this time (timing-dependent)\n");
		return 1;
	}
	if (check && inside == 0) {
		printf("no handler interrupted srcu_read_lock/unlock this time (timing-dependent)\n");
		return 1;
	}
	return 0;
}
