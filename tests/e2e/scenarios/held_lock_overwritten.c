// A held lock whose memory is re-initialised by a plain store the shim cannot see (a
// PTHREAD_MUTEX_INITIALIZER assignment, as when a struct is reset), then taken again: the
// real bug is the lock abandoned while held, so the report is held_lock_freed ("overwritten
// or abandoned"), pointing at where it was first taken, not "possible recursive locking".
// After it, the lock is a fresh one: taking and releasing it is clean.
// EXPECT-EXIT: 66
// EXPECT-REPORT: held_lock_freed table_lock
// EXPECT-COUNT: held_lock_freed=1
// EXPECT-LINES: e2e_held_lock_o/* is taking a lock it still holds, whose memory was overwritten or abandoned (the lock word says unlocked)!
// EXPECT-LINES: * (table_lock){+.+.}-{3:3}, at: open_table+* ${FILE}:${LINE:first} [*]
#include "e2e_util.h"

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

static void open_table(void)
{
    E2E_CHECK(pthread_mutex_lock(&table_lock)); /* LINE:first */
    /* an error path returns without unlocking */
}

static void reset_table(void)
{
    table_lock = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER; /* a store, not pthread_mutex_init */
}

int main(void)
{
    open_table();
    reset_table();
    E2E_CHECK(pthread_mutex_lock(&table_lock));
    E2E_CHECK(pthread_mutex_unlock(&table_lock));
    E2E_CHECK(pthread_mutex_lock(&table_lock));
    E2E_CHECK(pthread_mutex_unlock(&table_lock));
    return 0;
}
