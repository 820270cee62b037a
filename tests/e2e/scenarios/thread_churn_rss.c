// Thread churn: rounds of short-lived threads, half joined and half detached, each taking
// shared locks (two mutexes in one order, a rwlock for reading). The thread state ulockdep
// keeps (its own, libunwind's per-thread caches) must be reclaimed: the resident set, read from
// /proc/self/statm after each round once every thread of the round is gone, may not grow
// by more than RSS_SLACK_KB between the end of the warm-up rounds and the end of the last
// round (a leak of a few hundred bytes per thread exceeds it at the normal size already).
// No timing is measured. The stress variant runs 10,000 threads.
// ARGS: 6 500
// STRESS-ARGS: 12 1000
// EXPECT-NONE
// EXPECT-STDOUT: rss stayed flat
// TIMEOUT: 240
// STRESS-TIMEOUT: 1200
#include <dirent.h>
#include <sched.h>
#include <unistd.h>

#include "e2e_util.h"

#define WARMUP_ROUNDS 2
#define RSS_SLACK_KB 1024

static pthread_mutex_t shared_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t shared_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t shared_rw = PTHREAD_RWLOCK_INITIALIZER;
static int ran;

static void *work(void *arg)
{
    (void)arg;
    E2E_CHECK(pthread_mutex_lock(&shared_a));
    E2E_CHECK(pthread_mutex_lock(&shared_b));
    E2E_CHECK(pthread_mutex_unlock(&shared_b));
    E2E_CHECK(pthread_mutex_unlock(&shared_a));
    E2E_CHECK(pthread_rwlock_rdlock(&shared_rw));
    E2E_CHECK(pthread_rwlock_unlock(&shared_rw));
    __atomic_fetch_add(&ran, 1, __ATOMIC_RELAXED);
    return NULL;
}

static long threads_alive(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        exit(99);
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size, resident;
    if (!f || fscanf(f, "%ld %ld", &size, &resident) != 2)
        exit(99);
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 6, per_round = argc > 2 ? atoi(argv[2]) : 500;
    if (rounds <= WARMUP_ROUNDS)
        return 99;
    pthread_t *th = malloc((size_t)per_round * sizeof *th);
    pthread_attr_t joinable, detached;
    E2E_CHECK(pthread_attr_init(&joinable));
    E2E_CHECK(pthread_attr_init(&detached));
    E2E_CHECK(pthread_attr_setstacksize(&joinable, 128 * 1024));
    E2E_CHECK(pthread_attr_setstacksize(&detached, 128 * 1024));
    E2E_CHECK(pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED));
    long base = 0, rss = 0;
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < per_round; i++)
            E2E_CHECK(pthread_create(&th[i], i % 2 ? &detached : &joinable, work, NULL));
        for (int i = 0; i < per_round; i += 2)
            E2E_CHECK(pthread_join(th[i], NULL));
        /* The detached ones are gone once the kernel has reaped them all. */
        while (threads_alive() > 1)
            sched_yield();
        rss = rss_kb();
        printf("round %d: %d threads, rss %ld KiB\n", r + 1, per_round, rss);
        if (r + 1 == WARMUP_ROUNDS)
            base = rss;
    }
    int total = __atomic_load_n(&ran, __ATOMIC_RELAXED);
    if (total != rounds * per_round) {
        printf("only %d of %d threads ran\n", total, rounds * per_round);
        return 1;
    }
    if (rss - base > RSS_SLACK_KB) {
        printf("rss grew by %ld KiB over %d threads after the warm-up\n", rss - base,
               (rounds - WARMUP_ROUNDS) * per_round);
        return 1;
    }
    printf("rss stayed flat: %+ld KiB over %d threads after the warm-up\n", rss - base,
           (rounds - WARMUP_ROUNDS) * per_round);
    return 0;
}
