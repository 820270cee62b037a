// realloc() that moves a block containing a held mutex frees the old block with the lock
// still held there: "held lock freed!" (the lock is named after its init site). The program
// then unlocks the moved copy (not a lock ulockdep knows as held, but its lock word says it is
// this thread's: no bad-unlock report).
// EXPECT-EXIT: 66
// EXPECT-REPORT: held_lock_freed make_table@${FILE}:${LINE:init}
// EXPECT-COUNT: held_lock_freed=1
#include "e2e_util.h"

struct table {
    pthread_mutex_t lock;
    size_t n;
    long slots[];
};

static struct table *make_table(void)
{
    struct table *t = calloc(1, sizeof *t + 4 * sizeof(long));
    if (!t)
        exit(99);
    E2E_CHECK(pthread_mutex_init(&t->lock, NULL)); /* LINE:init */
    return t;
}

int main(void)
{
    struct table *t = make_table();
    E2E_CHECK(pthread_mutex_lock(&t->lock));
    void *old = t;
    /* Grow far beyond the chunk: glibc moves it (to an mmap'ed block). */
    struct table *grown = realloc(t, sizeof *t + (1u << 20) * sizeof(long)); /* the bug */
    if (!grown)
        return 99;
    if ((void *)grown == old)
        E2E_SKIP("realloc did not move the block");
    pthread_mutex_unlock(&grown->lock);
    free(grown);
    return 0;
}
