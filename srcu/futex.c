/* SPDX-License-Identifier: MIT */
/*
 * Internal locks. They are raw futex words rather than pthread mutexes so that
 * the lock tracer, which interposes pthread_mutex_*, never sees them, and so
 * that a lock held by a thread that vanished in fork() can be taken over.
 */
#include "internal.h"

#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

HIDDEN long srcu_futex_wait(_Atomic uint32_t *addr, uint32_t val, const struct timespec *rel)
{
	return syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, rel, NULL, 0);
}

HIDDEN void srcu_futex_wake(_Atomic uint32_t *addr, int n)
{
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

static uint32_t epoch_tag(void)
{
	return (atomic_load_explicit(&srcu_fork_epoch, memory_order_relaxed) & 0x3fffffff) << 2;
}

HIDDEN void srcu_mutex_lock(_Atomic uint32_t *m)
{
	uint32_t tag = epoch_tag();
	uint32_t v = 0;

	if (atomic_compare_exchange_strong(m, &v, tag | 1))
		return;
	for (;;) {
		v = atomic_load(m);
		if (v == 0 || (v & ~3u) != tag) {
			/* Free, or held by a thread that did not survive fork(). Take it
			 * as contended so that a later unlock wakes any sleeper. */
			if (atomic_compare_exchange_strong(m, &v, tag | 2))
				return;
			continue;
		}
		if ((v & 3) == 1 && !atomic_compare_exchange_strong(m, &v, (v & ~3u) | 2))
			continue;
		srcu_futex_wait(m, (v & ~3u) | 2, NULL);
	}
}

HIDDEN void srcu_mutex_unlock(_Atomic uint32_t *m)
{
	if ((atomic_exchange(m, 0) & 3) == 2)
		srcu_futex_wake(m, 1);
}
