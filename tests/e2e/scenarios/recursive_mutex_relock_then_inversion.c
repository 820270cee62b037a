// A recursive mutex R is relocked (legal: no report for that), and R -> B is taken while R is
// held twice. Later B -> R: exactly one report, the circular R/B dependency.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_r lock_b
// EXPECT-COUNT: circular=1
// EXPECT-CYCLE: lock_r lock_b
#include "e2e_util.h"

static pthread_mutex_t lock_r = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;

int main(void)
{
    E2E_CHECK(pthread_mutex_lock(&lock_r));
    E2E_CHECK(pthread_mutex_lock(&lock_r));
    E2E_CHECK(pthread_mutex_lock(&lock_r));
    E2E_CHECK(pthread_mutex_unlock(&lock_r));
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_r));
    E2E_CHECK(pthread_mutex_unlock(&lock_r));

    E2E_CHECK(pthread_mutex_lock(&lock_b));
    E2E_CHECK(pthread_mutex_lock(&lock_r));
    E2E_CHECK(pthread_mutex_unlock(&lock_r));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
    return 0;
}
