/* fork: the child must inherit no lock that a thread of the parent held half-way through
 * ulockdep's own work, because that thread does not exist in the child.
 *
 *  - The graph and report locks: the forking thread takes both in the prepare handler and
 *    releases them (parent) or resets them (child) afterwards.
 *  - The dynamic loader's lock and the unwinder's own locks: a stack capture walks the loaded
 *    objects (dl_iterate_phdr, under the loader's write lock, which glibc does not reset in
 *    a child) and libunwind takes its caches' locks with every signal blocked. A child forked
 *    while another thread was inside a capture hung at its first dl_iterate_phdr, dlopen or
 *    capture. So captures (and the static-storage probe) pass a gate: the prepare handler
 *    closes it and waits until no thread is inside; a thread arriving while it is closed
 *    waits until the fork is done. A capture runs with every signal blocked, so it always
 *    finishes without running program code (a handler blocked on a lock that the forking
 *    thread holds cannot stall the fork).
 *
 * Two things keep the waiting from deadlocking against the program:
 *  - Our prepare handler runs after every prepare handler of the program (prepare handlers
 *    run in reverse order of registration, and __register_atfork is interposed so that
 *    ours is registered before anyone else's). A thread waiting at the closed gate may hold
 *    program locks; no program code runs in the forking thread after the gate closes.
 *  - A thread that arrives at the closed gate from inside a dl_iterate_phdr callback holds
 *    the loader's lock, which the captures being waited for may need: it is let through
 *    (and waited for). dl_iterate_phdr is interposed only to count such threads; a child
 *    forked while one of them was inside (it inherits the loader's lock held, as it would
 *    without ulockdep) does no checking, since its first capture would hang. */
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "glock.h"
#include "report.h"
#include "shim.h"

static atomic_int gate_closed;   /* forks between their prepare and after handlers */
static atomic_int inside;        /* threads past the gate */
static atomic_int phdr_threads;  /* threads inside a dl_iterate_phdr callback */
static UL_TLS int phdr_depth;    /* this thread: nested dl_iterate_phdr callbacks */
static UL_TLS int fork_skipped;
UL_TLS int ul_in_gate;
UL_TLS uint64_t ul_gate_mask;

static void futex_wait(atomic_int *w, int val)
{
    syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake_all(atomic_int *w)
{
    syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static void leave_count(void)
{
    if (atomic_fetch_sub(&inside, 1) == 1 && atomic_load(&gate_closed))
        futex_wake_all(&inside);
}

uint64_t ul_gate_enter(void)
{
    uint64_t all = ~0ull, old = 0;
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, &old, sizeof all);
    for (;;) {
        atomic_fetch_add(&inside, 1); /* then look at the gate: seq_cst on both sides */
        if (!atomic_load(&gate_closed) || phdr_depth)
            break;
        leave_count();
        int c;
        while ((c = atomic_load(&gate_closed)) != 0)
            futex_wait(&gate_closed, c);
    }
    /* What the kernel now has blocked: everything it lets a thread block. */
    ul_gate_mask = ~0ull & ~(1ull << (SIGKILL - 1)) & ~(1ull << (SIGSTOP - 1));
    ul_in_gate = 1;
    return old;
}

void ul_gate_leave(uint64_t mask)
{
    ul_in_gate = 0;
    leave_count();
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL, sizeof mask);
}

/* ---- the handlers ---- */

static void before_fork(void)
{
    atomic_fetch_add(&gate_closed, 1);
    int n;
    while ((n = atomic_load(&inside)) != 0)
        futex_wait(&inside, n);
    /* A fork from a signal handler that interrupted ulockdep itself: that call's state is
     * half-updated (the child stops checking). It holds neither internal lock (both are
     * only held with every signal blocked), but leave them alone all the same. */
    fork_skipped = ul_busy;
    if (fork_skipped)
        return;
    ul_busy = 1;
    ul_flock_lock(&ul_glock);
    ul_flock_lock(&ul_rlock);
}

static void open_gate(void)
{
    atomic_fetch_sub(&gate_closed, 1);
    futex_wake_all(&gate_closed);
}

static void after_fork_parent(void)
{
    if (!fork_skipped) {
        ul_flock_unlock(&ul_rlock);
        ul_flock_unlock(&ul_glock);
        ul_busy = 0;
    }
    open_gate();
}

static void after_fork_child(void)
{
    /* Only this thread exists now: nobody is inside the gate or waiting at it. */
    int others_in_phdr = atomic_load(&phdr_threads) - (phdr_depth > 0);
    atomic_store(&gate_closed, 0);
    atomic_store(&inside, 0);
    atomic_store(&phdr_threads, phdr_depth > 0);
    if (fork_skipped) {
        ul_engine_disable(); /* the tables may be half-updated */
        return;
    }
    ul_flock_reset(&ul_rlock);
    ul_flock_reset(&ul_glock);
    ul_thread_forget_others(ul_self);
    if (ul_self) {
        ul_self->tid = (int)syscall(SYS_gettid);
        ul_self->is_main = true;
    }
    ul_engine_reset_report_count();
    ul_report_after_fork_child();
    if (others_in_phdr > 0 && ul_engine_enabled()) {
        ul_engine_disable();
        ul_report_message("ulockdep: forked while another thread was inside dl_iterate_phdr (the dynamic loader's "
                          "lock is held for good in this process); lock checking is off in the child");
    }
    ul_busy = 0;
}

/* ---- registration: ours first, so our prepare handler runs last ---- */

extern void *__dso_handle;

void ul_fork_setup(void)
{
    static atomic_int done;
    if (atomic_exchange(&done, 1))
        return;
    if (REAL(__register_atfork))
        REAL(__register_atfork)(before_fork, after_fork_parent, after_fork_child, &__dso_handle);
}

/* pthread_atfork() (in libc_nonshared.a, linked into each object that calls it) is
 * __register_atfork(..., __dso_handle). The first registration, even one made before our
 * constructor ran, registers ours before it. */
UL_EXPORT int __register_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void), void *dso)
{
    ul_fork_setup();
    if (!REAL(__register_atfork))
        return ENOMEM; /* cannot happen with glibc: it defines it */
    return REAL(__register_atfork)(prepare, parent, child, dso);
}

/* ---- dl_iterate_phdr: who is inside a callback (holds the loader's lock) ---- */

struct phdr_call {
    int (*fn)(struct dl_phdr_info *, size_t, void *);
    void *data;
    bool counted;
};

static int phdr_callback(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct phdr_call *c = arg;
    if (!c->counted) {
        c->counted = true;
        if (phdr_depth++ == 0)
            atomic_fetch_add(&phdr_threads, 1);
    }
    return c->fn(info, size, c->data);
}

UL_EXPORT int dl_iterate_phdr(int (*fn)(struct dl_phdr_info *, size_t, void *), void *data)
{
    if (!REAL(dl_iterate_phdr))
        return 0;
    struct phdr_call c = { fn, data, false };
    int r = REAL(dl_iterate_phdr)(phdr_callback, &c);
    if (c.counted && --phdr_depth == 0)
        atomic_fetch_sub(&phdr_threads, 1);
    return r;
}
