/* Signal handlers, so the engine knows when a thread runs one (lockdep's hard-irq context)
 * and which signals can arrive (lockdep's "irqs enabled").
 *
 * sigaction()/signal() install our trampoline in place of a program's handler and keep the
 * program's handler, flags and mask in a table; asking for the old action gives back the
 * program's own. The trampoline tells the engine it enters and leaves the handler, and
 * otherwise calls the handler exactly as the kernel would have (SA_SIGINFO or not, with the
 * same siginfo and ucontext, errno preserved). sigprocmask()/pthread_sigmask() keep the
 * thread's copy of its blocked set exact, and have the engine check the held locks against
 * the signals they unblock. (signal_wait.c does the same for calls that wait with a
 * temporary mask, signal_sysv.c for the System V and BSD calls glibc implements out of our
 * sight.) A handler left by siglongjmp/longjmp is found by
 * comparing the jump's target stack pointer with where each handler started.
 *
 * A handler that interrupts ulockdep itself runs untraced (ul_busy stays set), like every
 * other re-entry; if it longjmps out, the interrupted ulockdep call is abandoned, which is
 * safe because ulockdep's internal locks are only held with all signals blocked. */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

#define NSIG_TRACKED 65

struct user_action {
    void *handler;        /* sa_handler or sa_sigaction as the program gave it */
    int flags;
    sigset_t mask;
};

static struct user_action actions[NSIG_TRACKED];

/* The handlers running on this thread, innermost last (traced or not). */
struct sigframe {
    uintptr_t sp;         /* stack pointer at handler entry */
    bool traced;          /* the engine was told (ul_on_signal_enter succeeded) */
    bool busy;            /* it interrupted ulockdep itself */
};
#define MAX_FRAMES 32
static UL_TLS struct sigframe frames[MAX_FRAMES];
static UL_TLS int nframes;

static uint64_t current_mask(void)
{
    uint64_t m = 0;
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, sizeof m);
    return m;
}

/* env.signal_mask for the engine. */
uint64_t ul_signal_mask(void)
{
    return current_mask();
}

static void trampoline(int sig, siginfo_t *si, void *ucv)
{
    int saved_errno = errno;
    struct user_action a = actions[sig];
    struct ul_thread *t = NULL;
    bool traced = false, busy = ul_busy != 0;
    if (!busy && (t = ul_enter()) != NULL) { /* may attach the thread: its first event */
        traced = ul_on_signal_enter(t, sig, current_mask());
        ul_leave();
    }
    int depth = nframes;
    if (depth < MAX_FRAMES)
        frames[depth] = (struct sigframe){ (uintptr_t)__builtin_frame_address(0), traced, busy };
    nframes = depth + 1;
    errno = saved_errno;

    if (a.flags & SA_SIGINFO) {
        ((void (*)(int, siginfo_t *, void *))a.handler)(sig, si, ucv);
    } else if (a.handler == (void *)SIG_IGN) {
        /* changed under us: nothing to do */
    } else if (a.handler == (void *)SIG_DFL || !a.handler) {
        /* SA_RESETHAND raced with a new delivery: take the default action */
        struct sigaction dfl = { .sa_handler = SIG_DFL };
        REAL(sigaction)(sig, &dfl, NULL);
        raise(sig);
    } else {
        ((void (*)(int))a.handler)(sig);
    }

    saved_errno = errno;
    nframes = depth;
    if (traced) {
        ul_busy = 1;
        ul_on_signal_exit(t, false);
        /* sigreturn restores the mask the handler's ucontext holds */
        ul_on_signal_mask(t, ucv ? ul_sigset_bits(&((ucontext_t *)ucv)->uc_sigmask) : 0, ucv != NULL);
        ul_busy = 0;
    }
    errno = saved_errno;
}

static bool wrappable(int sig, const struct sigaction *act)
{
    return act && sig > 0 && sig < NSIG_TRACKED && act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN;
}

UL_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    if (sig <= 0 || sig >= NSIG_TRACKED)
        return REAL(sigaction)(sig, act, old);
    struct sigaction ours, kold;
    const struct sigaction *pass = act;
    struct user_action prev = actions[sig];
    if (wrappable(sig, act)) {
        ours = *act;
        ours.sa_sigaction = trampoline;
        ours.sa_flags |= SA_SIGINFO;
        pass = &ours;
        /* The table first: the trampoline may run as soon as the kernel has it. */
        actions[sig] = (struct user_action){ (void *)act->sa_handler, act->sa_flags, act->sa_mask };
    }
    int r = REAL(sigaction)(sig, pass, &kold);
    if (r != 0) {
        actions[sig] = prev;
        return r;
    }
    if (act && !wrappable(sig, act))
        actions[sig] = (struct user_action){ (void *)act->sa_handler, act->sa_flags, act->sa_mask };
    if (old) {
        *old = kold;
        if (kold.sa_sigaction == trampoline) {
            old->sa_handler = (void (*)(int))prev.handler;
            old->sa_flags = prev.flags;
            old->sa_mask = prev.mask;
        }
    }
    return 0;
}

/* glibc's signal() and sysv_signal() call its internal sigaction, not ours. */
static sighandler_t install(int sig, sighandler_t handler, int flags, bool mask_self)
{
    struct sigaction act = { .sa_handler = handler, .sa_flags = flags }, old;
    sigemptyset(&act.sa_mask);
    if (mask_self && sig > 0 && sig < NSIG_TRACKED)
        sigaddset(&act.sa_mask, sig);
    if (sigaction(sig, &act, &old) < 0)
        return SIG_ERR;
    return old.sa_handler;
}

UL_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
    /* BSD semantics, as glibc's signal() */
    return install(sig, handler, ul_signal_restart_flag(sig), true);
}

UL_EXPORT sighandler_t bsd_signal(int sig, sighandler_t handler)
{
    return install(sig, handler, ul_signal_restart_flag(sig), true);
}

UL_EXPORT sighandler_t sysv_signal(int sig, sighandler_t handler)
{
    return install(sig, handler, SA_RESETHAND | SA_NODEFER, false);
}

/* ---- masks ---- */

/* The mask went from *old to what `how` and `set` make of it. Signals it unblocks can now
 * interrupt the locks the thread holds: the engine checks them. */
static void note_mask(int how, const sigset_t *set, const sigset_t *old)
{
    struct ul_thread *t = ul_enter();
    if (!t)
        return;
    int saved_errno = errno;
    uint64_t was = ul_sigset_bits(old), m = was;
    if (set) {
        uint64_t s = ul_sigset_bits(set);
        m = how == SIG_BLOCK ? m | s : how == SIG_UNBLOCK ? m & ~s : s;
    }
    ul_on_signal_mask_change(t, was, m);
    ul_leave();
    errno = saved_errno;
}

/* Inside the fork gate (fork.c) every signal is blocked until the gate is left, whatever the
 * code in there asks: the unwinder blocks and restores signals around each of its locks,
 * two system calls each time, dozens per stack of a new thread. Those calls are answered
 * from the thread's copy of its mask instead; the real mask is restored on leaving. */
static int gate_mask_change(int how, const sigset_t *set, sigset_t *old)
{
    uint64_t cur = ul_gate_mask;
    if (set) {
        uint64_t s = ul_sigset_bits(set);
        if (how == SIG_BLOCK)
            cur |= s;
        else if (how == SIG_UNBLOCK)
            cur &= ~s;
        else if (how == SIG_SETMASK)
            cur = s;
        else
            return EINVAL;
    }
    if (old) {
        sigemptyset(old);
        memcpy(old, &ul_gate_mask, sizeof ul_gate_mask);
    }
    ul_gate_mask = cur & ~(1ull << (SIGKILL - 1)) & ~(1ull << (SIGSTOP - 1));
    return 0;
}

UL_EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
    if (ul_unlikely(ul_in_gate)) {
        int e = gate_mask_change(how, set, old);
        if (e) {
            errno = e;
            return -1;
        }
        return 0;
    }
    sigset_t o;
    int r = REAL(sigprocmask)(how, set, &o);
    if (r == 0) {
        note_mask(how, set, &o);
        if (old)
            *old = o;
    }
    return r;
}

UL_EXPORT int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
    if (ul_unlikely(ul_in_gate))
        return gate_mask_change(how, set, old);
    sigset_t o;
    int r = REAL(pthread_sigmask)(how, set, &o);
    if (r == 0) {
        note_mask(how, set, &o);
        if (old)
            *old = o;
    }
    return r;
}

/* ---- leaving handlers by longjmp ---- */

/* The stack pointer a jmp_buf will restore, where we know glibc's layout (x86-64: JB_RSP
 * is word 6, mangled with the thread's pointer guard); 0 when we cannot tell. */
static uintptr_t jump_target_sp(struct __jmp_buf_tag *env)
{
#if defined(__x86_64__)
    uintptr_t v = (uintptr_t)env->__jmpbuf[6], guard;
    __asm__("mov %%fs:0x30, %0" : "=r"(guard));
    v = (v >> 0x11) | (v << (64 - 0x11));
    return v ^ guard;
#else
    (void)env;
    return 0;
#endif
}

static bool on_alt_stack(uintptr_t sp)
{
    stack_t ss;
    if (sigaltstack(NULL, &ss) != 0 || (ss.ss_flags & SS_DISABLE))
        return false;
    return sp >= (uintptr_t)ss.ss_sp && sp < (uintptr_t)ss.ss_sp + ss.ss_size;
}

/* A handler frame is left by the jump when the target lies above it on the same stack, or
 * on another stack than the handler's (the handler ran on the alternate stack). */
static bool leaves(const struct sigframe *f, uintptr_t target)
{
    if (!target)
        return true;
    bool f_alt = on_alt_stack(f->sp), t_alt = on_alt_stack(target);
    if (f_alt != t_alt)
        return true;
    return target > f->sp;
}

static void before_jump(struct __jmp_buf_tag *env)
{
    struct ul_thread *t = ul_self;
    if (nframes > 0) {
        uintptr_t target = jump_target_sp(env);
        while (nframes > 0) {
            int i = nframes - 1;
            if (i < MAX_FRAMES && !leaves(&frames[i], target))
                break;
            nframes = i;
            if (i >= MAX_FRAMES)
                continue;
            if (frames[i].busy) {
                ul_busy = 0; /* the ulockdep call it interrupted will never resume */
            } else if (frames[i].traced && t) {
                ul_busy = 1;
                ul_on_signal_exit(t, true);
                ul_busy = 0;
            }
        }
    }
    /* siglongjmp may restore a saved mask: read it again when next needed */
    if (t && !ul_busy)
        ul_on_signal_mask(t, 0, false);
}

#define JUMPER(name)                                                                             \
    UL_EXPORT __attribute__((noreturn)) void name(struct __jmp_buf_tag env[1], int val)          \
    {                                                                                            \
        before_jump(env);                                                                        \
        REAL(name)(env, val);                                                                    \
        __builtin_unreachable();                                                                 \
    }
JUMPER(longjmp)
JUMPER(siglongjmp)
JUMPER(_longjmp)
JUMPER(__longjmp_chk)
