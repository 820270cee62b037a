// Two mutexes in one heap object, initialised at two different sites (role A and role B, two
// classes), used A -> B, destroyed, and re-initialised at the same addresses with the roles
// swapped: the new A lives where the old B was. A -> B again: nothing to report. Had the
// destroy/re-init not retired the old locks, the addresses would keep their old classes and
// the second round would look like B -> A (a false ABBA).
// EXPECT-NONE
#include "e2e_util.h"

struct pair {
    pthread_mutex_t m[2];
};

static void init_role_a(pthread_mutex_t *m)
{
    E2E_CHECK(pthread_mutex_init(m, NULL));
}

static void init_role_b(pthread_mutex_t *m)
{
    E2E_CHECK(pthread_mutex_init(m, NULL));
}

int main(void)
{
    struct pair *p = malloc(sizeof *p);
    if (!p)
        return 99;
    for (int round = 0; round < 2; round++) {
        pthread_mutex_t *a = &p->m[round], *b = &p->m[1 - round];
        init_role_a(a);
        init_role_b(b);
        E2E_CHECK(pthread_mutex_lock(a));
        E2E_CHECK(pthread_mutex_lock(b));
        E2E_CHECK(pthread_mutex_unlock(b));
        E2E_CHECK(pthread_mutex_unlock(a));
        E2E_CHECK(pthread_mutex_destroy(a));
        E2E_CHECK(pthread_mutex_destroy(b));
    }
    free(p);
    return 0;
}
