// A real ABBA deadlock whose reports are all suppressed (deadlock:a_then_b names a function of
// the stacks of both lockdep's circular report and the watchdog's deadlock report). The
// threads are still stuck for good: the watchdog says so in one line and ends the process with
// exitcode (deadlock_exit=1, the default) instead of letting it hang forever.
// ENV: ULOCKDEP_OPTIONS=deadlock_timeout=1
// SUPPRESSIONS: deadlock:a_then_b
// TIMEOUT: 20
// EXPECT-EXIT: 66
// EXPECT-MESSAGE: ulockdep: threads deadlocked for 1 s; the deadlock report was suppressed by deadlock:a_then_b; exiting with status 66
// EXPECT-MESSAGE: ulockdep: suppressions used:
// EXPECT-MESSAGE: 2 deadlock:a_then_b
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both_hold_one;

static void *a_then_b(void *arg)
{
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    pthread_barrier_wait(&both_hold_one);
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    return NULL;
}

static void *b_then_a(void *arg)
{
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    pthread_barrier_wait(&both_hold_one);
    E2E_CHECK(pthread_mutex_lock(&lock_a));
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
