// The watchdog after fork: the parent starts it (a contended lock), then forks. The child
// has no watchdog thread (fork copies only the calling thread); its own first wait for a
// busy lock starts one, which finds the child's ABBA deadlock and ends the child with
// exitcode. The parent made no report and exits 0 once it has seen the child end with 66.
// ENV: ULOCKDEP_OPTIONS=deadlock_timeout=1
// EXPECT-EXIT: 0
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-REPORT: deadlock lock_a lock_b
// EXPECT-REPORTING-PROCESSES: 1
// EXPECT-MAIN-REPORTS: 0
// EXPECT-STDOUT: child exited 66
#include <sys/wait.h>
#include <unistd.h>

#include "e2e_util.h"

static pthread_mutex_t warm_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t barrier;

static void *hold_briefly(void *arg)
{
    E2E_CHECK(pthread_mutex_lock(&warm_lock));
    pthread_barrier_wait(&barrier);
    usleep(100 * 1000);
    E2E_CHECK(pthread_mutex_unlock(&warm_lock));
    return NULL;
}

static void *a_then_b(void *arg)
{
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    pthread_barrier_wait(&barrier);
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    return NULL;
}

static void *b_then_a(void *arg)
{
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    pthread_barrier_wait(&barrier);
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    return NULL;
}

int main(void)
{
    pthread_t t1, t2;
    /* the parent's watchdog: started by a wait for a busy lock */
    E2E_CHECK(pthread_barrier_init(&barrier, NULL, 2));
    E2E_CHECK(pthread_create(&t1, NULL, hold_briefly, NULL));
    pthread_barrier_wait(&barrier);
    E2E_CHECK(pthread_mutex_lock(&warm_lock));
    E2E_CHECK(pthread_mutex_unlock(&warm_lock));
    E2E_CHECK(pthread_join(t1, NULL));
    E2E_CHECK(pthread_barrier_destroy(&barrier));

    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 99;
    if (pid == 0) {
        E2E_CHECK(pthread_barrier_init(&barrier, NULL, 2));
        E2E_CHECK(pthread_create(&t1, NULL, a_then_b, NULL));
        E2E_CHECK(pthread_create(&t2, NULL, b_then_a, NULL));
        pthread_join(t1, NULL);
        _exit(3); /* not reached */
    }
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return 99;
    if (WIFEXITED(status))
        printf("child exited %d\n", WEXITSTATUS(status));
    return WIFEXITED(status) && WEXITSTATUS(status) == 66 ? 0 : 1;
}
