// Lock functions called on NULL, on uninitialised (garbage) memory and on destroyed locks: the
// program sees exactly what it sees natively. Each case runs in a child twice: once through
// the normal symbol (the shim's interposer under the shim) and once through libc's own
// function (dlsym on libc's handle, which the shim cannot interpose: the native result).
// The outcome is the return value, or the signal that ended the child and the module the
// faulting instruction was in (NULL: a SIGSEGV inside libc, natively and under the shim,
// never inside libulockdep.so). Both outcomes must be equal for every case.
// Reports: the only misuse lockdep would report here is the unlock of a destroyed mutex
// that is not held (bad unlock balance; destroying forgot the lock, so it is named after
// the unlock's own site), made in the children that take the normal path: one for the
// mutex, one for the C11 mutex. An unlock of garbage memory (set, but with no owner and no
// mutex kind: never a lock) is a bad unlock too: in garbage_mutex_unlock's normal child, and in
// both children of garbage_mutex_lock_unlock, whose unlock is always the normal symbol (the
// lock, natively EINVAL, named the class in the normal child: its line; in the other, the
// unlock's). NULL locks and garbage lock calls are never reported (glibc says EINVAL for a
// garbage mutex; the shim undoes the acquisition it recorded).
// The same program passes natively (e2e.native.misuse_null_garbage_destroyed).
// EXPECT-EXIT: 0
// EXPECT-STDOUT: ALL OK
// EXPECT-REPORT: bad_unlock destroyed_mutex_unlock@${FILE}:${LINE:unlock_destroyed_mutex}
// EXPECT-REPORT: bad_unlock destroyed_mtx_unlock@${FILE}:${LINE:unlock_destroyed_mtx}
// EXPECT-REPORT: bad_unlock garbage_mutex_unlock@${FILE}:${LINE:unlock_garbage}
// EXPECT-REPORT: bad_unlock garbage_mutex_lock_unlock@${FILE}:${LINE:lock_garbage}
// EXPECT-REPORT: bad_unlock garbage_mutex_lock_unlock@${FILE}:${LINE:lock_unlock_garbage}
// EXPECT-COUNT: bad_unlock=5
#include <dlfcn.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <threads.h>
#include <ucontext.h>
#include <unistd.h>

#include "e2e_util.h"

static int result_fd = -1;

static void report(const char *s)
{
    if (write(result_fd, s, strlen(s)) < 0)
        _exit(97);
    _exit(0);
}

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
    (void)si;
    ucontext_t *uc = ucv;
    Dl_info info;
    const char *module = "?";
    if (dladdr((void *)uc->uc_mcontext.gregs[REG_RIP], &info) && info.dli_fname) {
        module = strrchr(info.dli_fname, '/');
        module = module ? module + 1 : info.dli_fname;
    }
    char buf[256];
    snprintf(buf, sizeof buf, "signal %d in %s", sig, module);
    report(buf);
}

/* A case: calls the function (through `fn`) on its own fresh object. */
struct misuse {
    const char *name;
    const char *symbol;
    int (*call)(void *fn);
};

static void *libc;

static void *lookup(const char *symbol, int native)
{
    void *fn = native ? dlsym(libc, symbol) : dlsym(RTLD_DEFAULT, symbol);
    if (!fn) {
        fprintf(stderr, "no %s\n", symbol);
        exit(99);
    }
    return fn;
}

/* Runs one case in a child; the outcome as text. */
static void outcome(const struct misuse *m, int native, char *out, size_t len)
{
    int p[2];
    if (pipe(p) != 0)
        exit(99);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        exit(99);
    if (pid == 0) {
        close(p[0]);
        result_fd = p[1];
        struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO | SA_RESETHAND };
        sigemptyset(&sa.sa_mask);
        sigaction(SIGSEGV, &sa, NULL);
        sigaction(SIGBUS, &sa, NULL);
        alarm(20); /* a case that blocks shows as "signal 14" (natively too) */
        char buf[64];
        snprintf(buf, sizeof buf, "returned %d", m->call(lookup(m->symbol, native)));
        report(buf);
    }
    close(p[1]);
    ssize_t n = read(p[0], out, len - 1);
    out[n > 0 ? n : 0] = 0;
    close(p[0]);
    int status;
    waitpid(pid, &status, 0);
    if (n <= 0)
        snprintf(out, len, "no outcome (status 0x%x)", status);
}

typedef int (*mutex_fn)(pthread_mutex_t *);
typedef int (*rwlock_fn)(pthread_rwlock_t *);
typedef int (*spin_fn)(pthread_spinlock_t *);
typedef int (*mtx_fn)(mtx_t *);

static void *garbage(size_t n)
{
    void *p = malloc(n);
    if (!p)
        exit(99);
    memset(p, 0xa5, n);
    return p;
}

static pthread_mutex_t *destroyed_mutex(void)
{
    pthread_mutex_t *m = malloc(sizeof *m);
    E2E_CHECK(pthread_mutex_init(m, NULL));
    E2E_CHECK(pthread_mutex_destroy(m));
    return m;
}

static int null_mutex_lock(void *fn) { return ((mutex_fn)fn)(NULL); }
static int null_mutex_trylock(void *fn) { return ((mutex_fn)fn)(NULL); }
static int null_mutex_unlock(void *fn) { return ((mutex_fn)fn)(NULL); }
static int null_mutex_destroy(void *fn) { return ((mutex_fn)fn)(NULL); }
static int null_mutex_timedlock(void *fn)
{
    struct timespec ts = e2e_deadline(10);
    return ((int (*)(pthread_mutex_t *, const struct timespec *))fn)(NULL, &ts);
}
static int member_of_null(void *fn)
{
    struct holder { long before; pthread_mutex_t lock; } *h = NULL;
    return ((mutex_fn)fn)(&h->lock);
}
static int null_rwlock_rdlock(void *fn) { return ((rwlock_fn)fn)(NULL); }
static int null_rwlock_wrlock(void *fn) { return ((rwlock_fn)fn)(NULL); }
static int null_rwlock_unlock(void *fn) { return ((rwlock_fn)fn)(NULL); }
static int null_spin_lock(void *fn) { return ((spin_fn)fn)(NULL); }
static int null_spin_unlock(void *fn) { return ((spin_fn)fn)(NULL); }
static int null_mtx_lock(void *fn) { return ((mtx_fn)fn)(NULL); }
static int null_mtx_unlock(void *fn) { return ((mtx_fn)fn)(NULL); }
static int null_cond(void *fn)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&m);
    return ((int (*)(pthread_cond_t *, pthread_mutex_t *))fn)(NULL, &m);
}
static int cond_null_mutex(void *fn)
{
    pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    return ((int (*)(pthread_cond_t *, pthread_mutex_t *))fn)(&c, NULL);
}
static int null_cond_timed(void *fn)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&m);
    struct timespec ts = e2e_deadline(10);
    return ((int (*)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *))fn)(NULL, &m, &ts);
}
static int null_cnd(void *fn)
{
    mtx_t m;
    mtx_init(&m, mtx_plain);
    mtx_lock(&m);
    return ((int (*)(cnd_t *, mtx_t *))fn)(NULL, &m);
}

static int garbage_mutex_lock(void *fn) { return ((mutex_fn)fn)(garbage(sizeof(pthread_mutex_t))); }
static int garbage_mutex_trylock(void *fn) { return ((mutex_fn)fn)(garbage(sizeof(pthread_mutex_t))); }
static int garbage_mutex_unlock(void *fn) { return ((mutex_fn)fn)(garbage(sizeof(pthread_mutex_t))); } /* LINE:unlock_garbage */
static int garbage_mutex_lock_unlock(void *fn)
{
    pthread_mutex_t *m = garbage(sizeof *m);
    int r = ((mutex_fn)fn)(m); /* LINE:lock_garbage */
    return r * 1000 + pthread_mutex_unlock(m); /* LINE:lock_unlock_garbage */
}
static int garbage_rwlock_tryrdlock(void *fn) { return ((rwlock_fn)fn)(garbage(sizeof(pthread_rwlock_t))); }
static int garbage_rwlock_trywrlock(void *fn) { return ((rwlock_fn)fn)(garbage(sizeof(pthread_rwlock_t))); }
static int garbage_spin_trylock(void *fn) { return ((spin_fn)fn)(garbage(sizeof(pthread_spinlock_t))); }
static int garbage_mtx_trylock(void *fn) { return ((mtx_fn)fn)(garbage(sizeof(mtx_t))); }

static int destroyed_mutex_lock(void *fn) { return ((mutex_fn)fn)(destroyed_mutex()); }
static int destroyed_mutex_trylock(void *fn) { return ((mutex_fn)fn)(destroyed_mutex()); }
static int destroyed_mutex_unlock(void *fn)
{
    return ((mutex_fn)fn)(destroyed_mutex()); /* LINE:unlock_destroyed_mutex */
}
static int destroyed_rwlock_trywrlock(void *fn)
{
    pthread_rwlock_t *l = malloc(sizeof *l);
    E2E_CHECK(pthread_rwlock_init(l, NULL));
    E2E_CHECK(pthread_rwlock_destroy(l));
    return ((rwlock_fn)fn)(l);
}
static int destroyed_mtx_unlock(void *fn)
{
    mtx_t *m = malloc(sizeof *m);
    if (mtx_init(m, mtx_plain) != thrd_success)
        exit(99);
    mtx_destroy(m);
    return ((mtx_fn)fn)(m); /* LINE:unlock_destroyed_mtx */
}

static const struct misuse cases[] = {
    { "pthread_mutex_lock(NULL)", "pthread_mutex_lock", null_mutex_lock },
    { "pthread_mutex_trylock(NULL)", "pthread_mutex_trylock", null_mutex_trylock },
    { "pthread_mutex_timedlock(NULL)", "pthread_mutex_timedlock", null_mutex_timedlock },
    { "pthread_mutex_unlock(NULL)", "pthread_mutex_unlock", null_mutex_unlock },
    { "pthread_mutex_destroy(NULL)", "pthread_mutex_destroy", null_mutex_destroy },
    { "pthread_mutex_lock(&null->lock)", "pthread_mutex_lock", member_of_null },
    { "pthread_rwlock_rdlock(NULL)", "pthread_rwlock_rdlock", null_rwlock_rdlock },
    { "pthread_rwlock_wrlock(NULL)", "pthread_rwlock_wrlock", null_rwlock_wrlock },
    { "pthread_rwlock_unlock(NULL)", "pthread_rwlock_unlock", null_rwlock_unlock },
    { "pthread_spin_lock(NULL)", "pthread_spin_lock", null_spin_lock },
    { "pthread_spin_unlock(NULL)", "pthread_spin_unlock", null_spin_unlock },
    { "mtx_lock(NULL)", "mtx_lock", null_mtx_lock },
    { "mtx_unlock(NULL)", "mtx_unlock", null_mtx_unlock },
    { "pthread_cond_wait(NULL, m)", "pthread_cond_wait", null_cond },
    { "pthread_cond_wait(c, NULL)", "pthread_cond_wait", cond_null_mutex },
    { "pthread_cond_timedwait(NULL, m)", "pthread_cond_timedwait", null_cond_timed },
    { "cnd_wait(NULL, m)", "cnd_wait", null_cnd },
    { "pthread_mutex_lock(garbage)", "pthread_mutex_lock", garbage_mutex_lock },
    { "pthread_mutex_trylock(garbage)", "pthread_mutex_trylock", garbage_mutex_trylock },
    { "pthread_mutex_unlock(garbage)", "pthread_mutex_unlock", garbage_mutex_unlock },
    { "pthread_mutex_lock+unlock(garbage)", "pthread_mutex_lock", garbage_mutex_lock_unlock },
    { "pthread_rwlock_tryrdlock(garbage)", "pthread_rwlock_tryrdlock", garbage_rwlock_tryrdlock },
    { "pthread_rwlock_trywrlock(garbage)", "pthread_rwlock_trywrlock", garbage_rwlock_trywrlock },
    { "pthread_spin_trylock(garbage)", "pthread_spin_trylock", garbage_spin_trylock },
    { "mtx_trylock(garbage)", "mtx_trylock", garbage_mtx_trylock },
    { "pthread_mutex_lock(destroyed)", "pthread_mutex_lock", destroyed_mutex_lock },
    { "pthread_mutex_trylock(destroyed)", "pthread_mutex_trylock", destroyed_mutex_trylock },
    { "pthread_mutex_unlock(destroyed)", "pthread_mutex_unlock", destroyed_mutex_unlock },
    { "pthread_rwlock_trywrlock(destroyed)", "pthread_rwlock_trywrlock", destroyed_rwlock_trywrlock },
    { "mtx_unlock(destroyed)", "mtx_unlock", destroyed_mtx_unlock },
};

int main(void)
{
    libc = dlopen("libc.so.6", RTLD_NOLOAD | RTLD_LAZY);
    if (!libc)
        E2E_SKIP("libc.so.6 is not loaded under that name");
    int bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char got[256], native[256];
        outcome(&cases[i], 0, got, sizeof got);
        outcome(&cases[i], 1, native, sizeof native);
        bool same = !strcmp(got, native);
        printf("%-38s %s%s%s\n", cases[i].name, got, same ? "" : "   NATIVELY: ", same ? "" : native);
        bad |= !same;
    }
    if (bad)
        return 1;
    printf("ALL OK\n");
    return 0;
}
