// new_lock_two_sites with class_depth=1: only the direct caller of pthread_mutex_init counts,
// so both sites are one class; s1 -> s2 and, on other instances, s2' -> s1' involve four
// distinct instances and no instance cycle: nothing to report.
// ENV: ULOCKDEP_OPTIONS=class_depth=1
// EXPECT-NONE
#include "e2e_util.h"

static pthread_mutex_t *new_lock(void)
{
    pthread_mutex_t *m = malloc(sizeof *m);
    if (!m)
        exit(99);
    E2E_CHECK(pthread_mutex_init(m, NULL));
    return m;
}

static pthread_mutex_t *lock_from_site1(void)
{
    return new_lock();
}

static pthread_mutex_t *lock_from_site2(void)
{
    return new_lock();
}

static void nest(pthread_mutex_t *outer, pthread_mutex_t *inner)
{
    E2E_CHECK(pthread_mutex_lock(outer));
    E2E_CHECK(pthread_mutex_lock(inner));
    E2E_CHECK(pthread_mutex_unlock(inner));
    E2E_CHECK(pthread_mutex_unlock(outer));
}

static void *first_user(void *arg)
{
    nest(lock_from_site1(), lock_from_site2());
    return NULL;
}

static void *second_user(void *arg)
{
    pthread_mutex_t *s1 = lock_from_site1(), *s2 = lock_from_site2();
    nest(s2, s1);
    return NULL;
}

int main(void)
{
    e2e_run_thread(first_user, NULL);
    e2e_run_thread(second_user, NULL);
    return 0;
}
