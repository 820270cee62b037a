/* firstcost: what ulockdep pays the first time it sees something, as the graph grows.
 *
 *   firstcost [--sizes 1000,10000,100000] [--searches K]
 *
 * For each size N (in order; the graph keeps what earlier sizes built, so the last phase
 * runs in a graph of about the sum of the sizes), with N fresh locks of its own:
 *   new_class   first lock+unlock of each of N locks never seen: registration of the
 *               instance and of its class (a static lock is its own class), with a stack
 *               capture. Then the same loop again: seen, for contrast (seen_pair).
 *   new_edge    lock(L[i-1]); lock(L[i]); unlock both, for i = 1..N-1: a new lock chain and
 *               a new dependency each (stack capture, cycle search from L[i], which has no
 *               dependencies yet, chain insert). Builds the chain L[0] -> ... -> L[N-1].
 *   full_search K times: a fresh lock X, then X -> L[0]: the cycle check of that new
 *               dependency searches everything reachable from L[0], the whole chain of N
 *               classes, for X (no cycle). The cost of a new dependency whose search walks
 *               N classes; minus new_edge, the walk alone.
 * Every figure is ns per event (a median over 5 slices of the loop for new_class and
 * new_edge; the median of the K full searches). Prints one line per size:
 *   N=<n> new_class_ns=<> seen_pair_ns=<> new_edge_ns=<> full_search_ns=<>
 * Natively the same loops cost a plain lock+unlock: run it under the shim. Makes no
 * report (the graph has no cycle); exit status 0. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_TOTAL 200000
#define MAX_SEARCHES 64

/* Static storage: each lock is its own class under ulockdep. */
static pthread_mutex_t pool[MAX_TOTAL + 3 * MAX_SEARCHES * 4];
static size_t next_lock;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void pair(pthread_mutex_t *a)
{
    pthread_mutex_lock(a);
    pthread_mutex_unlock(a);
}

static void nested(pthread_mutex_t *a, pthread_mutex_t *b)
{
    pthread_mutex_lock(a);
    pthread_mutex_lock(b);
    pthread_mutex_unlock(b);
    pthread_mutex_unlock(a);
}

/* ns per iteration of body over [lo, hi), median of 5 slices. */
#define SLICED(result, lo, hi, body)                                             \
    do {                                                                         \
        double v_[5];                                                            \
        size_t span_ = ((hi) - (lo)) / 5;                                        \
        for (int s_ = 0; s_ < 5; s_++) {                                         \
            size_t a_ = (lo) + (size_t)s_ * span_, b_ = s_ == 4 ? (hi) : a_ + span_; \
            uint64_t t0_ = now_ns();                                             \
            for (size_t i = a_; i < b_; i++)                                     \
                body;                                                            \
            v_[s_] = (double)(now_ns() - t0_) / (double)(b_ - a_);               \
        }                                                                        \
        result = median(v_, 5);                                                  \
    } while (0)

int main(int argc, char **argv)
{
    char sizes_arg[256] = "1000,10000,100000";
    int searches = 15;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--sizes") && i + 1 < argc) {
            snprintf(sizes_arg, sizeof sizes_arg, "%s", argv[++i]);
        } else if (!strcmp(argv[i], "--searches") && i + 1 < argc) {
            searches = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: firstcost [--sizes N,N,..] [--searches K]\n");
            return 2;
        }
    }
    if (searches < 1 || searches > MAX_SEARCHES) {
        fprintf(stderr, "firstcost: --searches wants 1..%d\n", MAX_SEARCHES);
        return 2;
    }
    size_t total = 0;
    for (char *p = sizes_arg; *p;) {
        long n = strtol(p, &p, 10);
        if (n < 10 || (total += (size_t)n) > MAX_TOTAL) {
            fprintf(stderr, "firstcost: sizes from 10 up to %d locks in all\n", MAX_TOTAL);
            return 2;
        }
        if (*p == ',')
            p++;
        else if (*p) {
            fprintf(stderr, "firstcost: --sizes wants N,N,...\n");
            return 2;
        }
    }
    for (char *p = sizes_arg; *p;) {
        size_t n = (size_t)strtol(p, &p, 10);
        if (*p == ',')
            p++;
        pthread_mutex_t *L = &pool[next_lock];
        next_lock += n;
        double new_class, seen, new_edge;
        SLICED(new_class, 0, n, pair(&L[i]));
        SLICED(seen, 0, n, pair(&L[i]));
        SLICED(new_edge, 1, n, nested(&L[i - 1], &L[i]));
        double v[MAX_SEARCHES];
        for (int k = 0; k < searches; k++) {
            pthread_mutex_t *x = &pool[next_lock++];
            pair(x); /* registered first: the timing is the dependency alone */
            uint64_t t0 = now_ns();
            nested(x, &L[0]);
            v[k] = (double)(now_ns() - t0);
        }
        printf("N=%zu new_class_ns=%.0f seen_pair_ns=%.1f new_edge_ns=%.0f full_search_ns=%.0f\n", n, new_class,
               seen, new_edge, median(v, searches));
        fflush(stdout);
    }
    return 0;
}
