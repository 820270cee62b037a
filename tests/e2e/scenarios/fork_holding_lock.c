// fork() while holding a lock (and from a multi-threaded program): the child inherits the held
// lock and releases it (no bad unlock: it is on the child's held stack although glibc's lock word
// names the parent thread as owner), then the child does B -> A against the parent's A -> B and
// reports the cycle from its own pid. The parent releases its A normally; no report there. Two
// children do the same: one report each, in two log files.
// EXPECT-EXIT: 0
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-COUNT: circular=2
// EXPECT-REPORTING-PROCESSES: 2
// EXPECT-MAIN-REPORTS: 0
#include <sys/wait.h>
#include <unistd.h>

#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_idle = PTHREAD_MUTEX_INITIALIZER;

static void *idle_thread(void *arg)
{
    E2E_CHECK(pthread_mutex_lock(&lock_idle));
    E2E_CHECK(pthread_mutex_unlock(&lock_idle));
    return NULL;
}

int main(void)
{
    pthread_t th;
    E2E_CHECK(pthread_mutex_lock(&lock_idle));
    E2E_CHECK(pthread_create(&th, NULL, idle_thread, NULL)); /* blocks on lock_idle meanwhile */

    E2E_CHECK(pthread_mutex_lock(&lock_a));
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
    int statuses[2];
    for (int k = 0; k < 2; k++) {
        fflush(stdout);
        pid_t pid = fork(); /* lock_a held */
        if (pid < 0)
            return 99;
        if (pid == 0) {
            E2E_CHECK(pthread_mutex_unlock(&lock_a)); /* inherited, released by the child */
            /* lock_idle too: held on both sides, it would be a gate lock that makes the
             * inversion below harmless (docs/gate-locks.md) */
            E2E_CHECK(pthread_mutex_unlock(&lock_idle));
            E2E_CHECK(pthread_mutex_lock(&lock_b));
            E2E_CHECK(pthread_mutex_lock(&lock_a));
            E2E_CHECK(pthread_mutex_unlock(&lock_a));
            E2E_CHECK(pthread_mutex_unlock(&lock_b));
            exit(0);
        }
        int status;
        if (waitpid(pid, &status, 0) != pid)
            return 99;
        statuses[k] = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    E2E_CHECK(pthread_mutex_unlock(&lock_a));
    E2E_CHECK(pthread_mutex_unlock(&lock_idle));
    E2E_CHECK(pthread_join(th, NULL));
    printf("child exit statuses %d %d\n", statuses[0], statuses[1]);
    return statuses[0] == 66 && statuses[1] == 66 ? 0 : 97;
}
