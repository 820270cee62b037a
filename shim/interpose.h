/* The three shapes of a lock interposer, shared by every lock family:
 *   blocking acquire: record (and check) the acquisition *before* blocking, so a deadlock
 *                     is reported before the program hangs; undo it if the call fails;
 *   trylock:          record only after success, as a trylock (no dependency into it);
 *   release:          drop it from the held stack, then call the real unlock.
 * `call` is the real call; it is evaluated exactly once.
 *
 * The hottest interposers (mutex lock/unlock, rwlock rd/wr/unlock, spin lock/unlock) first
 * try a fast path (ul_fast_acquire, ul_fast_release): an acquisition of a lock whose class
 * is not held (a hit in the thread's acquisition cache, or else the engine's full path
 * called directly), or the release of the top of the held stack; then a tail call of the
 * real function. Such an interposer is a leaf with no stack frame;
 * everything else goes to the shapes above in a separate function (_slow), given the
 * caller's address. A tail call cannot undo the acquisition if the real call fails, so the
 * fast acquire is used only where the real call cannot fail on a lock this thread does not
 * hold (see each use); a lock this thread holds has its class in the held stack's bloom,
 * which sends the acquisition to the slow path. */
#ifndef ULOCKDEP_SHIM_INTERPOSE_H
#define ULOCKDEP_SHIM_INTERPOSE_H

#include <errno.h>

#include "acquire_cache.h"
#include "shim.h"
#include "wait.h"

static inline void ul_undo_acquire(void *lock, enum ul_token tok)
{
    struct ul_thread *t = ul_enter();
    if (t) {
        ul_on_acquire_failed(t, lock, tok);
        ul_leave();
    }
}

static inline void ul_record_trylock(void *lock, enum ul_lock_kind kind, unsigned mode, unsigned flags,
                                     uintptr_t ip)
{
    struct ul_thread *t = ul_enter();
    if (t) {
        enum ul_token tok = ul_acquire(t, lock, kind, mode, flags | UL_F_TRY, ip);
        if (ul_unlikely(ul_lockstat_on))
            ul_lockstat_acquired(t, lock, tok, false, 0);
        ul_leave();
    }
}

/* A lock pointer into the first page (NULL, or a member of a NULL struct) is the program's
 * bug: nothing of it is read here, the real function gets it and does what it does
 * natively (usually a SIGSEGV inside libc), never a crash inside the shim. */
#define UL_BAD_LOCK_PTR(p) ul_unlikely((uintptr_t)(p) < 4096)

/* ok(r): did the real call leave the lock held?
 * With the watchdog or lock_stat on (wait.h), the thread says what it blocks on around the
 * real call; with lock_stat, the lock is tried first to tell a contention. */
#define UL_BLOCKING_ACQUIRE(lock, kind, mode, flags, call, ok) \
    UL_BLOCKING_ACQUIRE_AT(lock, kind, mode, flags, call, ok, UL_CALLER, __func__)
/* fname: the interposed function's name, for reports (a _slow function is not it). */
#define UL_BLOCKING_ACQUIRE_AT(lock, kind, mode, flags, call, ok, caller, fname)                \
    UL_BLOCKING_ACQUIRE_TRY(lock, kind, mode, flags, call, ok, caller, fname, NULL)
/* try_fn: the real trylock lock_stat uses (wait.h); NULL for the pthread family of kind. */
#define UL_BLOCKING_ACQUIRE_TRY(lock, kind, mode, flags, call, ok, caller, fname, try_fn)       \
    do {                                                                                      \
        uintptr_t ip_ = (caller);                                                             \
        struct ul_thread *t_;                                                                 \
        if (UL_BAD_LOCK_PTR(lock) || !(t_ = ul_enter()))                                      \
            return call;                                                                      \
        ul_on_blocking_call(t_, (lock), (kind), (flags), (fname), ip_);                       \
        enum ul_token tok_ = ul_acquire(t_, (lock), (kind), (mode), (flags), ip_);            \
        ul_leave();                                                                           \
        int r_;                                                                               \
        if (ul_unlikely(ul_wait_hooks)) {                                                     \
            struct ul_wait_frame w_;                                                          \
            if (ul_wait_lock_quick(t_)) {                                                     \
                ul_wait_lock_mark(t_, (lock), ip_);                                           \
                r_ = call;                                                                    \
                ul_wait_lock_unmark(t_);                                                      \
            } else if ((r_ = ul_wait_lock_begin(&w_, t_, (lock), (kind), (try_fn), (mode), tok_, \
                                                ip_)) < 0) {                                  \
                r_ = call;                                                                    \
                ul_wait_lock_end(&w_, t_, (lock), ok(r_));                                    \
            }                                                                                 \
        } else {                                                                              \
            r_ = call;                                                                        \
        }                                                                                     \
        if (!ok(r_))                                                                          \
            ul_undo_acquire((lock), tok_);                                                    \
        return r_;                                                                            \
    } while (0)

#define UL_TRY_ACQUIRE(lock, kind, mode, flags, call, ok)                                       \
    do {                                                                                      \
        int r_ = call;                                                                        \
        if (ok(r_) && !UL_BAD_LOCK_PTR(lock))                                                 \
            ul_record_trylock((lock), (kind), (mode), (flags), UL_CALLER);                    \
        return r_;                                                                            \
    } while (0)

/* The lock word is read (hint) only when the lock is not on the held stack: the first
 * ul_on_release, told nothing, releases it if held and else does nothing. */
#define UL_RELEASE(lock, kind, hint, call) UL_RELEASE_AT(lock, kind, hint, call, UL_CALLER)
#define UL_RELEASE_AT(lock, kind, hint, call, caller)                                           \
    do {                                                                                      \
        struct ul_thread *t_;                                                                 \
        if (UL_BAD_LOCK_PTR(lock) || !(t_ = ul_enter()))                                      \
            return call;                                                                      \
        if (!ul_release_top(t_, (uintptr_t)(lock)) && !ul_release_below_top(t_, (uintptr_t)(lock)) && \
            !ul_on_release(t_, (lock), (kind), UL_UNLOCK_UNKNOWN, (caller))) {                \
            enum ul_unlock_hint h_ = (hint);                                                  \
            if (h_ != UL_UNLOCK_UNKNOWN)                                                      \
                ul_on_release(t_, (lock), (kind), h_, (caller));                              \
        }                                                                                     \
        if (ul_unlikely(ul_lockstat_on))                                                      \
            ul_lockstat_released(lock);                                                       \
        ul_leave();                                                                           \
        return call;                                                                          \
    } while (0)

/* The fast paths (see the top of this file). True: the acquisition or release is recorded,
 * and the caller tail-calls the real function; false: nothing was done, the caller runs
 * its _slow function. No wait hooks (watchdog, lock_stat): they wrap the real call. */
/* ul_fast_acquire's answers: NO, nothing done (the caller runs its _slow function); DONE,
 * recorded (the caller tail-calls the real function); MISS, nothing recorded yet: the
 * acquisition is not in the thread's cache, and ul_busy is left set for the caller's
 * _missed function (UL_FAST_MISSED), tail-called next, which runs the engine's full path,
 * clears it and makes the real call. The miss is handled out of line so that the
 * interposer calls nothing itself and saves no registers: a leaf. */
enum { UL_FAST_NO = 0, UL_FAST_DONE = 1, UL_FAST_MISS = 2 };

/* The guard of a fast acquisition (pthread locks here, SRCU readers in srcu.c): the thread
 * is traced and not inside ulockdep, the engine is on, no reports wait to be printed and
 * no signal handler runs (a handler's checks are on the full path); with wait_hooks, also
 * no watchdog or lock_stat wrapping the real call. Returns the thread with ul_busy set
 * (ul_fast_end clears it), or NULL. */
static inline __attribute__((always_inline)) struct ul_thread *ul_fast_begin(bool wait_hooks)
{
    struct ul_thread *t = ul_self;
    if (ul_unlikely(!t) || ul_unlikely(ul_busy | (wait_hooks ? ul_wait_hooks : 0)) ||
        ul_unlikely(!atomic_load_explicit(&enabled, memory_order_relaxed)) || ul_unlikely(t->deferred != NULL) ||
        ul_unlikely(t->sig_depth != 0))
        return NULL;
    ul_busy = 1;
    __asm__ __volatile__("" ::: "memory");
    return t;
}

static inline __attribute__((always_inline)) void ul_fast_end(void)
{
    __asm__ __volatile__("" ::: "memory");
    ul_busy = 0;
}

static inline __attribute__((always_inline)) int ul_fast_acquire(void *lock, unsigned mode, unsigned flags,
                                                                 uintptr_t ip)
{
    struct ul_thread *t = ul_fast_begin(true);
    if (ul_unlikely(!t))
        return UL_FAST_NO;
    struct ul_acache_entry *e = ul_acache_find(t, (uintptr_t)lock, mode, flags);
    if (ul_unlikely(e == NULL))
        return UL_FAST_MISS; /* ul_busy stays set */
    int done = UL_FAST_NO; /* a lock of the class may be held: the same-class checks */
    if (ul_likely(ul_acache_no_same_class_check(t, e))) {
        ul_acache_push_ctx(t, e, (uintptr_t)lock, mode, flags, ip, 0); /* ul_fast_begin: no handler */
        done = UL_FAST_DONE;
    }
    ul_fast_end();
    return done;
}

/* The _missed function of an interposer with a fast path (not inlined: the interposer
 * stays a leaf), entered with ul_busy set by ul_fast_acquire. The engine's full path, from
 * the per-thread instance cache on; then the real call. When the lock's class was held
 * already (a relock, a recursive mutex, nesting in one class) the real call can fail (an
 * error-checking mutex relocked by its owner: EDEADLK), and the acquisition is undone. */
#define UL_FAST_MISSED(name, type, kind, real_fn)                                             \
    static __attribute__((noinline)) int name(type lock, unsigned mode, unsigned flags, uintptr_t ip) \
    {                                                                                      \
        struct ul_thread *t_ = ul_self;                                                    \
        enum ul_token tok_ = ul_on_acquire_missed(t_, (void *)lock, (kind), mode, flags, ip); \
        bool check_ = ul_unlikely(tok_ == UL_T_REF) ||                                     \
                      (tok_ == UL_T_PUSHED &&                                              \
                       ul_unlikely(t_->class_count[t_->held[t_->depth - 1].slot] > 1));               \
        ul_fast_end();                                                                     \
        if (ul_likely(!check_))                                                            \
            return real_fn(lock);                                                          \
        int r_ = real_fn(lock);                                                            \
        if (!UL_PTHREAD_OK(r_))                                                            \
            ul_undo_acquire((void *)lock, tok_);                                           \
        return r_;                                                                         \
    }

static inline __attribute__((always_inline)) bool ul_fast_release(void *lock)
{
    struct ul_thread *t = ul_self;
    if (ul_unlikely(!t) || ul_unlikely(ul_busy) || ul_unlikely(ul_lockstat_on))
        return false;
    ul_busy = 1;
    __asm__ __volatile__("" ::: "memory");
    bool done = ul_release_top(t, (uintptr_t)lock);
    ul_fast_end();
    return done;
}

/* The second part of an interposer with a fast path: not inlined, so that the exported
 * function stays a leaf; it is given the exported function's caller. Not `cold`: a miss in
 * the acquisition cache (many locks) goes there too. */
#define UL_SLOW static __attribute__((noinline))

/* pthread return codes: 0, or EOWNERDEAD (robust mutex acquired from a dead owner). */
#define UL_PTHREAD_OK(r) ((r) == 0 || (r) == EOWNERDEAD)
#define UL_C11_OK(r) ((r) == thrd_success)

/* glibc's mutex kinds (__kind) whose lock can fail on a mutex the thread does not hold:
 * robust (16: ENOTRECOVERABLE), priority-inherit (32) and priority-protect (64). Normal,
 * adaptive, error-checking and recursive mutexes fail only on a relock by their owner
 * (or recursive-count overflow), which the fast path never sees (the class is held). */
#define UL_MUTEX_KIND_MAY_FAIL 0x70

/* The acquire flags from the lock word, inline (every lock call reads them); lockword.c
 * has the out-of-line versions for the other callers. */
static inline unsigned ul_mutex_flags_inline(const pthread_mutex_t *m)
{
    int kind = __atomic_load_n(&m->__data.__kind, __ATOMIC_RELAXED);
    return (kind & 3) == PTHREAD_MUTEX_RECURSIVE_NP ? UL_F_RECURSIVE : 0;
}

/* Readers of glibc rwlocks are recursive (a reader gets in while a writer waits), except
 * with PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP. */
static inline unsigned ul_rwlock_read_mode_inline(const pthread_rwlock_t *l)
{
    return l->__data.__flags == PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP ? UL_READ : UL_RREAD;
}

static inline int ul_tid(void)
{
    return ul_self ? ul_self->tid : 0;
}

#endif
