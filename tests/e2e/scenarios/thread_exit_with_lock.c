// A thread returns from its start routine with a lock held: "still has locks held!".
// EXPECT-EXIT: 66
// EXPECT-REPORT: held_at_exit lock_a
// EXPECT-COUNT: held_at_exit=1
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;

static void *forgets_to_unlock(void *arg)
{
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    return NULL;
}

int main(void)
{
    e2e_run_thread(forgets_to_unlock, NULL);
    return 0;
}
