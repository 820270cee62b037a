// A taken with trylock, then B with a blocking lock: A is held while blocking on B, so that is
// a real A -> B dependency. Later B -> A closes the cycle.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-COUNT: circular=1
// EXPECT-CYCLE: lock_a lock_b
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;

int main(void)
{
    E2E_CHECK(pthread_mutex_trylock(&lock_a));
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_a));

    E2E_CHECK(pthread_mutex_lock(&lock_b));
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    E2E_CHECK(pthread_mutex_unlock(&lock_a));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
    return 0;
}
