// A report found while re-taking held locks after an out-of-order release (HawkNL's nlClose:
// the cycle shows up inside nlMutexUnlock). b -> x first; then x, a, b are taken (a -> b closes
// b -> x -> a -> b: the first report, at b's acquisition) and a is released: b, held above it,
// now follows x directly, and x -> b is a cycle of its own with b -> x. That second report says
// it was found re-taking the locks held above the released one, and its "at:" is that unlock
// (where the reader's stack is), not b's original acquisition.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_a lock_b lock_x
// EXPECT-REPORT: circular lock_b lock_x
// EXPECT-COUNT: circular=2
// EXPECT-LINES: e2e_reacquire_a/*, re-taking the locks it held above one it released out of order, is trying to acquire lock:
// EXPECT-LINES: * (lock_b){+.+.}-{3:3}, at: main+* ${FILE}:${LINE:unlock_a} [*]
//
// EXPECT-LINES: but task is already holding lock:
// EXPECT-LINES: * (lock_x){+.+.}-{3:3}, at: main+* ${FILE}:${LINE:lock_x} [*]
#include "e2e_util.h"

static pthread_mutex_t lock_x = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;

int main(void)
{
    E2E_CHECK(pthread_mutex_lock(&lock_b)); /* b -> x */
    E2E_CHECK(pthread_mutex_lock(&lock_x));
    E2E_CHECK(pthread_mutex_unlock(&lock_x));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));

    E2E_CHECK(pthread_mutex_lock(&lock_x)); /* LINE:lock_x */
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_a)); /* LINE:unlock_a */
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_x));
    return 0;
}
