/* Shared by the interposers: the real functions, and the guard that every interposer
 * passes through before it hands an event to the engine.
 *
 * ul_enter() returns the thread's engine state, or NULL when the event must not be traced:
 * before start-up finished, after the engine switched off, after this thread's state was
 * torn down, and when the thread is already inside ulockdep (a lock taken by the unwinder,
 * the symbolizer or libc on our behalf, or by a signal handler that interrupted us).
 * Untraced calls simply run the real function. */
#ifndef ULOCKDEP_SHIM_SHIM_H
#define ULOCKDEP_SHIM_SHIM_H

#include <poll.h>
#include <link.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>
#include <time.h>

#include "engine.h"

#define UL_EXPORT __attribute__((visibility("default")))
#define UL_CALLER ((uintptr_t)__builtin_return_address(0))
#define ul_likely(x) __builtin_expect(!!(x), 1)
#define ul_unlikely(x) __builtin_expect(!!(x), 0)
#define UL_TLS __thread __attribute__((tls_model("initial-exec")))

struct srcu_struct;
#define REAL_FN(ret, name, params, version) extern ret(*ul_real_##name) params;
#include "real.def"
#undef REAL_FN

void ul_resolve_real(void);
void ul_glib_setup(void); /* glib.c: GLib's real lock functions, when libglib is loaded */

#define REAL(name) (ul_likely(ul_real_##name != NULL) ? ul_real_##name : (ul_resolve_real(), ul_real_##name))

extern int ul_running;                 /* set once start-up is complete; never cleared */

/* The thread's shim state, in one TLS block so that the interposers' guard is one TLS base
 * load and two loads from it. */
struct ul_tls {
    struct ul_thread *self;            /* the engine state; NULL before attach and after teardown */
    int busy;                          /* this thread is inside ulockdep */
    int gone;                          /* this thread's state was torn down */
};
extern UL_TLS struct ul_tls ul_tls;
#define ul_self (ul_tls.self)
#define ul_busy (ul_tls.busy)
#define ul_gone (ul_tls.gone)

struct ul_thread *ul_attach_thread(void);
/* Out of memory anywhere in ulockdep: one line per process ("ulockdep: out of memory WHAT;
 * checking stopped, ..."), then checking stops (runtime.c). */
void ul_shim_out_of_memory(const char *what);
struct ul_thread *ul_enter_slow(void);

/* ul_self is set only by ul_attach_thread, which runs only once ul_running is set (or in
 * the start-up constructor, with ul_busy set until ul_running is), and it is cleared when
 * ul_gone is set: so "ul_self set and not busy" is the whole condition of the common case. */
static inline struct ul_thread *ul_enter(void)
{
    struct ul_thread *t = ul_self;
    if (ul_likely(t != NULL) && ul_likely(!ul_busy)) {
        ul_busy = 1;
        __asm__ __volatile__("" ::: "memory");
        return t;
    }
    return ul_enter_slow();
}

static inline void ul_leave(void)
{
    __asm__ __volatile__("" ::: "memory");
    ul_busy = 0;
}

/* fork (fork.c): handlers registered before anyone else's; the gate that stack captures
 * and other walks of the loaded objects pass (returns the signal mask to give back). */
void ul_fork_setup(void);
uint64_t ul_gate_enter(void);
void ul_gate_leave(uint64_t mask);
/* Inside the gate every signal is blocked: the mask changes the unwinder makes around its
 * own locks are emulated on this thread's copy (signal.c), without a system call. */
extern UL_TLS int ul_in_gate;
extern UL_TLS uint64_t ul_gate_mask;

/* Stacks and static storage (unwind.c). */
void ul_unwind_setup(void);

/* graph_dir (graph_record.c): write this process's graph file now, from the hang watchdog's
 * thread, before it ends the process. */
void ul_graph_record_flush_from_watchdog(void);
/* graph_dir: write this process's graph file now, before _exit()/_Exit() (graph_record.c). */
void ul_graph_record_before_exit(void);
unsigned ul_capture_stack(uintptr_t *pcs, unsigned max);
bool ul_addr_is_static(uintptr_t addr);
uint64_t ul_signal_mask(void);  /* signal.c: the thread's blocked signals */
/* signal_sysv.c: SA_RESTART unless siginterrupt(sig, 1) asked otherwise (signal()). */
int ul_signal_restart_flag(int sig);

/* The signals of a sigset_t as the engine keeps them (bit signo-1; the kernel's 64-bit mask
 * is the first word), without glibc's internal signals (32, 33), which a program can
 * never block. */
static inline uint64_t ul_sigset_bits(const sigset_t *s)
{
    uint64_t m;
    memcpy(&m, s, sizeof m);
    return m & ~((1ull << 31) | (1ull << 32));
}

/* Lock words, read to tell a bad unlock from a lock taken before tracing (lockword.c). */
enum ul_unlock_hint ul_mutex_unlock_hint(const pthread_mutex_t *m, int tid);
enum ul_unlock_hint ul_rwlock_unlock_hint(const pthread_rwlock_t *l, int tid);
enum ul_unlock_hint ul_spin_unlock_hint(const pthread_spinlock_t *l);
unsigned ul_mutex_flags(const pthread_mutex_t *m);
unsigned ul_rwlock_read_mode(const pthread_rwlock_t *l);

#endif
