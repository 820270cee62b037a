/* SPDX-License-Identifier: MIT */
#ifndef SRCU_BENCH_NOPLT_LOOPS_H
#define SRCU_BENCH_NOPLT_LOOPS_H

struct srcu_struct;
/* n read pairs, calls through the GOT (this file is built with -fno-plt) */
void noplt_srcu_loop(struct srcu_struct *ssp, long n);
void noplt_floor_loop(void *ssp, long n);

#endif
