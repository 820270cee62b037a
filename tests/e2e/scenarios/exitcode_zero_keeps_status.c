// exitcode=0: the report is still made, and the program keeps its own exit status (5).
// ENV: ULOCKDEP_OPTIONS=exitcode=0
// EXPECT-EXIT: 5
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-COUNT: circular=1
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;

int main(void)
{
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_a));
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    E2E_CHECK(pthread_mutex_unlock(&lock_a));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
    return 5;
}
