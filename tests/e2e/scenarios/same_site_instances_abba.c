// The default counterpart of class_by_instance_same_site: the two locks initialised at one
// site are one class, and a1 -> a2 against a2 -> a1 is an instance-level cycle; both locks
// carry the one class name.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular make_lock@${FILE}:${LINE:init}
// EXPECT-COUNT: circular=1
// EXPECT-INSTANCE-LEVEL: true
// EXPECT-CYCLE-LEN: 2
// EXPECT-LOCK-ADDRS: 2
#include "e2e_util.h"

static pthread_mutex_t *make_lock(void)
{
    pthread_mutex_t *m = malloc(sizeof *m);
    if (!m)
        exit(99);
    E2E_CHECK(pthread_mutex_init(m, NULL)); /* LINE:init */
    return m;
}

int main(void)
{
    pthread_mutex_t *l[2];
    for (int i = 0; i < 2; i++)
        l[i] = make_lock();
    for (int round = 0; round < 2; round++) {
        E2E_CHECK(pthread_mutex_lock(l[round]));
        E2E_CHECK(pthread_mutex_lock(l[1 - round]));
        E2E_CHECK(pthread_mutex_unlock(l[1 - round]));
        E2E_CHECK(pthread_mutex_unlock(l[round]));
    }
    return 0;
}
