// One cycle of two rwlocks closed three times with different kinds of dependency:
// wr A -> wr B; then rd B -> wr A, wr B -> wr A and wr B -> rd A each close the cycle. Each
// closing dependency is new (a different read/write combination), but it is the same cycle of
// the same two locks: one report.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-COUNT: circular=1
#include "e2e_util.h"

static pthread_rwlock_t lock_a = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t lock_b = PTHREAD_RWLOCK_INITIALIZER;

int main(void)
{
    E2E_CHECK(pthread_rwlock_wrlock(&lock_a));
    E2E_CHECK(pthread_rwlock_wrlock(&lock_b));
    E2E_CHECK(pthread_rwlock_unlock(&lock_b));
    E2E_CHECK(pthread_rwlock_unlock(&lock_a));

    E2E_CHECK(pthread_rwlock_rdlock(&lock_b));
    E2E_CHECK(pthread_rwlock_wrlock(&lock_a));
    E2E_CHECK(pthread_rwlock_unlock(&lock_a));
    E2E_CHECK(pthread_rwlock_unlock(&lock_b));

    E2E_CHECK(pthread_rwlock_wrlock(&lock_b));
    E2E_CHECK(pthread_rwlock_wrlock(&lock_a));
    E2E_CHECK(pthread_rwlock_unlock(&lock_a));
    E2E_CHECK(pthread_rwlock_unlock(&lock_b));

    E2E_CHECK(pthread_rwlock_wrlock(&lock_b));
    E2E_CHECK(pthread_rwlock_rdlock(&lock_a));
    E2E_CHECK(pthread_rwlock_unlock(&lock_a));
    E2E_CHECK(pthread_rwlock_unlock(&lock_b));
    return 0;
}
