// The same ABBA cycle 100 times, from four threads, through two different call paths for the
// inverted order: reported once.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-COUNT: circular=1
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;

static void pair(pthread_mutex_t *first, pthread_mutex_t *second)
{
    E2E_CHECK(pthread_mutex_lock(first));
    E2E_CHECK(pthread_mutex_lock(second));
    E2E_CHECK(pthread_mutex_unlock(second));
    E2E_CHECK(pthread_mutex_unlock(first));
}

static void inverted_elsewhere(void)
{
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    E2E_CHECK(pthread_mutex_unlock(&lock_a));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
}

static void *worker(void *arg)
{
    for (int i = 0; i < 25; i++) {
        pair(&lock_a, &lock_b);
        pair(&lock_b, &lock_a);
        inverted_elsewhere();
    }
    return NULL;
}

int main(void)
{
    for (int t = 0; t < 4; t++)
        e2e_run_thread(worker, NULL);
    return 0;
}
