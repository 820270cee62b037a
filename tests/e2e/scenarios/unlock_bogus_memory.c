// pthread_mutex_unlock on memory that was never a lock (Helgrind's tc09: an int array filled
// with 0xff, so the lock word is set but names no owner and no mutex kind): bad_unlock naming
// the memory by its symbol. glibc itself returns EINVAL; the program goes on.
// EXPECT-EXIT: 66
// EXPECT-REPORT: bad_unlock bogus+0xc8
// EXPECT-COUNT: bad_unlock=1
// EXPECT-STDOUT: unlock returned 22
// EXPECT-LINES: e2e_unlock_bogu/* is trying to release lock (bogus+0xc8) at:
// EXPECT-LINES: main+* ${FILE}:${LINE:unlock} [*]
// EXPECT-LINES: but there are no more locks to release!
#include <string.h>

#include "e2e_util.h"

static int bogus[100];

int main(void)
{
    memset(bogus, 0xff, sizeof bogus);
    int r = pthread_mutex_unlock((pthread_mutex_t *)&bogus[50]); /* LINE:unlock */
    printf("unlock returned %d\n", r);
    return 0;
}
