/* SPDX-License-Identifier: MIT */
/*
 * call_srcu() and srcu_barrier().
 *
 * Each domain that uses call_srcu() gets its own worker thread (started on
 * first use, with every signal blocked so callbacks never run handlers). The
 * worker takes the whole queue, waits for one grace period (shared with any
 * concurrent synchronize_srcu), invokes the callbacks in queue order and then
 * publishes how many callbacks have ever been invoked. srcu_barrier() notes how
 * many had ever been queued when it was called and waits until that many have
 * been invoked; concurrent barriers share the work for free. A per-domain
 * worker keeps a slow reader of one domain from delaying another domain's
 * callbacks.
 */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>

#define WARN_BARRIER_IN_CB 4u

/* Everything queued up to `upto` has run: wake the srcu_barrier() callers. */
static void publish_invoked(struct srcu_priv *d, uint64_t upto)
{
	atomic_store_explicit(&d->cb_invoked, upto, memory_order_release);
	atomic_fetch_add(&d->done_futex, 1);
	if (srcu_waiters(&d->barrier_waiters))
		srcu_futex_wake(&d->done_futex, INT_MAX);
}

static void *cb_worker(void *arg)
{
	struct srcu_struct *ssp = arg;
	struct srcu_priv *d = srcu_priv(ssp);

	pthread_setname_np(pthread_self(), "srcu-cb");
	for (;;) {
		uint32_t f = atomic_load(&d->cb_futex);

		srcu_mutex_lock(&d->cb_lock);
		struct rcu_head *list = d->cb_head;
		uint64_t upto = d->cb_queued;
		d->cb_head = NULL;
		SRCU_TEST_HOOK(worker_splice); /* test builds: fork() lands here */
		d->cb_tail = NULL;
		d->cb_spliced = upto;
		bool stop = atomic_load(&d->worker_stop);
		srcu_mutex_unlock(&d->cb_lock);

		if (!list) {
			/* An empty batch completes its count too. This is a no-op
			 * unless the counts were left behind by a fork() (see
			 * repair_queue_after_fork): then no srcu_barrier() can wait
			 * for callbacks that will never run in this process. */
			if (atomic_load(&d->cb_invoked) < upto)
				publish_invoked(d, upto);
			if (stop)
				break;
			atomic_store(&d->worker_sleeping, 1);
			if (atomic_load(&d->cb_futex) == f)
				srcu_futex_wait(&d->cb_futex, f, NULL);
			atomic_store(&d->worker_sleeping, 0);
			continue;
		}
		srcu_gp_wait(ssp, false);
		while (list) {
			struct rcu_head *next = list->next;
			list->func(list);
			list = next;
		}
		publish_invoked(d, upto);
	}
	return NULL;
}

/*
 * In a fork() child, under cb_lock. The parent's other threads may have
 * stopped anywhere inside a cb_lock section: the worker between clearing the
 * list head and clearing the tail or updating the counts, call_srcu() between
 * linking a callback and counting it. The list itself is always a valid
 * prefix (call_srcu links fully initialised heads), so rebuild the rest from
 * it: the tail, and counts that leave exactly the listed callbacks to run
 * here. A batch the parent's worker had already taken runs in the parent only.
 */
static void repair_queue_after_fork(struct srcu_priv *d)
{
	uint64_t n = 0;
	struct rcu_head **tail = NULL;

	for (struct rcu_head *h = d->cb_head; h; h = h->next, n++)
		tail = &h->next;
	d->cb_tail = tail;
	uint64_t done = d->cb_queued > n ? d->cb_queued - n : 0;
	d->cb_spliced = done;
	atomic_store(&d->cb_invoked, done);
}

/* Under cb_lock. */
static void ensure_worker(struct srcu_struct *ssp)
{
	struct srcu_priv *d = srcu_priv(ssp);
	uint32_t epoch = atomic_load(&srcu_fork_epoch);

	if (d->worker_epoch == epoch)
		return;
	if (d->worker_epoch != 0)
		repair_queue_after_fork(d); /* the worker we had did not survive fork() */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old); /* the worker inherits this mask */
	atomic_store(&d->worker_stop, 0);
	atomic_store(&d->worker_sleeping, 0);
	int rc = pthread_create(&d->worker, NULL, cb_worker, ssp);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		srcu_fatal("cannot start the call_srcu worker thread");
	d->worker_epoch = epoch;
}

static void kick_worker(struct srcu_priv *d)
{
	atomic_fetch_add(&d->cb_futex, 1);
	if (atomic_load(&d->worker_sleeping))
		srcu_futex_wake(&d->cb_futex, 1);
}

ULOCKDEP_SRCU_API void call_srcu(struct srcu_struct *ssp, struct rcu_head *head,
				 void (*func)(struct rcu_head *head))
{
	struct srcu_priv *d = srcu_priv(ssp);

	srcu_global_init();
	head->func = func;
	head->next = NULL;
	srcu_mutex_lock(&d->cb_lock);
	ensure_worker(ssp);
	/* This store order leaves a valid list prefix at every step, which is
	 * what a fork() child sees if another thread was here. */
	*(d->cb_tail ? d->cb_tail : &d->cb_head) = head;
	d->cb_tail = &head->next;
	d->cb_queued++;
	srcu_mutex_unlock(&d->cb_lock);
	kick_worker(d);
}

ULOCKDEP_SRCU_API void srcu_barrier(struct srcu_struct *ssp)
{
	struct srcu_priv *d = srcu_priv(ssp);

	srcu_global_init();
	srcu_mutex_lock(&d->cb_lock);
	uint64_t target = d->cb_queued;
	bool pending = target > atomic_load(&d->cb_invoked);
	if (pending)
		ensure_worker(ssp); /* e.g. first barrier in a fork() child */
	bool from_worker = pending && pthread_equal(d->worker, pthread_self());
	srcu_mutex_unlock(&d->cb_lock);
	if (!pending)
		return;
	if (from_worker) {
		if (!(atomic_fetch_or(&d->warned, WARN_BARRIER_IN_CB) & WARN_BARRIER_IN_CB)) {
			struct srcu_msg m;
			srcu_msg_begin(&m);
			srcu_msg_str(&m, "srcu_barrier('");
			srcu_msg_str(&m, srcu_name(ssp));
			srcu_msg_str(&m, "') called from one of its own call_srcu callbacks; ignored (it would deadlock)");
			srcu_msg_end(&m);
		}
		return;
	}
	kick_worker(d);
	for (;;) {
		uint32_t f = atomic_load(&d->done_futex);
		if (atomic_load_explicit(&d->cb_invoked, memory_order_acquire) >= target)
			break;
		struct timespec to = { 1, 0 };
		uint64_t tag = srcu_waiters_inc(&d->barrier_waiters);
		srcu_futex_wait(&d->done_futex, f, &to);
		srcu_waiters_dec(&d->barrier_waiters, tag);
	}
}

/* Stop the worker if nothing is pending. 0, -EBUSY, or -EDEADLK when called
 * from the worker itself. */
HIDDEN int srcu_callbacks_shutdown(struct srcu_struct *ssp)
{
	struct srcu_priv *d = srcu_priv(ssp);

	srcu_mutex_lock(&d->cb_lock);
	if (d->cb_queued > atomic_load(&d->cb_invoked)) {
		srcu_mutex_unlock(&d->cb_lock);
		return -EBUSY;
	}
	bool live = d->worker_epoch != 0 && d->worker_epoch == atomic_load(&srcu_fork_epoch);
	pthread_t w = d->worker;
	if (live && pthread_equal(w, pthread_self())) {
		srcu_mutex_unlock(&d->cb_lock);
		return -EDEADLK;
	}
	atomic_store(&d->worker_stop, 1);
	srcu_mutex_unlock(&d->cb_lock);
	if (live) {
		kick_worker(d);
		pthread_join(w, NULL);
	}
	return 0;
}
