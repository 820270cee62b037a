/* GLib's locks: GMutex, GRecMutex, GRWLock and the waits on GCond, traced like their pthread
 * counterparts so that a GLib or GTK program is checked without a rebuild.
 *
 * GMutex and GCond are futexes in GLib (no pthread call to see), so only their exported
 * functions tell us anything. GRecMutex and GRWLock wrap a pthread mutex / rwlock that GLib
 * allocates (lazily for a zero-initialised one); they are traced at the GLib level, on the
 * GRecMutex / GRWLock the program knows (its address, its symbol, its init site), and the
 * inner pthread calls run untraced (ul_busy set around the real call).
 *
 * What is not seen: libglib binds its own calls locally (-Bsymbolic-functions), so the
 * locks GLib takes inside libglib (GMainContext, GAsyncQueue, GThreadPool, g_once) never
 * reach these functions; calls from other libraries (libgobject, libgio) and from the
 * program do. Bit locks (g_bit_lock, g_pointer_bit_lock) are not traced.
 *
 * The real functions are looked up on first use: RTLD_NEXT, or else libglib in a local
 * scope (a plugin or a Python module dlopened it with RTLD_LOCAL). */
#include <dlfcn.h>
#include <unistd.h>

#include "interpose.h"

/* The layouts of GLib's lock types (glib/gthread.h, stable since GLib 2.32). */
typedef union {
    void *p;
    unsigned i[2];
} ul_gmutex; /* GMutex, GCond */
typedef struct {
    void *p;
    unsigned i[2];
} ul_gslot; /* GRecMutex, GRWLock */
typedef int ul_gboolean;
struct ul_gtimeval {
    long tv_sec, tv_usec;
};

#define GLIB_FUNCTIONS(X)                                                       \
    X(void, g_mutex_init, (ul_gmutex *))                                        \
    X(void, g_mutex_clear, (ul_gmutex *))                                       \
    X(void, g_mutex_lock, (ul_gmutex *))                                        \
    X(ul_gboolean, g_mutex_trylock, (ul_gmutex *))                              \
    X(void, g_mutex_unlock, (ul_gmutex *))                                      \
    X(void, g_rec_mutex_init, (ul_gslot *))                                     \
    X(void, g_rec_mutex_clear, (ul_gslot *))                                    \
    X(void, g_rec_mutex_lock, (ul_gslot *))                                     \
    X(ul_gboolean, g_rec_mutex_trylock, (ul_gslot *))                           \
    X(void, g_rec_mutex_unlock, (ul_gslot *))                                   \
    X(void, g_rw_lock_init, (ul_gslot *))                                       \
    X(void, g_rw_lock_clear, (ul_gslot *))                                      \
    X(void, g_rw_lock_writer_lock, (ul_gslot *))                                \
    X(ul_gboolean, g_rw_lock_writer_trylock, (ul_gslot *))                      \
    X(void, g_rw_lock_writer_unlock, (ul_gslot *))                              \
    X(void, g_rw_lock_reader_lock, (ul_gslot *))                                \
    X(ul_gboolean, g_rw_lock_reader_trylock, (ul_gslot *))                      \
    X(void, g_rw_lock_reader_unlock, (ul_gslot *))                              \
    X(void, g_cond_wait, (ul_gmutex *, ul_gmutex *))                            \
    X(ul_gboolean, g_cond_wait_until, (ul_gmutex *, ul_gmutex *, int64_t))      \
    X(ul_gboolean, g_cond_timed_wait, (ul_gmutex *, ul_gmutex *, struct ul_gtimeval *))

#define X(ret, name, params) static ret(*real_##name) params;
GLIB_FUNCTIONS(X)
#undef X

static void *glib_symbol(const char *name, bool local_scope)
{
    void *p = dlsym(RTLD_NEXT, name);
    if (!p && local_scope) {
        void *h = dlopen("libglib-2.0.so.0", RTLD_LAZY | RTLD_NOLOAD);
        if (h) {
            p = dlsym(h, name);
            dlclose(h); /* drops the reference NOLOAD took; the library stays */
        }
    }
    return p;
}

static void glib_resolve(bool local_scope)
{
#define X(ret, name, params)                                                                    \
    if (!__atomic_load_n(&real_##name, __ATOMIC_ACQUIRE))                                         \
        __atomic_store_n(&real_##name, (ret(*) params)glib_symbol(#name, local_scope), __ATOMIC_RELEASE);
    GLIB_FUNCTIONS(X)
#undef X
}

/* Start-up (runtime.c): libglib linked into the program is found now, outside any lock call. */
void ul_glib_setup(void)
{
    glib_resolve(false);
}

/* Only a program that calls GLib gets here, so libglib is loaded; if it still cannot be
 * found, nothing can run the call. */
static __attribute__((noinline, cold)) void glib_missing(const char *name)
{
    glib_resolve(true);
    bool found = false;
#define X(ret, fn, params) found |= !__builtin_strcmp(name, #fn) && real_##fn;
    GLIB_FUNCTIONS(X)
#undef X
    if (!found) {
        static const char msg[] = "ulockdep: GLib's lock functions cannot be found; stopping\n";
        (void)!write(2, msg, sizeof msg - 1);
        abort();
    }
}

#define GLIB(name) (*(ul_likely(real_##name != NULL) ? (void)0 : glib_missing(#name), real_##name))

/* The inner pthread calls of GRecMutex and GRWLock are not the program's: run untraced. */
#define UNTRACED(stmt)          \
    do {                        \
        int busy_ = ul_busy;    \
        ul_busy = 1;            \
        stmt;                   \
        ul_busy = busy_;        \
    } while (0)

#define GLIB_TRUE(r) ((r) != 0)
#define GLIB_DONE(r) ((void)(r), true) /* a void lock function always takes the lock */

static void glib_on_init(void *lock, enum ul_lock_kind kind)
{
    struct ul_thread *t;
    if (!UL_BAD_LOCK_PTR(lock) && (t = ul_enter())) {
        ul_on_init(t, lock, kind);
        ul_leave();
    }
}

static void glib_on_destroy(void *lock, size_t size)
{
    struct ul_thread *t = UL_BAD_LOCK_PTR(lock) ? NULL : ul_enter();
    if (t) {
        ul_on_destroy(t, lock, size);
        ul_leave();
    }
}

/* ---- GMutex ---- */

UL_EXPORT void g_mutex_init(ul_gmutex *m)
{
    GLIB(g_mutex_init)(m);
    glib_on_init(m, UL_KIND_MUTEX);
}

UL_EXPORT void g_mutex_clear(ul_gmutex *m)
{
    glib_on_destroy(m, sizeof *m);
    GLIB(g_mutex_clear)(m);
}

static int gmutex_lock_call(ul_gmutex *m)
{
    GLIB(g_mutex_lock)(m);
    return 0;
}

static int gmutex_try(void *m, unsigned mode)
{
    (void)mode;
    return GLIB(g_mutex_trylock)(m) ? 0 : EBUSY;
}

UL_SLOW int gmutex_lock_slow(ul_gmutex *m, uintptr_t caller)
{
    UL_BLOCKING_ACQUIRE_TRY(m, UL_KIND_MUTEX, UL_WRITE, 0, gmutex_lock_call(m), UL_PTHREAD_OK, caller,
                            "g_mutex_lock", gmutex_try);
}

UL_FAST_MISSED(gmutex_lock_missed, ul_gmutex *, UL_KIND_MUTEX, gmutex_lock_call)

/* A GMutex lock cannot fail (a relock by its owner hangs, and has the class held: the slow
 * path reports it first), so the pthread mutexes' fast path fits. */
UL_EXPORT void g_mutex_lock(ul_gmutex *m)
{
    if (ul_likely(!UL_BAD_LOCK_PTR(m))) {
        int f = ul_fast_acquire(m, UL_WRITE, 0, UL_CALLER);
        if (ul_likely(f == UL_FAST_DONE)) {
            GLIB(g_mutex_lock)(m);
            return;
        }
        if (f == UL_FAST_MISS) {
            gmutex_lock_missed(m, UL_WRITE, 0, UL_CALLER);
            return;
        }
    }
    gmutex_lock_slow(m, UL_CALLER);
}

UL_EXPORT ul_gboolean g_mutex_trylock(ul_gmutex *m)
{
    UL_TRY_ACQUIRE(m, UL_KIND_MUTEX, UL_WRITE, 0, GLIB(g_mutex_trylock)(m), GLIB_TRUE);
}

static int gmutex_unlock_call(ul_gmutex *m)
{
    GLIB(g_mutex_unlock)(m);
    return 0;
}

/* The futex word is 0 when the GMutex is free (a pointer, never 0 once set, in GLibs that
 * wrap a pthread mutex): an unlock of a free GMutex is the program's bug. */
static enum ul_unlock_hint gmutex_unlock_hint(const ul_gmutex *m)
{
    return __atomic_load_n(&m->i[0], __ATOMIC_RELAXED) == 0 ? UL_UNLOCK_NOT_LOCKED : UL_UNLOCK_UNKNOWN;
}

UL_SLOW int gmutex_unlock_slow(ul_gmutex *m, uintptr_t caller)
{
    UL_RELEASE_AT(m, UL_KIND_MUTEX, gmutex_unlock_hint(m), gmutex_unlock_call(m), caller);
}

UL_EXPORT void g_mutex_unlock(ul_gmutex *m)
{
    if (ul_likely(ul_fast_release(m)))
        GLIB(g_mutex_unlock)(m);
    else
        gmutex_unlock_slow(m, UL_CALLER);
}

/* ---- GRecMutex ---- */

/* init and clear of a GLib lock with a pthread lock inside: the GLib lock is the one traced. */
#define GLIB_INIT_CLEAR(prefix, kind)                  \
    UL_EXPORT void prefix##_init(ul_gslot *l)          \
    {                                                  \
        UNTRACED(GLIB(prefix##_init)(l));              \
        glib_on_init(l, kind);                         \
    }                                                  \
    UL_EXPORT void prefix##_clear(ul_gslot *l)         \
    {                                                  \
        glib_on_destroy(l, sizeof *l);                 \
        UNTRACED(GLIB(prefix##_clear)(l));             \
    }

GLIB_INIT_CLEAR(g_rec_mutex, UL_KIND_MUTEX)

static int rec_lock_call(ul_gslot *m)
{
    UNTRACED(GLIB(g_rec_mutex_lock)(m));
    return 0;
}

static int rec_try(void *m, unsigned mode)
{
    (void)mode;
    ul_gboolean r;
    UNTRACED(r = GLIB(g_rec_mutex_trylock)(m));
    return r ? 0 : EBUSY;
}

static int rec_lock_slow(ul_gslot *m, uintptr_t caller)
{
    UL_BLOCKING_ACQUIRE_TRY(m, UL_KIND_MUTEX, UL_WRITE, UL_F_RECURSIVE, rec_lock_call(m), GLIB_DONE, caller,
                            "g_rec_mutex_lock", rec_try);
}

UL_EXPORT void g_rec_mutex_lock(ul_gslot *m)
{
    rec_lock_slow(m, UL_CALLER);
}

UL_EXPORT ul_gboolean g_rec_mutex_trylock(ul_gslot *m)
{
    UL_TRY_ACQUIRE(m, UL_KIND_MUTEX, UL_WRITE, UL_F_RECURSIVE, (rec_try(m, UL_WRITE) == 0), GLIB_TRUE);
}

static int rec_unlock_call(ul_gslot *m)
{
    UNTRACED(GLIB(g_rec_mutex_unlock)(m));
    return 0;
}

static int rec_unlock_slow(ul_gslot *m, uintptr_t caller)
{
    UL_RELEASE_AT(m, UL_KIND_MUTEX, UL_UNLOCK_UNKNOWN, rec_unlock_call(m), caller);
}

UL_EXPORT void g_rec_mutex_unlock(ul_gslot *m)
{
    rec_unlock_slow(m, UL_CALLER);
}

/* ---- GRWLock: a default pthread rwlock underneath, so readers are recursive (a reader gets
 * in while a writer waits), as with the pthread rwlocks ---- */

GLIB_INIT_CLEAR(g_rw_lock, UL_KIND_RWLOCK)

static int rw_try(void *l, unsigned mode)
{
    ul_gboolean r;
    if (mode == UL_WRITE)
        UNTRACED(r = GLIB(g_rw_lock_writer_trylock)(l));
    else
        UNTRACED(r = GLIB(g_rw_lock_reader_trylock)(l));
    return r ? 0 : EBUSY;
}

static int rw_lock_call(ul_gslot *l, unsigned mode)
{
    if (mode == UL_WRITE)
        UNTRACED(GLIB(g_rw_lock_writer_lock)(l));
    else
        UNTRACED(GLIB(g_rw_lock_reader_lock)(l));
    return 0;
}

static int rw_lock_slow(ul_gslot *l, unsigned mode, uintptr_t caller)
{
    UL_BLOCKING_ACQUIRE_TRY(l, UL_KIND_RWLOCK, mode, 0, rw_lock_call(l, mode), GLIB_DONE, caller,
                            mode == UL_WRITE ? "g_rw_lock_writer_lock" : "g_rw_lock_reader_lock", rw_try);
}

static int rw_unlock_call(ul_gslot *l, unsigned mode)
{
    if (mode == UL_WRITE)
        UNTRACED(GLIB(g_rw_lock_writer_unlock)(l));
    else
        UNTRACED(GLIB(g_rw_lock_reader_unlock)(l));
    return 0;
}

static int rw_unlock_slow(ul_gslot *l, unsigned mode, uintptr_t caller)
{
    UL_RELEASE_AT(l, UL_KIND_RWLOCK, UL_UNLOCK_UNKNOWN, rw_unlock_call(l, mode), caller);
}

UL_EXPORT void g_rw_lock_writer_lock(ul_gslot *l)
{
    rw_lock_slow(l, UL_WRITE, UL_CALLER);
}

UL_EXPORT void g_rw_lock_reader_lock(ul_gslot *l)
{
    rw_lock_slow(l, UL_RREAD, UL_CALLER);
}

UL_EXPORT ul_gboolean g_rw_lock_writer_trylock(ul_gslot *l)
{
    UL_TRY_ACQUIRE(l, UL_KIND_RWLOCK, UL_WRITE, 0, (rw_try(l, UL_WRITE) == 0), GLIB_TRUE);
}

UL_EXPORT ul_gboolean g_rw_lock_reader_trylock(ul_gslot *l)
{
    UL_TRY_ACQUIRE(l, UL_KIND_RWLOCK, UL_RREAD, 0, (rw_try(l, UL_RREAD) == 0), GLIB_TRUE);
}

UL_EXPORT void g_rw_lock_writer_unlock(ul_gslot *l)
{
    rw_unlock_slow(l, UL_WRITE, UL_CALLER);
}

UL_EXPORT void g_rw_lock_reader_unlock(ul_gslot *l)
{
    rw_unlock_slow(l, UL_RREAD, UL_CALLER);
}

/* ---- GCond: GLib releases and re-takes the GMutex inside, as glibc does for
 * pthread_cond_wait (cond.c). The real wait runs untraced: a GLib that does not bind its own
 * calls locally would show us that inner unlock and relock too. GCond is never
 * process-shared. ---- */

UL_EXPORT void g_cond_wait(ul_gmutex *c, ul_gmutex *m)
{
    if (UL_BAD_LOCK_PTR(c) || UL_BAD_LOCK_PTR(m)) {
        GLIB(g_cond_wait)(c, m);
        return;
    }
    struct ul_cond_wait w;
    ul_cond_wait_begin(&w, c, m, false, CLOCK_MONOTONIC, NULL, __func__, UL_CALLER);
    UNTRACED(GLIB(g_cond_wait)(c, m));
    ul_cond_wait_end(&w, m, 0, UL_CALLER);
}

/* end_time: g_get_monotonic_time() microseconds. */
UL_EXPORT ul_gboolean g_cond_wait_until(ul_gmutex *c, ul_gmutex *m, int64_t end_time)
{
    if (UL_BAD_LOCK_PTR(c) || UL_BAD_LOCK_PTR(m))
        return GLIB(g_cond_wait_until)(c, m, end_time);
    struct timespec until = { .tv_sec = end_time / 1000000, .tv_nsec = (end_time % 1000000) * 1000 };
    if (until.tv_nsec < 0) {
        until.tv_sec--;
        until.tv_nsec += 1000000000;
    }
    struct ul_cond_wait w;
    ul_cond_wait_begin(&w, c, m, false, CLOCK_MONOTONIC, &until, __func__, UL_CALLER);
    ul_gboolean r;
    UNTRACED(r = GLIB(g_cond_wait_until)(c, m, end_time));
    ul_cond_wait_end(&w, m, 0, UL_CALLER);
    return r;
}

/* Deprecated (GLib 2.32): abs_time on the real-time clock, NULL for no deadline. */
UL_EXPORT ul_gboolean g_cond_timed_wait(ul_gmutex *c, ul_gmutex *m, struct ul_gtimeval *abs_time)
{
    if (UL_BAD_LOCK_PTR(c) || UL_BAD_LOCK_PTR(m))
        return GLIB(g_cond_timed_wait)(c, m, abs_time);
    struct timespec until = { 0 };
    if (abs_time)
        until = (struct timespec){ .tv_sec = abs_time->tv_sec, .tv_nsec = abs_time->tv_usec * 1000 };
    struct ul_cond_wait w;
    ul_cond_wait_begin(&w, c, m, false, CLOCK_REALTIME, abs_time ? &until : NULL, __func__, UL_CALLER);
    ul_gboolean r;
    UNTRACED(r = GLIB(g_cond_timed_wait)(c, m, abs_time));
    ul_cond_wait_end(&w, m, 0, UL_CALLER);
    return r;
}
