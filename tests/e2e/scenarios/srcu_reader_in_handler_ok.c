// srcu_irqsafe: readers of stats_srcu in a SIGUSR1 handler and in thread context, and
// synchronize_srcu from the thread. Legal (SRCU readers never block a handler): no report.
// Also nested readers and a second domain's grace period inside a read section.
// EXPECT-NONE
#include <signal.h>
#include <ulockdep/srcu.h>

#include "e2e_util.h"

DEFINE_STATIC_SRCU(stats_srcu);
DEFINE_STATIC_SRCU(other_srcu);
static volatile sig_atomic_t hits;

static void on_usr1(int sig)
{
    (void)sig;
    int idx = srcu_read_lock(&stats_srcu);
    hits++;
    srcu_read_unlock(&stats_srcu, idx);
}

int main(void)
{
    signal(SIGUSR1, on_usr1);
    for (int i = 0; i < 5; i++) {
        int idx = srcu_read_lock(&stats_srcu);
        raise(SIGUSR1); /* a handler reader on top of a thread reader */
        int idx2 = srcu_read_lock(&stats_srcu);
        synchronize_srcu(&other_srcu);
        srcu_read_unlock(&stats_srcu, idx2);
        srcu_read_unlock(&stats_srcu, idx);
        synchronize_srcu(&stats_srcu);
    }
    return hits == 5 ? 0 : 99;
}
