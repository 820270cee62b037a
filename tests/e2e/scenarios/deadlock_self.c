// A thread that locks a normal mutex it already holds waits for itself forever: lockdep's
// recursive report first, then the watchdog's deadlock report, where the thread is both
// the waiter and the holder.
// ENV: ULOCKDEP_OPTIONS=deadlock_timeout=1
// EXPECT-EXIT: 66
// EXPECT-REPORT: recursive self_lock
// EXPECT-REPORT: deadlock self_lock
// EXPECT-DEADLOCK-THREADS: relocker e2e_deadlock_s*
// EXPECT-TEXT: held by: relocker/
#include "e2e_util.h"

static pthread_mutex_t self_lock = PTHREAD_MUTEX_INITIALIZER;

static void *relocker(void *arg)
{
    pthread_setname_np(pthread_self(), "relocker");
    E2E_CHECK(pthread_mutex_lock(&self_lock));
    E2E_CHECK(pthread_mutex_lock(&self_lock)); /* never returns */
    return NULL;
}

int main(void)
{
    pthread_t t;
    E2E_CHECK(pthread_create(&t, NULL, relocker, NULL));
    pthread_join(t, NULL);
    printf("not reached\n");
    return 0;
}
