/* SPDX-License-Identifier: MIT */
/*
 * fork() while another thread is in the middle of an update-side operation.
 * Only the forking thread survives in the child, so the child inherits that
 * operation's state half done. Linked against the test build of the library,
 * whose hooks (test_hooks.h) stop the other thread at the exact point, so each
 * case is deterministic. A child that hangs is killed by alarm() and fails.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include <ulockdep/srcu.h>

#include "helpers.h"
#include "test_hooks.h"

static int child_status(pid_t pid)
{
	int status = 0;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		cr_log_error("child killed by signal %d (SIGALRM: it hung)", WTERMSIG(status));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- fork while the call_srcu worker takes the queue -------------------- */

static atomic_int in_splice, release_splice, parent_cb_ran, child_cb_ran;

static void pause_in_splice(void)
{
	atomic_store(&in_splice, 1);
	while (!atomic_load(&release_splice))
		sleep_us(100);
}

static void parent_cb(struct rcu_head *h)
{
	(void)h;
	atomic_fetch_add(&parent_cb_ran, 1);
}

static void child_cb(struct rcu_head *h)
{
	(void)h;
	atomic_fetch_add(&child_cb_ran, 1);
}

/*
 * Fork while the worker has cleared the list head but not yet the tail or the
 * counts, then run child_body in the child. The parent's batch runs in the
 * parent only; the child must neither wait for it nor run it.
 */
static void fork_inside_worker_splice(void (*child_body)(struct srcu_struct *d))
{
	static struct srcu_struct d;
	static struct rcu_head rh_parent;
	init_srcu_struct_named(&d, "splice_srcu");

	ulockdep_srcu_test_splice_hook(pause_in_splice);
	call_srcu(&d, &rh_parent, parent_cb);
	spin_until(&in_splice, 1);

	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		alarm(10);
		ulockdep_srcu_test_splice_hook(NULL);
		child_body(&d);
		_exit(atomic_load(&parent_cb_ran) == 0 ? 0 : 1);
	}
	cr_assert_gt(pid, 0);
	atomic_store(&release_splice, 1);
	srcu_barrier(&d);
	cr_assert_eq(atomic_load(&parent_cb_ran), 1);
	cr_assert_eq(child_status(pid), 0,
		     "child: srcu_barrier hung, or a callback ran wrongly (see above)");
	cr_assert_eq(cleanup_srcu_struct(&d), 0);
}

/* Nothing of the child's own is pending: its counts must not make it wait for
 * the parent's batch. */
static void barrier_only(struct srcu_struct *d)
{
	srcu_barrier(d);
}

Test(fork_midway, srcu_barrier_after_fork_inside_worker_splice)
{
	fork_inside_worker_splice(barrier_only);
}

/* The child's own callback must run, and srcu_barrier must wait for it: it must
 * not be appended to the parent's batch through the stale list tail. */
static void call_then_barrier(struct srcu_struct *d)
{
	static struct rcu_head rh_child;
	call_srcu(d, &rh_child, child_cb);
	srcu_barrier(d);
	if (atomic_load(&child_cb_ran) != 1) {
		fprintf(stderr, "child: its callback ran %d times before srcu_barrier returned\n",
			atomic_load(&child_cb_ran));
		_exit(1);
	}
}

Test(fork_midway, call_srcu_after_fork_inside_worker_splice)
{
	fork_inside_worker_splice(call_then_barrier);
}

/* ---- fork while other threads wait in synchronize_srcu / srcu_barrier ---- */

static struct srcu_struct wait_srcu;
static atomic_int reader_in, reader_stop;

static void *hold_reader(void *arg)
{
	(void)arg;
	int idx = srcu_read_lock(&wait_srcu);
	atomic_store(&reader_in, 1);
	spin_until(&reader_stop, 1);
	srcu_read_unlock(&wait_srcu, idx);
	return NULL;
}

static void *sync_expedited(void *arg)
{
	(void)arg;
	synchronize_srcu_expedited(&wait_srcu);
	return NULL;
}

static void *sync_normal(void *arg)
{
	(void)arg;
	synchronize_srcu(&wait_srcu);
	return NULL;
}

static void *barrier(void *arg)
{
	(void)arg;
	srcu_barrier(&wait_srcu);
	return NULL;
}

static void noop_cb(struct rcu_head *h)
{
	(void)h;
}

static bool all_waiting(void)
{
	struct ulockdep_srcu_test_waiters w = ulockdep_srcu_test_waiters(&wait_srcu);
	return w.exp_pending >= 1 && w.gp_waiters >= 1 && w.barrier_waiters >= 1;
}

/*
 * The parent's waiters do not exist in the child, so the child must not count
 * them: an inherited expedited count would make every grace period of the
 * child poll (burn CPU) forever.
 */
Test(fork_midway, waiter_counts_not_inherited)
{
	static struct rcu_head rh;
	pthread_t r, t[3];
	init_srcu_struct_named(&wait_srcu, "wait_srcu");

	pthread_create(&r, NULL, hold_reader, NULL);
	spin_until(&reader_in, 1);
	/* One runs the grace period (expedited), blocked by the reader; one sleeps
	 * until that grace period ends; one waits in srcu_barrier for a callback
	 * that needs a grace period. */
	pthread_create(&t[0], NULL, sync_expedited, NULL);
	pthread_create(&t[1], NULL, sync_normal, NULL);
	call_srcu(&wait_srcu, &rh, noop_cb);
	pthread_create(&t[2], NULL, barrier, NULL);
	while (!all_waiting()) /* they sleep with timeouts: catch them all at once */
		sleep_us(100);

	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		alarm(10);
		struct ulockdep_srcu_test_waiters w = ulockdep_srcu_test_waiters(&wait_srcu);
		int bad = w.exp_pending || w.gp_waiters || w.barrier_waiters;
		if (bad)
			fprintf(stderr, "child inherited waiters: exp_pending=%u gp_waiters=%u barrier_waiters=%u\n",
				w.exp_pending, w.gp_waiters, w.barrier_waiters);
		synchronize_srcu(&wait_srcu); /* the reader is gone too */
		synchronize_srcu_expedited(&wait_srcu);
		w = ulockdep_srcu_test_waiters(&wait_srcu);
		bad |= w.exp_pending || w.gp_waiters || w.barrier_waiters;
		_exit(bad);
	}
	cr_assert_gt(pid, 0);
	cr_assert_eq(child_status(pid), 0, "the child counts waiters that exist only in the parent");

	atomic_store(&reader_stop, 1);
	pthread_join(r, NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	struct ulockdep_srcu_test_waiters w = ulockdep_srcu_test_waiters(&wait_srcu);
	cr_assert(w.exp_pending == 0 && w.gp_waiters == 0 && w.barrier_waiters == 0);
	cr_assert_eq(cleanup_srcu_struct(&wait_srcu), 0);
}
