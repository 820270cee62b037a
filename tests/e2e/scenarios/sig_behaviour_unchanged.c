// Signal handling under the shim behaves exactly as without it: old actions give back the
// program's own handler and flags, SA_SIGINFO gets the sender's value and a ucontext, a
// handler may change errno only if it wants to, SA_RESETHAND resets, SA_NODEFER nests,
// sa_mask is applied, sigprocmask's old set is exact, siglongjmp out of nested handlers
// restores the saved mask, signal() returns the previous handler, and the System V calls
// (sigset, sighold, sigrelse, siginterrupt; ulockdep implements them itself) keep their
// results, handlers and flags. Also run natively by
// the test suite (e2e.native.sig_behaviour_unchanged), where it must pass the same way.
// EXPECT-NONE
// EXPECT-STDOUT: ALL OK
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <setjmp.h>
#include <signal.h>
#include <unistd.h>

#include "e2e_util.h"

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            printf("FAILED at line %d: %s\n", __LINE__, #cond);                            \
            exit(1);                                                                       \
        }                                                                                  \
    } while (0)

static pthread_mutex_t hlock = PTHREAD_MUTEX_INITIALIZER;
static volatile sig_atomic_t count, depth, max_depth, got_value, had_uc;
static sigjmp_buf jb;

static void plain(int sig)
{
    (void)sig;
    count++;
}

static void with_info(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    got_value = si->si_value.sival_int;
    had_uc = uc != NULL;
    errno = 0; /* handlers that clobber errno keep doing so... */
}

static void nesting(int sig)
{
    depth++;
    if (depth > max_depth)
        max_depth = depth;
    if (depth < 3)
        raise(sig); /* SA_NODEFER: delivered right away, nested */
    depth--;
}

static void check_mask_in_handler(int sig)
{
    (void)sig;
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    count = sigismember(&cur, SIGUSR1) && sigismember(&cur, SIGWINCH);
}

static void jumper2(int sig)
{
    (void)sig;
    siglongjmp(jb, 7);
}

static void jumper1(int sig)
{
    (void)sig;
    raise(SIGUSR2); /* nested handler jumps out of both */
}

static void errno_keeper(int sig)
{
    (void)sig;
    int e = errno;
    (void)write(-1, "", 0); /* sets EBADF */
    errno = e;
}

int main(void)
{
    struct sigaction sa = { 0 }, old;
    /* old action: our own handler and flags back */
    sa.sa_handler = plain;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGWINCH);
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    CHECK(sigaction(SIGUSR1, NULL, &old) == 0);
    CHECK(old.sa_handler == plain);
    CHECK((old.sa_flags & SA_SIGINFO) == 0);
    CHECK(old.sa_flags & SA_RESTART);
    CHECK(sigismember(&old.sa_mask, SIGWINCH));
    CHECK(raise(SIGUSR1) == 0 && count == 1);

    /* SA_SIGINFO with a value from sigqueue */
    sa.sa_sigaction = with_info;
    sa.sa_flags = SA_SIGINFO;
    CHECK(sigaction(SIGUSR2, &sa, &old) == 0);
    CHECK(old.sa_handler == SIG_DFL);
    union sigval v = { .sival_int = 4242 };
    CHECK(sigqueue(getpid(), SIGUSR2, v) == 0);
    CHECK(got_value == 4242 && had_uc);
    CHECK(sigaction(SIGUSR2, NULL, &old) == 0 && old.sa_sigaction == with_info && (old.sa_flags & SA_SIGINFO));

    /* errno preserved by a handler that preserves it */
    signal(SIGUSR1, errno_keeper);
    errno = ENOENT;
    raise(SIGUSR1);
    CHECK(errno == ENOENT);

    /* signal() returns the previous handler */
    CHECK(signal(SIGUSR1, plain) == errno_keeper);
    CHECK(signal(SIGUSR1, SIG_DFL) == plain);

    /* SA_RESETHAND */
    sa.sa_handler = plain;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    count = 0;
    CHECK(sigaction(SIGHUP, &sa, NULL) == 0);
    raise(SIGHUP);
    CHECK(count == 1);
    CHECK(sigaction(SIGHUP, NULL, &old) == 0 && old.sa_handler == SIG_DFL);

    /* SA_NODEFER: nested delivery of the same signal, a lock in each level */
    sa.sa_handler = nesting;
    sa.sa_flags = SA_NODEFER;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    raise(SIGUSR1);
    CHECK(max_depth == 3 && depth == 0);

    /* sa_mask applied inside the handler */
    sa.sa_handler = check_mask_in_handler;
    sa.sa_flags = 0;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGWINCH);
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    count = 0;
    raise(SIGUSR1);
    CHECK(count == 1);

    /* sigprocmask's old set */
    sigset_t s, o, o2;
    sigemptyset(&s);
    sigaddset(&s, SIGTERM);
    CHECK(sigprocmask(SIG_BLOCK, &s, &o) == 0);
    CHECK(pthread_sigmask(SIG_BLOCK, NULL, &o2) == 0 && sigismember(&o2, SIGTERM) && !sigismember(&o, SIGTERM));
    CHECK(sigprocmask(SIG_SETMASK, &o, NULL) == 0);

    /* siglongjmp out of two nested handlers, restoring the saved mask */
    sa.sa_handler = jumper1;
    sa.sa_flags = 0;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    sa.sa_handler = jumper2;
    CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
    int r = sigsetjmp(jb, 1);
    if (r == 0) {
        raise(SIGUSR1);
        CHECK(!"not reached");
    }
    CHECK(r == 7);
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    CHECK(!sigismember(&now, SIGUSR1) && !sigismember(&now, SIGUSR2));
    /* and locks still work, in thread context */
    CHECK(pthread_mutex_lock(&hlock) == 0 && pthread_mutex_unlock(&hlock) == 0);

    /* System V calls: dispositions, SIG_HOLD, masks, restart flags */
    count = 0;
    CHECK(sigset(SIGURG, plain) == SIG_DFL);
    CHECK(sigaction(SIGURG, NULL, &old) == 0 && old.sa_handler == plain && !(old.sa_flags & SA_SIGINFO));
    CHECK(raise(SIGURG) == 0 && count == 1);
    CHECK(sighold(SIGURG) == 0);
    sigprocmask(SIG_BLOCK, NULL, &now);
    CHECK(sigismember(&now, SIGURG));
    CHECK(sigset(SIGURG, SIG_HOLD) == SIG_HOLD); /* already blocked */
    CHECK(sigrelse(SIGURG) == 0);
    sigprocmask(SIG_BLOCK, NULL, &now);
    CHECK(!sigismember(&now, SIGURG));
    CHECK(sigset(SIGURG, SIG_HOLD) == plain);
    CHECK(sigset(SIGURG, plain) == SIG_HOLD); /* was blocked: unblocks it */
    CHECK(siginterrupt(SIGURG, 0) == 0);
    CHECK(sigaction(SIGURG, NULL, &old) == 0 && old.sa_handler == plain && (old.sa_flags & SA_RESTART));
    CHECK(siginterrupt(SIGURG, 1) == 0);
    CHECK(sigaction(SIGURG, NULL, &old) == 0 && old.sa_handler == plain && !(old.sa_flags & SA_RESTART));
    CHECK(raise(SIGURG) == 0 && count == 2);
    CHECK(sigset(SIGURG, SIG_DFL) == plain);

    /* glibc's internal signals stay refused */
    CHECK(sigaction(32, &sa, NULL) == -1 && errno == EINVAL);
    printf("ALL OK\n");
    return 0;
}
