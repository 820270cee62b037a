// A thread calls pthread_exit (from a nested function) with two locks held: one report
// naming both.
// EXPECT-EXIT: 66
// EXPECT-REPORT: held_at_exit lock_a lock_b
// EXPECT-COUNT: held_at_exit=1
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;

static void bail_out(void)
{
    pthread_exit(NULL);
}

static void *worker(void *arg)
{
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    bail_out();
    return NULL;
}

int main(void)
{
    e2e_run_thread(worker, NULL);
    return 0;
}
