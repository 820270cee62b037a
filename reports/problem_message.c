/* The words of srcu_misuse and assert_held reports: the engine says which check failed and
 * with what (struct ul_misuse_info); the sentence, as RCU-lockdep's "suspicious RCU usage"
 * lines read, is written here for the text splat and the JSON "message" alike. */
#include <stdio.h>

#include "render.h"

static const char *signal_name(int signo, char *buf, size_t len)
{
    static const char *names[] = { [1] = "SIGHUP", [2] = "SIGINT", [3] = "SIGQUIT", [4] = "SIGILL",
                                   [5] = "SIGTRAP", [6] = "SIGABRT", [7] = "SIGBUS", [8] = "SIGFPE",
                                   [10] = "SIGUSR1", [11] = "SIGSEGV", [12] = "SIGUSR2", [13] = "SIGPIPE",
                                   [14] = "SIGALRM", [15] = "SIGTERM", [17] = "SIGCHLD", [18] = "SIGCONT",
                                   [20] = "SIGTSTP", [23] = "SIGURG", [26] = "SIGVTALRM", [27] = "SIGPROF",
                                   [28] = "SIGWINCH", [29] = "SIGIO" };
    if (signo > 0 && signo < (int)(sizeof names / sizeof *names) && names[signo])
        return names[signo];
    snprintf(buf, len, "signal %d", signo);
    return buf;
}

/* "thread context", "the SIGUSR1 handler", "a signal handler that has returned". */
static const char *context_name(int ctx, char *buf, size_t len)
{
    char sb[24];
    if (ctx == 0)
        return "thread context";
    if (ctx == UL_CTX_RETURNED)
        return "a signal handler that has returned";
    snprintf(buf, len, "the %s handler", signal_name(ctx, sb, sizeof sb));
    return buf;
}

const char *ul_problem_message(const struct ul_problem *p, char *buf, size_t len)
{
    const struct ul_misuse_info *m = &p->misuse;
    char c1[40], c2[40];
    switch ((enum ul_misuse)m->check) {
    case UL_MISUSE_UNLOCK_CONTEXT:
        snprintf(buf, len, "srcu_read_unlock() in %s of a read section entered in %s!",
                 context_name(m->ctx, c1, sizeof c1), context_name(m->lock_ctx, c2, sizeof c2));
        return buf;
    case UL_MISUSE_UNLOCK_INDEX:
        snprintf(buf, len, "srcu_read_unlock() with index %d, but srcu_read_lock() returned %d!", m->idx, m->lock_idx);
        return buf;
    case UL_MISUSE_UNLOCK_BOTH:
        snprintf(buf, len,
                 "srcu_read_unlock() in %s with index %d, of a read section entered in %s, where "
                 "srcu_read_lock() returned %d!",
                 context_name(m->ctx, c1, sizeof c1), m->idx, context_name(m->lock_ctx, c2, sizeof c2), m->lock_idx);
        return buf;
    case UL_MISUSE_SYNC_IN_HANDLER:
        snprintf(buf, len, "Illegal %s() in %s: it blocks, and the code it interrupted may be a reader!", m->fn,
                 context_name(m->ctx, c1, sizeof c1));
        return buf;
    case UL_MISUSE_SYNC_IN_READER:
        snprintf(buf, len, "Illegal %s() in same-type SRCU read-side critical section!", m->fn);
        return buf;
    case UL_MISUSE_BLOCKING_IN_HANDLER:
        snprintf(buf, len, "Illegal %s() in %s: sleeping function called from invalid context!", m->fn,
                 context_name(m->ctx, c1, sizeof c1));
        return buf;
    case UL_MISUSE_CLEANUP_BUSY:
        return p->nreaders ? "cleanup_srcu_struct() with readers still in read-side critical sections!"
                           : "cleanup_srcu_struct() with readers still in read-side critical sections "
                             "(entered before tracing, or in threads that have exited)!";
    case UL_MISUSE_ASSERT_HELD: return "ulockdep_assert_held() on a lock this thread does not hold";
    case UL_MISUSE_ASSERT_NOT_HELD: return "ulockdep_assert_not_held() on a lock this thread holds";
    }
    return p->kind == UL_P_ASSERT_HELD ? "lock assertion failed" : "suspicious SRCU usage!";
}
