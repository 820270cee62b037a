/* Calls that wait with a temporary signal mask: sigsuspend, ppoll, pselect, epoll_pwait and
 * epoll_pwait2. For the length of the call the thread's mask is the one given, so the
 * signals it unblocks can run their handlers on top of the locks the thread holds: the
 * engine is told of the change before the call (it checks the held locks against those
 * handlers, as for sigprocmask) and that the old mask is back after it (the kernel restores
 * it). A handler that leaves the call by longjmp is handled as any other (signal.c).
 *
 * Not here: sigwait, sigwaitinfo, sigtimedwait and signalfd take signals that stay blocked,
 * without running a handler, so nothing more can interrupt the thread during them. */
#include <errno.h>

#include "shim.h"

struct temp_mask {
    bool set;
    uint64_t saved;  /* the mask before the call */
};

static void temp_mask_begin(struct temp_mask *tm, const sigset_t *mask)
{
    tm->set = false;
    struct ul_thread *t;
    if (!mask || !(t = ul_enter()))
        return;
    int saved_errno = errno;
    tm->saved = t->sig_mask_known ? t->sig_blocked : ul_signal_mask();
    tm->set = true;
    ul_on_signal_mask_change(t, tm->saved, ul_sigset_bits(mask));
    ul_leave();
    errno = saved_errno;
}

static void temp_mask_end(const struct temp_mask *tm)
{
    struct ul_thread *t = ul_self;
    if (tm->set && t)
        ul_on_signal_mask(t, tm->saved, true); /* plain stores: no guard needed */
}

#define WITH_TEMP_MASK(mask, call)                                                               \
    do {                                                                                         \
        struct temp_mask tm_;                                                                    \
        temp_mask_begin(&tm_, (mask));                                                           \
        int r_ = call;                                                                           \
        temp_mask_end(&tm_);                                                                     \
        return r_;                                                                               \
    } while (0)

UL_EXPORT int sigsuspend(const sigset_t *mask)
{
    WITH_TEMP_MASK(mask, REAL(sigsuspend)(mask));
}

UL_EXPORT int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout, const sigset_t *mask)
{
    WITH_TEMP_MASK(mask, REAL(ppoll)(fds, nfds, timeout, mask));
}

/* ppoll as _FORTIFY_SOURCE builds call it */
extern int __ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout, const sigset_t *mask,
                       size_t fdslen);
UL_EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout, const sigset_t *mask,
                          size_t fdslen)
{
    WITH_TEMP_MASK(mask, REAL(__ppoll_chk)(fds, nfds, timeout, mask, fdslen));
}

UL_EXPORT int pselect(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *timeout,
                      const sigset_t *mask)
{
    WITH_TEMP_MASK(mask, REAL(pselect)(nfds, rd, wr, ex, timeout, mask));
}

UL_EXPORT int epoll_pwait(int epfd, struct epoll_event *events, int maxevents, int timeout, const sigset_t *mask)
{
    WITH_TEMP_MASK(mask, REAL(epoll_pwait)(epfd, events, maxevents, timeout, mask));
}

#if __GLIBC_PREREQ(2, 35)
UL_EXPORT int epoll_pwait2(int epfd, struct epoll_event *events, int maxevents, const struct timespec *timeout,
                           const sigset_t *mask)
{
    WITH_TEMP_MASK(mask, REAL(epoll_pwait2)(epfd, events, maxevents, timeout, mask));
}
#endif
