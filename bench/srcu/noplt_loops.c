/* SPDX-License-Identifier: MIT */
/*
 * The bundled read pair and the call floor again, but compiled with -fno-plt
 * (see CMakeLists.txt): each call goes straight through the GOT instead of
 * through a PLT stub. Same interposable symbols; this only shows how much of
 * the read-side cost is the caller's way of calling a shared library.
 */
#include <ulockdep/srcu.h>

#include "noplt_loops.h"

int srcu_bench_floor_lock(void *ssp); /* floor.c */
void srcu_bench_floor_unlock(void *ssp, int idx);

void noplt_srcu_loop(struct srcu_struct *ssp, long n)
{
	for (long i = 0; i < n; i++) {
		int idx = srcu_read_lock(ssp);
		srcu_read_unlock(ssp, idx);
	}
}

void noplt_floor_loop(void *ssp, long n)
{
	for (long i = 0; i < n; i++) {
		int idx = srcu_bench_floor_lock(ssp);
		srcu_bench_floor_unlock(ssp, idx);
	}
}
