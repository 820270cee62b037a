// Thread churn cost: short-lived threads that each create, take and destroy a lock of their
// own (a stack capture on the thread's first lock). ulockdep must not make each such thread
// pay for per-thread caches: libunwind's unw_backtrace() set up a 256 KiB frame cache per
// thread (64 page faults, an mmap and a munmap each, 47x slower than native for 10,000
// threads). The cost is counted, not timed: the process's minor page faults (getrusage)
// over 300 threads after a warm-up, at most MAX_FAULTS_PER_THREAD each on average (natively
// and with the fix: 0).
// EXPECT-NONE
// EXPECT-STDOUT: page faults per thread within the bound
#include <sys/resource.h>

#include "e2e_util.h"

#define WARMUP 50
#define THREADS 300
#define MAX_FAULTS_PER_THREAD 8

static void *work(void *arg)
{
    pthread_mutex_t *m = malloc(sizeof *m);
    if (!m)
        exit(99);
    E2E_CHECK(pthread_mutex_init(m, NULL));
    E2E_CHECK(pthread_mutex_lock(m));
    E2E_CHECK(pthread_mutex_unlock(m));
    E2E_CHECK(pthread_mutex_destroy(m));
    free(m);
    return arg;
}

static long minor_faults(void)
{
    struct rusage r;
    if (getrusage(RUSAGE_SELF, &r) != 0)
        exit(99);
    return r.ru_minflt;
}

static void churn(int n)
{
    for (int i = 0; i < n; i++) {
        pthread_t th;
        E2E_CHECK(pthread_create(&th, NULL, work, NULL));
        E2E_CHECK(pthread_join(th, NULL));
    }
}

int main(void)
{
    churn(WARMUP);
    long before = minor_faults();
    churn(THREADS);
    double per_thread = (double)(minor_faults() - before) / THREADS;
    if (per_thread > MAX_FAULTS_PER_THREAD) {
        printf("%.1f page faults per thread (at most %d)\n", per_thread, MAX_FAULTS_PER_THREAD);
        return 1;
    }
    printf("%.1f page faults per thread within the bound (%d)\n", per_thread, MAX_FAULTS_PER_THREAD);
    return 0;
}
