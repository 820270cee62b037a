/* srcu_irq_readers: SRCU readers of one domain in a thread and in a signal handler that
 * interrupts it, with grace periods from a third thread (Linux commit cdf7abc4, "srcu: Allow
 * use of Tiny/Tree SRCU from both process and interrupt context"). See README.md.
 *
 * KVM reads kvm->irq_srcu in kvm_set_irq() (a worker thread) and in irqfd_wakeup()
 * (interrupt context), and KVM_SET_GSI_ROUTING waits for grace periods. Here a worker thread
 * reads the routing table in a loop, SIGUSR1 (the "interrupt") arrives in the middle of
 * its read sections and its handler reads the table too, and an updater replaces the table
 * and waits with synchronize_srcu() before poisoning and freeing the old one.
 *   default         correct: no reader sees a freed table, cleanup_srcu_struct() finds no
 *                   reader left, ulockdep reports nothing                 -> exit 0
 *   --cross-unlock  then, once more: the handler enters a read section and the thread
 *                   leaves it (srcu_read_lock() in "interrupt" context, srcu_read_unlock()
 *                   in thread context)                -> srcu_misuse (and the handler's
 *                   held_at_signal_return), exit 66
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ulockdep/srcu.h>

enum { SIGNALS = 2000, TABLE_ALIVE = 0x1a1a1a1a, TABLE_POISON = 0x6b6b6b6b };

DEFINE_STATIC_SRCU(irq_srcu); /* kvm->irq_srcu */

struct irq_routing_table {
    unsigned magic;
    unsigned long generation;
    unsigned long check; /* ~generation */
};

static struct irq_routing_table *irq_routing; /* SRCU-protected */
static atomic_long thread_sections, handler_sections, freed_seen, tables_replaced;
static atomic_int stop;
static volatile sig_atomic_t leave_section_open, open_idx = -1;

/* One read-side section: the table must stay alive for its whole length. */
static void read_routing(void)
{
    int idx = srcu_read_lock(&irq_srcu);
    struct irq_routing_table *rt = srcu_dereference(irq_routing, &irq_srcu);
    unsigned long gen = rt->generation;
    if (rt->magic != TABLE_ALIVE || rt->check != ~gen)
        atomic_fetch_add(&freed_seen, 1);
    srcu_read_unlock(&irq_srcu, idx);
}

/* irqfd_wakeup(): "interrupt" context. */
static void sigusr1_handler(int sig)
{
    if (leave_section_open) { /* --cross-unlock: the thread will leave this section */
        open_idx = srcu_read_lock(&irq_srcu);
        return;
    }
    read_routing();
    atomic_fetch_add_explicit(&handler_sections, 1, memory_order_relaxed);
}

/* kvm_set_irq(): thread context, interrupted by SIGUSR1. */
static void *worker_thread(void *arg)
{
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        read_routing();
        atomic_fetch_add_explicit(&thread_sections, 1, memory_order_relaxed);
    }
    return NULL;
}

static struct irq_routing_table *new_table(unsigned long gen)
{
    struct irq_routing_table *rt = malloc(sizeof *rt);
    rt->magic = TABLE_ALIVE;
    rt->generation = gen;
    rt->check = ~gen;
    return rt;
}

/* KVM_SET_GSI_ROUTING: publish a new table, wait for readers of the old one, free it. */
static void *updater_thread(void *arg)
{
    for (unsigned long gen = 1; !atomic_load_explicit(&stop, memory_order_relaxed); gen++) {
        struct irq_routing_table *old = irq_routing;
        rcu_assign_pointer(irq_routing, new_table(gen));
        synchronize_srcu(&irq_srcu);
        old->magic = TABLE_POISON;
        old->check = 0;
        free(old);
        atomic_fetch_add(&tables_replaced, 1);
    }
    return NULL;
}

static void pause_us(long us)
{
    struct timespec ts = { 0, us * 1000 };
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
    int cross_unlock = argc > 1 && !strcmp(argv[1], "--cross-unlock");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = sigusr1_handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    irq_routing = new_table(0);

    pthread_t worker, updater;
    pthread_create(&worker, NULL, worker_thread, NULL);
    pthread_create(&updater, NULL, updater_thread, NULL);
    for (int i = 0; i < SIGNALS; i++) { /* interrupts for the worker */
        pthread_kill(worker, SIGUSR1);
        pause_us(20);
    }
    atomic_store(&stop, 1);
    pthread_join(worker, NULL);
    pthread_join(updater, NULL);

    printf("%ld read sections in the thread, %ld in its signal handler, %ld tables replaced\n",
           atomic_load(&thread_sections), atomic_load(&handler_sections), atomic_load(&tables_replaced));
    printf("readers that saw a freed table: %ld\n", atomic_load(&freed_seen));
    if (!atomic_load(&handler_sections))
        printf("no read section ran in the signal handler: nothing was shown\n");

    if (cross_unlock) {
        leave_section_open = 1;
        raise(SIGUSR1); /* the handler runs before raise() returns */
        srcu_read_unlock(&irq_srcu, open_idx); /* illegal: not the context of the lock */
        printf("read section entered in the handler, left in the thread\n");
    }

    int busy = cleanup_srcu_struct(&irq_srcu);
    printf("cleanup_srcu_struct: %s\n", busy ? "readers still active" : "ok");
    free(irq_routing);
    return freed_seen || busy || !handler_sections ? 1 : 0;
}
