// A read section entered in a SIGUSR1 handler and left in thread context: the kernel's rule
// (srcu_read_unlock in the same context as its lock) is broken. Two reports: the handler
// returned inside a read section, and the unlock happened in another context.
// EXPECT-EXIT: 66
// EXPECT-REPORT: held_at_signal_return ev_srcu
// EXPECT-REPORT: srcu_misuse ev_srcu
// EXPECT-COUNT: held_at_signal_return=1 srcu_misuse=1
// EXPECT-TEXT: srcu_read_unlock() in thread context of a read section entered in a signal handler that has returned!
#include <signal.h>
#include <ulockdep/srcu.h>

#include "e2e_util.h"

DEFINE_STATIC_SRCU(ev_srcu);
static volatile int saved_idx;

static void on_usr1(int sig)
{
    (void)sig;
    saved_idx = srcu_read_lock(&ev_srcu);
}

int main(void)
{
    signal(SIGUSR1, on_usr1);
    raise(SIGUSR1);
    srcu_read_unlock(&ev_srcu, saved_idx);
    return 0;
}
