/* SPDX-License-Identifier: MIT */
/* Unit tests of the bundled SRCU API and its edge cases. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <linux/membarrier.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ulockdep/srcu.h>

#include "helpers.h"

DEFINE_SRCU(global_named_srcu);

static struct srcu_struct *new_domain(const char *name)
{
	struct srcu_struct *ssp = aligned_alloc(64, sizeof(*ssp));
	memset(ssp, 0xa5, sizeof(*ssp)); /* init must not rely on zeroed memory */
	cr_assert_eq(init_srcu_struct_named(ssp, name), 0);
	return ssp;
}

static void free_domain(struct srcu_struct *ssp)
{
	cr_assert_eq(cleanup_srcu_struct(ssp), 0);
	free(ssp);
}

/* ---- names and initialisation ------------------------------------------ */

Test(api, names)
{
	struct srcu_struct s;
	cr_assert_str_eq(global_named_srcu.name, "global_named_srcu");
	cr_assert_eq(init_srcu_struct(&s), 0);
	cr_assert_null(s.name);
	cr_assert_eq(init_srcu_struct_named(&s, "named"), 0);
	cr_assert_str_eq(s.name, "named");
	cr_assert_eq(cleanup_srcu_struct(&s), 0);
}

/* The flavor must follow what the kernel offers: fence-free readers whenever
 * private expedited membarrier is available, fences only when it is not. */
Test(api, flavor_is_membarrier_by_default)
{
	const char *env = getenv("ULOCKDEP_SRCU_NO_MEMBARRIER");
	if (env && *env && strcmp(env, "0") != 0)
		cr_skip_test("fallback forced by the environment");
	long mask = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	bool supported = mask >= 0 && (mask & MEMBARRIER_CMD_PRIVATE_EXPEDITED);
	const char *f = ulockdep_srcu_flavor();
	cr_log_info("flavor: %s, membarrier query: %ld", f, mask);
	cr_assert_str_eq(f, supported ? "membarrier" : "fence");
}

struct obj {
	int value;
};
static struct obj *gptr;

Test(api, dereference_and_assign)
{
	struct srcu_struct *d = new_domain("deref");
	struct obj a = { 1 }, b = { 2 };

	rcu_assign_pointer(gptr, &a);
	int idx = srcu_read_lock(d);
	struct obj *p = srcu_dereference(gptr, d);
	cr_assert_eq(p, &a);
	cr_assert_eq(p->value, 1);
	srcu_read_unlock(d, idx);
	rcu_assign_pointer(gptr, &b);
	synchronize_srcu(d);
	cr_assert_eq(srcu_dereference_protected(gptr, d, 1)->value, 2);
	rcu_assign_pointer(gptr, NULL);
	free_domain(d);
}

/* ---- read side ------------------------------------------------------------ */

Test(reader, nesting_and_held)
{
	struct srcu_struct *d = new_domain("nest");

	cr_assert_eq(srcu_read_lock_held(d), 0);
	int i1 = srcu_read_lock(d);
	int i2 = srcu_read_lock(d);
	cr_assert(i1 == 0 || i1 == 1);
	cr_assert_eq(i1, i2);
	cr_assert_eq(srcu_read_lock_held(d), 1);
	cr_assert_eq(srcu_readers_active(d), 2);
	srcu_read_unlock(d, i2);
	cr_assert_eq(srcu_read_lock_held(d), 1);
	srcu_read_unlock(d, i1);
	cr_assert_eq(srcu_read_lock_held(d), 0);
	cr_assert_eq(srcu_readers_active(d), 0);
	free_domain(d);
}

static void *held_elsewhere(void *arg)
{
	return (void *)(intptr_t)srcu_read_lock_held(arg);
}

Test(reader, held_is_per_thread)
{
	struct srcu_struct *d = new_domain("held");
	pthread_t t;
	void *res;

	int idx = srcu_read_lock(d);
	pthread_create(&t, NULL, held_elsewhere, d);
	pthread_join(t, &res);
	cr_assert_eq((intptr_t)res, 0);
	cr_assert_eq(srcu_read_lock_held(d), 1);
	srcu_read_unlock(d, idx);
	free_domain(d);
}

Test(reader, idx_alternates_and_one_gp_per_call)
{
	struct srcu_struct *d = new_domain("alt");

	for (int k = 0; k < 10; k++) {
		int a = srcu_read_lock(d);
		srcu_read_unlock(d, a);
		unsigned long before = srcu_batches_completed(d);
		if (k & 1)
			synchronize_srcu_expedited(d);
		else
			synchronize_srcu(d);
		cr_assert_eq(srcu_batches_completed(d), before + 1,
			     "an uncontended call runs exactly one grace period");
		int b = srcu_read_lock(d);
		srcu_read_unlock(d, b);
		cr_assert_neq(a, b, "each grace period flips the reader index");
	}
	free_domain(d);
}

/* ---- grace periods -------------------------------------------------------- */

struct holder {
	struct srcu_struct *ssp;
	atomic_int entered, release, done;
	long hold_us; /* 0: hold until release is set */
};

static void *hold_reader(void *arg)
{
	struct holder *h = arg;
	int idx = srcu_read_lock(h->ssp);
	atomic_store(&h->entered, 1);
	if (h->hold_us)
		sleep_us(h->hold_us);
	else
		spin_until(&h->release, 1);
	atomic_store(&h->done, 1);
	srcu_read_unlock(h->ssp, idx);
	return NULL;
}

Test(gp, waits_for_preexisting_reader, .timeout = 30)
{
	struct srcu_struct *d = new_domain("wait");

	for (int exp = 0; exp < 2; exp++) {
		struct holder h = { .ssp = d, .hold_us = 200000 };
		pthread_t t;
		pthread_create(&t, NULL, hold_reader, &h);
		spin_until(&h.entered, 1);
		if (exp)
			synchronize_srcu_expedited(d);
		else
			synchronize_srcu(d);
		cr_assert_eq(atomic_load(&h.done), 1, "grace period ended under a reader (exp=%d)", exp);
		pthread_join(t, NULL);
	}
	free_domain(d);
}

struct churner {
	struct srcu_struct *ssp;
	atomic_int stop;
	long sections;
	long hold_us;
};

static void *overlap_reader(void *arg)
{
	struct churner *c = arg;
	while (!atomic_load(&c->stop)) {
		int idx = srcu_read_lock(c->ssp);
		sleep_us(c->hold_us);
		srcu_read_unlock(c->ssp, idx);
		c->sections++;
	}
	return NULL;
}

/* Readers overlap so that some reader is always active: the index flip must
 * still let grace periods finish. */
Test(gp, no_starvation_by_overlapping_readers, .timeout = 60)
{
	struct srcu_struct *d = new_domain("overlap");
	struct churner c[3] = { { d, 0, 0, 700 }, { d, 0, 0, 500 }, { d, 0, 0, 300 } };
	pthread_t t[3];

	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, overlap_reader, &c[i]);
	for (int k = 0; k < 20; k++) {
		if (k & 1)
			synchronize_srcu_expedited(d);
		else
			synchronize_srcu(d);
	}
	for (int i = 0; i < 3; i++)
		atomic_store(&c[i].stop, 1);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	free_domain(d);
}

static atomic_int cb_count;
static void count_cb(struct rcu_head *h)
{
	(void)h;
	atomic_fetch_add(&cb_count, 1);
}

Test(gp, domains_are_independent, .timeout = 30)
{
	struct srcu_struct *a = new_domain("A"), *b = new_domain("B");
	struct holder h = { .ssp = b };
	pthread_t t;
	struct rcu_head rh;

	pthread_create(&t, NULL, hold_reader, &h);
	spin_until(&h.entered, 1);
	/* All of these would hang if B's reader delayed A. */
	for (int k = 0; k < 10; k++)
		synchronize_srcu(a);
	synchronize_srcu_expedited(a);
	call_srcu(a, &rh, count_cb);
	srcu_barrier(a);
	cr_assert_eq(atomic_load(&cb_count), 1);
	cr_assert_eq(atomic_load(&h.done), 0, "B's reader is still inside");
	atomic_store(&h.release, 1);
	synchronize_srcu(b);
	cr_assert_eq(atomic_load(&h.done), 1);
	pthread_join(t, NULL);
	free_domain(a);
	free_domain(b);
}

/* ---- concurrent updaters share grace periods ------------------------------ */

#define MAGIC_LIVE 0x11ce11ceu
#define MAGIC_DEAD 0xdeaddeadu

struct elem {
	atomic_uint magic;
};

static struct elem *_Atomic shared_elem;
static atomic_int share_stop;
static atomic_long share_errors, share_reads;

static void *share_reader(void *arg)
{
	struct srcu_struct *d = arg;
	long reads = 0;
	while (!atomic_load(&share_stop)) {
		int idx = srcu_read_lock(d);
		struct elem *e = atomic_load_explicit(&shared_elem, memory_order_consume);
		if (atomic_load(&e->magic) != MAGIC_LIVE)
			atomic_fetch_add(&share_errors, 1);
		sleep_us(50); /* busy readers keep each grace period a little long */
		if (atomic_load(&e->magic) != MAGIC_LIVE)
			atomic_fetch_add(&share_errors, 1);
		srcu_read_unlock(d, idx);
		reads++;
		atomic_store(&share_reads, reads);
	}
	return NULL;
}

#define N_UPDATERS 8
#define CALLS_EACH 100

static void *share_updater(void *arg)
{
	struct srcu_struct *d = arg;
	for (int k = 0; k < CALLS_EACH; k++) {
		struct elem *n = malloc(sizeof(*n));
		atomic_init(&n->magic, MAGIC_LIVE);
		struct elem *old = atomic_exchange(&shared_elem, n);
		if (k % 4 == 3)
			synchronize_srcu_expedited(d);
		else
			synchronize_srcu(d);
		atomic_store(&old->magic, MAGIC_DEAD);
		free(old);
	}
	return NULL;
}

Test(gp, concurrent_updaters_share_grace_periods, .timeout = 90)
{
	struct srcu_struct *d = new_domain("share");
	pthread_t r, u[N_UPDATERS];
	struct elem *first = malloc(sizeof(*first));

	atomic_init(&first->magic, MAGIC_LIVE);
	atomic_store(&shared_elem, first);
	pthread_create(&r, NULL, share_reader, d);
	while (atomic_load(&share_reads) == 0)
		sleep_us(100);
	unsigned long gp0 = srcu_batches_completed(d);
	for (int i = 0; i < N_UPDATERS; i++)
		pthread_create(&u[i], NULL, share_updater, d); /* no mutex around synchronize */
	for (int i = 0; i < N_UPDATERS; i++)
		pthread_join(u[i], NULL);
	unsigned long gps = srcu_batches_completed(d) - gp0;
	atomic_store(&share_stop, 1);
	pthread_join(r, NULL);

	long calls = N_UPDATERS * CALLS_EACH;
	cr_log_info("%ld synchronize calls from %d threads -> %lu grace periods (%.2f per call), %ld reads",
		    calls, N_UPDATERS, gps, (double)gps / (double)calls, atomic_load(&share_reads));
	cr_assert_eq(atomic_load(&share_errors), 0, "a reader saw a retired element");
	cr_assert_lt((double)gps, 0.8 * (double)calls, "grace periods are not shared: %lu for %ld calls",
		     gps, calls);
	cr_assert_geq(gps, (unsigned long)CALLS_EACH, "each caller needs its own full grace period");
	free(atomic_load(&shared_elem));
	free_domain(d);
}

/*
 * N callers arrive together while a reader holds up the first grace period.
 * Every caller's snapshot is taken before that grace period can end, so one
 * more grace period satisfies them all: 2 in total, not N. The bound allows
 * one more for a caller that is descheduled before its snapshot.
 */
#define N_SIMULTANEOUS 16

struct simultaneous {
	struct srcu_struct *ssp;
	atomic_int started, finished;
};

static void *simultaneous_caller(void *arg)
{
	struct simultaneous *s = arg;
	int me = atomic_fetch_add(&s->started, 1);
	if (me & 1)
		synchronize_srcu_expedited(s->ssp);
	else
		synchronize_srcu(s->ssp);
	atomic_fetch_add(&s->finished, 1);
	return NULL;
}

Test(gp, simultaneous_callers_share_grace_periods, .timeout = 60)
{
	struct srcu_struct *d = new_domain("simul");
	struct holder h = { .ssp = d };
	struct simultaneous s = { .ssp = d };
	pthread_t t, c[N_SIMULTANEOUS];

	pthread_create(&t, NULL, hold_reader, &h);
	spin_until(&h.entered, 1);
	unsigned long gp0 = srcu_batches_completed(d);
	for (int i = 0; i < N_SIMULTANEOUS; i++)
		pthread_create(&c[i], NULL, simultaneous_caller, &s); /* no mutex around synchronize */
	spin_until(&s.started, N_SIMULTANEOUS);
	sleep_us(200000); /* let every caller take its snapshot and block */
	cr_assert_eq(atomic_load(&s.finished), 0, "a grace period ended under a pre-existing reader");
	atomic_store(&h.release, 1);
	for (int i = 0; i < N_SIMULTANEOUS; i++)
		pthread_join(c[i], NULL);
	pthread_join(t, NULL);
	unsigned long gps = srcu_batches_completed(d) - gp0;
	cr_log_info("%d simultaneous callers -> %lu grace periods", N_SIMULTANEOUS, gps);
	cr_assert_geq(gps, 1ul);
	cr_assert_leq(gps, 3ul, "%d simultaneous callers cost %lu grace periods (expected 2)",
		      N_SIMULTANEOUS, gps);
	free_domain(d);
}

/* ---- call_srcu / srcu_barrier --------------------------------------------- */

static atomic_int cb_flag;
static pthread_t cb_thread;
static void flag_cb(struct rcu_head *h)
{
	(void)h;
	cb_thread = pthread_self();
	atomic_store(&cb_flag, 1);
}

Test(cb, runs_after_grace_period_on_worker, .timeout = 30)
{
	struct srcu_struct *d = new_domain("cb");
	struct holder h = { .ssp = d };
	struct rcu_head rh;
	pthread_t t;

	pthread_create(&t, NULL, hold_reader, &h);
	spin_until(&h.entered, 1);
	call_srcu(d, &rh, flag_cb);
	sleep_us(100000);
	cr_assert_eq(atomic_load(&cb_flag), 0, "callback ran while a pre-existing reader was active");
	atomic_store(&h.release, 1);
	srcu_barrier(d);
	cr_assert_eq(atomic_load(&cb_flag), 1, "srcu_barrier returned before the callback ran");
	cr_assert(!pthread_equal(cb_thread, pthread_self()));
	cr_assert(atomic_load(&h.done));
	pthread_join(t, NULL);
	free_domain(d);
}

#define CB_PER_THREAD 5000
struct seq_cb {
	struct rcu_head rh;
	int producer, seq;
};
static int last_seq[2] = { -1, -1 };
static atomic_int order_errors, order_count;

static void seq_callback(struct rcu_head *h)
{
	struct seq_cb *c = (struct seq_cb *)h; /* rh is the first member */
	if (c->seq != last_seq[c->producer] + 1)
		atomic_fetch_add(&order_errors, 1);
	last_seq[c->producer] = c->seq;
	atomic_fetch_add(&order_count, 1);
}

static struct seq_cb cbs[2][CB_PER_THREAD];

static void *cb_producer(void *arg)
{
	struct srcu_struct *d = arg;
	static atomic_int next_id;
	int me = atomic_fetch_add(&next_id, 1);
	for (int i = 0; i < CB_PER_THREAD; i++) {
		cbs[me][i].producer = me;
		cbs[me][i].seq = i;
		call_srcu(d, &cbs[me][i].rh, seq_callback);
	}
	return NULL;
}

Test(cb, barrier_waits_for_all_in_queue_order, .timeout = 60)
{
	struct srcu_struct *d = new_domain("order");
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, cb_producer, d);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	srcu_barrier(d);
	cr_assert_eq(atomic_load(&order_count), 2 * CB_PER_THREAD);
	cr_assert_eq(atomic_load(&order_errors), 0, "callbacks of one thread ran out of order");
	srcu_barrier(d); /* nothing pending: returns at once */
	free_domain(d);
}

/* Several threads queue a callback and then call srcu_barrier() at once,
 * while the others keep queueing: each barrier must have waited for the
 * callback its own thread queued just before it. */
#define BARRIER_THREADS 4
#define BARRIER_ROUNDS 200

struct flag_head {
	struct rcu_head rh;
	atomic_int ran;
};

static void set_ran(struct rcu_head *h)
{
	atomic_store(&((struct flag_head *)h)->ran, 1);
}

static atomic_int barrier_misses;

static void *queue_then_barrier(void *arg)
{
	struct srcu_struct *d = arg;
	struct flag_head *f = calloc(BARRIER_ROUNDS, sizeof(*f));
	for (int k = 0; k < BARRIER_ROUNDS; k++) {
		call_srcu(d, &f[k].rh, set_ran);
		srcu_barrier(d);
		if (!atomic_load(&f[k].ran))
			atomic_fetch_add(&barrier_misses, 1);
	}
	free(f);
	return NULL;
}

Test(cb, concurrent_barriers_each_wait_for_earlier_callbacks, .timeout = 60)
{
	struct srcu_struct *d = new_domain("barriers");
	struct churner c = { d, 0, 0, 100 }; /* a reader keeps grace periods non-trivial */
	pthread_t r, t[BARRIER_THREADS];

	pthread_create(&r, NULL, overlap_reader, &c);
	for (int i = 0; i < BARRIER_THREADS; i++)
		pthread_create(&t[i], NULL, queue_then_barrier, d);
	for (int i = 0; i < BARRIER_THREADS; i++)
		pthread_join(t[i], NULL);
	atomic_store(&c.stop, 1);
	pthread_join(r, NULL);
	cr_assert_eq(atomic_load(&barrier_misses), 0,
		     "%d srcu_barrier calls returned before a callback queued before them had run",
		     atomic_load(&barrier_misses));
	free_domain(d);
}

static atomic_int sigs_not_blocked = -1;
static void mask_cb(struct rcu_head *h)
{
	(void)h;
	sigset_t cur;
	int missing = 0;
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	for (int s = 1; s < NSIG; s++) {
		if (s == SIGKILL || s == SIGSTOP || (s >= 32 && s < SIGRTMIN))
			continue; /* unblockable, or reserved by glibc */
		if (!sigismember(&cur, s))
			missing++;
	}
	atomic_store(&sigs_not_blocked, missing);
}

Test(cb, callbacks_run_with_all_signals_blocked, .timeout = 30)
{
	struct srcu_struct *d = new_domain("mask");
	struct rcu_head rh;
	sigset_t none;

	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL); /* caller has nothing blocked */
	call_srcu(d, &rh, mask_cb);
	srcu_barrier(d);
	cr_assert_eq(atomic_load(&sigs_not_blocked), 0, "%d signals unblocked on the worker",
		     atomic_load(&sigs_not_blocked));
	free_domain(d);
}

static struct srcu_struct *chain_domain;
static atomic_int chain_left;
static void chain_cb(struct rcu_head *h)
{
	if (atomic_fetch_sub(&chain_left, 1) > 1)
		call_srcu(chain_domain, h, chain_cb); /* re-queue from a callback */
}

Test(cb, callback_may_requeue_itself, .timeout = 30)
{
	struct rcu_head rh;
	unsigned long gp0;

	chain_domain = new_domain("chain");
	gp0 = srcu_batches_completed(chain_domain);
	atomic_store(&chain_left, 5);
	call_srcu(chain_domain, &rh, chain_cb);
	while (atomic_load(&chain_left) > 0)
		srcu_barrier(chain_domain);
	srcu_barrier(chain_domain);
	cr_assert_geq(srcu_batches_completed(chain_domain) - gp0, 5ul, "one grace period per link");
	free_domain(chain_domain);
}

/* ---- cleanup --------------------------------------------------------------- */

Test(cleanup, refuses_while_readers_active, .timeout = 30)
{
	struct srcu_struct *d = new_domain("busy_srcu");
	struct stderr_capture cap;
	struct holder h = { .ssp = d };
	pthread_t t;

	int idx = srcu_read_lock(d);
	capture_stderr(&cap);
	int rc = cleanup_srcu_struct(d);
	char *err = captured_stderr(&cap);
	cr_assert_eq(rc, -EBUSY);
	cr_assert_eq(strncmp(err, "ulockdep-srcu:", 14), 0, "stderr: %s", err);
	cr_assert(strstr(err, "busy_srcu") && strstr(err, "readers are still active"), "stderr: %s", err);
	cr_assert_eq(count_lines(err, "\n"), 1, "one line: %s", err);
	free(err);
	/* Nothing was freed: the section goes on and the domain still works. */
	cr_assert_eq(srcu_read_lock_held(d), 1);
	srcu_read_unlock(d, idx);

	pthread_create(&t, NULL, hold_reader, &h); /* a reader in another thread too */
	spin_until(&h.entered, 1);
	capture_stderr(&cap);
	rc = cleanup_srcu_struct(d);
	free(captured_stderr(&cap));
	cr_assert_eq(rc, -EBUSY);
	atomic_store(&h.release, 1);
	pthread_join(t, NULL);
	free_domain(d);
}

Test(cleanup, refuses_while_callbacks_pending, .timeout = 30)
{
	struct srcu_struct *d = new_domain("cbbusy");
	struct stderr_capture cap;
	struct holder h = { .ssp = d };
	struct rcu_head rh;
	pthread_t t;

	atomic_store(&cb_count, 0);
	pthread_create(&t, NULL, hold_reader, &h);
	spin_until(&h.entered, 1);
	call_srcu(d, &rh, count_cb); /* cannot run: the reader holds the grace period */
	capture_stderr(&cap);
	int rc = cleanup_srcu_struct(d);
	char *err = captured_stderr(&cap);
	cr_assert_eq(rc, -EBUSY);
	cr_assert(strstr(err, "ulockdep-srcu:") == err, "stderr: %s", err);
	free(err);
	atomic_store(&h.release, 1);
	pthread_join(t, NULL);
	srcu_barrier(d);
	cr_assert_eq(atomic_load(&cb_count), 1);
	free_domain(d);
}

static void *use_domain(void *arg)
{
	struct srcu_struct *d = arg;
	for (int i = 0; i < 1000; i++) {
		int idx = srcu_read_lock(d);
		srcu_read_unlock(d, idx);
	}
	return NULL;
}

Test(cleanup, reinit_and_reuse_memory, .timeout = 30)
{
	for (int round = 0; round < 5; round++) {
		struct srcu_struct *d = new_domain("reuse");
		pthread_t t[2];
		struct rcu_head rh;
		for (int i = 0; i < 2; i++)
			pthread_create(&t[i], NULL, use_domain, d);
		call_srcu(d, &rh, count_cb);
		synchronize_srcu(d);
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		srcu_barrier(d);
		cr_assert_eq(cleanup_srcu_struct(d), 0);
		cr_assert_eq(cleanup_srcu_struct(d), 0, "a second cleanup is harmless");
		/* After cleanup the domain is back in its initial state. */
		int idx = srcu_read_lock(d);
		srcu_read_unlock(d, idx);
		synchronize_srcu(d);
		free_domain(d);
	}
}

/* ---- thread exit inside a read-side section -------------------------------- */

static void *exit_in_reader(void *arg)
{
	struct srcu_struct *d = arg;
	srcu_read_lock(d);
	srcu_read_lock(d);
	return NULL; /* bug: exits with two sections open */
}

Test(exit, thread_exit_in_reader_is_dropped_and_reported, .timeout = 30)
{
	struct srcu_struct *d = new_domain("exit_srcu");
	struct stderr_capture cap;
	pthread_t t;

	capture_stderr(&cap);
	pthread_create(&t, NULL, exit_in_reader, d);
	pthread_join(t, NULL);
	cr_assert_eq(srcu_readers_active(d), 0, "a dead thread is not an active reader");
	synchronize_srcu(d); /* must not wait for the dead thread */
	synchronize_srcu_expedited(d);
	for (int i = 0; i < 4; i++) /* later threads may reuse its slot */
		pthread_create(&t, NULL, use_domain, d), pthread_join(t, NULL);
	synchronize_srcu(d);
	int rc = cleanup_srcu_struct(d);
	char *err = captured_stderr(&cap);
	cr_assert_eq(rc, 0);
	cr_assert_eq(count_lines(err, "ulockdep-srcu:"), 1, "reported exactly once: %s", err);
	cr_assert(strstr(err, "exited inside a read-side critical section of 'exit_srcu' (depth 2)"),
		  "stderr: %s", err);
	free(err);
	free(d);
}

/* ---- signal handlers --------------------------------------------------------- */

static struct srcu_struct *sig_domain;
static atomic_long handler_sections, handler_bad_held;

static void reader_handler(int sig)
{
	(void)sig;
	int idx = srcu_read_lock(sig_domain);
	if (!srcu_read_lock_held(sig_domain))
		atomic_fetch_add(&handler_bad_held, 1);
	if (idx & 1) { /* sometimes nest */
		int j = srcu_read_lock(sig_domain);
		srcu_read_unlock(sig_domain, j);
	}
	srcu_read_unlock(sig_domain, idx);
	atomic_fetch_add(&handler_sections, 1);
}

static void install_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = SA_RESTART;
	sigaction(sig, &sa, NULL);
}

struct storm {
	pthread_t target;
	atomic_int stop;
	long sent;
};

static void *signal_storm(void *arg)
{
	struct storm *s = arg;
	while (!atomic_load(&s->stop)) {
		pthread_kill(s->target, SIGUSR1);
		s->sent++;
		if ((s->sent & 15) == 0)
			sleep_us(20);
	}
	return NULL;
}

static atomic_int loop_stop;
static void *reader_loop(void *arg)
{
	struct srcu_struct *d = arg;
	long n = 0;
	while (!atomic_load(&loop_stop)) {
		int i = srcu_read_lock(d);
		if (n & 1) {
			int j = srcu_read_lock(d);
			srcu_read_unlock(d, j);
		}
		srcu_read_unlock(d, i);
		n++;
	}
	return (void *)n;
}

Test(signal, handler_sections_keep_counts_exact, .timeout = 60)
{
	struct srcu_struct *d = new_domain("sig");
	struct storm s = { 0 };
	pthread_t r, st;

	sig_domain = d;
	install_handler(SIGUSR1, reader_handler);
	pthread_create(&r, NULL, reader_loop, d);
	s.target = r;
	pthread_create(&st, NULL, signal_storm, &s);
	for (int k = 0; k < 50; k++) /* updaters alongside */
		(k & 1) ? synchronize_srcu(d) : synchronize_srcu_expedited(d);
	while (atomic_load(&handler_sections) < 20000)
		sleep_us(1000);
	atomic_store(&s.stop, 1);
	pthread_join(st, NULL);
	atomic_store(&loop_stop, 1);
	pthread_join(r, NULL);
	cr_log_info("%ld handler sections", atomic_load(&handler_sections));
	cr_assert_eq(atomic_load(&handler_bad_held), 0);
	cr_assert_eq(srcu_readers_active(d), 0, "a count was lost or corrupted");
	synchronize_srcu(d);
	free_domain(d);
}

static atomic_int first_use_ok;
static void first_use_handler(int sig)
{
	(void)sig;
	int idx = srcu_read_lock(sig_domain); /* this thread's very first SRCU call */
	if (srcu_read_lock_held(sig_domain))
		atomic_store(&first_use_ok, 1);
	srcu_read_unlock(sig_domain, idx);
}

static void *wait_for_signal(void *arg)
{
	atomic_int *ready = arg;
	atomic_store(ready, 1);
	while (!atomic_load(&first_use_ok))
		sleep_us(1000);
	/* and use it normally afterwards */
	int idx = srcu_read_lock(sig_domain);
	srcu_read_unlock(sig_domain, idx);
	return NULL;
}

Test(signal, first_use_inside_handler, .timeout = 30)
{
	atomic_int ready = 0;
	pthread_t t;

	sig_domain = new_domain("first");
	install_handler(SIGUSR2, first_use_handler);
	pthread_create(&t, NULL, wait_for_signal, &ready);
	spin_until(&ready, 1);
	pthread_kill(t, SIGUSR2);
	pthread_join(t, NULL);
	cr_assert_eq(atomic_load(&first_use_ok), 1);
	cr_assert_eq(srcu_readers_active(sig_domain), 0);
	synchronize_srcu(sig_domain);
	free_domain(sig_domain);
}

static atomic_int upd_stop;
static void *updater_loop(void *arg)
{
	long n = 0;
	while (!atomic_load(&upd_stop)) {
		(n & 1) ? synchronize_srcu(arg) : synchronize_srcu_expedited(arg);
		n++;
	}
	return (void *)n;
}

/* Handler readers that interrupt synchronize_srcu() of the same domain. */
Test(signal, handler_reader_interrupting_updater, .timeout = 60)
{
	struct srcu_struct *d = new_domain("sigupd");
	struct storm s = { 0 };
	pthread_t u, st;
	void *calls;

	sig_domain = d;
	install_handler(SIGUSR1, reader_handler);
	pthread_create(&u, NULL, updater_loop, d);
	s.target = u;
	pthread_create(&st, NULL, signal_storm, &s);
	while (atomic_load(&handler_sections) < 5000)
		sleep_us(1000);
	atomic_store(&s.stop, 1);
	pthread_join(st, NULL);
	atomic_store(&upd_stop, 1);
	pthread_join(u, &calls);
	cr_log_info("%ld grace periods, %ld handler sections", (long)calls, atomic_load(&handler_sections));
	cr_assert_eq(srcu_readers_active(d), 0);
	free_domain(d);
}

/* ---- misuse ----------------------------------------------------------------- */

Test(misuse, unbalanced_unlock_is_ignored_and_reported)
{
	struct srcu_struct *d = new_domain("unbal");
	struct stderr_capture cap;

	capture_stderr(&cap);
	srcu_read_unlock(d, 0); /* never locked */
	int idx = srcu_read_lock(d);
	srcu_read_unlock(d, 7); /* garbage idx */
	srcu_read_unlock(d, idx);
	srcu_read_unlock(d, idx); /* once too often */
	char *err = captured_stderr(&cap);
	cr_assert(strstr(err, "ulockdep-srcu: srcu_read_unlock(unbal, 0) without a matching"), "%s", err);
	cr_assert_eq(count_lines(err, "ulockdep-srcu:"), 1, "reported once per domain: %s", err);
	free(err);
	cr_assert_eq(srcu_readers_active(d), 0);
	synchronize_srcu(d);
	free_domain(d);
}

/* A thread that never used SRCU unlocks (a bug): it must not touch the
 * counters of the live reader that owns slot 0 of the domain. */
static void *unlock_without_lock(void *arg)
{
	srcu_read_unlock(arg, 0);
	srcu_read_unlock(arg, 1);
	return NULL;
}

Test(misuse, unlock_from_thread_without_slot_leaves_other_readers_alone, .timeout = 30)
{
	struct srcu_struct *d = new_domain("noslot");
	struct holder h = { .ssp = d };
	struct stderr_capture cap;
	pthread_t t, u;

	pthread_create(&t, NULL, hold_reader, &h);
	spin_until(&h.entered, 1);
	cr_assert_eq(srcu_readers_active(d), 1);
	capture_stderr(&cap);
	pthread_create(&u, NULL, unlock_without_lock, d);
	pthread_join(u, NULL);
	char *err = captured_stderr(&cap);
	cr_assert(strstr(err, "ulockdep-srcu: srcu_read_unlock(noslot, 0) without a matching"), "%s", err);
	free(err);
	cr_assert_eq(srcu_readers_active(d), 1, "another thread's section was closed by a stray unlock");
	atomic_store(&h.release, 1);
	pthread_join(t, NULL);
	cr_assert_eq(srcu_readers_active(d), 0);
	free_domain(d);
}

/* ---- thread churn ------------------------------------------------------------- */

static void *short_lived(void *arg)
{
	struct srcu_struct *d = arg;
	for (int i = 0; i < 100; i++) {
		int idx = srcu_read_lock(d);
		srcu_read_unlock(d, idx);
	}
	if (((uintptr_t)pthread_self() >> 12) % 8 == 0)
		synchronize_srcu(d);
	return NULL;
}

Test(churn, many_short_lived_threads, .timeout = 60)
{
	struct srcu_struct *d = new_domain("churn");
	struct stderr_capture cap;

	capture_stderr(&cap);
	for (int round = 0; round < 200; round++) {
		pthread_t t[3];
		for (int i = 0; i < 3; i++)
			pthread_create(&t[i], NULL, short_lived, d);
		synchronize_srcu(d);
		for (int i = 0; i < 3; i++)
			pthread_join(t[i], NULL);
	}
	char *err = captured_stderr(&cap);
	cr_assert_str_empty(err, "no warnings expected: %s", err);
	free(err);
	cr_assert_eq(srcu_readers_active(d), 0);
	free_domain(d);
}

/* ---- more misuse ------------------------------------------------------------- */

static struct srcu_struct *barrier_cb_domain;
static atomic_int barrier_cb_returned;
static void barrier_in_cb(struct rcu_head *h)
{
	(void)h;
	srcu_barrier(barrier_cb_domain); /* would wait for itself */
	atomic_store(&barrier_cb_returned, 1);
}

Test(misuse, barrier_from_own_callback_is_ignored, .timeout = 30)
{
	struct stderr_capture cap;
	struct rcu_head rh;

	barrier_cb_domain = new_domain("cbbar");
	capture_stderr(&cap);
	call_srcu(barrier_cb_domain, &rh, barrier_in_cb);
	srcu_barrier(barrier_cb_domain);
	char *err = captured_stderr(&cap);
	cr_assert_eq(atomic_load(&barrier_cb_returned), 1);
	cr_assert(strstr(err, "ulockdep-srcu: srcu_barrier('cbbar') called from one of its own call_srcu callbacks"),
		  "stderr: %s", err);
	free(err);
	free_domain(barrier_cb_domain);
}

#include <poll.h>
#include <sys/wait.h>

/* synchronize_srcu inside its own section deadlocks (as in the kernel) after
 * one warning; run it in a child and read the warning from a pipe. */
Test(misuse, synchronize_inside_own_reader_warns, .timeout = 30)
{
	struct srcu_struct *d = new_domain("selfdead");
	int fds[2];
	char buf[512] = { 0 };

	cr_assert_eq(pipe(fds), 0);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 2);
		alarm(10);
		srcu_read_lock(d);
		synchronize_srcu(d);
		_exit(0);
	}
	close(fds[1]);
	struct pollfd p = { fds[0], POLLIN, 0 };
	cr_assert_eq(poll(&p, 1, 10000), 1, "no warning within 10 s");
	cr_assert_gt(read(fds[0], buf, sizeof(buf) - 1), 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(fds[0]);
	cr_assert(strstr(buf, "ulockdep-srcu: synchronize_srcu('selfdead') called inside a read-side critical section of the same domain"),
		  "got: %s", buf);
	free_domain(d);
}
