// A program with correct locking (nested locks, threads, a condition variable) that exits
// with status 7: status 7, no reports.
// EXPECT-NONE
// EXPECT-EXIT: 7
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static int done;

static void *worker(void *arg)
{
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    done = 1;
    E2E_CHECK(pthread_cond_signal(&done_cond));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_a));
    return NULL;
}

int main(void)
{
    pthread_t th;
    E2E_CHECK(pthread_create(&th, NULL, worker, NULL));
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    while (!done)
        E2E_CHECK(pthread_cond_wait(&done_cond, &lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
    E2E_CHECK(pthread_join(th, NULL));
    return 7;
}
