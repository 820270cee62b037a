/* SPDX-License-Identifier: MIT */
/*
 * srcu_torture: an rcutorture-style stress test of the bundled SRCU.
 *
 * One writer publishes elements from a fixed pool and retires the previous one,
 * either through synchronize_srcu()/synchronize_srcu_expedited() or through a
 * chain of call_srcu() callbacks. Each retired element ages by one per grace
 * period ("pipe" count: 0 = current, 1 = retired, +1 per grace period since)
 * and is poisoned and recycled at PIPE_LEN. Readers in churning threads and in
 * signal handlers (a pthread_kill storm) dereference the current element and
 * check, at the end of their section, that it is still live, was not recycled,
 * and has pipe count 0 or 1: a reader that sees 2 or more outlived a full grace
 * period. Fake writers add concurrent normal/expedited grace periods and
 * srcu_barrier(); the main thread churns reader threads and forks children
 * that must be able to use the domain.
 *
 *   srcu_torture [--seconds S] [--readers N] [--fake-writers N]
 *                [--no-signals] [--no-fork] [--stop-on-error]
 *                [--reader-delay-us US] [--reader-delay-every N]
 *
 * --reader-delay-us needs a test build of the library (test_hooks.h): every
 * Nth (default 64th) section of each thread then spins US microseconds between
 * loading the index and counting on it, the reader that only the first scan
 * of a grace period (SCAN1) catches.
 *
 * Prints a summary ending in "RESULT: PASS" (exit 0) or "RESULT: FAIL" (exit 1).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ulockdep/srcu.h>

#include "test_hooks.h"
/* Only the test builds of the library have it; NULL in the others. */
#pragma weak ulockdep_srcu_test_reader_delay

#define PIPE_LEN 10
#define POOL 1024
#define MAX_READERS 16
#define LIVE 0x11ce11ceu
#define POISON 0xdeadbeefu

DEFINE_STATIC_SRCU(torture_srcu);

struct telem {
	struct rcu_head rh; /* first member: callbacks cast back */
	atomic_int pipe;
	atomic_uint magic;
	atomic_ulong seq;
	struct telem *_Atomic next_free;
};

static struct telem pool[POOL];
static struct telem *_Atomic freelist;
static struct telem *current_elem;

static atomic_int stop;
static bool opt_signals = true, opt_fork = true, opt_stop_on_error;
static double opt_seconds = 3.0;
static int opt_readers = 2, opt_fake_writers = 2, opt_reader_delay_us,
	   opt_reader_delay_every = 64;

/* errors */
static atomic_long err_freed, err_reused, err_too_old, err_mb, err_held, err_fork;
/* statistics */
static atomic_long hist[PIPE_LEN + 1];
static atomic_long n_thread_reads, n_signal_reads, n_slow_reads, n_nested;
static atomic_long n_sync_updates, n_async_updates, n_fake_gps, n_barriers, n_freelist_empty;
static atomic_long n_threads_started, n_forks, n_signals_sent;

static long total_errors(void)
{
	return atomic_load(&err_freed) + atomic_load(&err_reused) + atomic_load(&err_too_old) +
	       atomic_load(&err_mb) + atomic_load(&err_held) + atomic_load(&err_fork);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) /* signals must not shorten it */
		;
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ---- element pool: lock-free stack, single consumer (the writer) ---------- */
/* Lock-free so that fork() children, whose worker runs inherited callbacks,
 * can never find it locked by a thread that is gone. */

static void pool_put(struct telem *e)
{
	struct telem *h = atomic_load(&freelist);
	do
		atomic_store_explicit(&e->next_free, h, memory_order_relaxed);
	while (!atomic_compare_exchange_weak(&freelist, &h, e));
}

static struct telem *pool_get(void)
{
	struct telem *h = atomic_load(&freelist);
	while (h && !atomic_compare_exchange_weak(&freelist, &h, atomic_load(&h->next_free)))
		;
	return h;
}

static void retire_final(struct telem *e)
{
	atomic_store(&e->magic, POISON);
	pool_put(e);
}

/* ---- readers ------------------------------------------------------------ */

static void spin(int n)
{
	for (int i = 0; i < n; i++)
		atomic_signal_fence(memory_order_seq_cst);
}

/* One read-side section. slow: sleep inside it (thread readers only). */
static void torture_read(uint64_t *rng, bool slow, bool in_handler)
{
	int idx = srcu_read_lock(&torture_srcu);
	struct telem *p = srcu_dereference(current_elem, &torture_srcu);

	if (!srcu_read_lock_held(&torture_srcu))
		atomic_fetch_add(&err_held, 1);
	if (!p) {
		srcu_read_unlock(&torture_srcu, idx);
		return;
	}
	unsigned long seq = atomic_load(&p->seq);
	if (atomic_load(&p->magic) != LIVE)
		atomic_fetch_add(&err_mb, 1); /* published but not (yet) initialised */

	if (slow) {
		sleep_us(200 + (long)(rng_next(rng) % 400));
		atomic_fetch_add(&n_slow_reads, 1);
	} else {
		spin((int)(rng_next(rng) % 64));
	}
	if (rng_next(rng) % 8 == 0) { /* nested section on the same domain */
		int j = srcu_read_lock(&torture_srcu);
		spin(8);
		srcu_read_unlock(&torture_srcu, j);
		atomic_fetch_add(&n_nested, 1);
	}

	int pc = atomic_load(&p->pipe);
	if (pc < 0 || pc > PIPE_LEN)
		pc = PIPE_LEN;
	atomic_fetch_add_explicit(&hist[pc], 1, memory_order_relaxed);
	if (pc > 1)
		atomic_fetch_add(&err_too_old, 1);
	if (atomic_load(&p->magic) != LIVE)
		atomic_fetch_add(&err_freed, 1);
	if (atomic_load(&p->seq) != seq)
		atomic_fetch_add(&err_reused, 1);
	srcu_read_unlock(&torture_srcu, idx);
	atomic_fetch_add_explicit(in_handler ? &n_signal_reads : &n_thread_reads, 1,
				  memory_order_relaxed);
}

static __thread uint64_t handler_rng;

static void torture_handler(int sig)
{
	int saved = errno;
	(void)sig;
	if (!handler_rng)
		handler_rng = (uint64_t)(uintptr_t)&handler_rng | 1;
	torture_read(&handler_rng, false, true);
	errno = saved;
}

struct reader_slot {
	pthread_t thread;
	atomic_int state; /* 0 empty, 1 running, 2 finished */
	double lifetime;
	uint64_t seed;
};

static struct reader_slot readers[MAX_READERS];
static pthread_mutex_t readers_lock = PTHREAD_MUTEX_INITIALIZER;

static void *reader_thread(void *arg)
{
	struct reader_slot *slot = arg;
	uint64_t rng = slot->seed | 1;
	double end = now_s() + slot->lifetime;
	long n = 0;

	while (!atomic_load(&stop)) {
		torture_read(&rng, rng_next(&rng) % 32 == 0, false);
		if ((++n & 63) == 0 && now_s() > end)
			break;
	}
	atomic_store(&slot->state, 2);
	return NULL;
}

static void start_reader(struct reader_slot *slot, uint64_t *rng)
{
	slot->lifetime = 0.005 + (double)(rng_next(rng) % 45) * 0.001; /* 5-50 ms */
	slot->seed = rng_next(rng);
	atomic_store(&slot->state, 1);
	if (pthread_create(&slot->thread, NULL, reader_thread, slot) != 0) {
		perror("pthread_create");
		exit(2);
	}
	atomic_fetch_add(&n_threads_started, 1);
}

/* ---- writer ---------------------------------------------------------------- */

static void pipe_cb(struct rcu_head *h)
{
	struct telem *e = (struct telem *)h;
	if (atomic_fetch_add(&e->pipe, 1) + 1 >= PIPE_LEN)
		retire_final(e);
	else
		call_srcu(&torture_srcu, &e->rh, pipe_cb); /* one more grace period */
}

static pthread_t writer_thread;

static void *writer(void *arg)
{
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	struct telem *sync_list[POOL];
	int nsync = 0;
	unsigned long pub = 0;
	(void)arg;

	while (!atomic_load(&stop)) {
		struct telem *p = pool_get();
		if (!p) {
			atomic_fetch_add(&n_freelist_empty, 1);
			sleep_us(200);
			continue;
		}
		atomic_store(&p->pipe, 0);
		atomic_store(&p->seq, ++pub);
		atomic_store(&p->magic, LIVE);
		struct telem *old = current_elem;
		rcu_assign_pointer(current_elem, p);
		if (old) {
			atomic_store(&old->pipe, 1);
			if (rng_next(&rng) & 1) {
				call_srcu(&torture_srcu, &old->rh, pipe_cb);
				atomic_fetch_add(&n_async_updates, 1);
			} else {
				sync_list[nsync++] = old;
				atomic_fetch_add(&n_sync_updates, 1);
			}
		}
		if (nsync) {
			if (rng_next(&rng) % 4 == 0)
				synchronize_srcu_expedited(&torture_srcu);
			else
				synchronize_srcu(&torture_srcu);
			/* a full grace period since every element on the list aged */
			for (int i = 0; i < nsync;) {
				if (atomic_fetch_add(&sync_list[i]->pipe, 1) + 1 >= PIPE_LEN) {
					retire_final(sync_list[i]);
					sync_list[i] = sync_list[--nsync];
				} else {
					i++;
				}
			}
		}
		if (rng_next(&rng) % 4 == 0)
			sleep_us(20);
	}
	return NULL;
}

static void *fake_writer(void *arg)
{
	uint64_t rng = (uint64_t)(uintptr_t)arg * 0x2545f4914f6cdd1dull + 1;

	while (!atomic_load(&stop)) {
		switch (rng_next(&rng) % 8) {
		case 0:
		case 1:
		case 2:
			synchronize_srcu(&torture_srcu);
			atomic_fetch_add(&n_fake_gps, 1);
			break;
		case 3:
		case 4:
			synchronize_srcu_expedited(&torture_srcu);
			atomic_fetch_add(&n_fake_gps, 1);
			break;
		case 5:
			srcu_barrier(&torture_srcu);
			atomic_fetch_add(&n_barriers, 1);
			break;
		default:
			sleep_us((long)(rng_next(&rng) % 200));
		}
	}
	return NULL;
}

/* ---- signal storm --------------------------------------------------------- */

static pthread_t fake_threads[8];

static void *signaller(void *arg)
{
	uint64_t rng = 12345;
	(void)arg;
	while (!atomic_load(&stop)) {
		int pick = (int)(rng_next(&rng) % (uint64_t)(opt_readers + 2));
		pthread_mutex_lock(&readers_lock);
		if (pick < opt_readers) {
			if (atomic_load(&readers[pick].state) != 0)
				pthread_kill(readers[pick].thread, SIGUSR1);
		} else if (pick == opt_readers) {
			pthread_kill(writer_thread, SIGUSR1); /* a handler reader inside synchronize_srcu */
		} else if (opt_fake_writers > 0) {
			pthread_kill(fake_threads[rng_next(&rng) % (uint64_t)opt_fake_writers], SIGUSR1);
		}
		pthread_mutex_unlock(&readers_lock);
		atomic_fetch_add(&n_signals_sent, 1);
		if (rng_next(&rng) % 8 == 0)
			sleep_us(10);
	}
	return NULL;
}

/* ---- fork ---------------------------------------------------------------- */

static atomic_int child_cb_ran;
static void child_cb(struct rcu_head *h)
{
	(void)h;
	atomic_store(&child_cb_ran, 1);
}

static int fork_child(bool in_reader, int idx)
{
	uint64_t rng = 777;
	struct rcu_head rh;
	int fails = 0;

	alarm(15); /* a hang in the child becomes a failure */
	if (in_reader) {
		if (!srcu_read_lock_held(&torture_srcu))
			fails++;
		srcu_read_unlock(&torture_srcu, idx);
	}
	long before = total_errors();
	for (int i = 0; i < 100; i++)
		torture_read(&rng, false, false);
	if (total_errors() != before)
		fails++;
	synchronize_srcu(&torture_srcu);
	synchronize_srcu_expedited(&torture_srcu);
	call_srcu(&torture_srcu, &rh, child_cb);
	srcu_barrier(&torture_srcu);
	if (!atomic_load(&child_cb_ran))
		fails++;
	if (srcu_readers_active(&torture_srcu) != 0)
		fails++;
	return fails ? 1 : 0;
}

static void fork_check(void)
{
	bool in_reader = atomic_load(&n_forks) & 1;
	int idx = in_reader ? srcu_read_lock(&torture_srcu) : 0;

	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0)
		_exit(fork_child(in_reader, idx));
	if (in_reader)
		srcu_read_unlock(&torture_srcu, idx);
	atomic_fetch_add(&n_forks, 1);
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "srcu_torture: fork child failed (status 0x%x)\n", status);
		atomic_fetch_add(&err_fork, 1);
	}
}

/* ---- main ------------------------------------------------------------------ */

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--seconds S] [--readers N] [--fake-writers N] [--no-signals] [--no-fork] "
		"[--stop-on-error] [--reader-delay-us US] [--reader-delay-every N]\n",
		argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			opt_seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--readers") && i + 1 < argc)
			opt_readers = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--fake-writers") && i + 1 < argc)
			opt_fake_writers = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--no-signals"))
			opt_signals = false;
		else if (!strcmp(argv[i], "--no-fork"))
			opt_fork = false;
		else if (!strcmp(argv[i], "--stop-on-error"))
			opt_stop_on_error = true;
		else if (!strcmp(argv[i], "--reader-delay-us") && i + 1 < argc)
			opt_reader_delay_us = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--reader-delay-every") && i + 1 < argc)
			opt_reader_delay_every = atoi(argv[++i]);
		else
			usage(argv[0]);
	}
	if (opt_readers < 1 || opt_readers > MAX_READERS || opt_fake_writers < 0 || opt_fake_writers > 8 ||
	    opt_seconds <= 0 || opt_reader_delay_us < 0 ||
	    opt_reader_delay_every < 1)
		usage(argv[0]);
	if (opt_reader_delay_us) {
		if (!ulockdep_srcu_test_reader_delay) {
			fprintf(stderr, "srcu_torture: --reader-delay-us needs a test build of the library "
					"(libulockdep-srcu-hooks)\n");
			return 2;
		}
		ulockdep_srcu_test_reader_delay((unsigned)opt_reader_delay_us,
						(unsigned)opt_reader_delay_every);
	}

	printf("srcu_torture: flavor=%s seconds=%.1f readers=%d fake_writers=%d signals=%s fork=%s "
	       "reader_delay=%dus/%d\n",
	       ulockdep_srcu_flavor(), opt_seconds, opt_readers, opt_fake_writers,
	       opt_signals ? "on" : "off", opt_fork ? "on" : "off", opt_reader_delay_us,
	       opt_reader_delay_every);
	fflush(stdout);

	for (int i = 0; i < POOL; i++) {
		atomic_store(&pool[i].magic, POISON);
		pool_put(&pool[i]);
	}
	if (opt_signals) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = torture_handler;
		sa.sa_flags = SA_RESTART;
		sigaction(SIGUSR1, &sa, NULL);
	}

	uint64_t rng = 0x1234567;
	pthread_t sig_thread;
	pthread_create(&writer_thread, NULL, writer, NULL);
	for (int i = 0; i < opt_fake_writers; i++)
		pthread_create(&fake_threads[i], NULL, fake_writer, (void *)(uintptr_t)(i + 1));
	pthread_mutex_lock(&readers_lock);
	for (int i = 0; i < opt_readers; i++)
		start_reader(&readers[i], &rng);
	pthread_mutex_unlock(&readers_lock);
	if (opt_signals)
		pthread_create(&sig_thread, NULL, signaller, NULL);

	unsigned long gp0 = srcu_batches_completed(&torture_srcu);
	double start = now_s(), end = start + opt_seconds, next_fork = start + 0.25;
	while (now_s() < end) {
		sleep_us(2000);
		for (int i = 0; i < opt_readers; i++) { /* thread churn */
			if (atomic_load(&readers[i].state) != 2)
				continue;
			pthread_mutex_lock(&readers_lock);
			pthread_join(readers[i].thread, NULL);
			start_reader(&readers[i], &rng);
			pthread_mutex_unlock(&readers_lock);
		}
		if (opt_fork && now_s() >= next_fork) {
			fork_check();
			next_fork = now_s() + 0.3;
		}
		if (opt_stop_on_error && total_errors())
			break;
	}
	double elapsed = now_s() - start;

	atomic_store(&stop, 1);
	if (opt_signals)
		pthread_join(sig_thread, NULL);
	pthread_join(writer_thread, NULL);
	for (int i = 0; i < opt_fake_writers; i++)
		pthread_join(fake_threads[i], NULL);
	for (int i = 0; i < opt_readers; i++)
		pthread_join(readers[i].thread, NULL);
	srcu_barrier(&torture_srcu);
	long leftover = srcu_readers_active(&torture_srcu);
	unsigned long gps = srcu_batches_completed(&torture_srcu) - gp0;

	printf("srcu_torture: ran %.2f s; reads: %ld in threads (%ld slow, %ld nested), %ld in signal handlers (%ld signals sent)\n",
	       elapsed, atomic_load(&n_thread_reads), atomic_load(&n_slow_reads), atomic_load(&n_nested),
	       atomic_load(&n_signal_reads), atomic_load(&n_signals_sent));
	printf("srcu_torture: updates: %ld via synchronize_srcu, %ld via call_srcu; fake grace periods: %ld; barriers: %ld; grace periods completed: %lu\n",
	       atomic_load(&n_sync_updates), atomic_load(&n_async_updates), atomic_load(&n_fake_gps),
	       atomic_load(&n_barriers), gps);
	printf("srcu_torture: reader threads started: %ld; forks: %ld\n", atomic_load(&n_threads_started),
	       atomic_load(&n_forks));
	printf("srcu_torture: Reader Pipe:");
	for (int i = 0; i <= PIPE_LEN; i++)
		printf(" %ld", atomic_load(&hist[i]));
	printf("\n");
	printf("srcu_torture: errors: too_old=%ld freed=%ld reused=%ld mberror=%ld not_held=%ld fork=%ld leftover_readers=%ld (freelist empty: %ld)\n",
	       atomic_load(&err_too_old), atomic_load(&err_freed), atomic_load(&err_reused),
	       atomic_load(&err_mb), atomic_load(&err_held), atomic_load(&err_fork), leftover,
	       atomic_load(&n_freelist_empty));

	const char *why = NULL;
	if (total_errors() || leftover)
		why = "SRCU guarantee violated (breakage detected)";
	else if (atomic_load(&n_sync_updates) + atomic_load(&n_async_updates) == 0 || gps == 0 ||
		 atomic_load(&n_thread_reads) == 0 || (opt_signals && atomic_load(&n_signal_reads) == 0))
		why = "the test did not exercise SRCU (no updates, grace periods or reads)";
	if (why) {
		printf("srcu_torture: RESULT: FAIL (%s)\n", why);
		return 1;
	}
	printf("srcu_torture: RESULT: PASS\n");
	return 0;
}
