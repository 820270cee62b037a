// A program that made a report and ends with exit(9) from a nested function (not a return from
// main) still exits with ulockdep's status 66; and stdout written before is not lost.
// EXPECT-EXIT: 66
// EXPECT-REPORT: recursive lock_a
// EXPECT-COUNT: recursive=1
// EXPECT-STDOUT: buffered line
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;

static void finish(void)
{
    printf("buffered line\n"); /* stdout is a file here: fully buffered until exit */
    exit(9);
}

int main(void)
{
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    struct timespec ts = e2e_deadline(50);
    if (pthread_mutex_timedlock(&lock_a, &ts) != ETIMEDOUT)
        return 99;
    E2E_CHECK(pthread_mutex_unlock(&lock_a));
    finish();
    return 0;
}
