// gate_lock_class_pair.c without the second gate lock: the only lock of its class gates the
// lock_a/lock_b inversion, so nothing is reported.
// EXPECT-NONE
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t gates[2];

static void pair(pthread_mutex_t *first, pthread_mutex_t *second)
{
    E2E_CHECK(pthread_mutex_lock(&gates[0]));
    E2E_CHECK(pthread_mutex_lock(first));
    E2E_CHECK(pthread_mutex_lock(second));
    E2E_CHECK(pthread_mutex_unlock(second));
    E2E_CHECK(pthread_mutex_unlock(first));
    E2E_CHECK(pthread_mutex_unlock(&gates[0]));
}

int main(void)
{
    E2E_CHECK(pthread_mutex_init(&gates[0], NULL));
    pair(&lock_a, &lock_b);
    pair(&lock_b, &lock_a);
    return 0;
}
