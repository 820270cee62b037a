/* A problem the engine found, as plain data for the renderers in reports/.
 * The engine fills it and hands it over; it never formats text itself. */
#ifndef ULOCKDEP_ENGINE_PROBLEM_H
#define ULOCKDEP_ENGINE_PROBLEM_H

#include <stdbool.h>
#include <stdint.h>

struct ul_class;

/* Every report kind of the contract, from the one table of them (report_kinds.def). Keep
 * the switch statements in reports/ exhaustive. */
enum ul_problem_kind {
#define UL_REPORT_KIND(name, kind, rule, title, short_desc, help, level) UL_P_##name,
#include "report_kinds.def"
#undef UL_REPORT_KIND
    UL_P_KIND_COUNT
};

/* A lock as a report mentions it: a class, and when known the instance's address and
 * annotation name, how it was taken and where. */
struct ul_lockref {
    const struct ul_class *cls;
    uintptr_t addr;        /* 0 when only the class is known (inner links of a chain) */
    const char *inst_name; /* ulockdep_set_name() */
    uint8_t mode;          /* enum ul_mode */
    bool trylock;
    uintptr_t ip;          /* acquisition site (0 if unknown) */
};

/* One dependency of a cycle: `to` was acquired while `from` was held, first at `stack`. */
struct ul_cycle_step {
    struct ul_lockref from, to;
    uint32_t stack;
    uint8_t dep;           /* UL_DEP_* kinds of this dependency */
};

#define UL_MAX_HELD_SHOWN 4096

/* Usage bits of the signal states, lockdep's irq usage with a signal for the irq:
 * used in a handler (IN-SIGNAL) or taken where the signal could arrive (SIGNAL-ON), as a
 * writer (W) or reader (R). */
enum ul_usage_bit { UL_U_IN_W, UL_U_ON_W, UL_U_IN_R, UL_U_ON_R };

/* An SRCU reader that is still inside its read section (cleanup_srcu_struct). */
struct ul_srcu_reader {
    int tid;
    int signo;               /* taken in this signal's handler (0: thread context) */
    struct ul_lockref lock;  /* with the srcu_read_lock call site */
    uint32_t stack;          /* the stack of that srcu_read_lock (0: not known) */
};

/* deadlock: one thread that is blocked for good. */
#define UL_MAX_BLOCKERS 4
struct ul_blocked_thread {
    int tid;
    char name[16];
    uint8_t wait;              /* enum ul_wait_kind (engine/thread.h) */
    struct ul_lockref lock;    /* LOCK: the lock it waits for (ip: the call that blocks);
                                * COND: the mutex the wait released */
    uintptr_t cond;            /* COND: the condition variable */
    int blockers[UL_MAX_BLOCKERS]; /* LOCK: blocked threads holding the lock; JOIN: the
                                    * thread joined */
    unsigned nblockers;
    struct ul_lockref *held;   /* the locks it holds (ip: where it took each) */
    unsigned nheld;
    uint32_t stack;            /* where it is blocked (0: not known) */
    uint32_t blocked_ms;       /* for how long */
};

/* srcu_misuse and assert_held: which check failed, and what its words need (written in
 * reports/problem_message.c). The values of the srcu_misuse checks are also part of the key
 * that reports each misuse once per lock class and call site. */
enum ul_misuse {
    UL_MISUSE_UNLOCK_CONTEXT = 1,      /* srcu_read_unlock() in another context than its lock */
    UL_MISUSE_UNLOCK_INDEX = 2,        /* ... with another index than srcu_read_lock() gave */
    UL_MISUSE_SYNC_IN_HANDLER = 3,     /* a grace-period wait (fn) in a signal handler */
    UL_MISUSE_SYNC_IN_READER = 4,      /* a grace-period wait (fn) in a reader of its domain */
    UL_MISUSE_CLEANUP_BUSY = 5,        /* cleanup_srcu_struct() with readers inside */
    UL_MISUSE_UNLOCK_BOTH = 6,         /* another context and another index */
    UL_MISUSE_BLOCKING_IN_HANDLER = 7, /* a call that sleeps (fn) in a signal handler */
    UL_MISUSE_ASSERT_HELD,             /* ulockdep_assert_held() on a lock not held */
    UL_MISUSE_ASSERT_NOT_HELD,         /* ulockdep_assert_not_held() on a lock held */
};

/* A context as a misuse names it: 0 thread context, a signal number for its handler. */
#define UL_CTX_RETURNED (-1)           /* a handler that has returned */

struct ul_misuse_info {
    uint8_t check;                     /* enum ul_misuse */
    const char *fn;                    /* the call (a string constant) */
    int ctx, lock_ctx;                 /* the unlock's context, and its read section's */
    int idx, lock_idx;                 /* the unlock's index, and its srcu_read_lock()'s */
};

struct ul_problem {
    enum ul_problem_kind kind;
    int tid;
    struct ul_lockref target;   /* being acquired / released / freed */
    struct ul_lockref holding;  /* circular, recursive: the held lock it conflicts with */
    /* circular: the cycle in dependency order, starting with the new dependency
     * holding -> target; cycle[n-1].to is `holding` again. */
    struct ul_cycle_step *cycle;
    unsigned ncycle;
    bool instance_level;        /* the cycle is between instances of one class */
    uintptr_t mem_lo, mem_hi;   /* held_lock_freed: the memory being freed (0, 0: the lock's
                                 * memory was overwritten while held, ul_on_overwritten) */
    uint32_t stack;             /* backtrace of the reporting thread, now */
    uintptr_t reacquire_ip;     /* nonzero: found while re-taking the locks held above one
                                 * released out of order, by the unlock at this address */
    int signo;                  /* the handler the thread is running (0: thread context) */
    unsigned sig_depth;         /* handler nesting */
    bool signal_enabled;        /* inconsistent_state: the signal could arrive here */
    bool by_longjmp;            /* held_at_signal_return: the handler was left by longjmp */
    /* inconsistent_state: the usage already recorded and the new one, the signal they
     * conflict on and where the recorded one was first seen.
     * signal_unsafe_order: safe/unsafe are the two ends (target/holding are the new
     * dependency), usage_stack/usage_stack2 where they became safe/unsafe, and the cycle
     * array holds the chain safe -> ... -> unsafe. */
    uint8_t usage_prev, usage_new;
    int usage_signo;
    uint32_t usage_stack, usage_stack2;
    struct ul_lockref safe, unsafe;
    struct ul_misuse_info misuse; /* srcu_misuse / assert_held: what is wrong */
    struct ul_srcu_reader *readers;
    unsigned nreaders;
    /* Snapshot of the thread's held locks at the time of the report. */
    struct ul_lockref *held;
    unsigned nheld;
    /* deadlock: the threads found blocked on each other (by the hang watchdog, which is the
     * reporting thread), those of a cycle first and in its order. */
    struct ul_blocked_thread *threads;
    unsigned nthreads;
    unsigned timeout;           /* deadlock_timeout, seconds */
};

#endif
