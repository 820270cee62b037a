/* kvm_srcu_vs_kvm_lock: synchronize_srcu() inside kvm->lock, while kvm->lock is taken inside
 * a kvm->srcu read-side section elsewhere (Linux, January 2023: "Documentation: kvm: clarify
 * SRCU locking order", after the Xen emulation got it wrong). See README.md.
 *
 * A vCPU thread runs guest work in a kvm_srcu read section: it looks up memslots, takes
 * kvm->slots_arch_lock (allowed: it is released before synchronize_srcu) and kvm->lock
 * (to deliver an event-channel interrupt). A VM ioctl then updates the memslots (in the
 * documented order) and replaces the shared-info page under kvm->lock:
 *   default  waits for the grace period inside kvm->lock      -> circular report, exit 66
 *   --fixed  frees the old page with call_srcu() instead       -> clean, exit 0
 * The two threads run one after the other, so this run never hangs; run them together and
 * the default variant can deadlock: the vCPU waits for kvm->lock inside its read section,
 * the ioctl holds kvm->lock and waits for that read section to end.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ulockdep/srcu.h>
#include <ulockdep/ulockdep.h>

DEFINE_STATIC_SRCU(kvm_srcu); /* kvm->srcu */

struct kvm_memslots {
    unsigned long generation;
};

struct shared_info {
    unsigned long gfn;
    struct rcu_head rcu;
};

struct kvm {
    pthread_mutex_t lock;            /* kvm->lock */
    pthread_mutex_t slots_lock;      /* held across synchronize_srcu(): never inside a reader */
    pthread_mutex_t slots_arch_lock; /* released before synchronize_srcu(): fine in a reader */
    struct kvm_memslots *memslots;   /* SRCU-protected */
    struct shared_info *shinfo;      /* SRCU-protected, replaced under kvm->lock */
    unsigned long events_delivered;
};

static struct kvm the_kvm;
static int use_fix;

/* ---- the vCPU: everything inside one kvm->srcu read-side section ---- */

static void kvm_xen_set_evtchn(struct kvm *kvm)
{
    pthread_mutex_lock(&kvm->lock); /* kvm->lock inside kvm->srcu: the documented order */
    struct shared_info *si = srcu_dereference(kvm->shinfo, &kvm_srcu);
    if (si->gfn)
        kvm->events_delivered++;
    pthread_mutex_unlock(&kvm->lock);
}

static void *vcpu_run_thread(void *arg)
{
    struct kvm *kvm = arg;
    int idx = srcu_read_lock(&kvm_srcu);
    struct kvm_memslots *slots = srcu_dereference(kvm->memslots, &kvm_srcu);
    (void)slots->generation;
    pthread_mutex_lock(&kvm->slots_arch_lock); /* e.g. allocating shadow-MMU roots */
    pthread_mutex_unlock(&kvm->slots_arch_lock);
    kvm_xen_set_evtchn(kvm);
    srcu_read_unlock(&kvm_srcu, idx);
    return NULL;
}

/* ---- VM ioctls ---- */

/* KVM_SET_USER_MEMORY_REGION, in the order locking.rst documents. */
static void kvm_set_memslots(struct kvm *kvm)
{
    pthread_mutex_lock(&kvm->slots_lock);
    pthread_mutex_lock(&kvm->slots_arch_lock);
    struct kvm_memslots *old = kvm->memslots, *new = malloc(sizeof *new);
    new->generation = old->generation + 1;
    rcu_assign_pointer(kvm->memslots, new);
    pthread_mutex_unlock(&kvm->slots_arch_lock); /* released before synchronize_srcu() */
    synchronize_srcu(&kvm_srcu);
    free(old);
    pthread_mutex_unlock(&kvm->slots_lock);
}

static void free_shared_info(struct rcu_head *head)
{
    free((char *)head - offsetof(struct shared_info, rcu));
}

/* KVM_XEN_HVM_SET_ATTR(SHARED_INFO): replace the shared-info page. */
static void kvm_xen_set_shared_info(struct kvm *kvm, unsigned long gfn)
{
    struct shared_info *new = malloc(sizeof *new);
    new->gfn = gfn;
    pthread_mutex_lock(&kvm->lock);
    ulockdep_assert_held(&kvm->lock); /* lockdep_assert_held(&kvm->lock) */
    struct shared_info *old = kvm->shinfo;
    rcu_assign_pointer(kvm->shinfo, new);
    if (use_fix) {
        call_srcu(&kvm_srcu, &old->rcu, free_shared_info); /* "use call_srcu" */
    } else {
        synchronize_srcu(&kvm_srcu); /* the bug: waits for readers that take kvm->lock */
        free(old);
    }
    pthread_mutex_unlock(&kvm->lock);
}

static void *vm_ioctl_thread(void *arg)
{
    struct kvm *kvm = arg;
    kvm_set_memslots(kvm);
    kvm_xen_set_shared_info(kvm, 0x1000);
    return NULL;
}

static void run_thread(void *(*fn)(void *), struct kvm *kvm)
{
    pthread_t t;
    pthread_create(&t, NULL, fn, kvm);
    pthread_join(t, NULL);
}

int main(int argc, char **argv)
{
    use_fix = argc > 1 && !strcmp(argv[1], "--fixed");
    struct kvm *kvm = &the_kvm;
    pthread_mutex_init(&kvm->lock, NULL);
    pthread_mutex_init(&kvm->slots_lock, NULL);
    pthread_mutex_init(&kvm->slots_arch_lock, NULL);
    ulockdep_set_name(&kvm->lock, "kvm->lock");
    ulockdep_set_name(&kvm->slots_lock, "kvm->slots_lock");
    ulockdep_set_name(&kvm->slots_arch_lock, "kvm->slots_arch_lock");
    kvm->memslots = calloc(1, sizeof *kvm->memslots);
    kvm->shinfo = calloc(1, sizeof *kvm->shinfo);
    kvm->shinfo->gfn = 0x800;

    run_thread(vcpu_run_thread, kvm);
    run_thread(vm_ioctl_thread, kvm);
    run_thread(vcpu_run_thread, kvm);

    srcu_barrier(&kvm_srcu); /* the call_srcu() callbacks have run */
    printf("memslots generation %lu, shared info at gfn %#lx, %lu events delivered (%s)\n",
           kvm->memslots->generation, kvm->shinfo->gfn, kvm->events_delivered,
           use_fix ? "call_srcu under kvm->lock" : "synchronize_srcu under kvm->lock");
    free(kvm->memslots);
    free(kvm->shinfo);
    return cleanup_srcu_struct(&kvm_srcu) == 0 ? 0 : 1;
}
