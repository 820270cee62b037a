// Descriptor numbers as without ulockdep: the program gets 3 for its first descriptor, and
// after it closes one, the lowest free number again, although ulockdep meanwhile captured
// stacks (libunwind's pipe) and read the program's and libc's debug info to key a new lock
// class (libdw keeps those files open). A test asserting dup()'s numbers (GLib's unix-fd
// does) or a server handing numbered descriptors to children must not see a difference.
// EXPECT-NONE
// EXPECT-STDOUT: fds 3 4 5 4 ok
#include <fcntl.h>
#include <unistd.h>

#include "e2e_util.h"

static void *worker(void *arg)
{
    pthread_mutex_t *m = arg;
    E2E_CHECK(pthread_mutex_lock(m));
    E2E_CHECK(pthread_mutex_unlock(m));
    return NULL;
}

int main(void)
{
    int a = dup(0);
    pthread_mutex_t m;
    E2E_CHECK(pthread_mutex_init(&m, NULL)); /* a new class: its init site is symbolised */
    pthread_t t;
    E2E_CHECK(pthread_create(&t, NULL, worker, &m));
    E2E_CHECK(pthread_join(t, NULL));
    int b = dup(0), c = dup(0);
    close(b);
    int d = open("/dev/null", O_RDONLY);
    printf("fds %d %d %d %d %s\n", a, b, c, d, a == 3 && b == 4 && c == 5 && d == 4 ? "ok" : "CHANGED");
    E2E_CHECK(pthread_mutex_destroy(&m));
    return 0;
}
