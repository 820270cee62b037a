/* Memory per lock, per class and per dependency under ulockdep (docs/reliability.md;
 * bench/run_memory.sh runs it and computes the figures).
 *   membound locks N     N heap mutexes initialised at one site (one class), each taken once
 *   membound classes N   N static mutexes (a class each), each taken once
 *   membound edges N     N static mutexes, each taken while holding `outer` (N dependencies)
 * Prints the resident set (KiB, /proc/self/statm) at the end. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXN 200000
static pthread_mutex_t statics[MAXN];
static pthread_mutex_t outer = PTHREAD_MUTEX_INITIALIZER;

static long rss_kb(void)
{
    long size, res;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f || fscanf(f, "%ld %ld", &size, &res) != 2)
        exit(1);
    fclose(f);
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "locks") && strcmp(argv[1], "classes") && strcmp(argv[1], "edges"))) {
        fprintf(stderr, "usage: membound locks|classes|edges N\n");
        return 2;
    }
    const char *mode = argv[1];
    int n = atoi(argv[2]);
    if (n < 0 || n > MAXN)
        return 2;
    memset(statics, 0, sizeof statics); /* the program's own pages, touched in every run */
    long base = rss_kb();
    if (!strcmp(mode, "locks")) {
        pthread_mutex_t *m = malloc((size_t)n * sizeof *m + 1);
        if (!m)
            return 1;
        for (int i = 0; i < n; i++) {
            pthread_mutex_init(&m[i], NULL);
            pthread_mutex_lock(&m[i]);
            pthread_mutex_unlock(&m[i]);
        }
    } else {
        for (int i = 0; i < n; i++) {
            if (!strcmp(mode, "edges"))
                pthread_mutex_lock(&outer);
            pthread_mutex_lock(&statics[i]);
            pthread_mutex_unlock(&statics[i]);
            if (!strcmp(mode, "edges"))
                pthread_mutex_unlock(&outer);
        }
    }
    printf("%s %d: rss grew %ld KiB (the program's own share: %zu KiB)\n", mode, n, rss_kb() - base,
           !strcmp(mode, "locks") ? (size_t)n * sizeof(pthread_mutex_t) / 1024 : 0);
    return 0;
}
