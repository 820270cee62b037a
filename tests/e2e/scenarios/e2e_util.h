/* Small helpers for the e2e scenario programs (plain pthreads; no ulockdep headers). */
#ifndef ULOCKDEP_E2E_UTIL_H
#define ULOCKDEP_E2E_UTIL_H

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A setup step of the scenario itself failed: not what is under test. */
#define E2E_CHECK(expr)                                                                    \
    do {                                                                                   \
        int e2e_r_ = (expr);                                                               \
        if (e2e_r_ != 0) {                                                                 \
            fprintf(stderr, "%s:%d: %s failed: %d (%s)\n", __FILE__, __LINE__, #expr,      \
                    e2e_r_, strerror(e2e_r_ > 0 ? e2e_r_ : errno));                        \
            exit(99);                                                                      \
        }                                                                                  \
    } while (0)

/* The scenario cannot run here (e.g. the allocator did not reuse addresses as needed). */
#define E2E_SKIP(...)                                                                      \
    do {                                                                                   \
        printf("SKIP: " __VA_ARGS__);                                                      \
        printf("\n");                                                                      \
        exit(77);                                                                          \
    } while (0)

/* An absolute CLOCK_REALTIME (or other clock) deadline `ms` milliseconds from now. */
static inline struct timespec e2e_deadline_on(clockid_t clk, long ms)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

static inline struct timespec e2e_deadline(long ms)
{
    return e2e_deadline_on(CLOCK_REALTIME, ms);
}

/* Runs fn(arg) on a new thread and waits for it. */
static inline void *e2e_run_thread(void *(*fn)(void *), void *arg)
{
    pthread_t th;
    void *ret = NULL;
    E2E_CHECK(pthread_create(&th, NULL, fn, arg));
    E2E_CHECK(pthread_join(th, &ret));
    return ret;
}

#endif
