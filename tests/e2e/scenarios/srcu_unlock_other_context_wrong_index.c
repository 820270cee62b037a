// Both mistakes at once: a read section entered in a SIGUSR1 handler is left in thread
// context, with an index srcu_read_lock did not return. One srcu_misuse that says both (and
// the handler's return inside a read section).
// EXPECT-EXIT: 66
// EXPECT-REPORT: held_at_signal_return ev_srcu
// EXPECT-REPORT: srcu_misuse ev_srcu
// EXPECT-COUNT: held_at_signal_return=1 srcu_misuse=1
// EXPECT-LINES: main+0x*/0x* srcu_unlock_other_context_wrong_index.c:${LINE:unlock} [e2e_srcu_unlock_other_context_wrong_index+0x*] srcu_read_unlock() in thread context with index *, of a read section entered in a signal handler that has returned, where srcu_read_lock() returned *!
// EXPECT-LINES: SRCU domain: ev_srcu
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
    srcu_read_unlock(&ev_srcu, saved_idx ^ 1); /* LINE:unlock */
    return 0;
}
