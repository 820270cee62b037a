/* The three shapes of a lock interposer, shared by every lock family:
 *   blocking acquire: record (and check) the acquisition *before* blocking, so a deadlock
 *                     is reported before the program hangs; undo it if the call fails;
 *   trylock:          record only after success, as a trylock (no dependency into it);
 *   release:          drop it from the held stack, then call the real unlock.
 * `call` is the real call; it is evaluated exactly once. */
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
#define UL_BLOCKING_ACQUIRE(lock, kind, mode, flags, call, ok)                                  \
    do {                                                                                      \
        struct ul_thread *t_;                                                                 \
        if (UL_BAD_LOCK_PTR(lock) || !(t_ = ul_enter()))                                      \
            return call;                                                                      \
        ul_on_blocking_call(t_, (lock), (kind), (flags), __func__, UL_CALLER);                \
        enum ul_token tok_ = ul_acquire(t_, (lock), (kind), (mode), (flags), UL_CALLER);      \
        ul_leave();                                                                           \
        int r_;                                                                               \
        if (ul_unlikely(ul_wait_hooks)) {                                                     \
            struct ul_wait_frame w_;                                                          \
            if (ul_wait_lock_quick(t_)) {                                                     \
                ul_wait_lock_mark(t_, (lock), UL_CALLER);                                     \
                r_ = call;                                                                    \
                ul_wait_lock_unmark(t_);                                                      \
            } else if ((r_ = ul_wait_lock_begin(&w_, t_, (lock), (kind), (mode), tok_,        \
                                                UL_CALLER)) < 0) {                            \
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
#define UL_RELEASE(lock, kind, hint, call)                                                      \
    do {                                                                                      \
        struct ul_thread *t_;                                                                 \
        if (UL_BAD_LOCK_PTR(lock) || !(t_ = ul_enter()))                                      \
            return call;                                                                      \
        if (!ul_release_top(t_, (uintptr_t)(lock)) &&                                         \
            !ul_on_release(t_, (lock), (kind), UL_UNLOCK_UNKNOWN, UL_CALLER)) {               \
            enum ul_unlock_hint h_ = (hint);                                                  \
            if (h_ != UL_UNLOCK_UNKNOWN)                                                      \
                ul_on_release(t_, (lock), (kind), h_, UL_CALLER);                             \
        }                                                                                     \
        if (ul_unlikely(ul_lockstat_on))                                                      \
            ul_lockstat_released(lock);                                                       \
        ul_leave();                                                                           \
        return call;                                                                          \
    } while (0)

/* pthread return codes: 0, or EOWNERDEAD (robust mutex acquired from a dead owner). */
#define UL_PTHREAD_OK(r) ((r) == 0 || (r) == EOWNERDEAD)
#define UL_C11_OK(r) ((r) == thrd_success)

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
