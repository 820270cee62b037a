/* SPDX-License-Identifier: MIT */
/*
 * Process-wide state: thread slots, the thread-exit hook, fork handling and the
 * choice between membarrier and reader-side fences.
 *
 * Thread exit: the pthread key destructor frees the slot. From then on every
 * record that thread owned is "dead" (its owner id no longer matches the slot)
 * and grace periods ignore it. A thread that exits inside a read-side section
 * therefore does not block grace periods forever; it can no longer touch the
 * data it protected. The drop is reported (one stderr line naming the domain)
 * by the first grace period, cleanup or slot reuse that sees the leftover count.
 *
 * fork: in the child only the forking thread survives. It keeps its slot (and
 * any section it has open); every other slot is freed, so the children's grace
 * periods do not wait for threads that do not exist. Internal locks carry the
 * fork epoch so a lock held by a vanished thread is taken over, and a domain's
 * call_srcu worker is restarted on demand.
 */
#include "internal.h"

#include <errno.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

HIDDEN __thread struct srcu_self srcu_self __attribute__((tls_model("initial-exec"))) = {
	.id = ID_UNASSIGNED,
};

HIDDEN _Atomic uint64_t srcu_slot_owner[MAX_SLOTS];
HIDDEN _Atomic uint32_t srcu_slot_hwm;
HIDDEN _Atomic uint32_t srcu_fork_epoch = 1;
HIDDEN _Atomic int srcu_reader_fences = 1; /* safe default until membarrier is registered */

static _Atomic uint32_t next_seq;
static _Atomic int membarrier_ok;
static pthread_key_t exit_key;
static _Atomic int init_state; /* 0 none, 1 running, 2 done */
static unsigned stall_seconds = 21;

HIDDEN uint32_t srcu_gettid(void)
{
	return (uint32_t)syscall(SYS_gettid);
}

HIDDEN unsigned srcu_stall_seconds(void)
{
	return stall_seconds;
}

static int sys_membarrier(int cmd)
{
	return (int)syscall(__NR_membarrier, cmd, 0, 0);
}

HIDDEN void srcu_update_barrier(void)
{
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&membarrier_ok, memory_order_relaxed)) {
		if (sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0)
			srcu_fatal("membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) failed after registration");
	}
	atomic_thread_fence(memory_order_seq_cst);
}

static bool env_true(const char *name)
{
	const char *v = getenv(name);
	return v && *v && strcmp(v, "0") != 0;
}

static void setup_membarrier(void)
{
	if (env_true("ULOCKDEP_SRCU_NO_MEMBARRIER"))
		return;
	int mask = sys_membarrier(MEMBARRIER_CMD_QUERY);
	if (mask < 0 || !(mask & MEMBARRIER_CMD_PRIVATE_EXPEDITED))
		return;
	if (sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) != 0)
		return;
	/* Order matters: updaters must use membarrier before any reader drops its fences. */
	atomic_store(&membarrier_ok, 1);
	atomic_store(&srcu_reader_fences, 0);
}

ULOCKDEP_SRCU_API const char *ulockdep_srcu_flavor(void)
{
	srcu_global_init();
	return atomic_load(&srcu_reader_fences) ? "fence" : "membarrier";
}

/* ---- thread exit ------------------------------------------------------- */

static void release_slot(uint64_t id)
{
	atomic_store_explicit(&srcu_slot_owner[id_slot(id)], 0, memory_order_release);
}

static void thread_exit_hook(void *unused)
{
	/* No more signal-handler readers on this dying thread: a handler could
	 * otherwise register a fresh slot that nothing would ever free. */
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);

	uint64_t id = atomic_load(&srcu_self.id);
	if (id == ID_UNASSIGNED)
		return;
	atomic_store(&srcu_self.id, ID_UNASSIGNED);
	release_slot(id);
}

/* ---- fork ---------------------------------------------------------------- */

/*
 * The new fork epoch also takes over internal locks held by threads that did
 * not survive fork() (futex.c) and resets every domain's waiter counts
 * (srcu_waiters_t): the threads they counted are gone.
 */
static void atfork_child(void)
{
	uint32_t epoch = atomic_load(&srcu_fork_epoch) + 1;
	if ((epoch & 0x3fffffff) == 0)
		epoch = 1;
	atomic_store(&srcu_fork_epoch, epoch);

	uint64_t self = atomic_load(&srcu_self.id);
	uint32_t hwm = atomic_load(&srcu_slot_hwm);
	for (uint32_t s = 0; s < hwm; s++) {
		if (self != ID_UNASSIGNED && s == id_slot(self))
			continue;
		atomic_store(&srcu_slot_owner[s], 0);
	}
	if (self != ID_UNASSIGNED)
		atomic_store(&srcu_self.tid, srcu_gettid());

	/* Registration is inherited today; re-register in case it ever is not. The
	 * child is single-threaded here, so switching to fences is safe. */
	if (atomic_load(&membarrier_ok) &&
	    sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) != 0) {
		atomic_store(&srcu_reader_fences, 1);
		atomic_store(&membarrier_ok, 0);
	}
}

/* ---- global init ------------------------------------------------------- */

static void do_global_init(void)
{
	const char *v = getenv("ULOCKDEP_SRCU_STALL_SECONDS");
	if (v && *v)
		stall_seconds = (unsigned)strtoul(v, NULL, 10);
	if (pthread_key_create(&exit_key, thread_exit_hook) != 0)
		srcu_fatal("pthread_key_create failed");
	pthread_atfork(NULL, NULL, atfork_child);
	setup_membarrier();
}

/* Runs from our constructor, before the constructors of anything linked
 * against us; also called lazily on slow paths in case we are called earlier. */
HIDDEN void srcu_global_init(void)
{
	if (likely(atomic_load_explicit(&init_state, memory_order_acquire) == 2))
		return;
	int expect = 0;
	if (atomic_compare_exchange_strong(&init_state, &expect, 1)) {
		do_global_init();
		atomic_store_explicit(&init_state, 2, memory_order_release);
		return;
	}
	while (atomic_load_explicit(&init_state, memory_order_acquire) != 2)
		sched_yield();
}

__attribute__((constructor(101))) static void srcu_constructor(void)
{
	srcu_global_init();
}

/* ---- thread registration (async-signal-safe) --------------------------- */

/*
 * Give the calling thread a slot. Lock-free and async-signal-safe: only
 * atomics, gettid and pthread_setspecific on a key created early (glibc keeps
 * the first 32 keys in the thread descriptor, no allocation). If a signal
 * handler registers the thread while we are half-way, whichever id was
 * published first wins and the other slot is given back.
 */
HIDDEN uint64_t srcu_thread_register(void)
{
	srcu_global_init();

	uint32_t seq;
	do
		seq = atomic_fetch_add(&next_seq, 1) + 1;
	while (seq == 0);
	uint32_t epoch = atomic_load(&srcu_fork_epoch);

	uint32_t s;
	uint64_t id = 0;
	for (s = 0; s < MAX_SLOTS; s++) {
		uint64_t expect = 0;
		if (atomic_load_explicit(&srcu_slot_owner[s], memory_order_relaxed) != 0)
			continue;
		id = id_make(s, seq, epoch);
		if (atomic_compare_exchange_strong(&srcu_slot_owner[s], &expect, id))
			break;
	}
	if (s == MAX_SLOTS)
		srcu_fatal("more than 32256 threads use SRCU at once");

	uint32_t hwm = atomic_load(&srcu_slot_hwm);
	while (hwm < s + 1 && !atomic_compare_exchange_weak(&srcu_slot_hwm, &hwm, s + 1))
		;

	atomic_store(&srcu_self.tid, srcu_gettid());
	uint64_t expect = ID_UNASSIGNED;
	if (!atomic_compare_exchange_strong(&srcu_self.id, &expect, id)) {
		release_slot(id); /* a signal handler registered us meanwhile */
		return expect;
	}
	pthread_setspecific(exit_key, (void *)1);
	return id;
}
