/* libulockdep-api.so: the annotation API as no-ops, so annotated programs link and run
 * without the shim. When libulockdep.so is preloaded, its definitions come first. The
 * nested lock calls still lock: they are the real pthread calls without the annotation. */
#include "ulockdep/ulockdep.h"

#define API __attribute__((visibility("default")))

API void ulockdep_set_name(void *lock, const char *name) { (void)lock; (void)name; }
API void ulockdep_set_class(void *lock, const char *class_name) { (void)lock; (void)class_name; }

API int ulockdep_lock_nested(pthread_mutex_t *mutex, unsigned subclass)
{
    (void)subclass;
    return pthread_mutex_lock(mutex);
}

API int ulockdep_rwlock_rdlock_nested(pthread_rwlock_t *rwlock, unsigned subclass)
{
    (void)subclass;
    return pthread_rwlock_rdlock(rwlock);
}

API int ulockdep_rwlock_wrlock_nested(pthread_rwlock_t *rwlock, unsigned subclass)
{
    (void)subclass;
    return pthread_rwlock_wrlock(rwlock);
}

API void ulockdep_map_init(struct ulockdep_map *map, const char *name)
{
    map->name = name;
    map->reserved[0] = map->reserved[1] = map->reserved[2] = 0;
}

API void ulockdep_map_acquire(struct ulockdep_map *map) { (void)map; }
API void ulockdep_map_acquire_read(struct ulockdep_map *map) { (void)map; }
API void ulockdep_map_acquire_try(struct ulockdep_map *map) { (void)map; }
API void ulockdep_map_release(struct ulockdep_map *map) { (void)map; }
API void ulockdep_map_sync(struct ulockdep_map *map) { (void)map; }
API void ulockdep_assert_held(const void *lock) { (void)lock; }
API void ulockdep_assert_not_held(const void *lock) { (void)lock; }
API int ulockdep_is_held(const void *lock)
{
    (void)lock;
    return -1;
}
