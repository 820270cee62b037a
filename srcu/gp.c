/* SPDX-License-Identifier: MIT */
/*
 * Grace periods.
 *
 * One grace period (run_gp, under the domain's gp_lock):
 *   A  update barrier      every reader either has its increment visible to the
 *                          scans below, or will see the updater's earlier stores
 *   SCAN1 wait until no live thread counts on the *inactive* index
 *                          (readers that fetched idx long ago and only now
 *                          incremented it)
 *   E  fence; flip idx; D fence
 *                          new readers go to the other index, so the old one drains
 *   SCAN2 wait until no live thread counts on the previously active index
 *   Z  update barrier      the drained readers' accesses are complete before
 *                          the caller frees anything
 * The update barrier is membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), which
 * turns the readers' compiler barriers into full barriers, or a plain fence
 * when readers use fences themselves.
 *
 * Only A and Z need the expensive barrier (an IPI per running thread). A reader
 * that saw the old pointer did its increment before A's barrier hit it, so the
 * increment is visible to both scans, and a scan that then reads the thread's
 * count as zero has seen its decrement; everything the reader did before that
 * decrement is ordered before Z. E and D only decide how soon readers move to
 * the new index (the kernel keeps them as smp_mb), which plain fences do well
 * enough: the flip store cannot pass the loads that ended SCAN1 (control
 * dependency) and reaches other CPUs promptly.
 *
 * Sharing: a caller snapshots the gp_seq value that proves a full grace period
 * started after its call (as the kernel's rcu_seq_snap), then either finds it
 * already reached, runs a grace period itself (trylock), or sleeps until the
 * lock holder finishes and checks again. N concurrent callers cost about two
 * grace periods, not N.
 */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <time.h>

#define WARN_SYNC_IN_READER 2u

static bool seq_done(unsigned long cur, unsigned long snap)
{
	return (long)(cur - snap) >= 0;
}

HIDDEN void srcu_report_dead_record(struct srcu_struct *ssp, struct srcu_rec *r, uint64_t owner)
{
	long n = atomic_load(&r->c[0]) + atomic_load(&r->c[1]);
	if (n == 0)
		return;
	/* Exactly one of the scanners / the slot's new owner reports it. */
	if (!atomic_compare_exchange_strong(&r->owner, &owner, REC_REPORTED))
		return;
	/* Readers that simply did not survive fork() are not a bug. */
	if (id_epoch(owner) != (atomic_load(&srcu_fork_epoch) & 0xff))
		return;
	struct srcu_msg m;
	srcu_msg_begin(&m);
	srcu_msg_str(&m, "thread ");
	srcu_msg_long(&m, (long)atomic_load(&r->tid));
	srcu_msg_str(&m, " exited inside a read-side critical section of '");
	srcu_msg_str(&m, srcu_name(ssp));
	srcu_msg_str(&m, "' (depth ");
	srcu_msg_long(&m, n);
	srcu_msg_str(&m, "); its count is dropped");
	srcu_msg_end(&m);
}

/* Is this record's owner still the live thread of that slot? */
static bool record_live(uint32_t slot, uint64_t owner)
{
	return atomic_load_explicit(&srcu_slot_owner[slot], memory_order_acquire) == owner;
}

HIDDEN struct srcu_rec *srcu_active_reader(struct srcu_struct *ssp, int idx)
{
	struct srcu_priv *d = srcu_priv(ssp);
	uint32_t hwm = atomic_load_explicit(&srcu_slot_hwm, memory_order_acquire);

	for (uint32_t ci = 0; ci * SLOTS_PER_CHUNK < hwm; ci++) {
		struct srcu_chunk *ch = atomic_load_explicit(&d->chunks[ci], memory_order_acquire);
		if (!ch)
			continue;
		uint32_t n = hwm - ci * SLOTS_PER_CHUNK;
		if (n > SLOTS_PER_CHUNK)
			n = SLOTS_PER_CHUNK;
		for (uint32_t i = 0; i < n; i++) {
			struct srcu_rec *r = &ch->rec[i];
			/* Count first, then owner (acquire both): a count written by a
			 * thread that has just claimed this record (record_claim fences
			 * between its owner store and its first increment) is then
			 * always seen together with that thread's id, never with the
			 * previous, dead owner's id, which would make us skip it. */
			if (atomic_load_explicit(&r->c[idx], memory_order_acquire) == 0)
				continue;
			uint64_t owner = atomic_load_explicit(&r->owner, memory_order_acquire);
			if (owner == 0 || owner == REC_REPORTED)
				continue;
			if (!record_live(ci * SLOTS_PER_CHUNK + i, owner)) {
				srcu_report_dead_record(ssp, r, owner);
				continue;
			}
			return r;
		}
	}
	return NULL;
}

ULOCKDEP_SRCU_API long srcu_readers_active(struct srcu_struct *ssp)
{
	struct srcu_priv *d = srcu_priv(ssp);
	uint32_t hwm = atomic_load(&srcu_slot_hwm);
	long sum = 0;

	for (uint32_t s = 0; s < hwm; s++) {
		struct srcu_chunk *ch = atomic_load(&d->chunks[s / SLOTS_PER_CHUNK]);
		if (!ch)
			continue;
		struct srcu_rec *r = &ch->rec[s % SLOTS_PER_CHUNK];
		uint64_t owner = atomic_load(&r->owner);
		if (owner == 0 || owner == REC_REPORTED || !record_live(s, owner))
			continue;
		sum += atomic_load(&r->c[0]) + atomic_load(&r->c[1]);
	}
	return sum;
}

static void stall_warning(struct srcu_struct *ssp, struct srcu_rec *r, int idx, double secs)
{
	struct srcu_msg m;
	srcu_msg_begin(&m);
	srcu_msg_str(&m, "grace period of '");
	srcu_msg_str(&m, srcu_name(ssp));
	srcu_msg_str(&m, "' stalled for ");
	srcu_msg_long(&m, (long)secs);
	srcu_msg_str(&m, " s waiting for thread ");
	srcu_msg_long(&m, (long)atomic_load(&r->tid));
	srcu_msg_str(&m, " (index ");
	srcu_msg_long(&m, idx);
	srcu_msg_str(&m, ", depth ");
	srcu_msg_long(&m, atomic_load(&r->c[idx]));
	srcu_msg_str(&m, ")");
	srcu_msg_end(&m);
}

static void sleep_ns(long ns)
{
	struct timespec ts = { 0, ns };
	nanosleep(&ts, NULL);
}

/*
 * Waiting for readers. Both kinds first re-scan a few times with cpu_relax,
 * which catches sections of a few microseconds. After that:
 *  - normal: sleep, 20 us doubling to 1 ms between scans. Nearly no CPU, but
 *    the end of a section is noticed up to one sleep (plus timer slack) late.
 *  - expedited, or any grace period while an expedited caller waits: trade CPU
 *    for latency, never sleeping at first, so the end of a section is noticed
 *    within one scan. Spin with cpu_relax for 20 us (no system call between
 *    scans), then yield the CPU between scans until 2 ms: on a busy machine
 *    the reader may need our CPU to finish. After that sleep 20 us between
 *    scans, so that a long reader does not cost a whole CPU.
 */
#define SPIN_SCANS 64
#define NORMAL_SLEEP_MIN_NS 20000L
#define NORMAL_SLEEP_MAX_NS 1000000L
#define EXP_SPIN_NS 20000L
#define EXP_YIELD_NS 2000000L
#define EXP_SLEEP_NS 20000L

static long elapsed_ns(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000000000L + (t.tv_nsec - t0->tv_nsec);
}

static void wait_readers(struct srcu_struct *ssp, int idx, bool exp)
{
	struct srcu_priv *d = srcu_priv(ssp);
	struct timespec t0;
	long backoff = NORMAL_SLEEP_MIN_NS;
	unsigned stall = srcu_stall_seconds(), next_warn = stall;

	for (unsigned n = 0;; n++) {
		struct srcu_rec *r = srcu_active_reader(ssp, idx);
		if (!r)
			return;
		if (n < SPIN_SCANS) {
			srcu_cpu_relax();
			continue;
		}
		if (n == SPIN_SCANS)
			clock_gettime(CLOCK_MONOTONIC, &t0);
		long e = elapsed_ns(&t0);
		if (exp || srcu_waiters(&d->exp_pending)) {
			if (e < EXP_SPIN_NS)
				srcu_cpu_relax();
			else if (e < EXP_YIELD_NS)
				sched_yield();
			else
				sleep_ns(EXP_SLEEP_NS);
		} else {
			sleep_ns(backoff);
			if (backoff < NORMAL_SLEEP_MAX_NS)
				backoff *= 2;
		}
		if (stall && e >= (long)next_warn * 1000000000L) {
			stall_warning(ssp, r, idx, (double)e * 1e-9);
			next_warn += stall;
		}
	}
}

static void run_gp(struct srcu_struct *ssp, bool exp)
{
	struct srcu_priv *d = srcu_priv(ssp);
	unsigned long g = atomic_load(&d->gp_seq);

	/* Odd here means the previous holder vanished in fork(): redo it fully. */
	if (!(g & 1))
		atomic_store(&d->gp_seq, g + 1);
	srcu_update_barrier(); /* A */

	unsigned long i = atomic_load(&d->idx);
#ifndef ULOCKDEP_SRCU_BROKEN_SKIP_SCAN1
	wait_readers(ssp, (int)((i & 1) ^ 1), exp); /* SCAN1 */
#endif
	atomic_thread_fence(memory_order_seq_cst);  /* E */
	atomic_store(&d->idx, i + 1);
	atomic_thread_fence(memory_order_seq_cst); /* D */
#ifndef ULOCKDEP_SRCU_BROKEN_SKIP_WAIT
	wait_readers(ssp, (int)(i & 1), exp); /* SCAN2 */
#endif
	srcu_update_barrier(); /* Z */
	atomic_store_explicit(&d->gp_seq, (g | 1) + 1, memory_order_release);
}

static bool gp_trylock(struct srcu_priv *d)
{
	uint32_t tag = atomic_load(&srcu_fork_epoch);
	uint32_t v = atomic_load(&d->gp_lock);
	if (v == tag)
		return false; /* held by a live thread */
	/* Free, or held by a thread that did not survive fork(). */
	return atomic_compare_exchange_strong(&d->gp_lock, &v, tag);
}

static void gp_unlock(struct srcu_priv *d)
{
	atomic_store_explicit(&d->gp_lock, 0, memory_order_release);
	atomic_fetch_add(&d->gp_futex, 1);
	if (srcu_waiters(&d->gp_waiters))
		srcu_futex_wake(&d->gp_futex, INT_MAX);
}

HIDDEN void srcu_gp_wait(struct srcu_struct *ssp, bool exp)
{
	struct srcu_priv *d = srcu_priv(ssp);
	int cancel;

	srcu_global_init();
	/* nanosleep is a cancellation point; a cancelled grace-period runner
	 * would leave gp_lock held forever. */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	/* Order the caller's earlier updates (e.g. rcu_assign_pointer) before
	 * the snapshot, like the kernel's rcu_seq_snap(). */
	atomic_thread_fence(memory_order_seq_cst);
	unsigned long snap = (atomic_load(&d->gp_seq) + 3) & ~1ul;

	uint64_t exp_tag = exp ? srcu_waiters_inc(&d->exp_pending) : 0;
	for (;;) {
		uint32_t f = atomic_load(&d->gp_futex);
		if (seq_done(atomic_load_explicit(&d->gp_seq, memory_order_acquire), snap))
			break;
		if (gp_trylock(d)) {
			if (!seq_done(atomic_load(&d->gp_seq), snap))
				run_gp(ssp, exp);
			gp_unlock(d);
			continue;
		}
		/* Someone else is running a grace period: sleep until it ends. The
		 * timeout only guards against the unforeseen. */
		struct timespec to = { 1, 0 };
		uint64_t tag = srcu_waiters_inc(&d->gp_waiters);
		srcu_futex_wait(&d->gp_futex, f, &to);
		srcu_waiters_dec(&d->gp_waiters, tag);
	}
	if (exp)
		srcu_waiters_dec(&d->exp_pending, exp_tag);
	atomic_thread_fence(memory_order_seq_cst);
	pthread_setcancelstate(cancel, NULL);
}

static void check_not_in_reader(struct srcu_struct *ssp, const char *fn)
{
	if (!srcu_held(ssp))
		return;
	struct srcu_priv *d = srcu_priv(ssp);
	if (atomic_fetch_or(&d->warned, WARN_SYNC_IN_READER) & WARN_SYNC_IN_READER)
		return;
	struct srcu_msg m;
	srcu_msg_begin(&m);
	srcu_msg_str(&m, fn);
	srcu_msg_str(&m, "('");
	srcu_msg_str(&m, srcu_name(ssp));
	srcu_msg_str(&m, "') called inside a read-side critical section of the same domain: this deadlocks");
	srcu_msg_end(&m);
}

ULOCKDEP_SRCU_API void synchronize_srcu(struct srcu_struct *ssp)
{
	check_not_in_reader(ssp, "synchronize_srcu");
	srcu_gp_wait(ssp, false);
}

ULOCKDEP_SRCU_API void synchronize_srcu_expedited(struct srcu_struct *ssp)
{
	check_not_in_reader(ssp, "synchronize_srcu_expedited");
	srcu_gp_wait(ssp, true);
}

ULOCKDEP_SRCU_API unsigned long srcu_batches_completed(struct srcu_struct *ssp)
{
	return atomic_load(&srcu_priv(ssp)->gp_seq) >> 1;
}
