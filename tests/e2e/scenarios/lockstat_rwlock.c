// lock_stat=1 on an rwlock: in each of 20 rounds the writer takes table_lock for writing and
// keeps it until the reader is queued inside glibc's rdlock (its count in the lock word), so
// every one of the reader's 20 acquisitions was contended (lock_stat tries the lock first and
// finds it busy) and none of the writer's was (it starts a round only after the reader let
// go). Then main takes it 5 times as a reader and 3 times as a writer, uncontended.
// Exactly 20 + 20 + 5 + 3 = 48 acquisitions and 20 contentions.
// ENV: ULOCKDEP_OPTIONS=lock_stat=1
// EXPECT-NONE
// EXPECT-LOCKSTAT: table_lock acquisitions=48 contentions=20 wait_total_ns>0 wait_max_ns>0 hold_total_ns>0 hold_max_ns>0
#include <sched.h>
#include <stdatomic.h>

#include "e2e_util.h"

#define ROUNDS 20

static pthread_rwlock_t table_lock = PTHREAD_RWLOCK_INITIALIZER;
static atomic_int go, done;

/* glibc (2.25+): __readers counts readers from bit 3 on, queued ones included. */
static void wait_for_queued_reader(void)
{
    struct timespec until = e2e_deadline_on(CLOCK_MONOTONIC, 5000), now;
    while ((__atomic_load_n(&table_lock.__data.__readers, __ATOMIC_RELAXED) >> 3) == 0) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > until.tv_sec || (now.tv_sec == until.tv_sec && now.tv_nsec > until.tv_nsec)) {
            fprintf(stderr, "no reader showed up\n");
            exit(99);
        }
        sched_yield();
    }
}

static void *writer(void *arg)
{
    for (int i = 0; i < ROUNDS; i++) {
        E2E_CHECK(pthread_rwlock_wrlock(&table_lock));
        atomic_store(&go, i + 1);
        wait_for_queued_reader();
        E2E_CHECK(pthread_rwlock_unlock(&table_lock));
        while (atomic_load(&done) != i + 1)
            sched_yield();
    }
    return NULL;
}

static void *reader(void *arg)
{
    for (int i = 0; i < ROUNDS; i++) {
        while (atomic_load(&go) != i + 1)
            sched_yield();
        E2E_CHECK(pthread_rwlock_rdlock(&table_lock));
        E2E_CHECK(pthread_rwlock_unlock(&table_lock));
        atomic_store(&done, i + 1);
    }
    return NULL;
}

int main(void)
{
    pthread_t w, r;
    E2E_CHECK(pthread_create(&w, NULL, writer, NULL));
    E2E_CHECK(pthread_create(&r, NULL, reader, NULL));
    E2E_CHECK(pthread_join(w, NULL));
    E2E_CHECK(pthread_join(r, NULL));
    for (int i = 0; i < 5; i++) {
        E2E_CHECK(pthread_rwlock_rdlock(&table_lock));
        E2E_CHECK(pthread_rwlock_unlock(&table_lock));
    }
    for (int i = 0; i < 3; i++) {
        E2E_CHECK(pthread_rwlock_wrlock(&table_lock));
        E2E_CHECK(pthread_rwlock_unlock(&table_lock));
    }
    return 0;
}
