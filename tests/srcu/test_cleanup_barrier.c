/* SPDX-License-Identifier: MIT */
/*
 * cleanup_srcu_struct() must issue the update-side barrier before it looks for
 * readers. With membarrier, a reader's increment is ordered by a compiler
 * barrier only; until membarrier runs a full barrier on that reader's CPU, the
 * increment may still sit in its store buffer, and a scan would miss a reader
 * that is already inside its section (and free its memory). That race cannot
 * be forced from a test, so this one checks the cause instead: the library's
 * membarrier(2) calls are counted by interposing syscall(), which the library
 * calls through its PLT.
 */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <linux/membarrier.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/syscall.h>

#include <ulockdep/srcu.h>

#include "helpers.h"

static atomic_int membarriers;

long syscall(long nr, ...)
{
	static long (*real)(long, ...);
	long a[6];
	va_list ap;

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long); /* as glibc's syscall(): always six */
	va_end(ap);
	if (!real)
		real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	if (nr == __NR_membarrier && a[0] == MEMBARRIER_CMD_PRIVATE_EXPEDITED)
		atomic_fetch_add(&membarriers, 1);
	return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

Test(cleanup, barrier_before_reader_scan)
{
	if (strcmp(ulockdep_srcu_flavor(), "membarrier") != 0)
		cr_skip_test("readers use fences here; the barrier is a plain fence");
	struct srcu_struct d;
	init_srcu_struct_named(&d, "cleanup_barrier");
	int idx = srcu_read_lock(&d); /* so the domain has reader records */
	srcu_read_unlock(&d, idx);

	/* Make sure the counter sees the library's own calls. */
	int before = atomic_load(&membarriers);
	synchronize_srcu(&d);
	cr_assert_gt(atomic_load(&membarriers), before, "syscall() interposition does not work");

	before = atomic_load(&membarriers);
	cr_assert_eq(cleanup_srcu_struct(&d), 0);
	cr_assert_eq(atomic_load(&membarriers) - before, 1,
		     "cleanup_srcu_struct issued %d membarriers, expected 1 before its reader scan",
		     atomic_load(&membarriers) - before);
}
