/* The System V and BSD signal calls: sigset, sighold, sigrelse, sigignore, sigpause (both
 * kinds), siginterrupt, sigblock, sigsetmask. glibc implements them with its internal
 * sigaction/sigprocmask/sigsuspend, which bypass the interposers of signal.c: a handler
 * installed by sigset() would run untraced and the thread's mask as the engine knows it
 * would go stale. So they are implemented here, with glibc's semantics, on top of ours. */
#include <errno.h>

#include "shim.h"

/* Signals siginterrupt() made interrupting: signal() installs them without SA_RESTART
 * (glibc's _sigintr). Bit signo-1. */
static uint64_t interrupting;

int ul_signal_restart_flag(int sig)
{
    if (sig < 1 || sig > 64)
        return SA_RESTART;
    return (__atomic_load_n(&interrupting, __ATOMIC_RELAXED) >> (sig - 1)) & 1 ? 0 : SA_RESTART;
}

static bool valid(int sig)
{
    if (sig < 1 || sig >= NSIG) {
        errno = EINVAL;
        return false;
    }
    return true;
}

static int change_mask(int how, int sig)
{
    if (!valid(sig))
        return -1;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    return sigprocmask(how, &set, NULL);
}

UL_EXPORT sighandler_t sigset(int sig, sighandler_t disp)
{
    if (disp == SIG_ERR || !valid(sig)) {
        errno = EINVAL;
        return SIG_ERR;
    }
    sigset_t set, oset;
    sigemptyset(&set);
    sigaddset(&set, sig);
    struct sigaction act = { .sa_handler = disp }, oact;
    if (disp == SIG_HOLD) {
        if (sigprocmask(SIG_BLOCK, &set, &oset) < 0)
            return SIG_ERR;
        if (sigismember(&oset, sig))
            return SIG_HOLD;
        return sigaction(sig, NULL, &oact) < 0 ? SIG_ERR : oact.sa_handler;
    }
    sigemptyset(&act.sa_mask);
    if (sigaction(sig, &act, &oact) < 0 || sigprocmask(SIG_UNBLOCK, &set, &oset) < 0)
        return SIG_ERR;
    return sigismember(&oset, sig) ? SIG_HOLD : oact.sa_handler;
}

UL_EXPORT int sighold(int sig)
{
    return change_mask(SIG_BLOCK, sig);
}

UL_EXPORT int sigrelse(int sig)
{
    return change_mask(SIG_UNBLOCK, sig);
}

UL_EXPORT int sigignore(int sig)
{
    struct sigaction act = { .sa_handler = SIG_IGN };
    sigemptyset(&act.sa_mask);
    return sigaction(sig, &act, NULL);
}

UL_EXPORT int siginterrupt(int sig, int interrupt)
{
    struct sigaction act;
    if (!valid(sig) || sigaction(sig, NULL, &act) < 0)
        return -1;
    if (interrupt) {
        __atomic_fetch_or(&interrupting, 1ull << (sig - 1), __ATOMIC_RELAXED);
        act.sa_flags &= ~SA_RESTART;
    } else {
        __atomic_fetch_and(&interrupting, ~(1ull << (sig - 1)), __ATOMIC_RELAXED);
        act.sa_flags |= SA_RESTART;
    }
    return sigaction(sig, &act, NULL) < 0 ? -1 : 0;
}

/* The old BSD masks: an int of the first 32 signals. */
static void old_mask_set(sigset_t *set, int mask)
{
    sigemptyset(set);
    for (int sig = 1; sig <= 32; sig++)
        if ((unsigned)mask & 1u << (sig - 1))
            sigaddset(set, sig);
}

static int old_mask_get(const sigset_t *set)
{
    return (int)(unsigned)ul_sigset_bits(set);
}

UL_EXPORT int sigblock(int mask)
{
    sigset_t set, oset;
    old_mask_set(&set, mask);
    return sigprocmask(SIG_BLOCK, &set, &oset) < 0 ? -1 : old_mask_get(&oset);
}

UL_EXPORT int sigsetmask(int mask)
{
    sigset_t set, oset;
    old_mask_set(&set, mask);
    return sigprocmask(SIG_SETMASK, &set, &oset) < 0 ? -1 : old_mask_get(&oset);
}

/* X/Open sigpause(sig): wait with sig unblocked; BSD sigpause(mask): wait with that mask.
 * Both are sigsuspend (signal_wait.c). <signal.h> maps the program's sigpause to
 * __xpg_sigpause; the plain symbol is the BSD one. */
UL_EXPORT int __sigpause(int sig_or_mask, int is_sig)
{
    sigset_t set;
    if (is_sig) {
        if (sigprocmask(SIG_BLOCK, NULL, &set) < 0 || sigdelset(&set, sig_or_mask) < 0)
            return -1;
    } else {
        old_mask_set(&set, sig_or_mask);
    }
    return sigsuspend(&set);
}

UL_EXPORT int ul_xpg_sigpause(int sig) __asm__("__xpg_sigpause");
UL_EXPORT int ul_xpg_sigpause(int sig)
{
    return __sigpause(sig, 1);
}

UL_EXPORT int ul_bsd_sigpause(int mask) __asm__("sigpause");
UL_EXPORT int ul_bsd_sigpause(int mask)
{
    return __sigpause(mask, 0);
}
