// Suppressions: bad lines are named (file and line, on stderr) and skipped; the good rule on
// the last line still applies, so the AB-BA is hidden and the program exits 0.
// SUPPRESSIONS: # a comment
// SUPPRESSIONS: race:b_then_a
// SUPPRESSIONS: deadlock:
// SUPPRESSIONS: b_then_a
// SUPPRESSIONS: deadlock:b_then_a
// EXPECT-NONE
// EXPECT-MESSAGE: ulockdep: suppressions ${SUPP}:2: unknown suppression type (deadlock or lock), in 'race:b_then_a'
// EXPECT-MESSAGE: ulockdep: suppressions ${SUPP}:3: empty pattern, in 'deadlock:'
// EXPECT-MESSAGE: ulockdep: suppressions ${SUPP}:4: expected TYPE:PATTERN (deadlock:PATTERN or lock:PATTERN), got 'b_then_a'
// EXPECT-MESSAGE: ulockdep: suppressions used:
// EXPECT-MESSAGE: 1 deadlock:b_then_a
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;

static void *a_then_b(void *arg)
{
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_a));
    return NULL;
}

static void *b_then_a(void *arg)
{
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    E2E_CHECK(pthread_mutex_unlock(&lock_a));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
    return NULL;
}

int main(void)
{
    e2e_run_thread(a_then_b, NULL);
    e2e_run_thread(b_then_a, NULL);
    return 0;
}
