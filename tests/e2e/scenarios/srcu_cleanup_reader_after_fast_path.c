// The reader enters its read section for the 1001st time at the same call site: by then its
// acquisition and its call site's stack come from the thread's caches (the shim's read-side
// fast path). cleanup_srcu_struct must still see it, with the stack of that call site, and
// the thousand completed sections before it must have left nothing behind.
// EXPECT-EXIT: 66
// EXPECT-REPORT: srcu_misuse warm_domain
// EXPECT-COUNT: srcu_misuse=1
// EXPECT-TEXT: cleanup_srcu_struct() with readers still in read-side critical sections!
// EXPECT-LINES: 1 reader still in a read-side critical section:
// EXPECT-LINES:  thread warm-reader/*: * (warm_domain){.+.+}-{0:0}, at: reader+0x*/0x* srcu_cleanup_reader_after_fast_path.c:${LINE:read_lock} [e2e_srcu_cleanup_reader_after_fast_path+0x*]
// EXPECT-LINES:    srcu_read_lock() called at:
// EXPECT-LINES:     reader+0x*/0x* srcu_cleanup_reader_after_fast_path.c:${LINE:read_lock} [e2e_srcu_cleanup_reader_after_fast_path+0x*]
// EXPECT-LINES:     start_thread+0x*
#include <ulockdep/srcu.h>

#include "e2e_util.h"

#define WARM_SECTIONS 1000

static struct srcu_struct warm_domain_storage;
static pthread_mutex_t warm_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t inside, done;

static void *reader(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "warm-reader");
    int idx = 0;
    for (int i = 0; i <= WARM_SECTIONS; i++) {
        /* A mutex around half the sections: the reader's chain differs, both are cached. */
        if (i % 2)
            pthread_mutex_lock(&warm_mutex);
        idx = srcu_read_lock(&warm_domain_storage); /* LINE:read_lock */
        if (i == WARM_SECTIONS)
            break;
        srcu_read_unlock(&warm_domain_storage, idx);
        if (i % 2)
            pthread_mutex_unlock(&warm_mutex);
    }
    pthread_barrier_wait(&inside);
    pthread_barrier_wait(&done);
    srcu_read_unlock(&warm_domain_storage, idx);
    return NULL;
}

int main(void)
{
    E2E_CHECK(init_srcu_struct_named(&warm_domain_storage, "warm_domain"));
    pthread_barrier_init(&inside, NULL, 2);
    pthread_barrier_init(&done, NULL, 2);
    pthread_t t;
    E2E_CHECK(pthread_create(&t, NULL, reader, NULL));
    pthread_barrier_wait(&inside);
    int r = cleanup_srcu_struct(&warm_domain_storage);
    pthread_barrier_wait(&done);
    pthread_join(t, NULL);
    if (r == 0)
        return 98; /* the library should have refused */
    E2E_CHECK(cleanup_srcu_struct(&warm_domain_storage));
    return 0;
}
