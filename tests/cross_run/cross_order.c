/* One program, many lock orders: the cross-run tests run it several times with different
 * arguments. The locks are static, so they are the same classes in every run.
 *   cross_order ORDER...     take the locks in each ORDER, one after the other: "ab" takes
 *                            lock_a then lock_b (each order nested, then released)
 *   cross_order fork ORDER   a forked child takes ORDER and leaves with _exit(0); the parent
 *                            takes no lock
 *   cross_order _Exit ORDER  take ORDER, then leave with _Exit(0)
 *   cross_order turn FILE    the k-th run (counted with FILE.0, FILE.1, ...) takes ab when k
 *                            is even and ba when k is odd
 *   cross_order sleep N      sleep N seconds (a run that hangs)
 *   cross_order term ORDER   take ORDER, then wait for SIGTERM and exit(0) when it comes
 *   cross_order deadlock     two threads take lock_a/lock_b in opposite orders, each holding
 *                            its first lock before asking for its second: a real deadlock
 * Letters: a b c (mutexes lock_a, lock_b, lock_c), r (rwlock rw_r, taken as a reader),
 * w (rw_r taken as a writer), m (mutex lock_m), x y (heap mutexes initialised by new_lock()
 * called from two places in main: two classes named by their init stacks). */
#include <fcntl.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_c = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rw_r = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t *heap_x, *heap_y;

static pthread_mutex_t *new_lock(void)
{
    pthread_mutex_t *m = malloc(sizeof *m);
    if (!m)
        exit(2);
    pthread_mutex_init(m, NULL);
    return m;
}

static void take(char l)
{
    switch (l) {
    case 'a': pthread_mutex_lock(&lock_a); break;
    case 'b': pthread_mutex_lock(&lock_b); break;
    case 'c': pthread_mutex_lock(&lock_c); break;
    case 'm': pthread_mutex_lock(&lock_m); break;
    case 'r': pthread_rwlock_rdlock(&rw_r); break;
    case 'w': pthread_rwlock_wrlock(&rw_r); break;
    case 'x': pthread_mutex_lock(heap_x); break;
    case 'y': pthread_mutex_lock(heap_y); break;
    default: fprintf(stderr, "cross_order: unknown lock '%c'\n", l); exit(2);
    }
}

static void drop(char l)
{
    switch (l) {
    case 'a': pthread_mutex_unlock(&lock_a); break;
    case 'b': pthread_mutex_unlock(&lock_b); break;
    case 'c': pthread_mutex_unlock(&lock_c); break;
    case 'm': pthread_mutex_unlock(&lock_m); break;
    case 'r':
    case 'w': pthread_rwlock_unlock(&rw_r); break;
    case 'x': pthread_mutex_unlock(heap_x); break;
    case 'y': pthread_mutex_unlock(heap_y); break;
    }
}

/* Nested in the order given, released in reverse. */
static void take_in_order(const char *order)
{
    size_t n = strlen(order);
    for (size_t i = 0; i < n; i++)
        take(order[i]);
    for (size_t i = n; i-- > 0;)
        drop(order[i]);
}

static pthread_barrier_t both_hold_one;
static volatile sig_atomic_t terminated;

static void on_term(int sig)
{
    (void)sig;
    terminated = 1;
}

static void *deadlock_thread(void *arg)
{
    const char *order = arg;
    take(order[0]);
    pthread_barrier_wait(&both_hold_one);
    take(order[1]); /* blocks for good: the other thread holds it and waits for ours */
    return NULL;
}

/* This run's number among the runs sharing `base`: the first FILE.k it manages to create. */
static int turn(const char *base)
{
    char path[4096];
    for (int k = 0; k < 100000; k++) {
        snprintf(path, sizeof path, "%s.%d", base, k);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd >= 0) {
            close(fd);
            return k;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    /* Only runs that use them create the heap locks, so other runs record just the static ones. */
    for (int i = 1; i < argc; i++)
        if (strpbrk(argv[i], "xy")) {
            heap_x = new_lock();
            heap_y = new_lock();
            break;
        }
    if (argc < 2) {
        fprintf(stderr, "usage: cross_order ORDER... | fork ORDER | _Exit ORDER | turn FILE | sleep N | term ORDER | deadlock\n");
        return 2;
    }
    if (!strcmp(argv[1], "fork") && argc == 3) {
        pid_t pid = fork();
        if (pid == 0) {
            take_in_order(argv[2]);
            printf("child %d\n", (int)getpid());
            fflush(stdout);
            _exit(0);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
    }
    if (!strcmp(argv[1], "_Exit") && argc == 3) {
        take_in_order(argv[2]);
        _Exit(0);
    }
    if (!strcmp(argv[1], "turn") && argc == 3) {
        take_in_order(turn(argv[2]) % 2 ? "ba" : "ab");
        return 0;
    }
    if (!strcmp(argv[1], "term") && argc == 3) {
        signal(SIGTERM, on_term);
        take_in_order(argv[2]);
        while (!terminated)
            pause();
        return 0; /* exit(): the shim writes the graph file */
    }
    if (!strcmp(argv[1], "deadlock") && argc == 2) {
        pthread_t t1, t2;
        pthread_barrier_init(&both_hold_one, NULL, 2);
        pthread_create(&t1, NULL, deadlock_thread, "ab");
        pthread_create(&t2, NULL, deadlock_thread, "ba");
        pthread_join(t1, NULL);
        pthread_join(t2, NULL);
        printf("not reached: the threads deadlock\n");
        return 0;
    }
    if (!strcmp(argv[1], "sleep") && argc == 3) {
        sleep((unsigned)atoi(argv[2]));
        return 0;
    }
    for (int i = 1; i < argc; i++)
        take_in_order(argv[i]);
    return 0;
}
