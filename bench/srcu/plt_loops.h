/* SPDX-License-Identifier: MIT */
#ifndef SRCU_BENCH_PLT_LOOPS_H
#define SRCU_BENCH_PLT_LOOPS_H

struct srcu_struct;
/* n read pairs, calls through PLT stubs (plt_loops.c) */
void plt_srcu_loop(struct srcu_struct *ssp, long n);
void plt_floor_loop(void *ssp, long n);

#endif
