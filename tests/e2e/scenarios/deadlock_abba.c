// The hang watchdog on a real two-thread ABBA deadlock: a barrier makes each thread hold its
// first lock before either asks for its second, so both block for good. lockdep's circular
// report comes first (when the second thread asks); then, after deadlock_timeout, the
// watchdog names both threads, the lock each waits for and the lock each holds, and the
// process exits with exitcode instead of hanging.
// ENV: ULOCKDEP_OPTIONS=deadlock_timeout=1
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-REPORT: deadlock lock_a lock_b
// EXPECT-DEADLOCK-THREADS: worker_ab worker_ba e2e_deadlock_a*
// EXPECT-TEXT: is blocked acquiring:
// EXPECT-TEXT: held by: worker_ba/
// EXPECT-TEXT: held by: worker_ab/
// EXPECT-TEXT: is waiting for thread worker_ab/
// EXPECT-TEXT: a_then_b+
// EXPECT-TEXT: ${FILE}:${LINE:a_blocks}
// EXPECT-TEXT: ${FILE}:${LINE:b_blocks}
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both_hold_one;

static void *a_then_b(void *arg)
{
    pthread_setname_np(pthread_self(), "worker_ab");
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    pthread_barrier_wait(&both_hold_one);
    E2E_CHECK(pthread_mutex_lock(&lock_b)); /* LINE:a_blocks */
    return NULL;
}

static void *b_then_a(void *arg)
{
    pthread_setname_np(pthread_self(), "worker_ba");
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    pthread_barrier_wait(&both_hold_one);
    E2E_CHECK(pthread_mutex_lock(&lock_a)); /* LINE:b_blocks */
    return NULL;
}

int main(void)
{
    pthread_t t1, t2;
    E2E_CHECK(pthread_barrier_init(&both_hold_one, NULL, 2));
    E2E_CHECK(pthread_create(&t1, NULL, a_then_b, NULL));
    E2E_CHECK(pthread_create(&t2, NULL, b_then_a, NULL));
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    printf("not reached: the threads deadlock\n");
    return 0;
}
