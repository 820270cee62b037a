// A library's fork handler takes the library's lock in prepare (registered by its constructor,
// before the shim's own handlers exist), while other threads hold that lock and create new
// locks under it (each a stack capture, which waits while a fork is in progress). The shim's
// prepare handler must run after the library's: if it ran first, a thread holding the
// library's lock could wait for the fork to finish while the fork waits for that lock. The
// main thread forks over and over; each child exits at once. A fork that does not finish
// within a generous bound is a hang: the program says so and exits 1 (the workers are stuck).
// ARGS: 150
// STRESS-ARGS: 2000
// EXPECT-NONE
// EXPECT-STDOUT: all forks returned
// TIMEOUT: 300
// STRESS-TIMEOUT: 1500
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "e2e_util.h"

#define WORKERS 3
#define FORK_BOUND_SECONDS 30

extern pthread_mutex_t atfork_lib_lock;
extern int atfork_lib_registered;

static int stop;
static volatile int forks_done;

static void *worker(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        pthread_mutex_t *m = malloc(sizeof *m);
        if (!m)
            exit(99);
        E2E_CHECK(pthread_mutex_lock(&atfork_lib_lock));
        E2E_CHECK(pthread_mutex_init(m, NULL)); /* a new lock: a stack capture */
        E2E_CHECK(pthread_mutex_lock(m));
        E2E_CHECK(pthread_mutex_unlock(m));
        E2E_CHECK(pthread_mutex_unlock(&atfork_lib_lock));
        E2E_CHECK(pthread_mutex_destroy(m));
        free(m);
    }
    return NULL;
}

/* The bound: a thread that watches the main thread's progress. */
static void *watch(void *arg)
{
    (void)arg;
    int last = -1;
    for (;;) {
        int now = __atomic_load_n(&forks_done, __ATOMIC_RELAXED);
        if (now < 0)
            return NULL;
        if (now == last) {
            printf("fork %d hung (no progress for %ds)\n", now + 1, FORK_BOUND_SECONDS);
            fflush(stdout);
            _exit(1);
        }
        last = now;
        struct timespec ts = { FORK_BOUND_SECONDS, 0 };
        while (nanosleep(&ts, &ts) != 0)
            ;
    }
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 150;
    if (!atfork_lib_registered)
        E2E_SKIP("the library's pthread_atfork failed");
    pthread_t th[WORKERS], w;
    for (int i = 0; i < WORKERS; i++)
        E2E_CHECK(pthread_create(&th[i], NULL, worker, NULL));
    E2E_CHECK(pthread_create(&w, NULL, watch, NULL));
    for (int r = 0; r < rounds; r++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 99;
        }
        if (pid == 0)
            _exit(0);
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            printf("child %d: status 0x%x\n", r + 1, status);
            return 1;
        }
        __atomic_store_n(&forks_done, r + 1, __ATOMIC_RELAXED);
    }
    __atomic_store_n(&forks_done, -1, __ATOMIC_RELAXED);
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    for (int i = 0; i < WORKERS; i++)
        E2E_CHECK(pthread_join(th[i], NULL));
    printf("all forks returned (%d)\n", rounds);
    return 0;
}
