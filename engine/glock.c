#include "glock.h"

#include <linux/futex.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

struct ul_flock ul_glock, ul_rlock;

/* The caller's tid, for `owner`; one gettid per thread, not per lock. A forked child's only
 * thread (the one that forked) gets it again: ul_flock_reset runs there. */
static __thread __attribute__((tls_model("initial-exec"))) int tid_cache;

static int self_tid(void)
{
    if (__builtin_expect(!tid_cache, 0))
        tid_cache = (int)syscall(SYS_gettid);
    return tid_cache;
}

static void futex(atomic_int *w, int op, int val)
{
    syscall(SYS_futex, w, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

/* The raw system call: the process's own sigprocmask may be interposed (by us) and
 * glibc's hides its internal signals; we want every signal, and to restore exactly. */
static uint64_t block_all_signals(void)
{
    uint64_t all = ~0ull, old = 0;
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, &old, sizeof all);
    return old;
}

static void set_signal_mask(uint64_t mask)
{
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL, sizeof mask);
}

/* Drepper, "Futexes are tricky", mutex 2. */
void ul_flock_lock(struct ul_flock *l)
{
    uint64_t old = block_all_signals();
    int c = 0;
    if (!atomic_compare_exchange_strong(&l->word, &c, 1)) {
        if (c != 2)
            c = atomic_exchange(&l->word, 2);
        while (c != 0) {
            futex(&l->word, FUTEX_WAIT, 2);
            c = atomic_exchange(&l->word, 2);
        }
    }
    atomic_store_explicit(&l->owner, self_tid(), memory_order_relaxed);
    l->saved_mask = old;
}

void ul_flock_unlock(struct ul_flock *l)
{
    uint64_t mask = l->saved_mask;
    atomic_store_explicit(&l->owner, 0, memory_order_relaxed);
    if (atomic_fetch_sub(&l->word, 1) != 1) {
        atomic_store(&l->word, 0);
        futex(&l->word, FUTEX_WAKE, 1);
    }
    set_signal_mask(mask);
}

bool ul_flock_held_by_me(struct ul_flock *l)
{
    return atomic_load_explicit(&l->word, memory_order_relaxed) != 0 &&
           atomic_load_explicit(&l->owner, memory_order_relaxed) == self_tid();
}

void ul_flock_reset(struct ul_flock *l)
{
    tid_cache = 0; /* in the child of a fork: a new tid */
    if (atomic_load(&l->word) != 0) /* held across fork by the forking thread */
        set_signal_mask(l->saved_mask);
    atomic_store(&l->word, 0);
    atomic_store(&l->owner, 0);
}
