// A thread is cancelled (at a cancellation point) while it holds a lock: it exits with the
// lock held, which is reported when its thread state is torn down.
// EXPECT-EXIT: 66
// EXPECT-REPORT: held_at_exit lock_a
// EXPECT-COUNT: held_at_exit=1
#include <unistd.h>

#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t locked;

static void *sleeper(void *arg)
{
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    pthread_barrier_wait(&locked);
    for (;;)
        pause(); /* a cancellation point */
    return NULL;
}

int main(void)
{
    pthread_t th;
    void *ret;
    E2E_CHECK(pthread_barrier_init(&locked, NULL, 2));
    E2E_CHECK(pthread_create(&th, NULL, sleeper, NULL));
    pthread_barrier_wait(&locked);
    E2E_CHECK(pthread_cancel(th));
    E2E_CHECK(pthread_join(th, &ret));
    return ret == PTHREAD_CANCELED ? 0 : 99;
}
