/* irqfd_teardown: waiting for a grace period while holding the irqfds lock, when the readers
 * that the wait is for take that lock (the 2012 "kvm: level irqfd support" review: "it is
 * better not to call synchronize_rcu under irq lock"). See README.md.
 *
 * A level-triggered irqfd has a resampler: an IRQ ack notifier on kvm->irq_srcu's list. When
 * the guest acknowledges the interrupt, the vCPU walks that list in an irq_srcu read section,
 * and the resampler's ack handler takes kvm->irqfds.lock to notify its irqfds. Tearing down
 * the last irqfd of a resampler unlinks the notifier and must wait for a grace period before
 * freeing it:
 *   default  waits (synchronize_srcu) with kvm->irqfds.lock held -> circular report, exit 66
 *   --fixed  unlinks under the lock, waits after the unlock       -> clean, exit 0
 * The threads run one after the other, so this run never hangs; together, the default
 * variant can deadlock (the ack handler waits for the lock inside its read section, the
 * teardown holds the lock and waits for the read section to end).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ulockdep/srcu.h>
#include <ulockdep/ulockdep.h>

struct irqfd {
    int gsi;
    struct irqfd *next;
    unsigned long notified;
};

/* One per GSI: the IRQ ack notifier of the level irqfds on that GSI. */
struct resampler {
    int gsi;
    struct irqfd *irqfds;     /* under kvm->irqfds.lock */
    struct resampler *next;   /* kvm->ack_notifiers: SRCU-protected list */
};

struct kvm {
    struct srcu_struct irq_srcu;
    struct {
        pthread_mutex_t lock;
    } irqfds;
    struct resampler *ack_notifiers;
    int gsi_level[32];
};

static struct kvm the_kvm;
static int use_fix;

/* ---- the guest acknowledges an interrupt: kvm_notify_acked_irq() ---- */

static void irqfd_resampler_ack(struct kvm *kvm, struct resampler *r)
{
    pthread_mutex_lock(&kvm->irqfds.lock);
    kvm->gsi_level[r->gsi] = 0; /* de-assert, then notify each irqfd */
    for (struct irqfd *f = r->irqfds; f; f = f->next)
        f->notified++;
    pthread_mutex_unlock(&kvm->irqfds.lock);
}

static void kvm_notify_acked_irq(struct kvm *kvm, int gsi)
{
    int idx = srcu_read_lock(&kvm->irq_srcu);
    for (struct resampler *r = srcu_dereference(kvm->ack_notifiers, &kvm->irq_srcu); r;
         r = srcu_dereference(r->next, &kvm->irq_srcu))
        if (r->gsi == gsi)
            irqfd_resampler_ack(kvm, r);
    srcu_read_unlock(&kvm->irq_srcu, idx);
}

static void *vcpu_eoi_thread(void *arg)
{
    kvm_notify_acked_irq(arg, 5);
    return NULL;
}

/* ---- KVM_IRQFD with KVM_IRQFD_FLAG_DEASSIGN ---- */

/* Unlinks r from the ack-notifier list; the caller waits for readers before freeing it. */
static void kvm_unregister_irq_ack_notifier(struct kvm *kvm, struct resampler *r)
{
    struct resampler **pp = &kvm->ack_notifiers;
    while (*pp != r)
        pp = &(*pp)->next;
    rcu_assign_pointer(*pp, r->next);
}

static void irqfd_deassign(struct kvm *kvm, struct resampler *r, struct irqfd *irqfd)
{
    int unlinked = 0;
    pthread_mutex_lock(&kvm->irqfds.lock);
    struct irqfd **pp = &r->irqfds;
    while (*pp != irqfd)
        pp = &(*pp)->next;
    *pp = irqfd->next;
    if (!r->irqfds) { /* the last irqfd of this GSI: the resampler goes too */
        kvm_unregister_irq_ack_notifier(kvm, r);
        kvm->gsi_level[r->gsi] = 0;
        unlinked = 1;
        if (!use_fix) {
            synchronize_srcu(&kvm->irq_srcu); /* the bug: readers take irqfds.lock */
            free(r);
        }
    }
    pthread_mutex_unlock(&kvm->irqfds.lock);
    if (unlinked && use_fix) {
        synchronize_srcu(&kvm->irq_srcu); /* after the unlock: no lock held */
        free(r);
    }
    free(irqfd);
}

struct deassign_args {
    struct kvm *kvm;
    struct resampler *r;
    struct irqfd *irqfd;
};

static void *vm_ioctl_thread(void *arg)
{
    struct deassign_args *a = arg;
    irqfd_deassign(a->kvm, a->r, a->irqfd);
    return NULL;
}

static void run_thread(void *(*fn)(void *), void *arg)
{
    pthread_t t;
    pthread_create(&t, NULL, fn, arg);
    pthread_join(t, NULL);
}

int main(int argc, char **argv)
{
    use_fix = argc > 1 && !strcmp(argv[1], "--fixed");
    struct kvm *kvm = &the_kvm;
    init_srcu_struct_named(&kvm->irq_srcu, "kvm->irq_srcu");
    pthread_mutex_init(&kvm->irqfds.lock, NULL);
    ulockdep_set_name(&kvm->irqfds.lock, "kvm->irqfds.lock");

    /* KVM_IRQFD with KVM_IRQFD_FLAG_RESAMPLE on GSI 5: one irqfd, one resampler. */
    struct resampler *r = calloc(1, sizeof *r);
    struct irqfd *irqfd = calloc(1, sizeof *irqfd);
    r->gsi = irqfd->gsi = 5;
    r->irqfds = irqfd;
    rcu_assign_pointer(kvm->ack_notifiers, r);
    kvm->gsi_level[5] = 1;

    run_thread(vcpu_eoi_thread, kvm);
    unsigned long notified = irqfd->notified;
    struct deassign_args a = { kvm, r, irqfd };
    run_thread(vm_ioctl_thread, &a);
    run_thread(vcpu_eoi_thread, kvm); /* no resampler left: nothing to notify */

    printf("irqfd notified %lu time(s), resampler torn down (%s)\n", notified,
           use_fix ? "grace period after the unlock" : "grace period under kvm->irqfds.lock");
    pthread_mutex_destroy(&kvm->irqfds.lock);
    return cleanup_srcu_struct(&kvm->irq_srcu) == 0 ? 0 : 1;
}
