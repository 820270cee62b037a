/* SPDX-License-Identifier: MIT */
/*
 * ulockdep bundled userspace SRCU (sleepable read-copy update).
 *
 * Kernel names and meanings: every srcu_struct is an independent domain with its
 * own readers and grace periods. After synchronize_srcu(ssp) returns, every
 * srcu_read_lock(ssp) section that could have seen the old version of the data
 * has finished.
 *
 *   DEFINE_STATIC_SRCU(cfg_srcu);
 *   int idx = srcu_read_lock(&cfg_srcu);        // any thread, or a signal handler
 *   struct cfg *c = srcu_dereference(cur_cfg, &cfg_srcu);
 *   ...
 *   srcu_read_unlock(&cfg_srcu, idx);
 *
 *   old = cur_cfg; rcu_assign_pointer(cur_cfg, new);   // updater, any thread,
 *   synchronize_srcu(&cfg_srcu); free(old);            // no lock of its own
 *
 * Rules (as in the kernel):
 *  - srcu_read_unlock() runs in the same thread and the same signal-handler
 *    invocation as its srcu_read_lock(), with the idx it returned.
 *  - Never call synchronize_srcu()/srcu_barrier() inside a read-side section of
 *    the same domain (self-deadlock), nor from a signal handler.
 *  - call_srcu() callbacks run on a per-domain worker thread with all signals
 *    blocked; they must not block for long and must not call srcu_barrier().
 *  - Only the read side (srcu_read_lock/unlock/srcu_read_lock_held) is
 *    async-signal-safe.
 *
 * This header cannot be combined with liburcu's headers in one translation unit
 * (both define struct rcu_head).
 *
 * Link with: pkg-config --cflags --libs ulockdep-srcu
 */
#ifndef ULOCKDEP_SRCU_H
#define ULOCKDEP_SRCU_H

#ifdef __cplusplus
extern "C" {
#endif

#define ULOCKDEP_SRCU_API __attribute__((visibility("default")))

/*
 * The read side is called through the GOT instead of a PLT stub (gcc's noplt):
 * two instructions fewer per lock+unlock pair. An LD_PRELOADed tracer still
 * interposes these calls: the dynamic linker fills the GOT entry with the
 * first definition in lookup order, as it would the PLT slot (only lazily
 * binding them is lost). Compilers without the attribute (clang) use the PLT;
 * define ULOCKDEP_SRCU_NOPLT empty before the #include to do the same.
 */
#ifndef ULOCKDEP_SRCU_NOPLT
#if defined(__has_attribute)
#if __has_attribute(noplt)
#define ULOCKDEP_SRCU_NOPLT __attribute__((noplt))
#endif
#endif
#endif
#ifndef ULOCKDEP_SRCU_NOPLT
#define ULOCKDEP_SRCU_NOPLT
#endif

/* Callback head for call_srcu(); embed it in the object to be reclaimed. */
struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);
};

/* Size of the private area, in longs. Checked against the implementation. */
#define SRCU_PRIV_WORDS 128

struct srcu_struct {
	/* Domain name used in diagnostics and by the lock tracer: the symbol for
	 * DEFINE_SRCU/DEFINE_STATIC_SRCU, NULL after init_srcu_struct(), or the
	 * name given to init_srcu_struct_named(). */
	const char *name;
	/* Private. All-zero is a valid, ready domain: that is why a statically
	 * defined domain needs no init call, even from constructors. */
	unsigned long __srcu_priv[SRCU_PRIV_WORDS] __attribute__((aligned(64)));
};

#define __SRCU_STRUCT_INIT(n) { .name = #n }
#define DEFINE_SRCU(n) struct srcu_struct n = __SRCU_STRUCT_INIT(n)
#define DEFINE_STATIC_SRCU(n) static struct srcu_struct n = __SRCU_STRUCT_INIT(n)

/* Set up a domain in (possibly uninitialised) memory. Returns 0. */
ULOCKDEP_SRCU_API int init_srcu_struct(struct srcu_struct *ssp);
/* Same, and set ->name (the string must outlive the domain). */
ULOCKDEP_SRCU_API int init_srcu_struct_named(struct srcu_struct *ssp, const char *name);
/*
 * Tear a domain down. Returns 0 and leaves the domain in its initial state, or
 * returns -EBUSY (and prints one "ulockdep-srcu:" line on stderr) without
 * freeing anything if readers are active, a grace period is in progress or
 * call_srcu() callbacks are still pending (call srcu_barrier() first).
 */
ULOCKDEP_SRCU_API int cleanup_srcu_struct(struct srcu_struct *ssp);

/* Read side: wait-free, lock-free, async-signal-safe. Returns idx (0 or 1). */
ULOCKDEP_SRCU_API ULOCKDEP_SRCU_NOPLT int srcu_read_lock(struct srcu_struct *ssp);
ULOCKDEP_SRCU_API ULOCKDEP_SRCU_NOPLT void srcu_read_unlock(struct srcu_struct *ssp, int idx);
/* Non-zero if the calling thread is inside a read-side section of ssp. */
ULOCKDEP_SRCU_API ULOCKDEP_SRCU_NOPLT int srcu_read_lock_held(struct srcu_struct *ssp);

/* Wait for a full grace period. Callers need no serialisation: concurrent
 * callers share grace periods. */
ULOCKDEP_SRCU_API void synchronize_srcu(struct srcu_struct *ssp);
/* Same guarantee; spins, then yields, instead of sleeping (lower latency,
 * more CPU). */
ULOCKDEP_SRCU_API void synchronize_srcu_expedited(struct srcu_struct *ssp);
/* Invoke func(head) on the domain's worker thread after a grace period. */
ULOCKDEP_SRCU_API void call_srcu(struct srcu_struct *ssp, struct rcu_head *head,
				 void (*func)(struct rcu_head *head));
/* Wait until every callback queued by call_srcu() before this call has run. */
ULOCKDEP_SRCU_API void srcu_barrier(struct srcu_struct *ssp);

/* Diagnostics (not kernel API). */
/* Number of grace periods completed by this domain. */
ULOCKDEP_SRCU_API unsigned long srcu_batches_completed(struct srcu_struct *ssp);
/* Read-side sections currently open in live threads (a racy snapshot). */
ULOCKDEP_SRCU_API long srcu_readers_active(struct srcu_struct *ssp);
/* "membarrier" (fence-free readers) or "fence" (readers use full fences). */
ULOCKDEP_SRCU_API const char *ulockdep_srcu_flavor(void);

/*
 * Pointer publication and access. srcu_dereference() is a consume load; ssp is
 * only type-checked (the lock tracer checks srcu_read_lock_held()).
 */
#define srcu_dereference_check(p, ssp, c)                                        \
	(__extension__({                                                          \
		(void)sizeof(srcu_read_lock_held(ssp));                           \
		(void)sizeof(c);                                                  \
		__atomic_load_n(&(p), __ATOMIC_CONSUME);                          \
	}))
#define srcu_dereference(p, ssp) srcu_dereference_check(p, ssp, 1)
/* For updaters that exclude other updaters: a plain (untorn) load. */
#define srcu_dereference_protected(p, ssp, c)                                    \
	(__extension__({                                                          \
		(void)sizeof(srcu_read_lock_held(ssp));                           \
		(void)sizeof(c);                                                  \
		__atomic_load_n(&(p), __ATOMIC_RELAXED);                          \
	}))

#ifndef rcu_assign_pointer
#define rcu_assign_pointer(p, v)                                                 \
	do {                                                                      \
		__typeof__(p) __srcu_v = (v);                                     \
		__atomic_store_n(&(p), __srcu_v, __ATOMIC_RELEASE);               \
	} while (0)
#endif

#ifdef __cplusplus
}
#endif

#endif /* ULOCKDEP_SRCU_H */
