// pthread_mutex_destroy of a mutex the thread still holds (glibc says EBUSY and leaves it):
// "held lock freed!". The program then unlocks it: no further report (the destroyed lock is
// gone from the held stack, and its lock word says it is ours).
// EXPECT-EXIT: 66
// EXPECT-REPORT: held_lock_freed lock_a
// EXPECT-COUNT: held_lock_freed=1
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;

int main(void)
{
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    int r = pthread_mutex_destroy(&lock_a); /* the bug */
    if (r != EBUSY && r != 0) {
        fprintf(stderr, "destroy of a held mutex returned %d\n", r);
        return 99;
    }
    pthread_mutex_unlock(&lock_a);
    return 0;
}
