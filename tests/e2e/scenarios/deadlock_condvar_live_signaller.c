// Not a deadlock: the consumer holds queue_lock while it waits on not_empty and a second
// thread blocks on queue_lock for 3 seconds (three deadlock_timeouts), but the producer
// that will signal is running (sleeping, then signalling; it never needs queue_lock). A
// thread outside the blocked set could signal, so the watchdog reports nothing and the
// program ends normally.
// ENV: ULOCKDEP_OPTIONS=deadlock_timeout=1
// EXPECT-NONE
// EXPECT-STDOUT: second consumer got queue_lock
#include <unistd.h>

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
    while (!items)
        E2E_CHECK(pthread_cond_wait(&not_empty, &wait_lock));
    items--;
    E2E_CHECK(pthread_mutex_unlock(&wait_lock));
    E2E_CHECK(pthread_mutex_unlock(&queue_lock));
    return NULL;
}

static void *second_consumer(void *arg)
{
    pthread_barrier_wait(&consumer_ready);
    E2E_CHECK(pthread_mutex_lock(&queue_lock));
    printf("second consumer got queue_lock\n");
    E2E_CHECK(pthread_mutex_unlock(&queue_lock));
    return NULL;
}

static void *producer(void *arg)
{
    pthread_barrier_wait(&consumer_ready);
    sleep(3);
    E2E_CHECK(pthread_mutex_lock(&wait_lock));
    items++;
    E2E_CHECK(pthread_cond_signal(&not_empty));
    E2E_CHECK(pthread_mutex_unlock(&wait_lock));
    return NULL;
}

int main(void)
{
    pthread_t c, s, p;
    E2E_CHECK(pthread_barrier_init(&consumer_ready, NULL, 3));
    E2E_CHECK(pthread_create(&c, NULL, consumer, NULL));
    E2E_CHECK(pthread_create(&s, NULL, second_consumer, NULL));
    E2E_CHECK(pthread_create(&p, NULL, producer, NULL));
    E2E_CHECK(pthread_join(c, NULL));
    E2E_CHECK(pthread_join(s, NULL));
    E2E_CHECK(pthread_join(p, NULL));
    return 0;
}
