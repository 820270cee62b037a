/* SPDX-License-Identifier: MIT */
/*
 * srcu_bench: side-by-side costs of the bundled SRCU, measured in one run.
 *
 *  1. read-side lock+unlock pair, ns per pair per thread, at 1 and 2 threads:
 *     empty loop, bundled srcu_read_lock/unlock, liburcu-memb (a library call,
 *     like ours; and inlined for reference), pthread_rwlock rdlock, pthread_mutex
 *  2. synchronize_srcu latency (normal, expedited) with no readers and with a
 *     thread in read-side sections (empty, or 50 us long), and the caller's
 *     CPU time per call
 *  3. 8 concurrent updaters versus 1: throughput and grace periods per call
 *
 * Every figure is the median of repeated runs. Prints Markdown tables.
 *   srcu_bench [--reps N]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include <ulockdep/srcu.h>

#include "plt_loops.h"
#include "urcu_side.h"

DEFINE_STATIC_SRCU(bench_srcu);
static pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static int reps = 7;

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- 1. read-side pairs ----------------------------------------------------- */

/* floor.c, a separate shared library; called like the bundled read side
 * (through the GOT where the header's noplt attribute applies) */
ULOCKDEP_SRCU_NOPLT int srcu_bench_floor_lock(void *ssp);
ULOCKDEP_SRCU_NOPLT void srcu_bench_floor_unlock(void *ssp, int idx);

enum variant {
	V_EMPTY,
	V_FLOOR,
	V_FLOOR_PLT,
	V_SRCU,
	V_SRCU_PLT,
	V_URCU,
	V_URCU_INLINE,
	V_RWLOCK,
	V_MUTEX,
	NVARIANTS
};
static const char *variant_name[NVARIANTS] = {
	"empty loop",
	"two empty calls into a shared library (call floor)",
	"call floor through PLT stubs",
	"**bundled srcu_read_lock/unlock**",
	"bundled, through PLT stubs (clang; ULOCKDEP_SRCU_NOPLT empty)",
	"liburcu-memb rcu_read_lock/unlock (call)",
	"liburcu-memb, inlined (_LGPL_SOURCE)",
	"pthread_rwlock_rdlock/unlock",
	"pthread_mutex_lock/unlock",
};

static void read_loop(enum variant v, long n)
{
	switch (v) {
	case V_EMPTY:
		for (long i = 0; i < n; i++)
			__asm__ __volatile__("" ::: "memory");
		break;
	case V_FLOOR:
		for (long i = 0; i < n; i++) {
			int idx = srcu_bench_floor_lock(&bench_srcu);
			srcu_bench_floor_unlock(&bench_srcu, idx);
		}
		break;
	case V_FLOOR_PLT:
		plt_floor_loop(&bench_srcu, n);
		break;
	case V_SRCU:
		for (long i = 0; i < n; i++) {
			int idx = srcu_read_lock(&bench_srcu);
			srcu_read_unlock(&bench_srcu, idx);
		}
		break;
	case V_SRCU_PLT:
		plt_srcu_loop(&bench_srcu, n);
		break;
	case V_URCU:
		urcu_side_read_loop_call(n);
		break;
	case V_URCU_INLINE:
		urcu_side_read_loop_inline(n);
		break;
	case V_RWLOCK:
		for (long i = 0; i < n; i++) {
			pthread_rwlock_rdlock(&rwlock);
			pthread_rwlock_unlock(&rwlock);
		}
		break;
	case V_MUTEX:
		for (long i = 0; i < n; i++) {
			pthread_mutex_lock(&mutex);
			pthread_mutex_unlock(&mutex);
		}
		break;
	default:
		break;
	}
}

struct read_job {
	enum variant v;
	long n;
	pthread_barrier_t *bar;
	double ns;
};

static void *read_thread(void *arg)
{
	struct read_job *j = arg;
	bool urcu = j->v == V_URCU || j->v == V_URCU_INLINE;
	if (urcu)
		urcu_side_register();
	read_loop(j->v, j->n / 20); /* warm up: first use, caches */
	pthread_barrier_wait(j->bar);
	double t0 = now_s();
	read_loop(j->v, j->n);
	j->ns = (now_s() - t0) * 1e9 / (double)j->n;
	if (urcu)
		urcu_side_unregister();
	return NULL;
}

/* ns per pair, averaged over the threads of one run */
static double read_run(enum variant v, int threads, long n)
{
	pthread_barrier_t bar;
	pthread_t t[2];
	struct read_job j[2];
	double sum = 0;

	pthread_barrier_init(&bar, NULL, (unsigned)threads);
	for (int i = 0; i < threads; i++) {
		j[i] = (struct read_job){ v, n, &bar, 0 };
		pthread_create(&t[i], NULL, read_thread, &j[i]);
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		sum += j[i].ns;
	}
	pthread_barrier_destroy(&bar);
	return sum / threads;
}

/* Per-run iteration count, sized to about 25 ms for each variant. */
static long read_iters(enum variant v)
{
	double probe = read_run(v, 1, 200000);
	return (long)(25e6 / (probe > 0.05 ? probe : 0.05));
}

/*
 * The machine may be shared, so the variants are interleaved within each
 * repetition and ratios are taken per repetition (then the median): a load
 * change hits all variants of a repetition alike.
 */
static double ns[NVARIANTS][2], ratio[NVARIANTS][2]; /* ratio: variant / bundled SRCU */

static void read_measure(void)
{
	long n[NVARIANTS];
	static double res[NVARIANTS][2][64], tmp[64];

	for (int v = 0; v < NVARIANTS; v++)
		n[v] = read_iters((enum variant)v);
	for (int t = 0; t < 2; t++)
		for (int r = 0; r < reps; r++)
			for (int v = 0; v < NVARIANTS; v++)
				res[v][t][r] = read_run((enum variant)v, t + 1, n[v]);
	for (int v = 0; v < NVARIANTS; v++)
		for (int t = 0; t < 2; t++) {
			for (int r = 0; r < reps; r++)
				tmp[r] = res[v][t][r] / res[V_SRCU][t][r];
			ratio[v][t] = median(tmp, reps);
			ns[v][t] = median(res[v][t], reps);
		}
}

/* ---- 2. grace-period latency ---------------------------------------------- */

static atomic_int reader_stop, reader_running;
static long reader_hold_us; /* 0: empty sections back to back */

static void *busy_reader(void *arg)
{
	(void)arg;
	/* Timer slack 1 ns: a "50 us" section then sleeps about 50 us, not the
	 * 100+ us that the default 50 us slack gives. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	atomic_store(&reader_running, 1);
	while (!atomic_load_explicit(&reader_stop, memory_order_relaxed)) {
		int idx = srcu_read_lock(&bench_srcu);
		if (reader_hold_us) {
			struct timespec ts = { 0, reader_hold_us * 1000 };
			nanosleep(&ts, NULL);
		}
		srcu_read_unlock(&bench_srcu, idx);
	}
	return NULL;
}

static void start_busy_reader(pthread_t *t)
{
	atomic_store(&reader_stop, 0);
	atomic_store(&reader_running, 0);
	pthread_create(t, NULL, busy_reader, NULL);
	while (!atomic_load(&reader_running))
		;
}

static void stop_busy_reader(pthread_t t)
{
	atomic_store(&reader_stop, 1);
	pthread_join(t, NULL);
}

enum sync_kind { S_NORMAL, S_EXPEDITED, S_URCU };

struct latency {
	double median, p90;
	double cpu_us; /* CPU time of the calling thread, per call */
};

static double thread_cpu_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/*
 * With a reader in long sections, each call first sleeps a pseudo-random
 * 0..2x the section length, so that calls land anywhere in a section. Calls
 * back to back would each wait for almost exactly one whole section whatever
 * the waiting strategy: the reader starts its next section right after a grace
 * period ends, just before the next call.
 */
static struct latency sync_latency_us(enum sync_kind k, bool readers, int calls)
{
	pthread_t t;
	double *lat = malloc(sizeof(double) * (size_t)calls);
	double cpu = 0;
	uint64_t rng = 0x9e3779b97f4a7c15ull;

	if (readers)
		start_busy_reader(&t);
	if (k == S_URCU)
		urcu_side_register();
	for (int i = 0; i < calls; i++) {
		if (readers && reader_hold_us) {
			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			struct timespec ts = { 0, (long)(rng % (uint64_t)(2 * reader_hold_us)) * 1000 };
			nanosleep(&ts, NULL);
		}
		double c0 = thread_cpu_s(), t0 = now_s();
		if (k == S_NORMAL)
			synchronize_srcu(&bench_srcu);
		else if (k == S_EXPEDITED)
			synchronize_srcu_expedited(&bench_srcu);
		else
			urcu_side_synchronize();
		lat[i] = (now_s() - t0) * 1e6;
		cpu += thread_cpu_s() - c0;
	}
	double cpu_us = cpu * 1e6 / calls;
	if (k == S_URCU)
		urcu_side_unregister();
	if (readers)
		stop_busy_reader(t);
	struct latency l = { median(lat, calls), lat[(calls * 9) / 10], cpu_us }; /* median() sorted lat */
	free(lat);
	return l;
}

/* ---- 3. concurrent updaters -------------------------------------------------- */

static atomic_int upd_stop;
static atomic_long upd_calls;

static void *updater(void *arg)
{
	long n = 0;
	(void)arg;
	while (!atomic_load(&upd_stop)) {
		synchronize_srcu(&bench_srcu);
		n++;
	}
	atomic_fetch_add(&upd_calls, n);
	return NULL;
}

struct upd_result {
	double calls_per_s, gp_per_call;
};

static struct upd_result updaters_run(int n, double secs)
{
	pthread_t t[8], r;
	start_busy_reader(&r);
	atomic_store(&upd_stop, 0);
	atomic_store(&upd_calls, 0);
	unsigned long gp0 = srcu_batches_completed(&bench_srcu);
	double t0 = now_s();
	for (int i = 0; i < n; i++)
		pthread_create(&t[i], NULL, updater, NULL);
	while (now_s() - t0 < secs) {
		struct timespec ts = { 0, 10000000 };
		nanosleep(&ts, NULL);
	}
	atomic_store(&upd_stop, 1);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	double el = now_s() - t0;
	unsigned long gps = srcu_batches_completed(&bench_srcu) - gp0;
	stop_busy_reader(r);
	long calls = atomic_load(&upd_calls);
	return (struct upd_result){ (double)calls / el, (double)gps / (double)calls };
}

static struct upd_result updaters_median(int n)
{
	double c[64], g[64];
	for (int i = 0; i < reps; i++) {
		struct upd_result u = updaters_run(n, 0.12);
		c[i] = u.calls_per_s;
		g[i] = u.gp_per_call;
	}
	return (struct upd_result){ median(c, reps), median(g, reps) };
}

/* ---- main --------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: %s [--reps N]\n", argv[0]);
			return 2;
		}
	}
	if (reps < 1 || reps > 64)
		reps = 7;

	double t_start = now_s();
	printf("srcu_bench: flavor=%s, %d repetitions per figure (medians)\n\n", ulockdep_srcu_flavor(),
	       reps);

	read_measure();
	printf("Read-side lock+unlock pair (ns per pair, per thread; ratios are medians of\n"
	       "per-repetition ratios; 2 threads = both threads at once on the same lock/domain)\n\n");
	printf("| primitive | 1 thread | 2 threads | vs bundled SRCU (1 / 2 threads) |\n");
	printf("|---|---:|---:|---:|\n");
	for (int v = 0; v < NVARIANTS; v++)
		printf("| %s | %.2f | %.2f | %.2fx / %.2fx |\n", variant_name[v], ns[v][0], ns[v][1],
		       ratio[v][0], ratio[v][1]);

	printf("\nTargets (ratios of the per-repetition medians above)\n\n");
	printf("| target | 1 thread | 2 threads |\n|---|---|---|\n");
	printf("| bundled read pair within 1.5x of liburcu-memb's (call) |");
	for (int t = 0; t < 2; t++) {
		double r_urcu = 1 / ratio[V_URCU][t];
		printf(" %s: %.2fx |", r_urcu <= 1.5 ? "met" : "**MISSED**", r_urcu);
	}
	printf("\n| bundled read pair at least 5x cheaper than pthread_rwlock rdlock/unlock |");
	for (int t = 0; t < 2; t++) {
		double r_rw = ratio[V_RWLOCK][t];
		printf(" %s: %.1fx |", r_rw >= 5 ? "met" : "**MISSED**", r_rw);
	}
	printf("\n| (same, through PLT stubs) |");
	for (int t = 0; t < 2; t++) {
		double r_rw = ratio[V_RWLOCK][t] / ratio[V_SRCU_PLT][t];
		printf(" %s: %.1fx |", r_rw >= 5 ? "met" : "**MISSED**", r_rw);
	}
	printf("\n| (limit: rwlock pair / two empty library calls) |");
	for (int t = 0; t < 2; t++)
		printf(" %.1fx |", ratio[V_RWLOCK][t] / ratio[V_FLOOR][t]);
	printf("\n");

	printf("\nGrace-period latency (us: median of the calls, 90th percentile in brackets;\n"
	       "CPU: the caller's CPU time per call)\n\n");
	printf("| call | no readers | 1 thread in empty sections back to back | 1 thread in 50 us sections | CPU per call, 50 us sections |\n");
	printf("|---|---:|---:|---:|---:|\n");
	struct latency slow[2];
	for (int k = 0; k < 2; k++) {
		enum sync_kind sk = k ? S_EXPEDITED : S_NORMAL;
		struct latency none = sync_latency_us(sk, false, 2000), busy = sync_latency_us(sk, true, 400);
		reader_hold_us = 50;
		slow[k] = sync_latency_us(sk, true, 200);
		reader_hold_us = 0;
		printf("| %s | %.1f (%.1f) | %.1f (%.1f) | %.1f (%.1f) | %.1f |\n",
		       k ? "synchronize_srcu_expedited" : "synchronize_srcu", none.median, none.p90,
		       busy.median, busy.p90, slow[k].median, slow[k].p90, slow[k].cpu_us);
	}
	struct latency u = sync_latency_us(S_URCU, false, 2000);
	printf("| liburcu-memb synchronize_rcu (reference) | %.1f (%.1f) | - | - | - |\n", u.median, u.p90);
	printf("\n- expedited vs normal, reader in 50 us sections: %.2fx the median latency, "
	       "%.2fx the 90th percentile, %.2fx the caller's CPU time\n",
	       slow[1].median / slow[0].median, slow[1].p90 / slow[0].p90,
	       slow[1].cpu_us / slow[0].cpu_us);

	printf("\nConcurrent updaters (synchronize_srcu in a loop, no lock around it)\n\n");
	printf("| reader thread | updaters | calls/s | grace periods per call |\n");
	printf("|---|---:|---:|---:|\n");
	struct upd_result r[2][2];
	for (int k = 0; k < 2; k++) {
		reader_hold_us = k ? 50 : 0;
		r[k][0] = updaters_median(1);
		r[k][1] = updaters_median(8);
		for (int j = 0; j < 2; j++)
			printf("| %s | %d | %.0f | %.2f |\n", k ? "50 us sections" : "empty sections",
			       j ? 8 : 1, r[k][j].calls_per_s, r[k][j].gp_per_call);
	}
	reader_hold_us = 0;
	printf("\n");
	for (int k = 0; k < 2; k++)
		printf("- 8 updaters vs 1, reader in %s: %.2fx the calls/s, %.2fx the grace periods per call\n",
		       k ? "50 us sections" : "empty sections", r[k][1].calls_per_s / r[k][0].calls_per_s,
		       r[k][1].gp_per_call / r[k][0].gp_per_call);
	printf("\n(total bench time %.1f s)\n", now_s() - t_start);
	return 0;
}
