/* Start-up, per-thread state and exit: the shim's own life cycle (fork: fork.c). */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "glock.h"
#include "options.h"
#include "report.h"
#include "shim.h"
#include "glock.h"
#include "names.h"
#include "runtime_frames.h"
#include "symbolize.h"

int ul_running;
UL_TLS struct ul_tls ul_tls;

static pthread_key_t thread_key;
static int main_pid;

static void say(const char *line)
{
    ul_report_message(line);
}

static void complain(const char *line)
{
    /* Option problems go to stderr even when log_path is set: that option may be the bad one. */
    size_t n = strlen(line);
    if (write(STDERR_FILENO, line, n) < 0 || write(STDERR_FILENO, "\n", 1) < 0)
        return;
}

/* Any part of ulockdep that runs out of memory: one line for the whole process (whichever
 * part ran out first), and checking stops. */
static atomic_int oom_said;

void ul_shim_out_of_memory(const char *what)
{
    ul_engine_disable();
    if (atomic_exchange(&oom_said, 1))
        return;
    char line[160];
    snprintf(line, sizeof line, "ulockdep: out of memory %s; checking stopped, the program continues", what);
    say(line);
}

static void engine_out_of_memory(void)
{
    ul_shim_out_of_memory("for lock tracking");
}

static void check_report_memory(void)
{
    if (ul_report_out_of_memory())
        ul_shim_out_of_memory("while symbolising a report");
}

/* The thread-exit destructor: report locks still held (a thread cancelled while holding
 * them; threads that return or call pthread_exit are checked earlier, with a better
 * stack) and recycle the state. Later lock calls of this thread run untraced. */
static void thread_gone(void *p)
{
    struct ul_thread *t = p;
    ul_busy = 1;
    if (ul_engine_enabled())
        ul_on_thread_exit(t);
    ul_self = NULL;
    ul_gone = 1;
    ul_thread_free(t);
    ul_busy = 0;
}

struct ul_thread *ul_attach_thread(void)
{
    if (!ul_engine_enabled())
        return NULL; /* checking stopped (out of memory): no state for new threads */
    ul_busy = 1;
    int tid = (int)syscall(SYS_gettid);
    struct ul_thread *t = ul_thread_new(tid, tid == getpid());
    if (t) {
        ul_self = t;
        if (!t->is_main)
            pthread_setspecific(thread_key, t);
    } else {
        engine_out_of_memory();
    }
    ul_busy = 0;
    return t;
}

/* ul_enter's uncommon cases: not traced now (inside ulockdep, torn down, not started), or
 * the thread's first traced call. */
struct ul_thread *ul_enter_slow(void)
{
    if (ul_busy | ul_gone || !__atomic_load_n(&ul_running, __ATOMIC_RELAXED))
        return NULL;
    struct ul_thread *t = ul_self;
    if (!t && !(t = ul_attach_thread()))
        return NULL;
    ul_busy = 1;
    __asm__ __volatile__("" ::: "memory");
    return t;
}

/* ---- start and exit ---- */

static bool engine_report(const struct ul_problem *p)
{
    bool r = ul_report_problem(p);
    check_report_memory();
    return r;
}

/* lock: suppressions. Naming a class symbolizes (malloc, the loader's lock): never from a
 * signal handler (such a class is then simply traced). */
static bool engine_ignore_class(const struct ul_class *cls, const char *inst_name)
{
    bool r = !(ul_self && ul_self->sig_depth) && ul_report_ignore_class(cls, inst_name);
    check_report_memory();
    return r;
}

__attribute__((constructor(101))) static void ul_start(void)
{
    ul_busy = 1;
    ul_resolve_real();
    ul_glib_setup();
    ul_options_parse(getenv("ULOCKDEP_OPTIONS"), complain);
    if (ul_opt.help) {
        char buf[8192];
        size_t n = ul_options_help(buf, sizeof buf);
        fprintf(stderr, "ulockdep %s options (ULOCKDEP_OPTIONS=\"key=value:key=value\"):\n%.*s", ULOCKDEP_VERSION,
                (int)(n < sizeof buf ? n : sizeof buf), buf);
        _exit(0);
    }
    main_pid = getpid();
    ul_unwind_setup();
    ul_report_setup();
    if (pthread_key_create(&thread_key, thread_gone) != 0) {
        say("ulockdep: cannot create a thread key; lock checking is off");
        ul_busy = 0;
        return;
    }
    ul_fork_setup(); /* fork.c */
    struct ul_env env = { .capture_stack = ul_capture_stack,
                          .is_static = ul_addr_is_static,
                          .report = engine_report,
                          .out_of_memory = engine_out_of_memory,
                          .signal_mask = ul_signal_mask,
                          .runtime_pc = ul_pc_is_runtime };
    env.ignore_class = ul_report_has_lock_rules() ? engine_ignore_class : NULL;
    ul_engine_setup(&env);
    if (ul_opt.verbosity >= 1) {
        char line[256];
        snprintf(line, sizeof line, "ulockdep: %s initialized for pid %d", ULOCKDEP_VERSION, main_pid);
        say(line);
    }
    __atomic_store_n(&ul_running, 1, __ATOMIC_RELEASE);
    ul_busy = 0;
}

/* verbosity=1: the cycles a gate lock covered, so a reader can judge the rule's verdict. */
static void say_gated_cycles(uint64_t n)
{
    char line[1024];
    snprintf(line, sizeof line, "ulockdep: pid %d: %llu lock cycle%s not reported: each dependency of %s was taken "
             "holding one and the same gate lock (docs/gate-locks.md)", getpid(), (unsigned long long)n,
             n == 1 ? "" : "s", n == 1 ? "it" : "each");
    say(line);
    struct ul_gated_cycle_info info[16];
    size_t k = ul_engine_gated_cycles(info, 16);
    for (size_t i = 0; i < k && i < 16; i++) {
        /* names under the report lock (they symbolise); say() takes it itself */
        ul_flock_lock(&ul_rlock);
        snprintf(line, sizeof line, "ulockdep:   %s -> ... -> ", ul_class_display_name((struct ul_class *)info[i].next));
        size_t m = strlen(line);
        snprintf(line + m, sizeof line - m, "%s%s, gated by %s%s",
                 ul_class_display_name((struct ul_class *)info[i].prev),
                 info[i].instance_level ? " (instances of one class)" : "",
                 ul_class_display_name((struct ul_class *)info[i].gate),
                 info[i].reported_later ? " (reported when its class got a second lock)" : "");
        ul_flock_unlock(&ul_rlock);
        say(line);
    }
}

/* Runs when the program exits (after its own atexit handlers and destructors). */
__attribute__((destructor(101))) static void ul_finish(void)
{
    if (!__atomic_load_n(&ul_running, __ATOMIC_ACQUIRE))
        return;
    ul_busy = 1;
    if (ul_self && !ul_self->sig_depth)
        ul_engine_flush_deferred(ul_self); /* reports made in this thread's handlers */
    /* The thread that ends the process (returned from main, called exit()) with locks held:
     * held_at_exit, as for any thread that ends so (not from a signal handler, where exiting
     * with the interrupted code's locks held is the usual way out). */
    if (ul_opt.exit_held && ul_self && !ul_self->sig_depth)
        ul_on_thread_exit(ul_self);
    ul_report_finish(); /* print_suppressions */
    check_report_memory();
    uint64_t n = ul_engine_report_count();
    if (ul_opt.verbosity >= 1) {
        struct ul_engine_stats s;
        ul_engine_stats(&s);
        char line[512];
        snprintf(line, sizeof line,
                 "ulockdep: pid %d: %llu report%s; %llu classes, %llu live locks, %llu dependencies, "
                 "%llu chains, %llu stacks, %zu KiB",
                 getpid(), (unsigned long long)n, n == 1 ? "" : "s", (unsigned long long)s.classes,
                 (unsigned long long)s.instances, (unsigned long long)(s.edges + s.instance_edges),
                 (unsigned long long)s.chains, (unsigned long long)s.stacks, s.bytes / 1024);
        say(line);
        if (s.gated_cycles)
            say_gated_cycles(s.gated_cycles);
    }
    if (n && ul_opt.exitcode) {
        fflush(NULL);
        _exit(ul_opt.exitcode);
    }
}

/* _exit() and _Exit() skip the destructors above: the graph file is written and the report
 * count said first; the exit itself is the system call glibc's _exit makes. */
UL_EXPORT void _exit(int status)
{
    ul_graph_record_before_exit();
    ul_report_say_logged();
    for (;;)
        syscall(SYS_exit_group, status);
}

UL_EXPORT void _Exit(int status)
{
    ul_graph_record_before_exit();
    ul_report_say_logged();
    for (;;)
        syscall(SYS_exit_group, status);
}
