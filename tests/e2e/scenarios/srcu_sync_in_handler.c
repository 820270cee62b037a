// srcu_barrier() from a signal handler blocks in the handler; if the interrupted code were a
// reader it could never finish. Reported as suspicious SRCU usage (here no reader is active,
// so the call itself returns).
// EXPECT-EXIT: 66
// EXPECT-REPORT: srcu_misuse q_srcu
// EXPECT-COUNT: srcu_misuse=1
// EXPECT-TEXT: Illegal srcu_barrier() in the SIGUSR1 handler: it blocks, and the code it interrupted may be a reader!
#include <signal.h>
#include <ulockdep/srcu.h>

#include "e2e_util.h"

DEFINE_STATIC_SRCU(q_srcu);

static void on_usr1(int sig)
{
    (void)sig;
    srcu_barrier(&q_srcu);
}

int main(void)
{
    signal(SIGUSR1, on_usr1);
    raise(SIGUSR1);
    return 0;
}
