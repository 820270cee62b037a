/* SPDX-License-Identifier: MIT */
/*
 * Use before init, at the earliest point a program can run code: a
 * .preinit_array function runs before the constructors of every shared
 * library, including libulockdep-srcu's own. A statically defined domain must
 * work there (readers, grace periods, call_srcu with its worker thread,
 * srcu_barrier), and keep working once the library's constructor has run.
 */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <string.h>

#include <ulockdep/srcu.h>

#include "helpers.h"

DEFINE_STATIC_SRCU(preinit_srcu);

static int early_idx = -1, early_held = -1, early_held_after = -1;
static unsigned long early_batches;
static atomic_int early_cb_ran;
static struct rcu_head early_rh;
static const char *early_flavor;

static void early_cb(struct rcu_head *h)
{
	(void)h;
	atomic_store(&early_cb_ran, 1);
}

static void before_any_constructor(int argc, char **argv, char **envp)
{
	(void)argc;
	(void)argv;
	(void)envp;
	early_idx = srcu_read_lock(&preinit_srcu);
	early_held = srcu_read_lock_held(&preinit_srcu);
	srcu_read_unlock(&preinit_srcu, early_idx);
	early_held_after = srcu_read_lock_held(&preinit_srcu);
	synchronize_srcu(&preinit_srcu);
	synchronize_srcu_expedited(&preinit_srcu);
	early_batches = srcu_batches_completed(&preinit_srcu);
	call_srcu(&preinit_srcu, &early_rh, early_cb);
	srcu_barrier(&preinit_srcu);
	early_flavor = ulockdep_srcu_flavor();
}

__attribute__((section(".preinit_array"), used)) static void (*const preinit_hook)(int, char **,
									     char **) =
	before_any_constructor;

Test(preinit, static_domain_usable_before_library_constructors, .timeout = 30)
{
	cr_assert(early_idx == 0 || early_idx == 1);
	cr_assert_eq(early_held, 1);
	cr_assert_eq(early_held_after, 0);
	cr_assert_eq(early_batches, 2ul);
	cr_assert_eq(atomic_load(&early_cb_ran), 1);
	/* The flavor chosen at that point is the one used for good. */
	cr_assert_not_null(early_flavor);
	cr_assert_str_eq(early_flavor, ulockdep_srcu_flavor());

	/* and everything still works afterwards, from other threads too */
	int idx = srcu_read_lock(&preinit_srcu);
	srcu_read_unlock(&preinit_srcu, idx);
	synchronize_srcu(&preinit_srcu);
	cr_assert_eq(srcu_batches_completed(&preinit_srcu), 4ul);
	cr_assert_eq(srcu_readers_active(&preinit_srcu), 0);
	cr_assert_eq(cleanup_srcu_struct(&preinit_srcu), 0);
}
