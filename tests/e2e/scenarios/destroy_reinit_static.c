// Static storage: two mutexes in a static struct, initialised with pthread_mutex_init at two
// sites (role A, role B), used A -> B, destroyed, and re-initialised with the roles swapped
// (the new A is where the old B was); A -> B again. A destroyed and re-initialised mutex is a
// new lock, so nothing to report, as for heap memory (destroy_reinit_heap_sites).
// EXPECT-NONE
#include "e2e_util.h"

static struct {
    pthread_mutex_t m[2];
} pair;

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
    for (int round = 0; round < 2; round++) {
        pthread_mutex_t *a = &pair.m[round], *b = &pair.m[1 - round];
        init_role_a(a);
        init_role_b(b);
        E2E_CHECK(pthread_mutex_lock(a));
        E2E_CHECK(pthread_mutex_lock(b));
        E2E_CHECK(pthread_mutex_unlock(b));
        E2E_CHECK(pthread_mutex_unlock(a));
        E2E_CHECK(pthread_mutex_destroy(a));
        E2E_CHECK(pthread_mutex_destroy(b));
    }
    return 0;
}
