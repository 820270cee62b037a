// A SA_NODEFER handler takes nest_lock (a spinlock, which a handler may take): its own
// signal is not blocked inside it, so a second SIGUSR1 could interrupt the handler while it
// holds nest_lock and spin on it. One acquisition brings both usages (IN-SIGNAL-W, and
// SIGNAL-ON-W since SIGUSR1 can arrive) and is one report, marked in lockdep's order: IN
// first, then ON.
// EXPECT-EXIT: 66
// EXPECT-REPORT: inconsistent_state nest_lock
// EXPECT-COUNT: inconsistent_state=1
// EXPECT-LINES: inconsistent {IN-SIGNAL-W} -> {SIGNAL-ON-W} usage.
// EXPECT-LINES: e2e_sig_nodefer/* [SIG10[1]:SE1] takes:
#include <signal.h>

#include "e2e_util.h"

static pthread_spinlock_t nest_lock;
static volatile sig_atomic_t hits;

static void on_usr1(int sig)
{
    (void)sig;
    pthread_spin_lock(&nest_lock);
    hits++;
    pthread_spin_unlock(&nest_lock);
}

int main(void)
{
    E2E_CHECK(pthread_spin_init(&nest_lock, PTHREAD_PROCESS_PRIVATE));
    struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_NODEFER };
    sigemptyset(&sa.sa_mask);
    E2E_CHECK(sigaction(SIGUSR1, &sa, NULL));
    E2E_CHECK(raise(SIGUSR1));
    return hits == 1 ? 0 : 99;
}
