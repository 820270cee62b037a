// fork + exec of a program that is itself traced (LD_PRELOAD and ULOCKDEP_OPTIONS are
// inherited): the parent reports lock_a/lock_b, forks while another thread holds a lock, and
// the child execs this program again, which reports lock_c/lock_d from its own start-up of
// the shim. Each process writes its own log (log_path.<pid>: the exec'd program has the
// child's pid), and neither report shows up in the other's log. The exec'd program exits
// with ulockdep's 66, which the parent checks; the parent's own report makes it 66 too.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-REPORT: circular lock_c lock_d
// EXPECT-COUNT: circular=2
// EXPECT-REPORTING-PROCESSES: 2
// EXPECT-MAIN-REPORTS: 1
// EXPECT-STDOUT: exec'd child exit status 66
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_c = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_d = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_busy = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_go = PTHREAD_MUTEX_INITIALIZER;

static void inversion(pthread_mutex_t *x, pthread_mutex_t *y)
{
    E2E_CHECK(pthread_mutex_lock(x));
    E2E_CHECK(pthread_mutex_lock(y));
    E2E_CHECK(pthread_mutex_unlock(y));
    E2E_CHECK(pthread_mutex_unlock(x));
    E2E_CHECK(pthread_mutex_lock(y));
    E2E_CHECK(pthread_mutex_lock(x));
    E2E_CHECK(pthread_mutex_unlock(x));
    E2E_CHECK(pthread_mutex_unlock(y));
}

/* Holds lock_busy until main lets it go (after the fork). */
static void *busy(void *arg)
{
    (void)arg;
    E2E_CHECK(pthread_mutex_lock(&lock_busy));
    E2E_CHECK(pthread_mutex_lock(&lock_go));
    E2E_CHECK(pthread_mutex_unlock(&lock_go));
    E2E_CHECK(pthread_mutex_unlock(&lock_busy));
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "exec-child")) {
        inversion(&lock_c, &lock_d);
        return 0; /* ulockdep makes it 66 */
    }
    inversion(&lock_a, &lock_b);
    E2E_CHECK(pthread_mutex_lock(&lock_go));
    pthread_t th;
    E2E_CHECK(pthread_create(&th, NULL, busy, NULL));
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 99;
    if (pid == 0) {
        execl("/proc/self/exe", argv[0], "exec-child", (char *)NULL);
        _exit(98);
    }
    E2E_CHECK(pthread_mutex_unlock(&lock_go));
    E2E_CHECK(pthread_join(th, NULL));
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return 97;
    printf("exec'd child exit status %d\n", WEXITSTATUS(status));
    return WEXITSTATUS(status) == 66 ? 0 : 96; /* ulockdep makes 0 into 66 */
}
