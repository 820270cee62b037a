/* srcu_concurrent_updaters: many threads call synchronize_srcu() at once, with no mutex
 * around it (the October 2022 thread "[PATCH] kvm: x86: keep srcu writer side operation
 * mutually exclusive"). See README.md.
 *
 * KVM's KVM_SET_PMU_EVENT_FILTER swaps kvm->arch.pmu_event_filter under kvm->lock, drops
 * the lock, then calls synchronize_srcu_expedited(&kvm->srcu) and frees the old filter, so
 * concurrent ioctls wait for grace periods concurrently. The patch proposed to serialise the
 * waits under the mutex; Sean Christopherson answered that SRCU needs no such thing. Here
 * UPDATERS threads do exactly that swap-unlock-synchronize-free, CALLS times each, while
 * vCPU threads read the filter in kvm->srcu read sections and check, element by element,
 * that it was not poisoned (the updater fills a filter with 0x6b, like the kernel's
 * POISON_FREE, before freeing it). At the end it prints how many grace periods the domain
 * ran per synchronize_srcu() call: below 1 when concurrent callers share grace periods.
 *
 *   srcu_concurrent_updaters [UPDATERS [CALLS]]     (default 4 200)
 * Exit status 0 when no reader ever saw a freed filter, 1 otherwise; ulockdep reports
 * nothing.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ulockdep/srcu.h>
#include <ulockdep/ulockdep.h>

enum { READERS = 2, NEVENTS = 16, PASSES = 64, POISON_FREE = 0x6b };
#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

DEFINE_STATIC_SRCU(kvm_srcu); /* kvm->srcu */

struct pmu_event_filter {
    unsigned long generation;
    unsigned long events[NEVENTS]; /* generation * (i + 1): checkable by readers */
};

static pthread_mutex_t kvm_lock; /* kvm->lock: only around the pointer swap */
static struct pmu_event_filter *pmu_event_filter; /* SRCU-protected */
static atomic_ulong next_generation = 1;
static atomic_long sections, freed_seen, sync_calls;
static atomic_int stop;
static int calls_per_updater = 200;

/* A vCPU: kvm_pmu_event_filter checks, one read-side section each. */
static void *vcpu_thread(void *arg)
{
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        int idx = srcu_read_lock(&kvm_srcu);
        struct pmu_event_filter *f = srcu_dereference(pmu_event_filter, &kvm_srcu);
        unsigned long gen = f->generation;
        int bad = 0;
        for (int pass = 0; pass < PASSES && !bad; pass++) /* a section of a few microseconds */
            for (int i = 0; i < NEVENTS; i++)
                bad |= READ_ONCE(f->events[i]) != gen * (i + 1) || READ_ONCE(f->generation) != gen;
        if (bad)
            atomic_fetch_add(&freed_seen, 1);
        srcu_read_unlock(&kvm_srcu, idx);
        atomic_fetch_add_explicit(&sections, 1, memory_order_relaxed);
    }
    return NULL;
}

static struct pmu_event_filter *new_filter(void)
{
    struct pmu_event_filter *f = malloc(sizeof *f);
    f->generation = atomic_fetch_add(&next_generation, 1);
    for (int i = 0; i < NEVENTS; i++)
        f->events[i] = f->generation * (i + 1);
    return f;
}

/* kvm_vm_ioctl_set_pmu_event_filter() */
static void set_pmu_event_filter(void)
{
    struct pmu_event_filter *f = new_filter();
    pthread_mutex_lock(&kvm_lock);
    struct pmu_event_filter *old = pmu_event_filter;
    rcu_assign_pointer(pmu_event_filter, f);
    pthread_mutex_unlock(&kvm_lock);

    synchronize_srcu(&kvm_srcu); /* concurrently with the other updaters: no mutex */
    atomic_fetch_add(&sync_calls, 1);
    memset(old, POISON_FREE, sizeof *old);
    free(old);
}

static void *updater_thread(void *arg)
{
    for (int i = 0; i < calls_per_updater; i++) {
        /* Let the vCPUs read between two updates, so every grace period has readers to wait
         * for (on a busy machine the updaters could otherwise finish before a vCPU ran). */
        long seen = atomic_load(&sections);
        while (atomic_load(&sections) == seen)
            sched_yield();
        set_pmu_event_filter();
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int updaters = argc > 1 ? atoi(argv[1]) : 4;
    if (argc > 2)
        calls_per_updater = atoi(argv[2]);
    if (updaters < 1 || updaters > 256 || calls_per_updater < 1) {
        fprintf(stderr, "usage: %s [UPDATERS (1-256) [CALLS (>= 1)]]\n", argv[0]);
        return 2;
    }
    pthread_mutex_init(&kvm_lock, NULL);
    ulockdep_set_name(&kvm_lock, "kvm->lock");
    pmu_event_filter = new_filter();
    unsigned long gp_before = srcu_batches_completed(&kvm_srcu);

    pthread_t vcpus[READERS], threads[256];
    for (int i = 0; i < READERS; i++)
        pthread_create(&vcpus[i], NULL, vcpu_thread, NULL);
    for (int i = 0; i < updaters; i++)
        pthread_create(&threads[i], NULL, updater_thread, NULL);
    for (int i = 0; i < updaters; i++)
        pthread_join(threads[i], NULL);
    atomic_store(&stop, 1);
    for (int i = 0; i < READERS; i++)
        pthread_join(vcpus[i], NULL);

    unsigned long gps = srcu_batches_completed(&kvm_srcu) - gp_before;
    long calls = atomic_load(&sync_calls);
    printf("%d updaters, %ld synchronize_srcu() calls, %lu grace periods: %.2f grace periods per call\n",
           updaters, calls, gps, (double)gps / (double)calls);
    printf("%ld read sections, readers that saw a freed filter: %ld\n", atomic_load(&sections),
           atomic_load(&freed_seen));
    free(pmu_event_filter);
    pthread_mutex_destroy(&kvm_lock);
    return atomic_load(&freed_seen) ? 1 : 0;
}
