/* lockbench: the cost of one lock + unlock, natively or under an LD_PRELOAD checker.
 *
 *   lockbench --threads N --depth D --iters I --kind mutex|rwlock-read|rwlock-write|spin
 *             [--shared] [--same-class] [--locks L] [--coupling N] [--warmup W] [-v]
 *
 * Each of the N threads repeats I times: take its D locks in a fixed order (0, 1, ..., D-1),
 * then release them in reverse order. By default every thread has its own disjoint set of D
 * locks; with --shared all threads use the same D locks (one set), in the same order.
 *
 * Classes (as ulockdep keys them): by default the D locks are statically initialised (zeroed
 * static storage, never passed to an init function), so each is its own class: D classes
 * nested (spinlocks excepted: they are initialised, one class). With --same-class the D locks are one heap array initialised in a loop at one
 * call site: D instances of one class, nested in address order (arrays of locks, hash
 * buckets locked in order, the kernel's same-class nesting).
 *
 * With --coupling N: each thread walks a linked list of N nodes hand over hand, I times:
 * lock node 0; then for each next node, lock it and unlock the one before; at the end unlock
 * the last. The nodes are heap objects initialised at one call site (one class): lock
 * coupling, as in B-tree and list traversals. One iteration is N pairs.
 *
 * With --locks L (depth 1): each thread has L locks of its own (with --shared, all threads
 * use one array of L locks) and each iteration takes and releases one of them, picked at
 * random (a fixed xorshift sequence per thread): the pattern of `sysbench mutex`, many locks
 * one at a time. The L locks are one heap array initialised at one call site, so under
 * ulockdep they are L instances of one class. A pair is the same lock + unlock, plus the
 * few instructions of the random pick (native runs pay them too).
 *
 * The locks live in static storage, one per 64-byte line and each thread's set on lines of
 * its own (no false sharing between disjoint sets). Under ulockdep a lock in static storage
 * is its own class, so depth D means D distinct classes nested: the usual nesting of
 * different locks, not same-class nesting.
 *
 * Definition: one "pair" is one lock call plus one unlock call of one lock. A thread does
 * iters * depth pairs in its timed loop (iters * N with --coupling N, iters with --locks).
 * Every thread times its own loop with
 * CLOCK_MONOTONIC, all starting together after a barrier, and
 *
 *     ns_per_pair = (sum over threads of the thread's elapsed ns) / (threads * iters * pairs per iteration)
 *
 * i.e. the average latency of a pair as seen by a thread. With disjoint locks on enough
 * cores it stays flat as threads are added; with --shared it includes waiting for the lock.
 * Before the timed loop each thread runs W (default: I / 10, at least 1000) untimed
 * iterations of the same loop, so first-time costs (registration of each lock, validation
 * of each new lock chain) are excluded.
 *
 * stdout gets exactly one line, `ns_per_pair=<float>`; -v adds details on stderr.
 * The exit status is non-zero on a usage error or if any lock call failed. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_THREADS 64
#define MAX_DEPTH 64

enum kind { K_MUTEX, K_RWREAD, K_RWWRITE, K_SPIN };

static const char *const kind_names[] = { "mutex", "rwlock-read", "rwlock-write", "spin" };

/* One lock per cache line. */
union slot {
    pthread_mutex_t m;
    pthread_rwlock_t rw;
    pthread_spinlock_t s;
    char line[64];
} __attribute__((aligned(64)));

/* One set per thread; 128-byte alignment also keeps adjacent-line prefetch apart. */
struct lockset {
    union slot l[MAX_DEPTH];
} __attribute__((aligned(128)));

static struct lockset sets[MAX_THREADS];

struct worker {
    pthread_t th;
    union slot *locks;  /* depth of them, or nlocks with --locks */
    long warmup, iters;
    long nlocks;        /* --locks: pick one of nlocks at random each iteration; 0: off */
    long coupling;      /* --coupling: walk this many nodes hand over hand; 0: off */
    uint64_t rng;
    int depth;
    int errors;
    uint64_t ns;
} __attribute__((aligned(128)));

static enum kind kind;
static pthread_barrier_t start_barrier;

/* The loop, one copy per kind so that each lock call is a direct call. Errors are OR-ed
 * together and checked once at the end; the calls are into libc (or the preloaded
 * checker), which the compiler cannot drop. */
#define LOOP(LOCK, UNLOCK, FIELD)                                   \
    do {                                                            \
        for (long it = 0; it < iters; it++) {                       \
            for (int d = 0; d < depth; d++)                         \
                err |= LOCK(&locks[d].FIELD);                       \
            for (int d = depth - 1; d >= 0; d--)                    \
                err |= UNLOCK(&locks[d].FIELD);                     \
        }                                                           \
    } while (0)

/* --locks: one random lock of n per iteration. xorshift64; the modulo by a power of two
 * is a mask, otherwise a multiply-shift (no division in the loop). */
#define SPREAD(LOCK, UNLOCK, FIELD)                                             \
    do {                                                                        \
        for (long it = 0; it < iters; it++) {                                   \
            x ^= x << 13;                                                       \
            x ^= x >> 7;                                                        \
            x ^= x << 17;                                                       \
            union slot *s_ = &locks[(uint64_t)(((unsigned __int128)x * n) >> 64)]; \
            err |= LOCK(&s_->FIELD);                                            \
            err |= UNLOCK(&s_->FIELD);                                          \
        }                                                                       \
    } while (0)

__attribute__((noinline)) static int run_spread(union slot *locks, uint64_t n, long iters, uint64_t *rng)
{
    int err = 0;
    uint64_t x = *rng;
    switch (kind) {
    case K_MUTEX:
        SPREAD(pthread_mutex_lock, pthread_mutex_unlock, m);
        break;
    case K_RWREAD:
        SPREAD(pthread_rwlock_rdlock, pthread_rwlock_unlock, rw);
        break;
    case K_RWWRITE:
        SPREAD(pthread_rwlock_wrlock, pthread_rwlock_unlock, rw);
        break;
    case K_SPIN:
        SPREAD(pthread_spin_lock, pthread_spin_unlock, s);
        break;
    }
    *rng = x;
    return err;
}

/* --coupling: hand over hand along locks[0..n-1] (the list's nodes, in list order). */
#define COUPLE(LOCK, UNLOCK, FIELD)                                 \
    do {                                                            \
        for (long it = 0; it < iters; it++) {                       \
            err |= LOCK(&locks[0].FIELD);                           \
            for (long i = 1; i < n; i++) {                          \
                err |= LOCK(&locks[i].FIELD);                       \
                err |= UNLOCK(&locks[i - 1].FIELD);                 \
            }                                                       \
            err |= UNLOCK(&locks[n - 1].FIELD);                     \
        }                                                           \
    } while (0)

__attribute__((noinline)) static int run_coupling(union slot *locks, long n, long iters)
{
    int err = 0;
    switch (kind) {
    case K_MUTEX:
        COUPLE(pthread_mutex_lock, pthread_mutex_unlock, m);
        break;
    case K_RWREAD:
        COUPLE(pthread_rwlock_rdlock, pthread_rwlock_unlock, rw);
        break;
    case K_RWWRITE:
        COUPLE(pthread_rwlock_wrlock, pthread_rwlock_unlock, rw);
        break;
    case K_SPIN:
        COUPLE(pthread_spin_lock, pthread_spin_unlock, s);
        break;
    }
    return err;
}

__attribute__((noinline)) static int run_loop(union slot *locks, int depth, long iters)
{
    int err = 0;
    switch (kind) {
    case K_MUTEX:
        LOOP(pthread_mutex_lock, pthread_mutex_unlock, m);
        break;
    case K_RWREAD:
        LOOP(pthread_rwlock_rdlock, pthread_rwlock_unlock, rw);
        break;
    case K_RWWRITE:
        LOOP(pthread_rwlock_wrlock, pthread_rwlock_unlock, rw);
        break;
    case K_SPIN:
        LOOP(pthread_spin_lock, pthread_spin_unlock, s);
        break;
    }
    return err;
}

/* The timed part on its own, so that `valgrind --tool=callgrind --toggle-collect=measured`
 * counts exactly the timed loop. */
__attribute__((noinline)) static int measured(struct worker *w)
{
    if (w->nlocks)
        return run_spread(w->locks, (uint64_t)w->nlocks, w->iters, &w->rng);
    if (w->coupling)
        return run_coupling(w->locks, w->coupling, w->iters);
    return run_loop(w->locks, w->depth, w->iters);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *worker_main(void *p)
{
    struct worker *w = p;
    if (w->nlocks) /* warm-up: every lock of the set once, then random picks */
        for (long i = 0; i < w->nlocks; i++)
            w->errors |= run_loop(&w->locks[i], 1, 1);
    if (w->nlocks)
        w->errors |= run_spread(w->locks, (uint64_t)w->nlocks, w->warmup, &w->rng);
    else if (w->coupling)
        w->errors |= run_coupling(w->locks, w->coupling, w->warmup);
    else
        w->errors |= run_loop(w->locks, w->depth, w->warmup);
    pthread_barrier_wait(&start_barrier);
    uint64_t t0 = now_ns();
    w->errors |= measured(w);
    uint64_t t1 = now_ns();
    w->ns = t1 - t0;
    return NULL;
}

static int init_lock(union slot *s)
{
    switch (kind) {
    case K_MUTEX:
        return pthread_mutex_init(&s->m, NULL);
    case K_RWREAD:
    case K_RWWRITE:
        return pthread_rwlock_init(&s->rw, NULL);
    case K_SPIN:
        return pthread_spin_init(&s->s, PTHREAD_PROCESS_PRIVATE);
    }
    return EINVAL;
}

static void destroy_lock(union slot *s)
{
    switch (kind) {
    case K_MUTEX:
        pthread_mutex_destroy(&s->m);
        break;
    case K_RWREAD:
    case K_RWWRITE:
        pthread_rwlock_destroy(&s->rw);
        break;
    case K_SPIN:
        pthread_spin_destroy(&s->s);
        break;
    }
}

static void usage(FILE *f)
{
    fprintf(f, "usage: lockbench [--threads N] [--depth D] [--iters I] [--warmup W]\n"
               "                 [--kind mutex|rwlock-read|rwlock-write|spin] [--shared] [--same-class]\n"
               "                 [--locks L] [--coupling N] [-v]\n"
               "defaults: --threads 1 --depth 1 --iters 1000000 --kind mutex, warmup I/10 (>= 1000)\n"
               "prints ns_per_pair=<float>: one pair is one lock + one unlock of one lock;\n"
               "sum of the threads' timed-loop ns / (threads * iters * depth)\n");
}

static long parse_long(const char *opt, const char *s, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(s ? s : "", &end, 10);
    if (!s || errno || *end || end == s || v < lo || v > hi) {
        fprintf(stderr, "lockbench: %s wants an integer in [%ld, %ld]\n", opt, lo, hi);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    long threads = 1, depth = 1, iters = 1000000, warmup = -1, nlocks = 0, coupling = 0;
    bool shared = false, verbose = false, depth_given = false, same_class = false;
    kind = K_MUTEX;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--threads")) {
            threads = parse_long(a, v, 1, MAX_THREADS), i++;
        } else if (!strcmp(a, "--depth")) {
            depth = parse_long(a, v, 1, MAX_DEPTH), i++;
            depth_given = true;
        } else if (!strcmp(a, "--iters")) {
            iters = parse_long(a, v, 1, 1L << 40), i++;
        } else if (!strcmp(a, "--warmup")) {
            warmup = parse_long(a, v, 0, 1L << 40), i++;
        } else if (!strcmp(a, "--kind")) {
            int k = -1;
            for (int j = 0; j < 4; j++)
                if (v && !strcmp(v, kind_names[j]))
                    k = j;
            if (k < 0) {
                fprintf(stderr, "lockbench: --kind wants mutex, rwlock-read, rwlock-write or spin\n");
                return 2;
            }
            kind = (enum kind)k;
            i++;
        } else if (!strcmp(a, "--locks")) {
            nlocks = parse_long(a, v, 1, 1L << 24), i++;
        } else if (!strcmp(a, "--coupling")) {
            coupling = parse_long(a, v, 2, 1L << 20), i++;
        } else if (!strcmp(a, "--same-class")) {
            same_class = true;
        } else if (!strcmp(a, "--shared")) {
            shared = true;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            verbose = true;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "lockbench: unknown argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if ((nlocks || coupling) && depth_given && depth != 1) {
        fprintf(stderr, "lockbench: --locks and --coupling set their own depth: no --depth\n");
        return 2;
    }
    if (!!nlocks + !!coupling + same_class > 1) {
        fprintf(stderr, "lockbench: --locks, --coupling and --same-class are separate patterns\n");
        return 2;
    }
    if (warmup < 0)
        warmup = iters / 10 > 1000 ? iters / 10 : 1000;

    int nsets = shared ? 1 : (int)threads;
    union slot *pool = NULL;
    long per_set = nlocks ? nlocks : coupling ? coupling : same_class ? depth : 0;
    if (per_set) {
        /* One array, initialised in one place: nsets * per_set instances of one class. */
        size_t n = (size_t)nsets * (size_t)per_set;
        pool = aligned_alloc(128, n * sizeof *pool);
        if (!pool) {
            fprintf(stderr, "lockbench: out of memory\n");
            return 1;
        }
        for (size_t i = 0; i < n; i++)
            if (init_lock(&pool[i]) != 0) {
                fprintf(stderr, "lockbench: lock init failed\n");
                return 1;
            }
    }
    /* The static mutexes and rwlocks stay as they are: zeroed static storage is an unlocked
     * one in glibc, and a lock never passed to an init call is its own class. A zeroed
     * spinlock is not unlocked on every architecture: those are initialised (so the D
     * spinlocks of a set are one class, by their init site). */
    for (int t = 0; t < nsets && !per_set && kind == K_SPIN; t++)
        for (int d = 0; d < depth; d++)
            if (init_lock(&sets[t].l[d]) != 0) {
                fprintf(stderr, "lockbench: lock init failed\n");
                return 1;
            }

    static struct worker workers[MAX_THREADS];
    pthread_barrier_init(&start_barrier, NULL, (unsigned)threads);
    for (int t = 0; t < threads; t++) {
        struct worker *w = &workers[t];
        w->locks = sets[shared ? 0 : t].l;
        if (pool)
            w->locks = &pool[shared ? 0 : (size_t)t * (size_t)per_set];
        w->nlocks = nlocks;
        w->coupling = coupling;
        w->rng = 0x9e3779b97f4a7c15ull * (uint64_t)(t + 1);
        w->depth = (int)depth;
        w->warmup = warmup;
        w->iters = iters;
        if (pthread_create(&w->th, NULL, worker_main, w) != 0) {
            fprintf(stderr, "lockbench: pthread_create failed\n");
            return 1;
        }
    }
    uint64_t total_ns = 0;
    int errors = 0;
    for (int t = 0; t < threads; t++) {
        pthread_join(workers[t].th, NULL);
        total_ns += workers[t].ns;
        errors |= workers[t].errors;
    }
    pthread_barrier_destroy(&start_barrier);
    if (pool) {
        for (size_t i = 0; i < (size_t)nsets * (size_t)per_set; i++)
            destroy_lock(&pool[i]);
        free(pool);
    }

    if (errors) {
        fprintf(stderr, "lockbench: a lock or unlock call failed\n");
        return 1;
    }
    double pairs = (double)threads * (double)iters * (double)(coupling ? coupling : nlocks ? 1 : depth);
    printf("ns_per_pair=%.3f\n", (double)total_ns / pairs);
    if (verbose) {
        fprintf(stderr, "lockbench: kind=%s threads=%ld depth=%ld locks=%ld coupling=%ld same_class=%d iters=%ld "
                        "warmup=%ld shared=%d pairs=%.0f\n",
                kind_names[kind], threads, depth, nlocks, coupling, same_class, iters, warmup, shared, pairs);
        for (int t = 0; t < threads; t++)
            fprintf(stderr, "lockbench: thread %d: %.3f ms, %.3f ns/pair\n", t, workers[t].ns / 1e6,
                    (double)workers[t].ns / (pairs / (double)threads));
    }
    return 0;
}
