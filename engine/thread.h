/* Per-thread state: the stack of held locks and the running chain key.
 * Owned and touched by its thread only (reports read it from the same thread); allocated
 * with mmap so creating it never calls malloc. */
#ifndef ULOCKDEP_ENGINE_THREAD_H
#define ULOCKDEP_ENGINE_THREAD_H

#include <stdbool.h>
#include <stdint.h>

struct ul_class;
struct ul_instance;

enum { UL_HELD_TRY = 1 };

struct ul_held {
    uintptr_t addr;
    struct ul_instance *inst;
    struct ul_class *cls;
    uint64_t prev_key;     /* chain key before this lock was pushed */
    uint64_t prev_ikey;    /* the thread's held-stack key before it (ul_thread.ikey) */
    uintptr_t ip;          /* where it was acquired */
    uint32_t refs;         /* extra acquisitions of a recursive mutex */
    uint32_t read_stack;   /* SRCU reader: the stack of its srcu_read_lock (0: not known);
                            * set only for SRCU readers (srcu_events.c) */
    uint8_t mode;          /* enum ul_mode */
    uint8_t flags;         /* UL_HELD_* */
    uint8_t ctx;           /* signal-handler depth it was taken at (0: thread context) */
    uint8_t aux;           /* SRCU: the index srcu_read_lock returned */
    uint8_t slot;          /* cls->id % UL_CLASS_BLOOM: its class_count slot (a pop reads no class) */
};

#define UL_CLASS_BLOOM 64

/* One entry of the per-thread acquisition cache (engine/acquire_cache.h): an acquisition
 * of the lock at `addr` when the thread's chain key was `key`, already checked in full once.
 * Exactly one cache line. */
struct ul_acache_entry {
    uint64_t key;              /* chain key before the acquisition; 0: empty */
    uintptr_t addr_tag;        /* the lock's address | UL_ACACHE_TAG(mode, try) */
    uint64_t next;             /* chain key after it */
    struct ul_instance *inst;
    struct ul_class *cls;
    /* The held-stack key (ul_thread.ikey) with which this acquisition last passed the
     * same-class checks (a lock of its class held, no relock, the instance dependencies
     * known); 0: none. The same stack gives the same verdict while the epoch stays. */
    uint64_t same_ikey;
    uint32_t epoch;            /* ul_instance_epoch when made or last revalidated */
    uint32_t serial;           /* inst->serial: tells a retired-and-reused instance apart */
    uint8_t slot;              /* cls->id % UL_CLASS_BLOOM */
    uint8_t sig_in;            /* a signal whose IN usage cls already has (0: none known) */
};
/* 4093 entries used (a prime: ul_acache_index), 256 KiB of address space per thread, mapped
 * with the thread's state and touched only where used: one line per (chain, lock) pair, so
 * a thread cycling through thousands of per-object locks finds each of them here. */
#define UL_ACACHE_BITS 12
#define UL_ACACHE_PRIME 4093u

/* One entry of the per-thread instance cache: lock address -> instance and class, whatever
 * the chain. Consulted on a miss of the acquisition cache before the global instance hash
 * (engine.c: thread_instance), so that a thread cycling through more locks than the
 * acquisition cache holds (sysbench mutex: thousands of mutexes, one at a time) finds a
 * known lock in its own memory. An entry is a fact about the lock, not about the thread:
 * it stays valid while ul_instance_epoch does not move, and is checked (address, serial)
 * when it did. Half a cache line. */
struct ul_icache_entry {
    uintptr_t addr;            /* 0: empty */
    struct ul_instance *inst;
    struct ul_class *cls;      /* inst->cls (fixed for the instance's life) */
    uint32_t serial;           /* inst->serial when made */
    uint32_t epoch;            /* ul_instance_epoch when made or last checked */
};
#define UL_ICACHE_BITS 12      /* 4096 entries, 128 KiB per thread, mapped on the first miss */
#define UL_SIG_MAX_DEPTH 15  /* deeper handler nesting is not traced */
#define UL_SRCU_SITES 32     /* srcu_read_lock call sites whose stack a thread remembers */

/* What a thread is blocked in, for the hang watchdog. */
enum ul_wait_kind {
    UL_WAIT_NONE,
    UL_WAIT_LOCK,   /* a blocking lock acquisition that found the lock taken */
    UL_WAIT_COND,   /* a condition variable wait: waits for whoever signals */
    UL_WAIT_JOIN,   /* pthread_join: waits for that thread to end */
};

struct ul_wait {
    const void *obj;        /* the lock, condvar or joined pthread_t; NULL: not waiting */
    uint32_t seq;           /* new for every wait, so a later wait is never taken for this one */
    uint8_t kind;           /* enum ul_wait_kind */
    uintptr_t ip;           /* call site of the waiting function */
    const void *mutex;      /* COND: the mutex the wait released */
    uint64_t deadline;      /* COND: CLOCK_MONOTONIC ns when a timed wait ends; UINT64_MAX: never */
};
#define UL_WAIT_PCS 32

struct ul_thread {
    struct ul_held *held;
    uint32_t depth, cap;
    uintptr_t reacquire_ip;   /* an out-of-order unlock's caller, while the locks held above the
                               * released one are checked again (remove_held) */
    uint64_t chain_key;
    /* A hash of the whole held stack, every context: address, mode, trylock, context and
     * subclass of each held lock, in order (ul_ikey_next). Equal keys mean the same locks
     * held the same way, which is what the same-class checks look at. Never 0. */
    uint64_t ikey;
    /* How many held locks hash to each slot by class id: when the slot of a new lock's class
     * is zero, no lock of that class is held and the same-class checks are skipped. */
    uint32_t class_count[UL_CLASS_BLOOM];
    /* Signal-handler context, lockdep's hard-irq context for userspace. A handler's locks
     * nest on the same held stack, with their own chain key and no dependencies on the
     * locks of the context it interrupted. */
    uint8_t sig_depth;          /* handlers running on this thread, nested */
    bool sig_mask_known;        /* sig_blocked is exact (else read it before use) */
    uint64_t sig_blocked;       /* blocked signals: bit signo-1 */
    struct ul_sigframe {
        uint64_t chain_key;     /* of the interrupted context */
        int signo;
    } sig[UL_SIG_MAX_DEPTH + 1];
    struct ul_deferred *deferred; /* reports made in a handler, printed back in thread context */
    /* Stacks of this thread's srcu_read_lock calls, by call site (srcu_events.c): each entry
     * packs a hash of the call site (high half) and the stack id (low half). */
    uint64_t srcu_sites[UL_SRCU_SITES];
    int tid;
    bool is_main;
    bool exit_checked;
    uint32_t create_stack;      /* where pthread_create made this thread */
    int parent_tid;
    struct ul_thread *reg_next, *reg_prev;
    /* Hang watchdog (shim/wait.c, shim/watchdog.c): what this thread is blocked in right
     * now. Written only by the thread itself with plain stores (wait.obj last, release
     * order), read racily by the watchdog under the graph lock. */
    struct ul_wait wait;
    uintptr_t self_handle;      /* pthread_self(), recorded by the thread's first wait */
    /* The stack of the current wait, captured on the watchdog's request (a signal). */
    uint32_t wait_stack_seq;    /* wait.seq of the wait the stack belongs to */
    uint32_t wait_npcs;
    uintptr_t wait_pcs[UL_WAIT_PCS];
    /* The instance cache (NULL until the first miss of the acquisition cache). Kept, not
     * cleared, when the state is recycled for a new thread: its entries are per lock. */
    struct ul_icache_entry *icache;
    /* Acquisitions already checked, by (chain key, lock address): a repeated acquisition is
     * one probe here (engine/acquire_cache.h). Mapped with the state (zero: key 0 never
     * matches) and kept when the state is recycled: like the instance cache, an entry is a
     * fact about a chain and a lock, checked against the epoch, not about the thread. */
    struct ul_acache_entry *acache;
};

#define UL_CHAIN_INITIAL 0x6c6f636b64657031ull /* any non-zero constant */
#define UL_IKEY_INITIAL 0x68656c6473746b31ull  /* any odd constant */

/* The held-stack key after pushing a lock (thread.h: ikey). Odd, so never 0. */
static inline uint64_t ul_ikey_next(uint64_t ikey, uintptr_t addr, unsigned mode, unsigned try_, unsigned ctx,
                                    unsigned sub)
{
    uint64_t x = (ikey ^ addr ^ (uint64_t)(mode | try_ << 2 | ctx << 3 | sub << 8) << 48) * 0x9e3779b97f4a7c15ull;
    return (x ^ x >> 29) | 1;
}

/* Creates the state of the calling thread (tid given by the caller). NULL when out of
 * memory. Registers it in the thread list. */
struct ul_thread *ul_thread_new(int tid, bool is_main);
/* Unregisters and frees the state (thread exit). */
void ul_thread_free(struct ul_thread *t);
/* Grows the held stack; false when out of memory. */
bool ul_thread_grow(struct ul_thread *t);
/* In a forked child: forget every thread but `self`. */
void ul_thread_forget_others(struct ul_thread *self);
/* Graph lock held: iterate the registered threads. */
struct ul_thread *ul_thread_first(void);

#endif
