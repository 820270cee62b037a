/* SPDX-License-Identifier: MIT */
#define _LGPL_SOURCE
#include <urcu/urcu-memb.h>

#include "urcu_side.h"

void urcu_side_read_loop_inline(long n)
{
	for (long i = 0; i < n; i++) {
		urcu_memb_read_lock();
		urcu_memb_read_unlock();
	}
}
