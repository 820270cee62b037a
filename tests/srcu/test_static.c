/* SPDX-License-Identifier: MIT */
/* Statically defined domains work without any init call, even from a
 * constructor that runs before main(). */
#include <criterion/criterion.h>
#include <stdatomic.h>

#include <ulockdep/srcu.h>

#include "helpers.h"

DEFINE_STATIC_SRCU(ctor_srcu);
DEFINE_SRCU(update_first_srcu);
DEFINE_STATIC_SRCU(never_touched_srcu);

static int ctor_idx = -1, ctor_held = -1, ctor_held_after = -1;
static unsigned long ctor_batches, ctor_batches_end;
static atomic_int ctor_cb_ran;
static struct rcu_head ctor_rh;

static void ctor_cb(struct rcu_head *h)
{
	(void)h;
	atomic_store(&ctor_cb_ran, 1);
}

__attribute__((constructor)) static void use_before_main(void)
{
	ctor_idx = srcu_read_lock(&ctor_srcu);
	ctor_held = srcu_read_lock_held(&ctor_srcu);
	srcu_read_unlock(&ctor_srcu, ctor_idx);
	ctor_held_after = srcu_read_lock_held(&ctor_srcu);
	synchronize_srcu(&ctor_srcu);
	ctor_batches = srcu_batches_completed(&ctor_srcu);
	call_srcu(&ctor_srcu, &ctor_rh, ctor_cb);
	srcu_barrier(&ctor_srcu);
	ctor_batches_end = srcu_batches_completed(&ctor_srcu); /* the worker ran one more */
}

Test(static_domain, usable_from_constructor)
{
	cr_assert(ctor_idx == 0 || ctor_idx == 1);
	cr_assert_eq(ctor_held, 1);
	cr_assert_eq(ctor_held_after, 0);
	cr_assert_eq(ctor_batches, 1ul);
	cr_assert_eq(atomic_load(&ctor_cb_ran), 1);
	cr_assert_str_eq(ctor_srcu.name, "ctor_srcu");
	/* and still fine afterwards */
	cr_assert_eq(ctor_batches_end, 2ul);
	int idx = srcu_read_lock(&ctor_srcu);
	cr_assert_eq(idx, ctor_idx ^ (int)(ctor_batches_end & 1), "each grace period flips the index");
	srcu_read_unlock(&ctor_srcu, idx);
	synchronize_srcu_expedited(&ctor_srcu);
	cr_assert_eq(srcu_batches_completed(&ctor_srcu), 3ul);
}

static void *reader(void *arg)
{
	(void)arg;
	int idx = srcu_read_lock(&update_first_srcu);
	sleep_us(50000);
	srcu_read_unlock(&update_first_srcu, idx);
	return NULL;
}

Test(static_domain, update_side_before_any_reader)
{
	struct rcu_head rh;
	pthread_t t;

	cr_assert_eq(srcu_batches_completed(&update_first_srcu), 0ul);
	cr_assert_eq(srcu_readers_active(&update_first_srcu), 0);
	srcu_barrier(&update_first_srcu); /* nothing queued */
	synchronize_srcu(&update_first_srcu);
	call_srcu(&update_first_srcu, &rh, ctor_cb);
	pthread_create(&t, NULL, reader, NULL);
	synchronize_srcu(&update_first_srcu);
	srcu_barrier(&update_first_srcu);
	pthread_join(t, NULL);
	cr_assert_eq(cleanup_srcu_struct(&update_first_srcu), 0);
}

Test(static_domain, cleanup_of_unused_domain)
{
	cr_assert_eq(srcu_read_lock_held(&never_touched_srcu), 0);
	cr_assert_eq(cleanup_srcu_struct(&never_touched_srcu), 0);
}
