// A thread that polls is running, not blocked: the consumer holds queue_lock and waits on
// not_empty in a loop of 100 ms timed waits, the producer blocks on queue_lock. The program
// hangs (the driver kills it after TIMEOUT seconds), but no wait ever lasts the
// deadlock_timeout, so the watchdog does not call it a deadlock.
// ENV: ULOCKDEP_OPTIONS=deadlock_timeout=1
// TIMEOUT: 4
// EXPECT-HANG
// EXPECT-NONE
#include "e2e_util.h"

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t wait_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t consumer_ready;
static int items;

static void *consumer(void *arg)
{
    E2E_CHECK(pthread_mutex_lock(&queue_lock));
    E2E_CHECK(pthread_mutex_lock(&wait_lock));
    pthread_barrier_wait(&consumer_ready);
    while (!items) {
        struct timespec soon = e2e_deadline(100);
        int r = pthread_cond_timedwait(&not_empty, &wait_lock, &soon);
        if (r != ETIMEDOUT)
            E2E_CHECK(r);
    }
    E2E_CHECK(pthread_mutex_unlock(&wait_lock));
    E2E_CHECK(pthread_mutex_unlock(&queue_lock));
    return NULL;
}

static void *producer(void *arg)
{
    pthread_barrier_wait(&consumer_ready);
    E2E_CHECK(pthread_mutex_lock(&queue_lock));
    E2E_CHECK(pthread_mutex_lock(&wait_lock));
    items++;
    E2E_CHECK(pthread_cond_signal(&not_empty));
    E2E_CHECK(pthread_mutex_unlock(&wait_lock));
    E2E_CHECK(pthread_mutex_unlock(&queue_lock));
    return NULL;
}

int main(void)
{
    pthread_t c, p;
    E2E_CHECK(pthread_barrier_init(&consumer_ready, NULL, 2));
    E2E_CHECK(pthread_create(&c, NULL, consumer, NULL));
    E2E_CHECK(pthread_create(&p, NULL, producer, NULL));
    pthread_join(c, NULL);
    pthread_join(p, NULL);
    return 0;
}
