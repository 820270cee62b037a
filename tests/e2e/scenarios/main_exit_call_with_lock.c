// exit() called deep in the program with a lock held (an error path that forgets to unlock):
// held_at_exit for the thread that called it, although other threads still run and hold
// locks of their own (they are not the ones ending the process, and are not reported).
// EXPECT-EXIT: 66
// EXPECT-REPORT: held_at_exit state_lock
// EXPECT-COUNT: held_at_exit=1
#include <stdlib.h>
#include <unistd.h>

#include "e2e_util.h"

static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t worker_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t started_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t started_cond = PTHREAD_COND_INITIALIZER;
static int started;

static void *worker(void *arg)
{
    (void)arg;
    E2E_CHECK(pthread_mutex_lock(&worker_lock)); /* held until the process ends */
    E2E_CHECK(pthread_mutex_lock(&started_lock));
    started = 1;
    E2E_CHECK(pthread_cond_signal(&started_cond));
    E2E_CHECK(pthread_mutex_unlock(&started_lock));
    for (;;)
        pause();
    return NULL;
}

static void fail_config(void)
{
    E2E_CHECK(pthread_mutex_lock(&state_lock));
    exit(0); /* the error path: state_lock is still held */
}

int main(void)
{
    pthread_t t;
    E2E_CHECK(pthread_create(&t, NULL, worker, NULL));
    E2E_CHECK(pthread_mutex_lock(&started_lock));
    while (!started)
        E2E_CHECK(pthread_cond_wait(&started_cond, &started_lock));
    E2E_CHECK(pthread_mutex_unlock(&started_lock));
    fail_config();
    return 1;
}
