// Unlock of an error-checking mutex that was never locked (glibc returns EPERM): bad unlock
// balance, reported once.
// EXPECT-EXIT: 66
// EXPECT-REPORT: bad_unlock lock_e
// EXPECT-COUNT: bad_unlock=1
#include "e2e_util.h"

static pthread_mutex_t lock_e = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;

int main(void)
{
    int r = pthread_mutex_unlock(&lock_e); /* the bug */
    if (r != EPERM) {
        fprintf(stderr, "unlock of an unlocked errorcheck mutex returned %d, not EPERM\n", r);
        return 99;
    }
    E2E_CHECK(pthread_mutex_lock(&lock_e));
    E2E_CHECK(pthread_mutex_unlock(&lock_e));
    return 0;
}
