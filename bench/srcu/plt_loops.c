/* SPDX-License-Identifier: MIT */
/*
 * The bundled read pair and the call floor again, but called through PLT
 * stubs, as compilers without gcc's noplt attribute (clang) call them:
 * ULOCKDEP_SRCU_NOPLT defined empty turns the header's attribute off. Same
 * interposable symbols; this only shows what the GOT calls save.
 */
#define ULOCKDEP_SRCU_NOPLT /* empty: PLT stubs */
#include <ulockdep/srcu.h>

#include "plt_loops.h"

int srcu_bench_floor_lock(void *ssp); /* floor.c */
void srcu_bench_floor_unlock(void *ssp, int idx);

void plt_srcu_loop(struct srcu_struct *ssp, long n)
{
	for (long i = 0; i < n; i++) {
		int idx = srcu_read_lock(ssp);
		srcu_read_unlock(ssp, idx);
	}
}

void plt_floor_loop(void *ssp, long n)
{
	for (long i = 0; i < n; i++) {
		int idx = srcu_bench_floor_lock(ssp);
		srcu_bench_floor_unlock(ssp, idx);
	}
}
