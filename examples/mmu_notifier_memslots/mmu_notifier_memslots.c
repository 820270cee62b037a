/* The Linux 5.12 KVM lock inversion ("KVM: Don't take mmu_lock for range invalidation
 * unless necessary", April 2021), acted out with pthread locks.
 *
 * mm/mmu_notifier.c runs the invalidate_range_start callbacks and, later, the
 * invalidate_range_end callbacks inside its "mmu_notifier_invalidate_range_start" section.
 * The patch made KVM's start callback take kvm->mmu_notifier_slots_lock for read and its end
 * callback drop it, so the lock is held *across* the section boundary:
 *     start section -> slots_lock (read)      slots_lock (read) -> end section
 * With a fair rwlock (the kernel's rwsem; here a writer-preferring pthread rwlock) a writer
 * waiting in install_new_memslots() turns that into a deadlock. This program never
 * deadlocks (the threads run one after the other) but ulockdep reports the inversion from
 * the single notifier run, with the same shape as the kernel's splat.
 *
 *   ulockdep run -- ./mmu_notifier_memslots           -> circular report, exit 66
 *   ulockdep run -- ./mmu_notifier_memslots --fixed   -> clean (Paolo Bonzini's fix: a
 *                     spinlock and an active-invalidate count instead of the rwlock)
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* Stand-in for the kernel's __mmu_notifier_invalidate_range_start_map. */
static pthread_mutex_t mmu_notifier_invalidate_range_start = PTHREAD_MUTEX_INITIALIZER;
/* kvm->mmu_notifier_slots_lock: an rwsem in the kernel, so readers queue behind writers. */
static pthread_rwlock_t mmu_notifier_slots_lock;

/* The fix: kvm->mn_invalidate_lock and kvm->mn_active_invalidate_count. */
static pthread_spinlock_t mn_invalidate_lock;
static int mn_active_invalidate_count;
static int memslots_generation;
static int use_fix;

static void kvm_mmu_notifier_invalidate_range_start(void)
{
    if (use_fix) {
        pthread_spin_lock(&mn_invalidate_lock);
        mn_active_invalidate_count++;
        pthread_spin_unlock(&mn_invalidate_lock);
    } else {
        pthread_rwlock_rdlock(&mmu_notifier_slots_lock); /* held until range_end */
    }
}

static void kvm_mmu_notifier_invalidate_range_end(void)
{
    if (use_fix) {
        pthread_spin_lock(&mn_invalidate_lock);
        mn_active_invalidate_count--;
        pthread_spin_unlock(&mn_invalidate_lock);
    } else {
        pthread_rwlock_unlock(&mmu_notifier_slots_lock);
    }
}

/* mm/mmu_notifier.c */
static void __mmu_notifier_invalidate_range_start(void)
{
    pthread_mutex_lock(&mmu_notifier_invalidate_range_start);
    kvm_mmu_notifier_invalidate_range_start();
    pthread_mutex_unlock(&mmu_notifier_invalidate_range_start);
}

static void __mmu_notifier_invalidate_range_end(void)
{
    pthread_mutex_lock(&mmu_notifier_invalidate_range_start);
    kvm_mmu_notifier_invalidate_range_end();
    pthread_mutex_unlock(&mmu_notifier_invalidate_range_start);
}

static void *reclaim_thread(void *arg)
{
    __mmu_notifier_invalidate_range_start(); /* the host zaps a range of guest memory */
    __mmu_notifier_invalidate_range_end();
    return NULL;
}

static void install_new_memslots(void)
{
    if (use_fix) {
        for (;;) { /* wait until no invalidation is running, then publish */
            pthread_spin_lock(&mn_invalidate_lock);
            if (!mn_active_invalidate_count)
                break;
            pthread_spin_unlock(&mn_invalidate_lock);
        }
        memslots_generation++;
        pthread_spin_unlock(&mn_invalidate_lock);
        return;
    }
    pthread_rwlock_wrlock(&mmu_notifier_slots_lock);
    memslots_generation++;
    pthread_rwlock_unlock(&mmu_notifier_slots_lock);
}

static void *vcpu_ioctl_thread(void *arg)
{
    install_new_memslots(); /* KVM_SET_USER_MEMORY_REGION */
    return NULL;
}

int main(int argc, char **argv)
{
    use_fix = argc > 1 && !strcmp(argv[1], "--fixed");
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&mmu_notifier_slots_lock, &attr);
    pthread_spin_init(&mn_invalidate_lock, PTHREAD_PROCESS_PRIVATE);

    pthread_t t;
    pthread_create(&t, NULL, reclaim_thread, NULL);
    pthread_join(t, NULL);
    pthread_create(&t, NULL, vcpu_ioctl_thread, NULL);
    pthread_join(t, NULL);
    printf("memslots generation %d (%s locking)\n", memslots_generation, use_fix ? "fixed" : "original");
    return 0;
}
