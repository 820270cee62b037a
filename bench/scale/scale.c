/* scale: ulockdep at a size real programs reach, and an inversion far apart in time.
 *
 *   scale [--instances I] [--classes C] [--edges E] [--hold H] [--gap G] [--no-inversion]
 *   defaults: 1000000 instances, 100000 classes, 1000000 edges, hold 1000, gap 100000
 *
 * 1. instances: I mutexes (one heap array), lock i in class "c<i % C>" (ulockdep_set_class;
 *    a no-op natively and under TSan), each locked and unlocked once.
 * 2. edges: E class-level dependencies, none closing a cycle: classes in blocks of 100,
 *    a -> a+s for s = 1..11 within a block (a DAG, each cycle search stays in its block),
 *    each taken as lock(instance of a); lock(instance of b), instances varying.
 * 3. hold: H locks held at once (classes 0, 100, 200, .. in increasing order: no cycle),
 *    released in reverse order; twice (the second time every chain is known).
 * 4. inversion: X then Y (X -> Y); then G other locks, each a distinct mutex not used
 *    before, locked and unlocked (a graph that forgets when it fills up forgets X -> Y);
 *    then Y then X: ulockdep must report that circular dependency, once. The only report
 *    the run should make. --no-inversion leaves this step out.
 * stdout: one `step=<name> seconds=<s>` line per step, then `vmhwm_kb=<peak RSS>` and
 * `inversion=done`. Instances need I * 40 bytes natively; the gap locks are G more. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ulockdep/ulockdep.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long vmhwm_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6))
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

static long arg(int argc, char **argv, const char *name, long dflt)
{
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], name))
            return strtol(argv[i + 1], NULL, 10);
    return dflt;
}

static double t_step;
static void step(const char *name)
{
    double t = now_s();
    printf("step=%s seconds=%.3f\n", name, t - t_step);
    fflush(stdout);
    t_step = now_s();
}

#define BLOCK 100
#define SPAN 11

int main(int argc, char **argv)
{
    long ninst = arg(argc, argv, "--instances", 1000000);
    long ncls = arg(argc, argv, "--classes", 100000);
    long nedges = arg(argc, argv, "--edges", 1000000);
    long hold = arg(argc, argv, "--hold", 1000);
    long gap = arg(argc, argv, "--gap", 100000);
    int inversion = 1;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--no-inversion"))
            inversion = 0;
    if (ncls < BLOCK || ninst < ncls || hold > ncls / BLOCK || hold < 1 || gap < 0 || nedges < 0) {
        fprintf(stderr, "scale: wants classes >= %d, instances >= classes, 1 <= hold <= classes/%d\n", BLOCK,
                BLOCK);
        return 2;
    }
    /* calloc: an all-zero pthread_mutex_t is a default mutex (PTHREAD_MUTEX_INITIALIZER). */
    pthread_mutex_t *m = calloc((size_t)ninst, sizeof *m);
    pthread_mutex_t *g = calloc((size_t)gap + 2, sizeof *g);
    pthread_mutex_t **held = calloc((size_t)hold, sizeof *held);
    if (!m || !g || !held) {
        fprintf(stderr, "scale: out of memory\n");
        return 1;
    }
    t_step = now_s();

    char name[32];
    for (long i = 0; i < ninst; i++) {
        snprintf(name, sizeof name, "c%ld", i % ncls);
        ulockdep_set_class(&m[i], name);
        pthread_mutex_lock(&m[i]);
        pthread_mutex_unlock(&m[i]);
    }
    step("instances");

    long made = 0, per = ninst / ncls; /* instances per class */
    for (long a = 0; a < ncls && made < nedges; a++)
        for (long s = 1; s <= SPAN && made < nedges; s++) {
            long b = a + s;
            if (b / BLOCK != a / BLOCK || b >= ncls)
                continue;
            /* instance k of class c is m[c + k * ncls] */
            pthread_mutex_t *x = &m[a + (made % per) * ncls];
            pthread_mutex_t *y = &m[b + ((made / 7) % per) * ncls];
            pthread_mutex_lock(x);
            pthread_mutex_lock(y);
            pthread_mutex_unlock(y);
            pthread_mutex_unlock(x);
            made++;
        }
    step("edges");

    for (int rep = 0; rep < 2; rep++) {
        for (long i = 0; i < hold; i++) {
            held[i] = &m[i * BLOCK + (long)rep * ncls * (per > 1)];
            pthread_mutex_lock(held[i]);
        }
        for (long i = hold - 1; i >= 0; i--)
            pthread_mutex_unlock(held[i]);
    }
    step("hold");

    if (inversion) {
        pthread_mutex_t *x = &g[gap], *y = &g[gap + 1];
        pthread_mutex_lock(x);
        pthread_mutex_lock(y);
        pthread_mutex_unlock(y);
        pthread_mutex_unlock(x);
        for (long i = 0; i < gap; i++) {
            pthread_mutex_lock(&g[i]);
            pthread_mutex_unlock(&g[i]);
        }
        pthread_mutex_lock(y);
        pthread_mutex_lock(x); /* the inversion: X -> Y was taken G locks ago */
        pthread_mutex_unlock(x);
        pthread_mutex_unlock(y);
        step("inversion");
    }
    printf("edges_taken=%ld\nvmhwm_kb=%ld\n", made, vmhwm_kb());
    if (inversion)
        printf("inversion=done\n");
    free(held);
    free(g);
    free(m);
    return 0;
}
