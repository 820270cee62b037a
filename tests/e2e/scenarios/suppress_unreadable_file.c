// Suppressions: an unreadable suppressions file is one clear line on stderr, and the program
// runs with no suppressions (the AB-BA is reported, exit 66).
// ENV: ULOCKDEP_OPTIONS=suppressions=/nonexistent-ulockdep-dir/supp.txt
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-MESSAGE: ulockdep: cannot read suppressions file /nonexistent-ulockdep-dir/supp.txt: No such file or directory; running without suppressions
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
