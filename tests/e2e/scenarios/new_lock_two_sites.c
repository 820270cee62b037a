// A wrapper new_lock() called from two sites: with the default class_depth=2 (new_lock's
// caller is part of the class) these are two classes, named after the init line in new_lock
// and the caller that tells them apart. s1 -> s2 in one thread; later, with OTHER instances created at the
// same two sites, s2' -> s1': a cycle between the classes (no instance is shared).
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular "new_lock@${FILE}:${LINE:init} <- lock_from_site1@${FILE}:${LINE:site1}" "new_lock@${FILE}:${LINE:init} <- lock_from_site2@${FILE}:${LINE:site2}"
// EXPECT-COUNT: circular=1
// EXPECT-INSTANCE-LEVEL: false
// EXPECT-LOCK-ADDRS: 2
#include "e2e_util.h"

static pthread_mutex_t *new_lock(void)
{
    pthread_mutex_t *m = malloc(sizeof *m);
    if (!m)
        exit(99);
    E2E_CHECK(pthread_mutex_init(m, NULL)); /* LINE:init */
    return m;
}

static pthread_mutex_t *lock_from_site1(void)
{
    return new_lock(); /* LINE:site1 */
}

static pthread_mutex_t *lock_from_site2(void)
{
    return new_lock(); /* LINE:site2 */
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
