// AA on an error-checking mutex: glibc refuses the relock with EDEADLK, but the program has
// the bug all the same (with a default mutex it would hang): recursive locking.
// EXPECT-EXIT: 66
// EXPECT-REPORT: recursive lock_e
// EXPECT-COUNT: recursive=1
#include "e2e_util.h"

static pthread_mutex_t lock_e = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;

int main(void)
{
    E2E_CHECK(pthread_mutex_lock(&lock_e));
    int r = pthread_mutex_lock(&lock_e);
    if (r != EDEADLK) {
        fprintf(stderr, "relock of an errorcheck mutex returned %d, not EDEADLK\n", r);
        return 99;
    }
    E2E_CHECK(pthread_mutex_unlock(&lock_e));
    /* The refused attempt left nothing behind: no bad unlock, no held lock. */
    E2E_CHECK(pthread_mutex_lock(&lock_e));
    E2E_CHECK(pthread_mutex_unlock(&lock_e));
    return 0;
}
