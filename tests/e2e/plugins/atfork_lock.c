/* A library with fork handlers that take a lock of its own, registered from its constructor,
 * which runs before the shim's (a program's libraries are initialised before preloaded
 * ones): the usual way libraries keep their state consistent across fork (allocators,
 * loggers). Its prepare handler runs after every handler registered later. */
#include <pthread.h>

pthread_mutex_t atfork_lib_lock = PTHREAD_MUTEX_INITIALIZER;
int atfork_lib_registered;

static void prepare(void)
{
    pthread_mutex_lock(&atfork_lib_lock);
}

static void release(void)
{
    pthread_mutex_unlock(&atfork_lib_lock);
}

__attribute__((constructor)) static void atfork_lib_init(void)
{
    atfork_lib_registered = pthread_atfork(prepare, release, release) == 0;
}
