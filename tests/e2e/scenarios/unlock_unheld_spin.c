// Unlock of a spinlock that is not locked: bad unlock balance.
// EXPECT-EXIT: 66
// EXPECT-REPORT: bad_unlock spin_s
// EXPECT-COUNT: bad_unlock=1
#include "e2e_util.h"

static pthread_spinlock_t spin_s;

int main(void)
{
    E2E_CHECK(pthread_spin_init(&spin_s, PTHREAD_PROCESS_PRIVATE));
    E2E_CHECK(pthread_spin_lock(&spin_s));
    E2E_CHECK(pthread_spin_unlock(&spin_s));
    pthread_spin_unlock(&spin_s); /* the bug: once too often */
    return 0;
}
