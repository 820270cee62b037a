/* SPDX-License-Identifier: MIT */
#include <urcu/urcu-memb.h>

#include "urcu_side.h"

void urcu_side_register(void)
{
	urcu_memb_register_thread();
}

void urcu_side_unregister(void)
{
	urcu_memb_unregister_thread();
}

void urcu_side_read_loop_call(long n)
{
	for (long i = 0; i < n; i++) {
		urcu_memb_read_lock();
		urcu_memb_read_unlock();
	}
}

void urcu_side_synchronize(void)
{
	urcu_memb_synchronize_rcu();
}
