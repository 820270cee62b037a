/* A plugin with a static lock, for the dlclose scenarios (built twice, identical layout). */
#include <pthread.h>

pthread_mutex_t plugin_lock = PTHREAD_MUTEX_INITIALIZER;

void *plugin_lock_addr(void)
{
    return &plugin_lock;
}

/* outer -> plugin_lock when outer_first, else plugin_lock -> outer. */
void plugin_run(pthread_mutex_t *outer, int outer_first)
{
    pthread_mutex_t *first = outer_first ? outer : &plugin_lock;
    pthread_mutex_t *second = outer_first ? &plugin_lock : outer;
    pthread_mutex_lock(first);
    pthread_mutex_lock(second);
    pthread_mutex_unlock(second);
    pthread_mutex_unlock(first);
}

/* first -> second, taken here: the dependency's stack has this module's frames. */
void plugin_nest(pthread_mutex_t *first, pthread_mutex_t *second)
{
    pthread_mutex_lock(first);
    pthread_mutex_lock(second);
    pthread_mutex_unlock(second);
    pthread_mutex_unlock(first);
}
