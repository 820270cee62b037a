/* ulockdep annotation API. Link with -lulockdep-api (pkg-config ulockdep): the calls are
 * no-ops unless the program runs under the ulockdep shim, which implements them.
 *
 * Like the kernel's lockdep annotations, they tell the checker what it cannot see:
 *   names        ulockdep_set_name(&m, "kvm->lock")
 *   classes      ulockdep_set_class(&m, "inode_lock"): every lock given this class name
 *                is one class, wherever it was initialised
 *   nesting      ulockdep_lock_nested(&child->m, 1): a lock of the same class taken in a
 *                documented order (parent then child) gets its own subclass
 *   fake locks   struct ulockdep_map: something that is not a lock but orders like one
 *                (the kernel's __mmu_notifier_invalidate_range_start_map, a flush, a
 *                completion). Acquire/release it around the code that "holds" it;
 *                ulockdep_map_sync() is an empty write section (waiting for all holders)
 *   assertions   ulockdep_assert_held(&m) reports `assert_held` when m is not held
 */
#ifndef ULOCKDEP_ULOCKDEP_H
#define ULOCKDEP_ULOCKDEP_H

#include <pthread.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A fake lock. Define it statically with ULOCKDEP_MAP_INIT or call ulockdep_map_init();
 * every map with the same name is one class. */
struct ulockdep_map {
    const char *name;
    void *reserved[3];
};
#define ULOCKDEP_MAP_INIT(map_name) { .name = (map_name), .reserved = { 0, 0, 0 } }
#define ULOCKDEP_DEFINE_MAP(var, map_name) struct ulockdep_map var = ULOCKDEP_MAP_INIT(map_name)

/* Names a lock instance (a pthread mutex, rwlock, spinlock, SRCU domain or map). */
void ulockdep_set_name(void *lock, const char *name);
/* Puts a lock instance in the class called class_name (its name in reports, unless
 * ulockdep_set_name gave the instance its own). */
void ulockdep_set_class(void *lock, const char *class_name);

/* pthread_mutex_lock / rdlock / wrlock, as subclass `subclass` (0-7) of the lock's class:
 * the kernel's mutex_lock_nested(), down_read_nested(). Return the pthread result. */
int ulockdep_lock_nested(pthread_mutex_t *mutex, unsigned subclass);
int ulockdep_rwlock_rdlock_nested(pthread_rwlock_t *rwlock, unsigned subclass);
int ulockdep_rwlock_wrlock_nested(pthread_rwlock_t *rwlock, unsigned subclass);

void ulockdep_map_init(struct ulockdep_map *map, const char *name);
void ulockdep_map_acquire(struct ulockdep_map *map);       /* exclusive */
void ulockdep_map_acquire_read(struct ulockdep_map *map);  /* shared, recursive */
void ulockdep_map_acquire_try(struct ulockdep_map *map);   /* exclusive trylock that succeeded */
void ulockdep_map_release(struct ulockdep_map *map);
void ulockdep_map_sync(struct ulockdep_map *map);          /* acquire+release for write, not held */

/* Reports `assert_held` when this thread does not hold lock (any kind, or a map). */
void ulockdep_assert_held(const void *lock);
/* Reports `assert_held` when this thread does hold lock. */
void ulockdep_assert_not_held(const void *lock);
/* 1 held, 0 not held, -1 unknown (no shim, or checking switched off). */
int ulockdep_is_held(const void *lock);

#ifdef __cplusplus
}
#endif

#endif
