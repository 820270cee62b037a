// ABBA with the timed acquisitions: pthread_mutex_timedlock A -> pthread_mutex_clocklock
// (CLOCK_MONOTONIC) B, then clocklock B -> timedlock A. Timed attempts are blocking attempts.
// The same with rwlocks: clockwrlock C -> timedwrlock D, then timedrdlock D -> clockwrlock C
// (a reader of D waiting to write C against a writer of C waiting to write D: a cycle).
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-REPORT: circular rw_c rw_d
// EXPECT-COUNT: circular=2
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rw_c = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t rw_d = PTHREAD_RWLOCK_INITIALIZER;

int main(void)
{
    struct timespec rt, mono;

    rt = e2e_deadline(1000);
    E2E_CHECK(pthread_mutex_timedlock(&lock_a, &rt));
    mono = e2e_deadline_on(CLOCK_MONOTONIC, 1000);
    E2E_CHECK(pthread_mutex_clocklock(&lock_b, CLOCK_MONOTONIC, &mono));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_a));

    mono = e2e_deadline_on(CLOCK_MONOTONIC, 1000);
    E2E_CHECK(pthread_mutex_clocklock(&lock_b, CLOCK_MONOTONIC, &mono));
    rt = e2e_deadline(1000);
    E2E_CHECK(pthread_mutex_timedlock(&lock_a, &rt));
    E2E_CHECK(pthread_mutex_unlock(&lock_a));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));

    mono = e2e_deadline_on(CLOCK_MONOTONIC, 1000);
    E2E_CHECK(pthread_rwlock_clockwrlock(&rw_c, CLOCK_MONOTONIC, &mono));
    rt = e2e_deadline(1000);
    E2E_CHECK(pthread_rwlock_timedwrlock(&rw_d, &rt));
    E2E_CHECK(pthread_rwlock_unlock(&rw_d));
    E2E_CHECK(pthread_rwlock_unlock(&rw_c));

    rt = e2e_deadline(1000);
    E2E_CHECK(pthread_rwlock_timedrdlock(&rw_d, &rt));
    mono = e2e_deadline_on(CLOCK_MONOTONIC, 1000);
    E2E_CHECK(pthread_rwlock_clockwrlock(&rw_c, CLOCK_MONOTONIC, &mono));
    E2E_CHECK(pthread_rwlock_unlock(&rw_c));
    E2E_CHECK(pthread_rwlock_unlock(&rw_d));
    return 0;
}
