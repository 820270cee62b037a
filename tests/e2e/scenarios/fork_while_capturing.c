// fork() from a multi-threaded program while the other threads are inside the shim's slow
// path: they keep creating new locks (each first use captures a stack, which walks the loaded
// objects under the dynamic loader's lock) and taking them under shared locks in new orders
// (new dependencies, each with its stack). The main thread forks over and over; every child
// takes a new lock of its own (a first use: a stack capture in the child), walks the loaded
// objects itself (dl_iterate_phdr, which needs the loader's lock) and exits 0. A child that
// inherited a lock held by a parent thread mid-capture (the loader's, or the unwinder's own,
// which it waits for with every signal blocked) would hang there forever: the parent gives
// each child a generous bound, then kills it, says so and fails, rather than the test
// blocking until its timeout.
// ARGS: 150
// STRESS-ARGS: 2000
// EXPECT-NONE
// EXPECT-STDOUT: all children exited normally
// TIMEOUT: 300
// STRESS-TIMEOUT: 1500
#include <link.h>
#include <signal.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e_util.h"

#define WORKERS 3
#define CHILD_BOUND_SECONDS 30

static pthread_mutex_t outer = PTHREAD_MUTEX_INITIALIZER;
static int stop;

static void *worker(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        /* New heap locks: first uses (stack captures) and, under `outer`, new dependencies. */
        pthread_mutex_t *m = malloc(4 * sizeof *m);
        if (!m)
            exit(99);
        for (int i = 0; i < 4; i++)
            E2E_CHECK(pthread_mutex_init(&m[i], NULL));
        E2E_CHECK(pthread_mutex_lock(&outer));
        int first = (int)(rand_r(&seed) % 4);
        for (int i = 0; i < 4; i++)
            E2E_CHECK(pthread_mutex_lock(&m[(first + i) % 4]));
        for (int i = 3; i >= 0; i--)
            E2E_CHECK(pthread_mutex_unlock(&m[(first + i) % 4]));
        E2E_CHECK(pthread_mutex_unlock(&outer));
        for (int i = 0; i < 4; i++)
            E2E_CHECK(pthread_mutex_destroy(&m[i]));
        free(m);
    }
    return NULL;
}

static int count_objects(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)info;
    (void)size;
    ++*(int *)arg;
    return 0;
}

/* Only ever run in children: its call stack is new to the unwinder in every child. */
static __attribute__((noinline)) void child_work(void)
{
    pthread_mutex_t m;
    E2E_CHECK(pthread_mutex_init(&m, NULL));
    E2E_CHECK(pthread_mutex_lock(&m));
    E2E_CHECK(pthread_mutex_unlock(&m));
    E2E_CHECK(pthread_mutex_destroy(&m));
    int n = 0;
    dl_iterate_phdr(count_objects, &n);
    _exit(n > 0 ? 0 : 98);
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 150;
    pthread_t th[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        E2E_CHECK(pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)(i + 1)));
    int bad = 0;
    for (int r = 0; r < rounds && !bad; r++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 99;
        }
        if (pid == 0)
            child_work();
        int status;
        pid_t w;
        /* A child does almost nothing: the bound only turns a hang into a failure. */
        long polls = 0, max_polls = CHILD_BOUND_SECONDS * 100L;
        while ((w = waitpid(pid, &status, WNOHANG)) == 0 && polls++ < max_polls)
            nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
        if (w == 0) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            printf("child %d of %d hung (killed after %ds)\n", r + 1, rounds, CHILD_BOUND_SECONDS);
            bad = 1;
            continue;
        }
        if (w != pid) {
            perror("waitpid");
            return 99;
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            printf("child %d of %d ended with status 0x%x\n", r + 1, rounds, status);
            bad = 1;
        }
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    for (int i = 0; i < WORKERS; i++)
        E2E_CHECK(pthread_join(th[i], NULL));
    if (bad)
        return 1;
    printf("all children exited normally (%d)\n", rounds);
    return 0;
}
