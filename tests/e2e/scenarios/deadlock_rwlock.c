// The hang watchdog with rwlocks: the reader holds table_lock for reading and wants
// index_lock for reading, but the writer holds index_lock for writing and wants table_lock
// for writing. A reader waits on a writer-held lock and a writer waits on a reader-held
// lock: a deadlock.
// ENV: ULOCKDEP_OPTIONS=deadlock_timeout=1
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular table_lock index_lock
// EXPECT-REPORT: deadlock table_lock index_lock
// EXPECT-DEADLOCK-THREADS: reader writer e2e_deadlock_r*
// EXPECT-TEXT: Thread reader/
// EXPECT-TEXT: Thread writer/
#include "e2e_util.h"

static pthread_rwlock_t table_lock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t index_lock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_barrier_t both_hold_one;

static void *reader(void *arg)
{
    pthread_setname_np(pthread_self(), "reader");
    E2E_CHECK(pthread_rwlock_rdlock(&table_lock));
    pthread_barrier_wait(&both_hold_one);
    E2E_CHECK(pthread_rwlock_rdlock(&index_lock)); /* write-held: blocks */
    return NULL;
}

static void *writer(void *arg)
{
    pthread_setname_np(pthread_self(), "writer");
    E2E_CHECK(pthread_rwlock_wrlock(&index_lock));
    pthread_barrier_wait(&both_hold_one);
    E2E_CHECK(pthread_rwlock_wrlock(&table_lock)); /* read-held: blocks */
    return NULL;
}

int main(void)
{
    pthread_t r, w;
    E2E_CHECK(pthread_barrier_init(&both_hold_one, NULL, 2));
    E2E_CHECK(pthread_create(&r, NULL, reader, NULL));
    E2E_CHECK(pthread_create(&w, NULL, writer, NULL));
    pthread_join(r, NULL);
    pthread_join(w, NULL);
    printf("not reached\n");
    return 0;
}
