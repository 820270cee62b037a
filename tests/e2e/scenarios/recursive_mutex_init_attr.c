// A recursive mutex made with pthread_mutexattr_settype(PTHREAD_MUTEX_RECURSIVE), locked three
// times deep with another lock taken in between (R, B, R: the relock cannot block, so no
// B -> R dependency and no report), and a C11 recursive mtx_t likewise. Nothing to report.
// EXPECT-NONE
#include <threads.h>

#include "e2e_util.h"

static pthread_mutex_t lock_r;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static mtx_t mtx_r;

int main(void)
{
    pthread_mutexattr_t attr;
    E2E_CHECK(pthread_mutexattr_init(&attr));
    E2E_CHECK(pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE));
    E2E_CHECK(pthread_mutex_init(&lock_r, &attr));
    E2E_CHECK(pthread_mutexattr_destroy(&attr));

    E2E_CHECK(pthread_mutex_lock(&lock_r));
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    E2E_CHECK(pthread_mutex_lock(&lock_r));
    E2E_CHECK(pthread_mutex_lock(&lock_r));
    E2E_CHECK(pthread_mutex_unlock(&lock_r));
    E2E_CHECK(pthread_mutex_unlock(&lock_r));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_r));

    if (mtx_init(&mtx_r, mtx_plain | mtx_recursive) != thrd_success)
        return 99;
    for (int i = 0; i < 3; i++)
        if (mtx_lock(&mtx_r) != thrd_success)
            return 99;
    for (int i = 0; i < 3; i++)
        if (mtx_unlock(&mtx_r) != thrd_success)
            return 99;
    mtx_destroy(&mtx_r);
    return 0;
}
