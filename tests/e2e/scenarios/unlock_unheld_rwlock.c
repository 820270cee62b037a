// Unlock of a default rwlock that is not locked (after a correct read lock/unlock pair): bad
// unlock balance. (Done last: glibc's state for the lock is garbage afterwards.)
// EXPECT-EXIT: 66
// EXPECT-REPORT: bad_unlock rw_a
// EXPECT-COUNT: bad_unlock=1
#include "e2e_util.h"

static pthread_rwlock_t rw_a = PTHREAD_RWLOCK_INITIALIZER;

int main(void)
{
    E2E_CHECK(pthread_rwlock_rdlock(&rw_a));
    E2E_CHECK(pthread_rwlock_unlock(&rw_a));
    pthread_rwlock_unlock(&rw_a); /* the bug: once too often */
    return 0;
}
