/* A program that makes one report (lock_a -> lock_b, then lock_b -> lock_a), with output and
 * an exit status of its own, run by test_rlimit_as.py under many address-space limits. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;

static void *take_ab(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock_a);
    pthread_mutex_lock(&lock_b);
    pthread_mutex_unlock(&lock_b);
    pthread_mutex_unlock(&lock_a);
    return NULL;
}

int main(void)
{
    printf("start\n");
    /* Memory of its own: what it gets does not depend on the shim (it prints nothing about
     * how much it got), only whether it runs at all. */
    char *block = malloc(1 << 20);
    if (block)
        memset(block, 1, 1 << 20);
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    if (pthread_create(&th, &attr, take_ab, NULL) == 0)
        pthread_join(th, NULL);
    else
        take_ab(NULL);
    pthread_mutex_lock(&lock_b);
    pthread_mutex_lock(&lock_a);
    pthread_mutex_unlock(&lock_a);
    pthread_mutex_unlock(&lock_b);
    free(block);
    printf("done\n");
    return 3;
}
