/* The floor of any LD_PRELOAD lock tool: interposers that only forward to libc (resolved
 * once with dlsym, then one indirect tail call each). bench/run_locks.sh runs lockbench
 * under it beside the real shim, so that the table separates what interposing itself costs
 * from what ulockdep's bookkeeping adds. Not a tool: it checks nothing. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <pthread.h>

#define FORWARD(name, type)                                   \
    static int (*real_##name)(type);                          \
    __attribute__((visibility("default"))) int name(type l)   \
    {                                                         \
        return real_##name(l);                                \
    }
FORWARD(pthread_mutex_lock, pthread_mutex_t *)
FORWARD(pthread_mutex_unlock, pthread_mutex_t *)
FORWARD(pthread_rwlock_rdlock, pthread_rwlock_t *)
FORWARD(pthread_rwlock_wrlock, pthread_rwlock_t *)
FORWARD(pthread_rwlock_unlock, pthread_rwlock_t *)
FORWARD(pthread_spin_lock, pthread_spinlock_t *)
FORWARD(pthread_spin_unlock, pthread_spinlock_t *)

/* Before main: lockbench's threads start later, and nothing calls these earlier. */
__attribute__((constructor)) static void resolve(void)
{
#define RESOLVE(name) real_##name = (__typeof__(real_##name))dlsym(RTLD_NEXT, #name)
    RESOLVE(pthread_mutex_lock);
    RESOLVE(pthread_mutex_unlock);
    RESOLVE(pthread_rwlock_rdlock);
    RESOLVE(pthread_rwlock_wrlock);
    RESOLVE(pthread_rwlock_unlock);
    RESOLVE(pthread_spin_lock);
    RESOLVE(pthread_spin_unlock);
}
