// A condition variable in a deadlock: the consumer holds queue_lock while it waits on
// not_empty (the wait releases only wait_lock); the producer, the one thread that would
// signal, blocks on queue_lock; main joins the consumer. Every thread is blocked, none is
// left to signal not_empty, and a lock wait is involved: a deadlock (the rule is in
// shim/watchdog.c). lockdep itself sees no cycle here: both threads take queue_lock first.
// ENV: ULOCKDEP_OPTIONS=deadlock_timeout=1
// EXPECT-EXIT: 66
// EXPECT-REPORT: deadlock queue_lock wait_lock
// EXPECT-DEADLOCK-THREADS: consumer producer e2e_deadlock_c*
// EXPECT-TEXT: Thread consumer/
// EXPECT-TEXT: is waiting on condition variable:
// EXPECT-TEXT: (not_empty), with no thread left to signal it, having released:
// EXPECT-TEXT: Thread producer/
#include "e2e_util.h"

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t wait_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t consumer_ready;
static int items;

static void *consumer(void *arg)
{
    pthread_setname_np(pthread_self(), "consumer");
    E2E_CHECK(pthread_mutex_lock(&queue_lock));
    E2E_CHECK(pthread_mutex_lock(&wait_lock));
    pthread_barrier_wait(&consumer_ready);
    while (!items)
        E2E_CHECK(pthread_cond_wait(&not_empty, &wait_lock)); /* keeps queue_lock */
    items--;
    E2E_CHECK(pthread_mutex_unlock(&wait_lock));
    E2E_CHECK(pthread_mutex_unlock(&queue_lock));
    return NULL;
}

static void *producer(void *arg)
{
    pthread_setname_np(pthread_self(), "producer");
    pthread_barrier_wait(&consumer_ready);
    E2E_CHECK(pthread_mutex_lock(&queue_lock)); /* held by the waiting consumer */
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
    printf("not reached\n");
    return 0;
}
