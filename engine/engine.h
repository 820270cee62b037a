/* The lockdep engine: pure C, no dlsym, no I/O. It is driven by events (init, acquire,
 * release, destroy, memory freed, thread exit) and calls back into its embedder for the
 * things that depend on the process (stacks, static storage, reporting). The shim is one
 * embedder; the unit tests are another. */
#ifndef ULOCKDEP_ENGINE_ENGINE_H
#define ULOCKDEP_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph.h"
#include "lockclass.h"
#include "problem.h"
#include "thread.h"

struct ul_env {
    /* Stack of the caller of the interposed function (ulockdep's own frames dropped). */
    unsigned (*capture_stack)(uintptr_t *pcs, unsigned max);
    /* Does addr lie in a module's static storage (.data/.bss)? */
    bool (*is_static)(uintptr_t addr);
    /* A problem to report. Called without the graph lock held; the problem and what it
     * points to are valid only during the call. Returns true if it was reported (not
     * suppressed). */
    bool (*report)(const struct ul_problem *p);
    /* The engine ran out of memory and switched itself off. */
    void (*out_of_memory)(void);
    /* Optional: should this lock class be ignored entirely (suppressions' lock:PATTERN)?
     * Called once per class when it is created, and again when an instance of it is named
     * (inst_name is the annotation name, else NULL). Never with the graph lock held. */
    bool (*ignore_class)(const struct ul_class *cls, const char *inst_name);
    /* Optional: is this return address in the C or C++ runtime (libc, libstdc++, std::
     * functions, __gthread_* wrappers, code inlined from the toolchain's headers) and no
     * user code? Such frames do not identify a lock class. Never called with the graph
     * lock held, nor in a signal handler. */
    bool (*runtime_pc)(uintptr_t pc);
    /* The calling thread's blocked signals (bit signo-1), read from the kernel. */
    uint64_t (*signal_mask)(void);
};

/* acquire flags */
enum {
    UL_F_TRY = 1,          /* trylock: pushed, but no dependency into it */
    UL_F_RECURSIVE = 2,    /* a recursive mutex: relocking it is not a problem */
    UL_F_SYNC = 4,         /* lock_sync: validated as an acquisition, never held */
    UL_F_NOWAIT = 8,       /* cannot block (an SRCU reader, a fake map) */
    UL_F_WAIT = 16,        /* ul_on_blocking_call: a wait for another thread (a condvar) */
};
#define UL_F_SUBCLASS(n) ((unsigned)(n) << 8)   /* ulockdep_lock_nested(), 1..7 */
#define UL_F_SUBCLASS_OF(f) (((f) >> 8) & 7u)
#define UL_F_AUX(n) ((unsigned)((n) & 0xff) << 16) /* kept in ul_held.aux (SRCU index) */

/* What ul_acquire did, to be handed to ul_acquire_failed when the real call fails. */
enum ul_token { UL_T_NONE = 0, UL_T_PUSHED, UL_T_REF };

/* What the embedder knows of a lock it is about to unlock, from the lock word. */
enum ul_unlock_hint {
    UL_UNLOCK_UNKNOWN,        /* may be held by this thread (e.g. taken before tracing) */
    UL_UNLOCK_NOT_LOCKED,     /* nobody holds it */
    UL_UNLOCK_OTHER_OWNER,    /* another thread holds it */
};

void ul_engine_setup(const struct ul_env *env);
bool ul_engine_enabled(void);
void ul_engine_disable(void);

void ul_on_init(struct ul_thread *t, void *lock, enum ul_lock_kind kind);
void ul_on_destroy(struct ul_thread *t, void *lock, size_t size);
/* A lock this thread holds is being taken again, but its memory says it is free: it was
 * overwritten (a PTHREAD_MUTEX_INITIALIZER store, memset) or abandoned with a dead stack
 * frame. Reported as held_lock_freed with where it was taken, then forgotten, so the new
 * acquisition is a first one, not a "recursive" relock. */
void ul_on_overwritten(struct ul_thread *t, void *lock);
enum ul_token ul_on_acquire(struct ul_thread *t, void *lock, enum ul_lock_kind kind, unsigned mode,
                            unsigned flags, uintptr_t ip);
/* ul_on_acquire for a caller that already checked that the engine is on, that no deferred
 * report waits (t->deferred NULL) and that the acquisition cache has no entry for this
 * acquisition (ul_acache_find returned NULL): the full path, without doing that again. */
enum ul_token ul_on_acquire_missed(struct ul_thread *t, void *lock, enum ul_lock_kind kind, unsigned mode,
                                   unsigned flags, uintptr_t ip);
void ul_on_acquire_failed(struct ul_thread *t, void *lock, enum ul_token tok);
/* Returns true if the lock was found held (and released). */
bool ul_on_release(struct ul_thread *t, void *lock, enum ul_lock_kind kind, enum ul_unlock_hint hint,
                   uintptr_t ip);
void ul_on_memory_freed(struct ul_thread *t, uintptr_t lo, uintptr_t hi);
/* A module is about to be unloaded (dlclose): the classes named by its code or data, so they
 * can be named while it is still there. Returns how many there are (fills up to max). */
size_t ul_module_classes(uintptr_t lo, uintptr_t hi, struct ul_class **out, size_t max);
/* It was unloaded: its static locks are gone (held ones reported as freed), and a lock at
 * the same address later (another library loaded there) is a new class. */
void ul_on_module_unloaded(struct ul_thread *t, uintptr_t lo, uintptr_t hi);
/* Thread exit or return from its start routine: reports locks still held (once). */
void ul_on_thread_exit(struct ul_thread *t);
/* Annotation: name an instance (registers it if new). */
void ul_on_set_name(struct ul_thread *t, void *lock, const char *name);
/* Is `lock` held by this thread? */
bool ul_is_held(struct ul_thread *t, void *lock);
/* Is there a registered lock at this address? (Lock-free.) */
bool ul_lock_known(const void *lock);
/* Annotation: the lock (or map) at `lock` belongs to the class called `class_name`. */
void ul_on_register_named(struct ul_thread *t, void *lock, enum ul_lock_kind kind, const char *class_name);
/* ulockdep_assert_held (want_held) / ulockdep_assert_not_held. */
void ul_on_assert(struct ul_thread *t, const void *lock, bool want_held, uintptr_t ip);

/* Signal-handler context. enter returns false when the handler is not traced (nested too
 * deep); blocked is the mask the handler runs with. exit checks for locks the handler
 * still holds (`longjmp`: it is left by siglongjmp). */
bool ul_on_signal_enter(struct ul_thread *t, int signo, uint64_t blocked);
void ul_on_signal_exit(struct ul_thread *t, bool longjmp);
/* The thread's signal mask is now `blocked` (back from a handler, or a temporary mask
 * ended); `known` false: read it when needed. Nothing is checked. */
static inline void ul_on_signal_mask(struct ul_thread *t, uint64_t blocked, bool known)
{
    t->sig_blocked = blocked;
    t->sig_mask_known = known;
}
/* The thread's signal mask changes from `was` to `blocked` (sigprocmask, or the mask that
 * sigsuspend/ppoll/pselect/epoll_pwait wait with): the signals it unblocks can interrupt
 * the holders of the locks it holds now, so each held lock gets their SIGNAL-ON usage and
 * is checked (lockdep's mark_held_locks when irqs are enabled). */
void ul_on_signal_mask_change(struct ul_thread *t, uint64_t was, uint64_t blocked);
/* A call that may sleep is about to be made: fn (its name) may wait for `lock` (for a
 * condition variable wait: its mutex). Judged only inside a signal handler, where it is
 * an srcu_misuse report for sleeping locks and waits (signal_context.c). */
void ul_blocking_in_handler(struct ul_thread *t, void *lock, enum ul_lock_kind kind, unsigned flags, const char *fn,
                            uintptr_t ip);
static inline void ul_on_blocking_call(struct ul_thread *t, void *lock, enum ul_lock_kind kind, unsigned flags,
                                       const char *fn, uintptr_t ip)
{
    if (__builtin_expect(t->sig_depth != 0, 0))
        ul_blocking_in_handler(t, lock, kind, flags, fn, ip);
}
/* Hands over the reports made inside signal handlers (call in thread context). */
void ul_engine_flush_deferred(struct ul_thread *t);

/* SRCU (srcu_events.c): readers are recursive readers of the domain; synchronize_srcu and
 * srcu_barrier are a lock_sync on it. */
void ul_on_srcu_lock(struct ul_thread *t, void *ssp, int idx, uintptr_t ip);
void ul_on_srcu_unlock(struct ul_thread *t, void *ssp, int idx, uintptr_t ip);
void ul_on_srcu_sync(struct ul_thread *t, void *ssp, const char *fn, uintptr_t ip);
/* cleanup_srcu_struct: busy when the real call found readers still active. */
void ul_on_srcu_cleanup(struct ul_thread *t, void *ssp, bool busy, uintptr_t ip);

/* Statistics for verbosity and tests. */
struct ul_engine_stats {
    uint64_t classes, instances, edges, instance_edges, chains, stacks, reports;
    uint64_t slow_paths;
    uint64_t gated_cycles;  /* cycles not reported: one gate lock covered each */
    size_t bytes;
};
void ul_engine_stats(struct ul_engine_stats *s);
uint64_t ul_engine_report_count(void);

/* A cycle left unreported because one gate lock covered it (docs/gate-locks.md): its closing
 * dependency prev -> next and the gate's class. */
struct ul_gated_cycle_info {
    const struct ul_class *prev, *next, *gate;
    bool instance_level;
    bool reported_later;   /* the gate's class got a second lock: reported then */
};
/* Fills up to max, returns how many there are. */
size_t ul_engine_gated_cycles(struct ul_gated_cycle_info *out, size_t max);
void ul_engine_reset_report_count(void);

static inline uint64_t ul_chain_next(uint64_t key, uint32_t class_id, unsigned mode)
{
    uint64_t x = key ^ (((uint64_t)class_id << 2 | mode) * 0x9e3779b97f4a7c15ull);
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 29;
    return x ? x : 1;
}

#endif
