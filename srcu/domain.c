/* SPDX-License-Identifier: MIT */
/*
 * Domain set-up and tear-down. A zero-filled domain is ready to use, so
 * init_srcu_struct() only clears it; cleanup_srcu_struct() refuses (-EBUSY,
 * one stderr line, nothing freed) while anything could still use the domain's
 * memory, like the kernel's "leak it" rule.
 */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

/* Internal calls never go through exported symbols, so an interposing tracer
 * sees exactly the calls the program made. */
static int domain_init(struct srcu_struct *ssp, const char *name)
{
	srcu_global_init();
	memset(ssp->__srcu_priv, 0, sizeof(ssp->__srcu_priv));
	ssp->name = name;
	return 0;
}

ULOCKDEP_SRCU_API int init_srcu_struct(struct srcu_struct *ssp)
{
	return domain_init(ssp, NULL);
}

ULOCKDEP_SRCU_API int init_srcu_struct_named(struct srcu_struct *ssp, const char *name)
{
	return domain_init(ssp, name);
}

static int cleanup_refused(struct srcu_struct *ssp, const char *why, int err)
{
	struct srcu_msg m;
	srcu_msg_begin(&m);
	srcu_msg_str(&m, "cleanup_srcu_struct('");
	srcu_msg_str(&m, srcu_name(ssp));
	srcu_msg_str(&m, "'): ");
	srcu_msg_str(&m, why);
	srcu_msg_str(&m, "; nothing freed");
	srcu_msg_end(&m);
	return err;
}

ULOCKDEP_SRCU_API int cleanup_srcu_struct(struct srcu_struct *ssp)
{
	struct srcu_priv *d = srcu_priv(ssp);

	uint32_t lk = atomic_load(&d->gp_lock);
	if (lk != 0 && lk == atomic_load(&srcu_fork_epoch))
		return cleanup_refused(ssp, "a grace period is in progress", -EBUSY);
	/* As at the start of a grace period (A): with membarrier, a reader's
	 * increment is ordered by a compiler barrier only and may not be visible
	 * to the scan yet; without this, cleanup could free a live reader's memory. */
	srcu_update_barrier();
	if (srcu_active_reader(ssp, 0) || srcu_active_reader(ssp, 1))
		return cleanup_refused(ssp, "readers are still active", -EBUSY);
	int cancel;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel); /* pthread_join inside */
	int rc = srcu_callbacks_shutdown(ssp);
	pthread_setcancelstate(cancel, NULL);
	switch (rc) {
	case 0:
		break;
	case -EDEADLK:
		return cleanup_refused(ssp, "called from its own call_srcu callback", -EDEADLK);
	default:
		return cleanup_refused(ssp, "call_srcu callbacks are pending (call srcu_barrier first)",
				       -EBUSY);
	}
	for (unsigned ci = 0; ci < MAX_CHUNKS; ci++) {
		struct srcu_chunk *ch = atomic_load(&d->chunks[ci]);
		if (ch)
			munmap(ch, sizeof(*ch));
	}
	memset(ssp->__srcu_priv, 0, sizeof(ssp->__srcu_priv));
	return 0;
}
