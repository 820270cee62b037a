/* SPDX-License-Identifier: MIT */
/* liburcu-memb loops, in their own translation units: liburcu's headers and
 * <ulockdep/srcu.h> both define struct rcu_head. */
#ifndef SRCU_BENCH_URCU_SIDE_H
#define SRCU_BENCH_URCU_SIDE_H

void urcu_side_register(void);
void urcu_side_unregister(void);
/* n read-side lock+unlock pairs; calls into liburcu-memb (like our API). */
void urcu_side_read_loop_call(long n);
/* same with liburcu's inline fast path (_LGPL_SOURCE), for reference */
void urcu_side_read_loop_inline(long n);
void urcu_side_synchronize(void);

#endif
