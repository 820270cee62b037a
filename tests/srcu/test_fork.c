/* SPDX-License-Identifier: MIT */
/* fork() in a process that uses SRCU: the child can use the domain. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include <ulockdep/srcu.h>

#include "helpers.h"

DEFINE_STATIC_SRCU(fork_srcu);

static atomic_int stop, cb_ran;
static void cb(struct rcu_head *h)
{
	(void)h;
	atomic_fetch_add(&cb_ran, 1);
}

static void *busy_reader(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		int idx = srcu_read_lock(&fork_srcu);
		srcu_read_unlock(&fork_srcu, idx);
	}
	return NULL;
}

static atomic_int held_entered, held_release;
static void *holding_reader(void *arg)
{
	(void)arg;
	int idx = srcu_read_lock(&fork_srcu);
	atomic_store(&held_entered, 1);
	spin_until(&held_release, 1);
	srcu_read_unlock(&fork_srcu, idx);
	return NULL;
}

static void *updater(void *arg)
{
	(void)arg;
	synchronize_srcu(&fork_srcu);
	return NULL;
}

static atomic_int child_cb_ran;
static void child_cb(struct rcu_head *h)
{
	(void)h;
	atomic_fetch_add(&child_cb_ran, 1);
}

/* In the child: exercise every operation. Exit status: a bit per failed check.
 * alarm() turns a hang into a failure. Callbacks the parent had queued but its
 * worker had not taken yet may run here too, so the child counts its own. */
static int child_checks(void)
{
	int fails = 0;
	struct rcu_head rh;

	alarm(20);
	if (srcu_read_lock_held(&fork_srcu) != 0)
		fails |= 1;
	int idx = srcu_read_lock(&fork_srcu);
	srcu_read_unlock(&fork_srcu, idx);
	synchronize_srcu(&fork_srcu);
	synchronize_srcu_expedited(&fork_srcu);
	call_srcu(&fork_srcu, &rh, child_cb);
	srcu_barrier(&fork_srcu);
	if (atomic_load(&child_cb_ran) != 1)
		fails |= 2;
	if (srcu_readers_active(&fork_srcu) != 0)
		fails |= 4;
	if (cleanup_srcu_struct(&fork_srcu) != 0)
		fails |= 8;
	return fails;
}

static int wait_child(pid_t pid)
{
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "child died of signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return WEXITSTATUS(status);
}

Test(fork, child_uses_domain_while_parent_threads_read, .timeout = 60)
{
	pthread_t r[2];
	struct rcu_head rh;

	call_srcu(&fork_srcu, &rh, cb); /* the parent has a worker thread */
	srcu_barrier(&fork_srcu);
	for (int i = 0; i < 2; i++)
		pthread_create(&r[i], NULL, busy_reader, NULL);
	for (int k = 0; k < 10; k++) {
		synchronize_srcu(&fork_srcu);
		struct stderr_capture cap;
		capture_stderr(&cap);
		pid_t pid = fork();
		if (pid == 0)
			_exit(child_checks());
		int st = wait_child(pid);
		cr_assert_eq(st, 0, "child checks failed (round %d): mask %d", k, st);
		char *err = captured_stderr(&cap);
		cr_assert_str_empty(err, "readers lost in fork are not reported: %s", err);
		free(err);
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(r[i], NULL);
	synchronize_srcu(&fork_srcu); /* parent still fine */
}

Test(fork, fork_inside_read_section, .timeout = 60)
{
	int idx = srcu_read_lock(&fork_srcu);
	pid_t pid = fork();
	if (pid == 0) {
		int fails = 0;
		alarm(20);
		if (srcu_read_lock_held(&fork_srcu) != 1) /* the section goes on in the child */
			fails |= 16;
		srcu_read_unlock(&fork_srcu, idx);
		fails |= child_checks();
		_exit(fails);
	}
	int st = wait_child(pid);
	cr_assert_eq(st, 0, "child checks failed: mask %d", st);
	srcu_read_unlock(&fork_srcu, idx);
	synchronize_srcu(&fork_srcu);
}

Test(fork, fork_during_grace_period_and_with_pending_callbacks, .timeout = 60)
{
	pthread_t h, u;
	struct rcu_head rh[3];

	pthread_create(&h, NULL, holding_reader, NULL);
	spin_until(&held_entered, 1);
	for (int i = 0; i < 3; i++)
		call_srcu(&fork_srcu, &rh[i], cb); /* stuck behind the reader */
	pthread_create(&u, NULL, updater, NULL); /* holds the grace-period lock */
	sleep_us(100000);
	pid_t pid = fork();
	if (pid == 0)
		_exit(child_checks()); /* lock taken over, dead reader ignored */
	int st = wait_child(pid);
	cr_assert_eq(st, 0, "child checks failed: mask %d", st);
	atomic_store(&cb_ran, 0);
	atomic_store(&held_release, 1);
	pthread_join(h, NULL);
	pthread_join(u, NULL);
	srcu_barrier(&fork_srcu);
	cr_assert_eq(atomic_load(&cb_ran), 3, "the parent still runs its callbacks");
}
