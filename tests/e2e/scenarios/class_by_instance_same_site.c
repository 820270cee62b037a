// class_by=instance: two locks initialised at the same site are two classes (named after the
// site, the second with "#2"), so a1 -> a2 against a2 -> a1 is a class-level cycle
// (instance_level false). With the default class_by=stack they would be one class and the
// cycle an instance-level one with a single name.
// ENV: ULOCKDEP_OPTIONS=class_by=instance
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular make_lock@${FILE}:${LINE:init} make_lock@${FILE}:${LINE:init}#2
// EXPECT-COUNT: circular=1
// EXPECT-INSTANCE-LEVEL: false
// EXPECT-CYCLE-LEN: 2
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
