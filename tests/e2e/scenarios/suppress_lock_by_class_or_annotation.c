// Suppressions: lock:PATTERN matches a class by the name reports give it (a heap lock's
// class is "function@file:line" of its initialisation) or an instance by its annotation name
// (ulockdep_set_name, looked up with dlsym so the program needs no ulockdep library). Both
// heap locks are then ignored, so their inversions with lock_z give no report.
// SUPPRESSIONS: lock:new_cache_lock@*
// SUPPRESSIONS: lock:conn_*
// EXPECT-NONE
// EXPECT-MESSAGE: ulockdep: suppressions used:
// EXPECT-MESSAGE: 1 lock:new_cache_lock@*
// EXPECT-MESSAGE: 1 lock:conn_*
#include <dlfcn.h>

#include "e2e_util.h"

static pthread_mutex_t lock_z = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t *cache_lock, *conn_lock;

static pthread_mutex_t *new_cache_lock(void)
{
    pthread_mutex_t *m = malloc(sizeof *m);
    E2E_CHECK(pthread_mutex_init(m, NULL));
    return m;
}

static pthread_mutex_t *new_conn_lock(void)
{
    pthread_mutex_t *m = malloc(sizeof *m);
    E2E_CHECK(pthread_mutex_init(m, NULL));
    return m;
}

static void take_in_order(pthread_mutex_t *first, pthread_mutex_t *second)
{
    E2E_CHECK(pthread_mutex_lock(first));
    E2E_CHECK(pthread_mutex_lock(second));
    E2E_CHECK(pthread_mutex_unlock(second));
    E2E_CHECK(pthread_mutex_unlock(first));
}

static void *forward(void *arg)
{
    take_in_order(cache_lock, &lock_z);
    take_in_order(conn_lock, &lock_z);
    return NULL;
}

static void *backward(void *arg)
{
    take_in_order(&lock_z, cache_lock);
    take_in_order(&lock_z, conn_lock);
    return NULL;
}

int main(void)
{
    void (*set_name)(void *, const char *) = (void (*)(void *, const char *))dlsym(RTLD_DEFAULT, "ulockdep_set_name");
    if (!set_name) {
        fprintf(stderr, "ulockdep_set_name not found: is the shim preloaded?\n");
        return 99;
    }
    cache_lock = new_cache_lock();
    conn_lock = new_conn_lock();
    set_name(conn_lock, "conn_lock");
    e2e_run_thread(forward, NULL);
    e2e_run_thread(backward, NULL);
    return 0;
}
