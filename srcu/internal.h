/* SPDX-License-Identifier: MIT */
/* Private state of the bundled SRCU library. Nothing here is exported. */
#ifndef ULOCKDEP_SRCU_INTERNAL_H
#define ULOCKDEP_SRCU_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <time.h>

#include <ulockdep/srcu.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define HIDDEN __attribute__((visibility("hidden")))

/* ------------------------------------------------------------------------- */
/* Thread slots and ids                                                       */
/* ------------------------------------------------------------------------- */

/*
 * Every thread that reads gets a small slot number (lowest free, recycled at
 * thread exit) and a process-unique id whose bits are laid out so the read
 * fast path turns it into addresses with a shift and two masks:
 *
 *   bits  0..5   zero
 *   bits  6..14  slot % 512      -> (id & 0x7fc0) is the record's byte offset
 *   bits 15..20  slot / 512      -> chunk index
 *   bits 24..55  seq, never 0 for a real thread
 *   bits 56..63  fork epoch the thread was born in (only used to stay quiet
 *                about readers that did not survive fork)
 *
 * ID_UNASSIGNED (seq 0) and REC_REPORTED (bit 0) never equal a real id.
 * ID_UNASSIGNED points into the last chunk, which no slot uses and which is
 * therefore never mapped: the read fast path of a thread that has no slot yet
 * (e.g. an srcu_read_unlock() without any lock) finds no chunk there instead
 * of landing on slot 0's record, which belongs to some other live thread.
 */
#define SLOTS_PER_CHUNK 512u
#define MAX_CHUNKS 64u
#define UNUSED_CHUNK (MAX_CHUNKS - 1)
#define MAX_SLOTS (SLOTS_PER_CHUNK * UNUSED_CHUNK) /* 32256 concurrent threads */

#define ID_UNASSIGNED ((0xffull << 56) | ((uint64_t)UNUSED_CHUNK << 15))
#define REC_REPORTED 1ull
_Static_assert(((ID_UNASSIGNED >> 15) & (MAX_CHUNKS - 1)) == UNUSED_CHUNK,
	       "a thread without a slot must map to the unused chunk");

static inline uint64_t id_make(uint32_t slot, uint32_t seq, uint32_t epoch)
{
	return ((uint64_t)(epoch & 0xff) << 56) | ((uint64_t)seq << 24) | ((uint64_t)slot << 6);
}
static inline uint32_t id_slot(uint64_t id) { return (uint32_t)(id >> 6) & 0x7fff; }
static inline uint32_t id_epoch(uint64_t id) { return (uint32_t)(id >> 56); }
static inline uint32_t slot_chunk(uint64_t id) { return (uint32_t)(id >> 15) & (MAX_CHUNKS - 1); }
static inline uint32_t slot_index(uint64_t id) { return (uint32_t)(id >> 6) & (SLOTS_PER_CHUNK - 1); }
static inline size_t rec_offset(uint64_t id) { return (size_t)(id & 0x7fc0); }

/*
 * The reader counters: one record per (thread, domain), 64 bytes so threads
 * never share a cache line.
 *
 * c[i] is the *net nesting count* of this thread's open sections that picked
 * index i: srcu_read_lock() does c[i] = c[i] + 1 and srcu_read_unlock() does
 * c[i] = c[i] - 1, each as a relaxed load and a relaxed store by the owning
 * thread only. Why this cannot lose a count when a signal handler runs a
 * reader section in the middle of it (the bug of kernel commit cdf7abc4):
 * the handler runs on the same thread, strictly nested, and its own lock/unlock
 * pairs are balanced, so whatever it does to c[i] it has undone before it
 * returns; when the interrupted load/add/store resumes, the value it loaded is
 * still the value in memory and its store is exact. The kernel's split
 * monotonic lock_count[]/unlock_count[] layout has no such property: a handler
 * that interrupts "load lock_count; add; store" makes its own increment of
 * lock_count vanish, and the per-index sums are off forever. Split counters are
 * only needed when an unlock may run on another CPU/thread, which this API
 * forbids (as the kernel's does).
 *
 * A net per-thread count also cannot read as a false zero: a thread's count is
 * positive for as long as any of its sections on that index is open.
 */
struct srcu_rec {
	_Atomic long c[2];
	_Atomic uint64_t owner; /* id of the thread that owns this record */
	_Atomic uint32_t tid;	/* its kernel tid, for messages */
	char pad[64 - 2 * sizeof(long) - sizeof(uint64_t) - sizeof(uint32_t)];
};
_Static_assert(sizeof(struct srcu_rec) == 64, "one cache line per record");

struct srcu_chunk {
	struct srcu_rec rec[SLOTS_PER_CHUNK];
};

/* Per-thread state; initial-exec TLS so a signal handler can read it safely. */
struct srcu_self {
	_Atomic uint64_t id;
	_Atomic uint32_t tid;
};
extern HIDDEN __thread struct srcu_self srcu_self __attribute__((tls_model("initial-exec")));

/* slot -> id of the live thread owning it, 0 if free. */
extern HIDDEN _Atomic uint64_t srcu_slot_owner[MAX_SLOTS];
/* 1 + highest slot ever handed out; scans stop there. */
extern HIDDEN _Atomic uint32_t srcu_slot_hwm;
/* Incremented in the child after fork(); internal locks carry it. */
extern HIDDEN _Atomic uint32_t srcu_fork_epoch;

/* ------------------------------------------------------------------------- */
/* Waiter counts                                                              */
/* ------------------------------------------------------------------------- */
/*
 * How many threads of this process wait in some update-side loop of a domain
 * (expedited callers, sleepers on a futex). In a fork() child those threads
 * do not exist, so the counts must start from zero there; an inherited
 * expedited count would make every grace period of the child poll forever.
 * The atfork child handler cannot reach every domain (there is no list of
 * them; a domain may live in any memory), so the counts carry the fork epoch
 * instead, like the internal locks: the handler's epoch bump resets them all,
 * and a count tagged with another epoch reads as zero.
 *   bits 63..32 fork epoch, bits 31..0 count
 */
typedef _Atomic uint64_t srcu_waiters_t;
#define WAITERS_COUNT_MASK 0xffffffffull

static inline uint64_t waiters_tag(void)
{
	return (uint64_t)atomic_load_explicit(&srcu_fork_epoch, memory_order_relaxed) << 32;
}

/* Returns the tag to hand to srcu_waiters_dec(). */
static inline uint64_t srcu_waiters_inc(srcu_waiters_t *w)
{
	uint64_t tag = waiters_tag(), v = atomic_load(w), n;
	do
		n = ((v & ~WAITERS_COUNT_MASK) == tag ? v : tag) + 1;
	while (!atomic_compare_exchange_weak(w, &v, n));
	return tag;
}

/* Undo an increment, unless a fork() has reset the count since (only when a
 * handler forked on top of the waiting thread). */
static inline void srcu_waiters_dec(srcu_waiters_t *w, uint64_t tag)
{
	uint64_t v = atomic_load(w);
	do
		if ((v & ~WAITERS_COUNT_MASK) != tag || !(v & WAITERS_COUNT_MASK))
			return;
	while (!atomic_compare_exchange_weak(w, &v, v - 1));
}

static inline uint32_t srcu_waiters(srcu_waiters_t *w)
{
	uint64_t v = atomic_load_explicit(w, memory_order_relaxed);
	return (v & ~WAITERS_COUNT_MASK) == waiters_tag() ? (uint32_t)v : 0;
}

/* ------------------------------------------------------------------------- */
/* Per-domain state, stored in srcu_struct.__srcu_priv. All-zero is valid.    */
/* ------------------------------------------------------------------------- */
struct srcu_priv {
	/* Read-mostly: what readers touch. */
	_Atomic unsigned long idx; /* readers use idx & 1 */
	struct srcu_chunk *_Atomic chunks[MAX_CHUNKS];

	/* Grace periods. gp_seq: even = idle, odd = in progress; >> 1 = completed. */
	_Atomic unsigned long gp_seq __attribute__((aligned(64)));
	_Atomic uint32_t gp_lock;    /* 0 or the fork epoch of the holder */
	_Atomic uint32_t gp_futex;   /* bumped at every gp_lock release */
	srcu_waiters_t gp_waiters;   /* threads sleeping on gp_futex */
	srcu_waiters_t exp_pending;  /* expedited callers waiting */

	/* call_srcu. cb_head/cb_tail/cb_queued/cb_spliced/worker* are under cb_lock. */
	_Atomic uint32_t cb_lock __attribute__((aligned(64)));
	_Atomic uint32_t cb_futex;	/* bumped when work arrives */
	_Atomic uint32_t done_futex;	/* bumped when a batch has run */
	srcu_waiters_t barrier_waiters; /* threads sleeping on done_futex */
	struct rcu_head *cb_head;
	struct rcu_head **cb_tail;	/* NULL when the list is empty */
	uint64_t cb_queued;		/* callbacks ever queued */
	uint64_t cb_spliced;		/* callbacks ever handed to the worker */
	_Atomic uint64_t cb_invoked;	/* callbacks ever invoked */
	pthread_t worker;
	uint32_t worker_epoch;		/* fork epoch the worker lives in, 0 = none */
	_Atomic uint32_t worker_stop;
	_Atomic uint32_t worker_sleeping;
	_Atomic uint32_t warned;	/* one-shot warnings */
};

_Static_assert(sizeof(struct srcu_priv) <= sizeof(((struct srcu_struct *)0)->__srcu_priv),
	       "srcu_priv must fit in srcu_struct");
_Static_assert(_Alignof(struct srcu_priv) <= 64, "srcu_priv alignment");

static inline struct srcu_priv *srcu_priv(struct srcu_struct *ssp)
{
	return (struct srcu_priv *)(void *)ssp->__srcu_priv;
}

static inline const char *srcu_name(struct srcu_struct *ssp)
{
	return ssp->name ? ssp->name : "(unnamed)";
}

/* ------------------------------------------------------------------------- */
/* Memory barriers                                                            */
/* ------------------------------------------------------------------------- */

/* 1 while readers must use full fences (no membarrier); 0 = compiler barrier. */
extern HIDDEN _Atomic int srcu_reader_fences;

static inline void srcu_reader_barrier(void)
{
	if (unlikely(atomic_load_explicit(&srcu_reader_fences, memory_order_relaxed)))
		atomic_thread_fence(memory_order_seq_cst);
	else
		atomic_signal_fence(memory_order_seq_cst);
}

/* Update side: a full barrier on every running thread of the process. */
HIDDEN void srcu_update_barrier(void);

/* ------------------------------------------------------------------------- */
/* Internal locks: futex words, invisible to the lock tracer                  */
/* ------------------------------------------------------------------------- */
/*
 * Word: 0 free, (epoch << 2) | 1 locked, (epoch << 2) | 2 locked with waiters.
 * A word whose epoch is not the current fork epoch was held by a thread that
 * did not survive fork(); the child takes it over instead of hanging.
 */
HIDDEN void srcu_mutex_lock(_Atomic uint32_t *m);
HIDDEN void srcu_mutex_unlock(_Atomic uint32_t *m);

HIDDEN long srcu_futex_wait(_Atomic uint32_t *addr, uint32_t val, const struct timespec *rel);
HIDDEN void srcu_futex_wake(_Atomic uint32_t *addr, int n);

static inline void srcu_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

/* ------------------------------------------------------------------------- */
/* Cross-file internals                                                       */
/* ------------------------------------------------------------------------- */
HIDDEN void srcu_global_init(void);
HIDDEN uint64_t srcu_thread_register(void);
HIDDEN uint32_t srcu_gettid(void);
HIDDEN int srcu_held(struct srcu_struct *ssp); /* srcu_read_lock_held() */

/* Grace periods (gp.c). */
HIDDEN void srcu_gp_wait(struct srcu_struct *ssp, bool expedited);
/* First active record on index idx (dead records are reported and skipped). */
HIDDEN struct srcu_rec *srcu_active_reader(struct srcu_struct *ssp, int idx);
HIDDEN void srcu_report_dead_record(struct srcu_struct *ssp, struct srcu_rec *r, uint64_t owner);
HIDDEN unsigned srcu_stall_seconds(void);

/* Callbacks (callbacks.c). */
HIDDEN int srcu_callbacks_shutdown(struct srcu_struct *ssp);

/*
 * Test hook points. Only the test builds of the library (never installed)
 * define ULOCKDEP_SRCU_TEST_HOOKS and call into test_hooks.c; everywhere else
 * a hook point is nothing at all, so the production code is unchanged.
 */
#ifdef ULOCKDEP_SRCU_TEST_HOOKS
#include "test_hooks.h"
HIDDEN void srcu_test_hook_reader_idx_loaded(void);
HIDDEN void srcu_test_hook_worker_splice(void);
#define SRCU_TEST_HOOK(point) srcu_test_hook_##point()
#else
#define SRCU_TEST_HOOK(point) ((void)0)
#endif

/* One-line, async-signal-safe diagnostics on stderr ("ulockdep-srcu: ..."). */
struct srcu_msg {
	char buf[320];
	size_t len;
};
HIDDEN void srcu_msg_begin(struct srcu_msg *m);
HIDDEN void srcu_msg_str(struct srcu_msg *m, const char *s);
HIDDEN void srcu_msg_long(struct srcu_msg *m, long v);
HIDDEN void srcu_msg_end(struct srcu_msg *m); /* appends '\n' and writes */
HIDDEN __attribute__((noreturn)) void srcu_fatal(const char *what);

#endif
