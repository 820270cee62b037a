// A traced program forks. The parent takes A -> B, then forks; the child inherits what was
// learnt and does B -> A, so the child reports the cycle in its own log (log.<child pid>) and
// exits with ulockdep's status 66. The parent makes no report: it checks that the child's
// status was 66 and exits 0.
// EXPECT-EXIT: 0
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-COUNT: circular=1
// EXPECT-REPORTING-PROCESSES: 1
// EXPECT-MAIN-REPORTS: 0
// EXPECT-STDOUT: child exit status 66
#include <sys/wait.h>
#include <unistd.h>

#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;

int main(void)
{
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_a));
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 99;
    if (pid == 0) {
        E2E_CHECK(pthread_mutex_lock(&lock_b));
        E2E_CHECK(pthread_mutex_lock(&lock_a));
        E2E_CHECK(pthread_mutex_unlock(&lock_a));
        E2E_CHECK(pthread_mutex_unlock(&lock_b));
        exit(0); /* ulockdep turns this into 66: the child made a report */
    }
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return 99;
    if (!WIFEXITED(status)) {
        printf("child did not exit normally (status 0x%x)\n", status);
        return 98;
    }
    printf("child exit status %d\n", WEXITSTATUS(status));
    /* The parent's own locking stays consistent. */
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_a));
    return WEXITSTATUS(status) == 66 ? 0 : 97;
}
