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
