// lock_stat=1 with a condition variable: 20 rounds of a hand-off. The waiter takes queue_lock,
// says it is waiting and calls pthread_cond_wait; the signaller takes queue_lock only once the
// waiter has released it inside the wait (the waiting flag set and the lock word free), sets
// ready, signals and unlocks. Getting the mutex back in pthread_cond_wait counts as an
// acquisition (lock_stat times the hold again from there), so each round is 3 acquisitions of
// queue_lock, none contended: exactly 60 acquisitions and 0 contentions. The condition
// variable itself is no lock class.
// ENV: ULOCKDEP_OPTIONS=lock_stat=1
// EXPECT-NONE
// EXPECT-LOCKSTAT: queue_lock acquisitions=60 contentions=0 wait_total_ns=0 hold_total_ns>0 hold_max_ns>0
#include <sched.h>
#include <stdatomic.h>

#include "e2e_util.h"

#define ROUNDS 20

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_cond = PTHREAD_COND_INITIALIZER;
static atomic_int waiting;
static int ready;

static void *waiter(void *arg)
{
    for (int i = 0; i < ROUNDS; i++) {
        E2E_CHECK(pthread_mutex_lock(&queue_lock));
        atomic_store(&waiting, i + 1);
        while (ready != i + 1)
            E2E_CHECK(pthread_cond_wait(&queue_cond, &queue_lock));
        E2E_CHECK(pthread_mutex_unlock(&queue_lock));
    }
    return NULL;
}

static void *signaller(void *arg)
{
    for (int i = 0; i < ROUNDS; i++) {
        /* the waiter holds queue_lock from before it says so until it waits: free means waiting */
        while (atomic_load(&waiting) != i + 1 || __atomic_load_n(&queue_lock.__data.__lock, __ATOMIC_ACQUIRE) != 0)
            sched_yield();
        E2E_CHECK(pthread_mutex_lock(&queue_lock));
        ready = i + 1;
        E2E_CHECK(pthread_cond_signal(&queue_cond));
        E2E_CHECK(pthread_mutex_unlock(&queue_lock));
    }
    return NULL;
}

int main(void)
{
    pthread_t w, s;
    E2E_CHECK(pthread_create(&w, NULL, waiter, NULL));
    E2E_CHECK(pthread_create(&s, NULL, signaller, NULL));
    E2E_CHECK(pthread_join(w, NULL));
    E2E_CHECK(pthread_join(s, NULL));
    return 0;
}
