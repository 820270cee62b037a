// A three-lock cycle assembled from pairs taken one pair at a time: A -> B, B -> C, C -> A.
// No two of the pairs conflict; only the whole chain is circular.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_a lock_b lock_c
// EXPECT-COUNT: circular=1
// EXPECT-CYCLE: lock_a lock_b lock_c
// EXPECT-CYCLE-LEN: 3
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_c = PTHREAD_MUTEX_INITIALIZER;

static void pair(pthread_mutex_t *first, pthread_mutex_t *second)
{
    E2E_CHECK(pthread_mutex_lock(first));
    E2E_CHECK(pthread_mutex_lock(second));
    E2E_CHECK(pthread_mutex_unlock(second));
    E2E_CHECK(pthread_mutex_unlock(first));
}

int main(void)
{
    pair(&lock_a, &lock_b);
    pair(&lock_b, &lock_c);
    pair(&lock_c, &lock_a);
    return 0;
}
