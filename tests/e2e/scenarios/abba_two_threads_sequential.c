// ABBA across two threads that run one after the other (the first is joined before the second
// starts): no real deadlock happens, but the order A -> B learnt from the first thread makes
// B -> A in the second a circular dependency.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-COUNT: circular=1
// EXPECT-CYCLE: lock_a lock_b
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;

static void *a_then_b(void *arg)
{
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_a));
    return NULL;
}

static void *b_then_a(void *arg)
{
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    E2E_CHECK(pthread_mutex_unlock(&lock_a));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
    return NULL;
}

int main(void)
{
    e2e_run_thread(a_then_b, NULL);
    e2e_run_thread(b_then_a, NULL);
    return 0;
}
