// cleanup_srcu_struct with two readers inside, in threads "reader-a" and "reader-b", both
// entering through the same helper (read_table), called from a different function in each
// thread. The report names each reader's thread and the whole stack of its srcu_read_lock,
// so the two readers are told apart by their callers.
// EXPECT-EXIT: 66
// EXPECT-REPORT: srcu_misuse table_srcu
// EXPECT-COUNT: srcu_misuse=1
// EXPECT-TEXT: 2 readers still in a read-side critical section:
// EXPECT-LINES:  thread reader-a/*: * (table_srcu){.+.+}-{0:0}, at: read_table+0x*/0x* srcu_cleanup_two_readers.c:${LINE:lock} [e2e_srcu_cleanup_two_readers+0x*]
// EXPECT-LINES:    srcu_read_lock() called at:
// EXPECT-LINES:     read_table+0x*/0x* srcu_cleanup_two_readers.c:${LINE:lock} [e2e_srcu_cleanup_two_readers+0x*]
// EXPECT-LINES:     lookup_a+0x*/0x* srcu_cleanup_two_readers.c:${LINE:call_a} [e2e_srcu_cleanup_two_readers+0x*]
//
// EXPECT-LINES:  thread reader-b/*: * (table_srcu){.+.+}-{0:0}, at: read_table+0x*/0x* srcu_cleanup_two_readers.c:${LINE:lock} [e2e_srcu_cleanup_two_readers+0x*]
// EXPECT-LINES:    srcu_read_lock() called at:
// EXPECT-LINES:     read_table+0x*/0x* srcu_cleanup_two_readers.c:${LINE:lock} [e2e_srcu_cleanup_two_readers+0x*]
// EXPECT-LINES:     lookup_b+0x*/0x* srcu_cleanup_two_readers.c:${LINE:call_b} [e2e_srcu_cleanup_two_readers+0x*]
#include <ulockdep/srcu.h>

#include "e2e_util.h"

static struct srcu_struct table_srcu;
static pthread_barrier_t inside, done;

static __attribute__((noinline)) int read_table(void)
{
    return srcu_read_lock(&table_srcu); /* LINE:lock */
}

static __attribute__((noinline)) void lookup_a(void)
{
    int idx = read_table(); /* LINE:call_a */
    pthread_barrier_wait(&inside);
    pthread_barrier_wait(&done);
    srcu_read_unlock(&table_srcu, idx);
}

static __attribute__((noinline)) void lookup_b(void)
{
    int idx = read_table(); /* LINE:call_b */
    pthread_barrier_wait(&inside);
    pthread_barrier_wait(&done);
    srcu_read_unlock(&table_srcu, idx);
}

static void *reader(void *arg)
{
    pthread_setname_np(pthread_self(), arg == NULL ? "reader-a" : "reader-b");
    if (arg == NULL)
        lookup_a();
    else
        lookup_b();
    return NULL;
}

int main(void)
{
    E2E_CHECK(init_srcu_struct_named(&table_srcu, "table_srcu"));
    pthread_barrier_init(&inside, NULL, 3);
    pthread_barrier_init(&done, NULL, 3);
    pthread_t a, b;
    E2E_CHECK(pthread_create(&a, NULL, reader, NULL));
    E2E_CHECK(pthread_create(&b, NULL, reader, (void *)1));
    pthread_barrier_wait(&inside);
    int r = cleanup_srcu_struct(&table_srcu);
    pthread_barrier_wait(&done);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    if (r == 0)
        return 98; /* the library should have refused */
    E2E_CHECK(cleanup_srcu_struct(&table_srcu));
    return 0;
}
