/* SPDX-License-Identifier: MIT */
/* Run with ULOCKDEP_SRCU_NO_MEMBARRIER=1: readers use fences, updaters plain
 * fences; the guarantees must be the same. (ctest also sets
 * ULOCKDEP_SRCU_STALL_SECONDS=1 to test the stall warning.) */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdatomic.h>

#include <ulockdep/srcu.h>

#include "helpers.h"

DEFINE_STATIC_SRCU(fb_srcu);

Test(fallback, flavor_is_fence)
{
	cr_assert_str_eq(ulockdep_srcu_flavor(), "fence",
			 "run this test with ULOCKDEP_SRCU_NO_MEMBARRIER=1");
}

static atomic_int entered, done;
static void *holder(void *arg)
{
	(void)arg;
	int idx = srcu_read_lock(&fb_srcu);
	atomic_store(&entered, 1);
	sleep_us(150000);
	atomic_store(&done, 1);
	srcu_read_unlock(&fb_srcu, idx);
	return NULL;
}

static void *long_holder(void *arg)
{
	(void)arg;
	int idx = srcu_read_lock(&fb_srcu);
	atomic_store(&entered, 1);
	sleep_us(1600000);
	srcu_read_unlock(&fb_srcu, idx);
	return NULL;
}

Test(fallback, waits_for_preexisting_reader, .timeout = 30)
{
	pthread_t t;
	pthread_create(&t, NULL, holder, NULL);
	spin_until(&entered, 1);
	synchronize_srcu(&fb_srcu);
	cr_assert_eq(atomic_load(&done), 1);
	pthread_join(t, NULL);
}

#define LIVE 0x600dbeefu
#define DEAD 0xdeadbeefu
struct elem {
	atomic_uint magic;
	atomic_long gen;
};
static struct elem *_Atomic cur;
static atomic_int stop;
static atomic_long errors, reads, sig_reads;

static void check_current(void)
{
	int idx = srcu_read_lock(&fb_srcu);
	struct elem *e = atomic_load_explicit(&cur, memory_order_consume);
	long g = atomic_load(&e->gen);
	for (int i = 0; i < 50; i++)
		atomic_signal_fence(memory_order_seq_cst);
	if (atomic_load(&e->magic) != LIVE || atomic_load(&e->gen) != g)
		atomic_fetch_add(&errors, 1);
	srcu_read_unlock(&fb_srcu, idx);
}

static void handler(int sig)
{
	(void)sig;
	check_current();
	atomic_fetch_add(&sig_reads, 1);
}

static void *reader(void *arg)
{
	(void)arg;
	long n = 0;
	while (!atomic_load(&stop)) {
		check_current();
		n++;
	}
	atomic_fetch_add(&reads, n);
	return NULL;
}

Test(fallback, pointer_swap_stress_with_signal_readers, .timeout = 60)
{
	pthread_t r[2];
	struct sigaction sa = { .sa_handler = handler, .sa_flags = SA_RESTART };
	struct elem *e = calloc(1, sizeof(*e));

	sigaction(SIGUSR1, &sa, NULL);
	atomic_store(&e->magic, LIVE);
	atomic_store(&cur, e);
	for (int i = 0; i < 2; i++)
		pthread_create(&r[i], NULL, reader, NULL);
	double end = now_s() + 1.5;
	long gen = 0;
	while (now_s() < end) {
		struct elem *n = calloc(1, sizeof(*n));
		atomic_store(&n->magic, LIVE);
		atomic_store(&n->gen, ++gen);
		struct elem *old = atomic_exchange(&cur, n);
		pthread_kill(r[gen & 1], SIGUSR1);
		(gen % 3) ? synchronize_srcu(&fb_srcu) : synchronize_srcu_expedited(&fb_srcu);
		atomic_store(&old->magic, DEAD);
		atomic_store(&old->gen, -1);
		free(old);
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(r[i], NULL);
	cr_log_info("%ld updates, %ld reads, %ld in handlers", gen, atomic_load(&reads), atomic_load(&sig_reads));
	cr_assert_eq(atomic_load(&errors), 0, "a reader saw a freed element");
	cr_assert_eq(srcu_readers_active(&fb_srcu), 0);
	free(atomic_load(&cur));
}

/* ctest also sets ULOCKDEP_SRCU_STALL_SECONDS=1 for this binary. */
Test(fallback, stall_warning_names_the_reader, .timeout = 30)
{
	pthread_t t;
	struct stderr_capture cap;

	atomic_store(&entered, 0);
	atomic_store(&done, 0);
	if (!getenv("ULOCKDEP_SRCU_STALL_SECONDS"))
		cr_skip_test("needs ULOCKDEP_SRCU_STALL_SECONDS=1");
	capture_stderr(&cap);
	pthread_create(&t, NULL, long_holder, NULL);
	spin_until(&entered, 1);
	synchronize_srcu(&fb_srcu);
	char *err = captured_stderr(&cap);
	pthread_join(t, NULL);
	cr_assert(strstr(err, "ulockdep-srcu: grace period of 'fb_srcu' stalled for 1 s waiting for thread "),
		  "stderr: %s", err);
	free(err);
}
