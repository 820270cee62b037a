// Unlock of a default mutex that was never locked: bad unlock balance.
// EXPECT-EXIT: 66
// EXPECT-REPORT: bad_unlock lock_a
// EXPECT-COUNT: bad_unlock=1
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;

int main(void)
{
    pthread_mutex_unlock(&lock_a); /* the bug */
    /* The lock still works normally afterwards, with no further reports. */
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    E2E_CHECK(pthread_mutex_unlock(&lock_a));
    return 0;
}
