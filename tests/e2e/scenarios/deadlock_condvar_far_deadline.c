// A timed condition-variable wait whose deadline is an hour away counts like an untimed
// one: the same deadlock as deadlock_condvar, with pthread_cond_timedwait on a
// CLOCK_MONOTONIC condition variable.
// ENV: ULOCKDEP_OPTIONS=deadlock_timeout=1
// EXPECT-EXIT: 66
// EXPECT-REPORT: deadlock queue_lock wait_lock
// EXPECT-DEADLOCK-THREADS: consumer producer e2e_deadlock_c*
#include "e2e_util.h"

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t wait_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty;
static pthread_barrier_t consumer_ready;
static int items;

static void *consumer(void *arg)
{
    pthread_setname_np(pthread_self(), "consumer");
    E2E_CHECK(pthread_mutex_lock(&queue_lock));
    E2E_CHECK(pthread_mutex_lock(&wait_lock));
    pthread_barrier_wait(&consumer_ready);
    struct timespec hour = e2e_deadline_on(CLOCK_MONOTONIC, 3600 * 1000L);
    while (!items) {
        int r = pthread_cond_timedwait(&not_empty, &wait_lock, &hour);
        if (r == ETIMEDOUT)
            break;
        E2E_CHECK(r);
    }
    E2E_CHECK(pthread_mutex_unlock(&wait_lock));
    E2E_CHECK(pthread_mutex_unlock(&queue_lock));
    return NULL;
}

static void *producer(void *arg)
{
    pthread_setname_np(pthread_self(), "producer");
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
    pthread_condattr_t attr;
    E2E_CHECK(pthread_condattr_init(&attr));
    E2E_CHECK(pthread_condattr_setclock(&attr, CLOCK_MONOTONIC));
    E2E_CHECK(pthread_cond_init(&not_empty, &attr));
    pthread_t c, p;
    E2E_CHECK(pthread_barrier_init(&consumer_ready, NULL, 2));
    E2E_CHECK(pthread_create(&c, NULL, consumer, NULL));
    E2E_CHECK(pthread_create(&p, NULL, producer, NULL));
    pthread_join(c, NULL);
    pthread_join(p, NULL);
    printf("not reached\n");
    return 0;
}
