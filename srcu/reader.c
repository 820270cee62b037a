/* SPDX-License-Identifier: MIT */
/*
 * Read side. Wait-free: no lock, no read-modify-write atomic, no fence when
 * membarrier is available, no allocation after a thread's first use of a
 * domain. See struct srcu_rec for why the counters are signal-safe.
 *
 * Fast path: thread id from initial-exec TLS -> this domain's chunk for the
 * thread's slot -> the record, which must already belong to this thread.
 * Anything else (first use of the domain or of SRCU by this thread, slot
 * reused from a dead thread) goes to the slow path, which is itself
 * async-signal-safe (atomics and mmap only), so a first use may happen inside
 * a signal handler.
 */
#include "internal.h"

#include <sys/mman.h>

static inline struct srcu_rec *chunk_record(struct srcu_chunk *ch, uint64_t id)
{
	return (struct srcu_rec *)(void *)((char *)ch + rec_offset(id));
}

static struct srcu_chunk *chunk_alloc(struct srcu_priv *d, uint32_t ci)
{
	/* mmap, not malloc: this may run in a signal handler. Fresh pages are
	 * zero, which is a valid free record. */
	void *m = mmap(NULL, sizeof(struct srcu_chunk), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		srcu_fatal("mmap of a reader chunk failed");
	struct srcu_chunk *expect = NULL;
	if (!atomic_compare_exchange_strong(&d->chunks[ci], &expect, (struct srcu_chunk *)m)) {
		munmap(m, sizeof(struct srcu_chunk)); /* another thread or a handler won */
		return expect;
	}
	return m;
}

/* Take over this thread's record in a domain. The slot is ours, so a different
 * owner is a dead thread; a count it left behind is dropped (and reported). */
static void record_claim(struct srcu_struct *ssp, struct srcu_rec *r, uint64_t id)
{
	uint64_t old = atomic_load(&r->owner);
	if (old != 0 && old != REC_REPORTED)
		srcu_report_dead_record(ssp, r, old);
	atomic_store_explicit(&r->c[0], 0, memory_order_relaxed);
	atomic_store_explicit(&r->c[1], 0, memory_order_relaxed);
	atomic_store_explicit(&r->tid, atomic_load(&srcu_self.tid), memory_order_relaxed);
	/* Release: a scanner that sees the new owner sees the zeroed counts. */
	atomic_store_explicit(&r->owner, id, memory_order_release);
	/* And the other way round: a scanner that sees one of our increments
	 * must see our id, not the dead owner's (see srcu_active_reader). */
	atomic_thread_fence(memory_order_seq_cst);
}

static struct srcu_rec *srcu_reader_record(struct srcu_struct *ssp)
{
	struct srcu_priv *d = srcu_priv(ssp);
	uint64_t id = atomic_load(&srcu_self.id);

	if (id == ID_UNASSIGNED)
		id = srcu_thread_register();
	uint32_t ci = slot_chunk(id);
	struct srcu_chunk *ch = atomic_load_explicit(&d->chunks[ci], memory_order_acquire);
	if (!ch)
		ch = chunk_alloc(d, ci);
	struct srcu_rec *r = chunk_record(ch, id);
	if (atomic_load(&r->owner) != id)
		record_claim(ssp, r, id);
	return r;
}

/* This thread's record in the domain, or NULL if it must be set up first.
 * Acquire on the chunk pointer: another thread may have mapped the chunk (it
 * is a plain load on x86). */
static inline struct srcu_rec *fast_record(struct srcu_priv *d, uint64_t id)
{
	struct srcu_chunk *ch = atomic_load_explicit(&d->chunks[slot_chunk(id)], memory_order_acquire);
	if (unlikely(!ch))
		return NULL;
	struct srcu_rec *r = chunk_record(ch, id);
	if (unlikely(atomic_load_explicit(&r->owner, memory_order_relaxed) != id))
		return NULL;
	return r;
}

/*
 * Store a constant in the common outermost case (0 -> 1, 1 -> 0) rather than
 * v + 1 / v - 1: the stored value then does not depend on the load, so
 * back-to-back sections do not wait on store-to-load forwarding (the load only
 * feeds a well-predicted branch). The asm hides the constant's value so the
 * compiler cannot fold both arms back into v + 1.
 */
static inline long opaque(long x)
{
	__asm__("" : "+r"(x));
	return x;
}

static inline int reader_enter(struct srcu_priv *d, struct srcu_rec *r)
{
	int idx = (int)(atomic_load_explicit(&d->idx, memory_order_relaxed) & 1);
	SRCU_TEST_HOOK(reader_idx_loaded); /* test builds: a reader slow to count */
	/* Plain load + store, exact even if a handler's section runs in between. */
	long v = atomic_load_explicit(&r->c[idx], memory_order_relaxed);
	if (likely(v == 0))
		atomic_store_explicit(&r->c[idx], opaque(1), memory_order_relaxed);
	else
		atomic_store_explicit(&r->c[idx], v + 1, memory_order_relaxed);
	srcu_reader_barrier(); /* pairs with the updater's membarrier (A) */
	return idx;
}

__attribute__((noinline)) static int read_lock_slow(struct srcu_struct *ssp)
{
	return reader_enter(srcu_priv(ssp), srcu_reader_record(ssp));
}

ULOCKDEP_SRCU_API int srcu_read_lock(struct srcu_struct *ssp)
{
	struct srcu_priv *d = srcu_priv(ssp);
	struct srcu_rec *r =
		fast_record(d, atomic_load_explicit(&srcu_self.id, memory_order_relaxed));
	if (unlikely(!r))
		return read_lock_slow(ssp);
	return reader_enter(d, r);
}

__attribute__((noinline, cold)) static void unlock_misuse(struct srcu_struct *ssp, int idx)
{
	struct srcu_priv *d = srcu_priv(ssp);
	if (atomic_fetch_or(&d->warned, 1) & 1)
		return;
	struct srcu_msg m;
	srcu_msg_begin(&m);
	srcu_msg_str(&m, "srcu_read_unlock(");
	srcu_msg_str(&m, srcu_name(ssp));
	srcu_msg_str(&m, ", ");
	srcu_msg_long(&m, idx);
	srcu_msg_str(&m, ") without a matching srcu_read_lock() in this thread; ignored");
	srcu_msg_end(&m);
}

/*
 * No owner check here: the record at this thread's slot belongs to this thread
 * or to a dead previous owner of the slot, never to another live thread, and
 * the count check below catches an unlock with no matching lock.
 */
ULOCKDEP_SRCU_API void srcu_read_unlock(struct srcu_struct *ssp, int idx)
{
	struct srcu_priv *d = srcu_priv(ssp);
	uint64_t id = atomic_load_explicit(&srcu_self.id, memory_order_relaxed);
	struct srcu_chunk *ch = atomic_load_explicit(&d->chunks[slot_chunk(id)], memory_order_acquire);

	srcu_reader_barrier(); /* the section's accesses before the decrement; pairs with Z */
	if (unlikely(!ch || (unsigned)idx > 1))
		goto bad;
	struct srcu_rec *r = chunk_record(ch, id);
	long v = atomic_load_explicit(&r->c[idx], memory_order_relaxed);
	if (likely(v == 1)) {
		atomic_store_explicit(&r->c[idx], opaque(0), memory_order_relaxed);
		return;
	}
	if (unlikely(v <= 0))
		goto bad;
	atomic_store_explicit(&r->c[idx], v - 1, memory_order_relaxed);
	return;
bad:
	unlock_misuse(ssp, idx);
}

ULOCKDEP_SRCU_API int srcu_read_lock_held(struct srcu_struct *ssp)
{
	return srcu_held(ssp);
}

HIDDEN int srcu_held(struct srcu_struct *ssp)
{
	struct srcu_rec *r = fast_record(srcu_priv(ssp), atomic_load(&srcu_self.id));
	if (!r)
		return 0;
	return atomic_load_explicit(&r->c[0], memory_order_relaxed) +
		       atomic_load_explicit(&r->c[1], memory_order_relaxed) >
	       0;
}
