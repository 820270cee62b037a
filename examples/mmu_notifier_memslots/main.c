/* mmu_notifier_memslots: the Linux 5.12 KVM inversion between the MMU-notifier
 * invalidate-range section and kvm->mmu_notifier_slots_lock ("KVM: Don't take mmu_lock for
 * range invalidation unless necessary", April 2021). See README.md.
 *
 * mm/mmu_notifier.c runs the invalidate_range_start callbacks and, later, the
 * invalidate_range_end callbacks each inside the fake lock
 * __mmu_notifier_invalidate_range_start_map. The patch made KVM's start callback take
 * kvm->mmu_notifier_slots_lock (an rwsem) for read and its end callback release it, so the
 * rwsem is held *across* the two sections:
 *     range_start: map -> slots_lock (read)       range_end: slots_lock (read) -> map
 * and install_new_memslots() takes the rwsem for write. ulockdep reports the inversion
 * from one run, in the shape of the kernel's splat; the program itself never hangs (the
 * map is not a real lock).
 *
 *   ulockdep run -- ./mmu_notifier_memslots           -> circular report, exit 66
 *   ulockdep run -- ./mmu_notifier_memslots --fixed   -> clean, exit 0 (Paolo Bonzini's fix:
 *                     a spinlock, an active-invalidate count and a wait, not an rwsem)
 */
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>

#include <ulockdep/ulockdep.h>

enum { ROUNDS = 1000 };

/* mm/mmu_notifier.c: not a lock, but it orders like one. */
static struct ulockdep_map __mmu_notifier_invalidate_range_start_map =
    ULOCKDEP_MAP_INIT("mmu_notifier_invalidate_range_start");

struct kvm {
    /* The patch under review: an rwsem, so readers queue behind a waiting writer (a
     * writer-preferring pthread rwlock is the same: its readers are not recursive). */
    pthread_rwlock_t mmu_notifier_slots_lock;
    /* The fix: kvm->mn_invalidate_lock and kvm->mn_active_invalidate_count. */
    pthread_spinlock_t mn_invalidate_lock;
    int mn_active_invalidate_count;
    unsigned long memslots_generation;
};

static struct kvm kvm;
static int use_fix;
static sem_t first_invalidation_done;

/* ---- virt/kvm/kvm_main.c: KVM's MMU-notifier callbacks ---- */

static void kvm_mmu_notifier_invalidate_range_start(struct kvm *kvm)
{
    if (use_fix) {
        /* Pairs with the decrement in range_end(). */
        pthread_spin_lock(&kvm->mn_invalidate_lock);
        kvm->mn_active_invalidate_count++;
        pthread_spin_unlock(&kvm->mn_invalidate_lock);
    } else {
        pthread_rwlock_rdlock(&kvm->mmu_notifier_slots_lock); /* held until range_end */
    }
}

static void kvm_mmu_notifier_invalidate_range_end(struct kvm *kvm)
{
    if (use_fix) {
        pthread_spin_lock(&kvm->mn_invalidate_lock);
        kvm->mn_active_invalidate_count--; /* the kernel wakes the memslot updater at 0 */
        pthread_spin_unlock(&kvm->mn_invalidate_lock);
    } else {
        pthread_rwlock_unlock(&kvm->mmu_notifier_slots_lock);
    }
}

/* ---- mm/mmu_notifier.c ---- */

static void mmu_notifier_invalidate_range_start(struct kvm *kvm)
{
    ulockdep_map_acquire(&__mmu_notifier_invalidate_range_start_map);
    kvm_mmu_notifier_invalidate_range_start(kvm);
    ulockdep_map_release(&__mmu_notifier_invalidate_range_start_map);
}

static void mmu_notifier_invalidate_range_end(struct kvm *kvm)
{
    ulockdep_map_acquire(&__mmu_notifier_invalidate_range_start_map);
    kvm_mmu_notifier_invalidate_range_end(kvm);
    ulockdep_map_release(&__mmu_notifier_invalidate_range_start_map);
}

/* The host zaps ranges of guest memory (reclaim, migration, munmap...). */
static void *reclaim_thread(void *arg)
{
    for (int i = 0; i < ROUNDS; i++) {
        mmu_notifier_invalidate_range_start(&kvm);
        mmu_notifier_invalidate_range_end(&kvm);
        if (i == 0)
            sem_post(&first_invalidation_done);
    }
    return NULL;
}

/* ---- KVM_SET_USER_MEMORY_REGION ---- */

static void install_new_memslots(struct kvm *kvm)
{
    if (use_fix) {
        /* The fix: wait until no invalidation is in flight, then publish, with the
         * spinlock held (the kernel sleeps on an rcuwait where this yields). */
        pthread_spin_lock(&kvm->mn_invalidate_lock);
        while (kvm->mn_active_invalidate_count) {
            pthread_spin_unlock(&kvm->mn_invalidate_lock);
            sched_yield();
            pthread_spin_lock(&kvm->mn_invalidate_lock);
        }
        kvm->memslots_generation++; /* rcu_assign_pointer(kvm->memslots[as_id], slots) */
        pthread_spin_unlock(&kvm->mn_invalidate_lock);
        return;
    }
    pthread_rwlock_wrlock(&kvm->mmu_notifier_slots_lock);
    kvm->memslots_generation++;
    pthread_rwlock_unlock(&kvm->mmu_notifier_slots_lock);
}

static void *vcpu_ioctl_thread(void *arg)
{
    for (int i = 0; i < ROUNDS; i++)
        install_new_memslots(&kvm);
    return NULL;
}

int main(int argc, char **argv)
{
    use_fix = argc > 1 && !strcmp(argv[1], "--fixed");

    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&kvm.mmu_notifier_slots_lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    pthread_spin_init(&kvm.mn_invalidate_lock, PTHREAD_PROCESS_PRIVATE);
    /* Lock names as in the kernel's splat. */
    ulockdep_set_name(&kvm.mmu_notifier_slots_lock, "mmu_notifier_slots_lock");
    ulockdep_set_name((void *)&kvm.mn_invalidate_lock, "mn_invalidate_lock"); /* volatile int */

    /* The memslot updates start once the first invalidation is over (so the report shows
     * the rwsem as only read so far, as the kernel's did), then both run concurrently. */
    sem_init(&first_invalidation_done, 0, 0);
    pthread_t reclaim, vcpu;
    pthread_create(&reclaim, NULL, reclaim_thread, NULL);
    sem_wait(&first_invalidation_done);
    pthread_create(&vcpu, NULL, vcpu_ioctl_thread, NULL);
    pthread_join(reclaim, NULL);
    pthread_join(vcpu, NULL);

    printf("%d range invalidations, memslots generation %lu (%s locking)\n", ROUNDS,
           kvm.memslots_generation, use_fix ? "fixed" : "original");
    sem_destroy(&first_invalidation_done);
    pthread_spin_destroy(&kvm.mn_invalidate_lock);
    pthread_rwlock_destroy(&kvm.mmu_notifier_slots_lock);
    return 0;
}
