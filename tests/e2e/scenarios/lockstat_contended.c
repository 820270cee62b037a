// lock_stat=1: two threads take shared_lock 200 times each. In the first 50 rounds the
// holder keeps it until the other thread is seen waiting in the kernel for it (glibc marks
// a waiter in the lock word), so at least 50 acquisitions were contended, whatever the
// timing. The exit table and the JSON lock_stat line list shared_lock with exactly 400
// acquisitions; main's own lock (main_lock, taken 3 times, never contended) is listed too.
// Statistics are not a report: the program's exit status stays 0.
// ENV: ULOCKDEP_OPTIONS=lock_stat=1
// EXPECT-NONE
// EXPECT-LOCKSTAT: shared_lock acquisitions=400 contentions>=50 wait_total_ns>0 wait_max_ns>0 hold_total_ns>0 hold_max_ns>0
// EXPECT-LOCKSTAT: main_lock acquisitions=3 contentions=0 wait_total_ns=0
// EXPECT-TEXT: lock_stat version 0.4
#include <sched.h>
#include <stdatomic.h>

#include "e2e_util.h"

#define ROUNDS 200
#define FORCED 50

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t main_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int go, done;

/* glibc x86-64: __lock is 2 once a thread waits in the kernel for the mutex. */
static void wait_for_a_waiter(void)
{
    struct timespec until = e2e_deadline_on(CLOCK_MONOTONIC, 5000), now;
    while (__atomic_load_n(&shared_lock.__data.__lock, __ATOMIC_RELAXED) != 2) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > until.tv_sec || (now.tv_sec == until.tv_sec && now.tv_nsec > until.tv_nsec)) {
            fprintf(stderr, "no waiter showed up\n");
            exit(99);
        }
        sched_yield();
    }
}

static void *holder(void *arg)
{
    for (int i = 0; i < ROUNDS; i++) {
        E2E_CHECK(pthread_mutex_lock(&shared_lock));
        if (i < FORCED) {
            atomic_store(&go, i + 1);
            wait_for_a_waiter();
        }
        E2E_CHECK(pthread_mutex_unlock(&shared_lock));
        while (i < FORCED && atomic_load(&done) != i + 1)
            sched_yield();
    }
    return NULL;
}

static void *contender(void *arg)
{
    for (int i = 0; i < ROUNDS; i++) {
        while (i < FORCED && atomic_load(&go) != i + 1)
            sched_yield();
        E2E_CHECK(pthread_mutex_lock(&shared_lock));
        E2E_CHECK(pthread_mutex_unlock(&shared_lock));
        if (i < FORCED)
            atomic_store(&done, i + 1);
    }
    return NULL;
}

int main(void)
{
    pthread_t h, c;
    for (int i = 0; i < 3; i++) {
        E2E_CHECK(pthread_mutex_lock(&main_lock));
        E2E_CHECK(pthread_mutex_unlock(&main_lock));
    }
    E2E_CHECK(pthread_create(&h, NULL, holder, NULL));
    E2E_CHECK(pthread_create(&c, NULL, contender, NULL));
    E2E_CHECK(pthread_join(h, NULL));
    E2E_CHECK(pthread_join(c, NULL));
    return 0;
}
