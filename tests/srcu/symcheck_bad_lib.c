/* SPDX-License-Identifier: MIT */
/*
 * A deliberately wrong library for the self-test of check_symbols.sh: it
 * exports the SRCU API names (as stubs), but synchronize_srcu() calls the
 * exported srcu_read_lock_held() by name, which in a -fPIC library without
 * -Bsymbolic goes through the GOT (the header's noplt attribute, gcc) or the
 * PLT (other compilers). check_symbols.sh must reject it.
 */
#include <ulockdep/srcu.h>

ULOCKDEP_SRCU_API int init_srcu_struct(struct srcu_struct *ssp) { return 0; }
ULOCKDEP_SRCU_API int init_srcu_struct_named(struct srcu_struct *ssp, const char *name) { return 0; }
ULOCKDEP_SRCU_API int cleanup_srcu_struct(struct srcu_struct *ssp) { return 0; }
ULOCKDEP_SRCU_API int srcu_read_lock(struct srcu_struct *ssp) { return 0; }
ULOCKDEP_SRCU_API void srcu_read_unlock(struct srcu_struct *ssp, int idx) {}
ULOCKDEP_SRCU_API int srcu_read_lock_held(struct srcu_struct *ssp) { return ssp->name != 0; }
ULOCKDEP_SRCU_API void synchronize_srcu(struct srcu_struct *ssp)
{
	if (srcu_read_lock_held(ssp)) /* the mistake under test */
		ssp->name = 0;
}
ULOCKDEP_SRCU_API void synchronize_srcu_expedited(struct srcu_struct *ssp) {}
ULOCKDEP_SRCU_API void call_srcu(struct srcu_struct *ssp, struct rcu_head *head,
				 void (*func)(struct rcu_head *head)) {}
ULOCKDEP_SRCU_API void srcu_barrier(struct srcu_struct *ssp) {}
ULOCKDEP_SRCU_API unsigned long srcu_batches_completed(struct srcu_struct *ssp) { return 0; }
ULOCKDEP_SRCU_API long srcu_readers_active(struct srcu_struct *ssp) { return 0; }
ULOCKDEP_SRCU_API const char *ulockdep_srcu_flavor(void) { return "fence"; }
