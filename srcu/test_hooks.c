/* SPDX-License-Identifier: MIT */
/*
 * Test-only hooks (test_hooks.h). Built only into the test variants of the
 * library; the production library has no hook calls at all.
 */
#include "internal.h"

#include <time.h>

static _Atomic unsigned reader_delay_ns, reader_delay_every = 64;
/* Per thread, shared with this thread's signal handlers; only the spacing of
 * the delays depends on it, so a lost increment does not matter. */
static __thread _Atomic unsigned reader_sections __attribute__((tls_model("initial-exec")));

ULOCKDEP_SRCU_API void ulockdep_srcu_test_reader_delay(unsigned us, unsigned every)
{
	atomic_store(&reader_delay_every, every ? every : 1);
	atomic_store(&reader_delay_ns, us * 1000u);
}

static long ns_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t); /* async-signal-safe */
	return (t.tv_sec - t0->tv_sec) * 1000000000L + (t.tv_nsec - t0->tv_nsec);
}

/* A spin rather than a sleep: this may run inside a signal handler, and a
 * sleeping reader would also give the updater time it should not need. */
HIDDEN void srcu_test_hook_reader_idx_loaded(void)
{
	unsigned ns = atomic_load_explicit(&reader_delay_ns, memory_order_relaxed);
	if (!ns)
		return;
	unsigned n = atomic_load_explicit(&reader_sections, memory_order_relaxed) + 1;
	atomic_store_explicit(&reader_sections, n, memory_order_relaxed);
	if (n % atomic_load_explicit(&reader_delay_every, memory_order_relaxed))
		return;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (ns_since(&t0) < (long)ns)
		srcu_cpu_relax();
}

static void (*_Atomic splice_hook)(void);

ULOCKDEP_SRCU_API void ulockdep_srcu_test_splice_hook(void (*fn)(void))
{
	atomic_store(&splice_hook, fn);
}

HIDDEN void srcu_test_hook_worker_splice(void)
{
	void (*fn)(void) = atomic_load(&splice_hook);
	if (fn)
		fn();
}

ULOCKDEP_SRCU_API struct ulockdep_srcu_test_waiters ulockdep_srcu_test_waiters(struct srcu_struct *ssp)
{
	struct srcu_priv *d = srcu_priv(ssp);
	return (struct ulockdep_srcu_test_waiters){
		.exp_pending = srcu_waiters(&d->exp_pending),
		.gp_waiters = srcu_waiters(&d->gp_waiters),
		.barrier_waiters = srcu_waiters(&d->barrier_waiters),
	};
}
