/* The canary of the real-program checks: a lock-order inversion (A then B, later B then A, in
 * one thread) that the shim must report. Run through scripts/real-programs.sh --canary, it
 * shows that the script's checks turn a report into a failure. */
#include <pthread.h>

static pthread_mutex_t canary_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t canary_b = PTHREAD_MUTEX_INITIALIZER;

static void take_both(pthread_mutex_t *first, pthread_mutex_t *second)
{
    pthread_mutex_lock(first);
    pthread_mutex_lock(second);
    pthread_mutex_unlock(second);
    pthread_mutex_unlock(first);
}

int main(void)
{
    take_both(&canary_a, &canary_b);
    take_both(&canary_b, &canary_a);
    return 0;
}
