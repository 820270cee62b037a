// ulockdep_assert_held on a lock the thread does not hold is reported (once per call site);
// on a held lock it is silent; ulockdep_assert_not_held on a held lock is reported too;
// ulockdep_is_held answers 1 and 0.
// EXPECT-EXIT: 66
// EXPECT-REPORT: assert_held queue_lock
// EXPECT-COUNT: assert_held=2
// EXPECT-TEXT: : ulockdep_assert_not_held() on a lock this thread holds:
// EXPECT-TEXT: : ulockdep_assert_held() on a lock this thread does not hold:
// EXPECT-STDOUT: held=1 not_held=0
#include <ulockdep/ulockdep.h>

#include "e2e_util.h"

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;

static void must_hold(void)
{
    ulockdep_assert_held(&queue_lock);
}

int main(void)
{
    E2E_CHECK(pthread_mutex_lock(&queue_lock));
    must_hold();
    ulockdep_assert_not_held(&queue_lock);
    int held = ulockdep_is_held(&queue_lock);
    E2E_CHECK(pthread_mutex_unlock(&queue_lock));
    int not_held = ulockdep_is_held(&queue_lock);
    printf("held=%d not_held=%d\n", held, not_held);
    must_hold();
    must_hold();
    return 0;
}
