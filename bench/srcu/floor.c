/* SPDX-License-Identifier: MIT */
/* Two empty functions in a shared library: the cost of the calls alone, which
 * is the floor for any read side made of real (interposable) library calls. */
int srcu_bench_floor_lock(void *ssp);
void srcu_bench_floor_unlock(void *ssp, int idx);

int srcu_bench_floor_lock(void *ssp)
{
	(void)ssp;
	return 0;
}

void srcu_bench_floor_unlock(void *ssp, int idx)
{
	(void)ssp;
	(void)idx;
}
