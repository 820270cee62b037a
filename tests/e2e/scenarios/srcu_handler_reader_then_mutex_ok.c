// lockdep's srcu_irqsafe plus kvm->lock inside kvm->srcu: a SIGUSR1 handler reads vm_srcu
// (IN-SIGNAL-R), and the thread, with SIGUSR1 unblocked, takes vm_lock inside a vm_srcu
// read section (vm_srcu -> vm_lock, vm_lock SIGNAL-ON-W). The chain starts with vm_srcu held
// only as a reader, and a reader in the handler never waits for a reader: no deadlock, so no
// signal_unsafe_order (lockdep counts IN-*-R only where the chain holds the lock
// exclusively). No report at all.
// EXPECT-NONE
#include <signal.h>
#include <ulockdep/srcu.h>

#include "e2e_util.h"

DEFINE_STATIC_SRCU(vm_srcu);
static pthread_mutex_t vm_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile sig_atomic_t hits;

static void on_usr1(int sig)
{
    (void)sig;
    int idx = srcu_read_lock(&vm_srcu);
    hits++;
    srcu_read_unlock(&vm_srcu, idx);
}

int main(void)
{
    struct sigaction sa = { .sa_handler = on_usr1 };
    sigemptyset(&sa.sa_mask);
    E2E_CHECK(sigaction(SIGUSR1, &sa, NULL));
    E2E_CHECK(raise(SIGUSR1));
    for (int i = 0; i < 2; i++) {
        int idx = srcu_read_lock(&vm_srcu);
        E2E_CHECK(pthread_mutex_lock(&vm_lock));
        E2E_CHECK(raise(SIGUSR1)); /* and the handler does run here */
        E2E_CHECK(pthread_mutex_unlock(&vm_lock));
        srcu_read_unlock(&vm_srcu, idx);
    }
    return hits == 3 ? 0 : 99;
}
