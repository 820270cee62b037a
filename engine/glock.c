#include "glock.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

struct ul_flock ul_glock, ul_rlock;

static int self_tid(void)
{
    return (int)syscall(SYS_gettid);
}

static void futex(atomic_int *w, int op, int val)
{
    syscall(SYS_futex, w, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

/* Drepper, "Futexes are tricky", mutex 2. */
void ul_flock_lock(struct ul_flock *l)
{
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
}

void ul_flock_unlock(struct ul_flock *l)
{
    atomic_store_explicit(&l->owner, 0, memory_order_relaxed);
    if (atomic_fetch_sub(&l->word, 1) != 1) {
        atomic_store(&l->word, 0);
        futex(&l->word, FUTEX_WAKE, 1);
    }
}

bool ul_flock_held_by_me(struct ul_flock *l)
{
    return atomic_load_explicit(&l->word, memory_order_relaxed) != 0 &&
           atomic_load_explicit(&l->owner, memory_order_relaxed) == self_tid();
}

void ul_flock_reset(struct ul_flock *l)
{
    atomic_store(&l->word, 0);
    atomic_store(&l->owner, 0);
}
