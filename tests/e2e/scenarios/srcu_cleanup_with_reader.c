// cleanup_srcu_struct while a thread named "cfg-reader" is inside a read section: the
// library refuses (-EBUSY) and ulockdep names the reader and the stack of its
// srcu_read_lock.
// EXPECT-EXIT: 66
// EXPECT-REPORT: srcu_misuse cfg_domain
// EXPECT-COUNT: srcu_misuse=1
// EXPECT-TEXT: cleanup_srcu_struct() with readers still in read-side critical sections!
// EXPECT-TEXT: thread cfg-reader/
// EXPECT-TEXT: 1 reader still in a read-side critical section:
// EXPECT-LINES:  thread cfg-reader/*: * (cfg_domain){.+.+}-{0:0}, at: reader+0x*/0x* srcu_cleanup_with_reader.c:${LINE:read_lock} [e2e_srcu_cleanup_with_reader+0x*]
// EXPECT-LINES:    srcu_read_lock() called at:
// EXPECT-LINES:     reader+0x*/0x* srcu_cleanup_with_reader.c:${LINE:read_lock} [e2e_srcu_cleanup_with_reader+0x*]
// EXPECT-LINES:     start_thread+0x*
#include <ulockdep/srcu.h>

#include "e2e_util.h"

static struct srcu_struct cfg_domain_storage;
static pthread_barrier_t inside, done;

static void *reader(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "cfg-reader");
    int idx = srcu_read_lock(&cfg_domain_storage); /* LINE:read_lock */
    pthread_barrier_wait(&inside);
    pthread_barrier_wait(&done);
    srcu_read_unlock(&cfg_domain_storage, idx);
    return NULL;
}

int main(void)
{
    E2E_CHECK(init_srcu_struct_named(&cfg_domain_storage, "cfg_domain"));
    pthread_barrier_init(&inside, NULL, 2);
    pthread_barrier_init(&done, NULL, 2);
    pthread_t t;
    E2E_CHECK(pthread_create(&t, NULL, reader, NULL));
    pthread_barrier_wait(&inside);
    int r = cleanup_srcu_struct(&cfg_domain_storage);
    pthread_barrier_wait(&done);
    pthread_join(t, NULL);
    if (r == 0)
        return 98; /* the library should have refused */
    E2E_CHECK(cleanup_srcu_struct(&cfg_domain_storage));
    return 0;
}
