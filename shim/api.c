/* The annotation API (include/ulockdep/ulockdep.h) as the shim implements it; without the
 * shim, libulockdep-api.so's no-op versions are used. */
#include "interpose.h"
#include "ulockdep/ulockdep.h"

UL_EXPORT void ulockdep_set_name(void *lock, const char *name)
{
    struct ul_thread *t = ul_enter();
    if (t) {
        ul_on_set_name(t, lock, name);
        ul_leave();
    }
}

UL_EXPORT void ulockdep_set_class(void *lock, const char *class_name)
{
    struct ul_thread *t = ul_enter();
    if (t) {
        ul_on_register_named(t, lock, UL_KIND_MUTEX, class_name);
        ul_leave();
    }
}

static unsigned subclass(unsigned n)
{
    return UL_F_SUBCLASS(n > 7 ? 7 : n);
}

UL_EXPORT int ulockdep_lock_nested(pthread_mutex_t *m, unsigned sub)
{
    UL_BLOCKING_ACQUIRE(m, UL_KIND_MUTEX, UL_WRITE, ul_mutex_flags(m) | subclass(sub),
                        REAL(pthread_mutex_lock)(m), UL_PTHREAD_OK);
}

UL_EXPORT int ulockdep_rwlock_rdlock_nested(pthread_rwlock_t *l, unsigned sub)
{
    UL_BLOCKING_ACQUIRE(l, UL_KIND_RWLOCK, ul_rwlock_read_mode(l), subclass(sub), REAL(pthread_rwlock_rdlock)(l),
                        UL_PTHREAD_OK);
}

UL_EXPORT int ulockdep_rwlock_wrlock_nested(pthread_rwlock_t *l, unsigned sub)
{
    UL_BLOCKING_ACQUIRE(l, UL_KIND_RWLOCK, UL_WRITE, subclass(sub), REAL(pthread_rwlock_wrlock)(l),
                        UL_PTHREAD_OK);
}

/* ---- fake locks ---- */

static const char *map_name(const struct ulockdep_map *map)
{
    return map->name ? map->name : "ulockdep_map";
}

UL_EXPORT void ulockdep_map_init(struct ulockdep_map *map, const char *name)
{
    map->name = name;
    map->reserved[0] = map->reserved[1] = map->reserved[2] = 0;
    struct ul_thread *t = ul_enter();
    if (t) {
        ul_on_register_named(t, map, UL_KIND_MAP, map_name(map));
        ul_leave();
    }
}

static void map_acquire(struct ulockdep_map *map, unsigned mode, unsigned flags, uintptr_t ip)
{
    struct ul_thread *t = ul_enter();
    if (!t)
        return;
    if (!ul_lock_known(map)) /* ULOCKDEP_MAP_INIT: registered on first use */
        ul_on_register_named(t, map, UL_KIND_MAP, map_name(map));
    ul_on_acquire(t, map, UL_KIND_MAP, mode, flags, ip);
    ul_leave();
}

UL_EXPORT void ulockdep_map_acquire(struct ulockdep_map *map)
{
    map_acquire(map, UL_WRITE, 0, UL_CALLER);
}

UL_EXPORT void ulockdep_map_acquire_read(struct ulockdep_map *map)
{
    map_acquire(map, UL_RREAD, 0, UL_CALLER);
}

UL_EXPORT void ulockdep_map_acquire_try(struct ulockdep_map *map)
{
    map_acquire(map, UL_WRITE, UL_F_TRY, UL_CALLER);
}

UL_EXPORT void ulockdep_map_sync(struct ulockdep_map *map)
{
    map_acquire(map, UL_WRITE, UL_F_SYNC, UL_CALLER);
}

UL_EXPORT void ulockdep_map_release(struct ulockdep_map *map)
{
    struct ul_thread *t = ul_enter();
    if (t) {
        /* A map is held only as ulockdep records it: not held here is a bad unlock. */
        ul_on_release(t, map, UL_KIND_MAP, UL_UNLOCK_NOT_LOCKED, UL_CALLER);
        ul_leave();
    }
}

/* ---- assertions ---- */

UL_EXPORT void ulockdep_assert_held(const void *lock)
{
    struct ul_thread *t = ul_enter();
    if (t) {
        ul_on_assert(t, lock, true, UL_CALLER);
        ul_leave();
    }
}

UL_EXPORT void ulockdep_assert_not_held(const void *lock)
{
    struct ul_thread *t = ul_enter();
    if (t) {
        ul_on_assert(t, lock, false, UL_CALLER);
        ul_leave();
    }
}

UL_EXPORT int ulockdep_is_held(const void *lock)
{
    struct ul_thread *t = ul_enter();
    if (!t)
        return -1;
    int r = ul_engine_enabled() ? ul_is_held(t, (void *)lock) : -1;
    ul_leave();
    return r;
}
