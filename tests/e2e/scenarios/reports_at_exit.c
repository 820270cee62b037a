// Reports made while the program is exiting still count for the exit status: an ABBA in an
// atexit() handler (A/B) and another in a destructor of the program (C/D). Both are reported;
// the status is 66 although main returns 0.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-REPORT: circular lock_c lock_d
// EXPECT-COUNT: circular=2
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_c = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_d = PTHREAD_MUTEX_INITIALIZER;

static void nest(pthread_mutex_t *x, pthread_mutex_t *y)
{
    E2E_CHECK(pthread_mutex_lock(x));
    E2E_CHECK(pthread_mutex_lock(y));
    E2E_CHECK(pthread_mutex_unlock(y));
    E2E_CHECK(pthread_mutex_unlock(x));
}

static void at_exit_handler(void)
{
    nest(&lock_b, &lock_a);
}

__attribute__((destructor)) static void program_destructor(void)
{
    nest(&lock_d, &lock_c);
}

int main(void)
{
    nest(&lock_a, &lock_b);
    nest(&lock_c, &lock_d);
    atexit(at_exit_handler);
    return 0;
}
