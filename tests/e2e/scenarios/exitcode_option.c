// exitcode=3: a program that made a report exits with status 3 (its own status would be 0).
// ENV: ULOCKDEP_OPTIONS=exitcode=3
// EXPECT-EXIT: 3
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
    return 0;
}
