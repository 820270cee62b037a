// deadlock_exit=0: the watchdog reports the ABBA deadlock once and lets the program hang
// (the driver kills it after TIMEOUT seconds). The same deadlock is not reported again on
// later scans.
// ENV: ULOCKDEP_OPTIONS=deadlock_timeout=1:deadlock_exit=0
// TIMEOUT: 5
// EXPECT-HANG
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-REPORT: deadlock lock_a lock_b
// EXPECT-COUNT: deadlock=1
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
    return 0;
}
