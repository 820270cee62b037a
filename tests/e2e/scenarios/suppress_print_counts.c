// print_suppressions: three AB-BA pairs, all hidden. Each problem is counted for the first
// rule, in file order, that matches it: lock_e/lock_f for the lock-name rule on line 1 (its
// functions would match line 2 as well), the other two pairs for the function rule.
// SUPPRESSIONS: deadlock:lock_e
// SUPPRESSIONS: deadlock:*_then_*
// SUPPRESSIONS: deadlock:never_used
// EXPECT-NONE
// EXPECT-MESSAGE: ulockdep: suppressions used:
// EXPECT-MESSAGE: 1 deadlock:lock_e
// EXPECT-MESSAGE: 2 deadlock:*_then_*
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_c = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_d = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_e = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_f = PTHREAD_MUTEX_INITIALIZER;

static void take_in_order(pthread_mutex_t *first, pthread_mutex_t *second)
{
    E2E_CHECK(pthread_mutex_lock(first));
    E2E_CHECK(pthread_mutex_lock(second));
    E2E_CHECK(pthread_mutex_unlock(second));
    E2E_CHECK(pthread_mutex_unlock(first));
}

static void *a_then_b(void *arg) { take_in_order(&lock_a, &lock_b); return NULL; }
static void *b_then_a(void *arg) { take_in_order(&lock_b, &lock_a); return NULL; }
static void *c_then_d(void *arg) { take_in_order(&lock_c, &lock_d); return NULL; }
static void *d_then_c(void *arg) { take_in_order(&lock_d, &lock_c); return NULL; }
static void *e_then_f(void *arg) { take_in_order(&lock_e, &lock_f); return NULL; }
static void *f_then_e(void *arg) { take_in_order(&lock_f, &lock_e); return NULL; }

int main(void)
{
    e2e_run_thread(a_then_b, NULL);
    e2e_run_thread(b_then_a, NULL);
    e2e_run_thread(c_then_d, NULL);
    e2e_run_thread(d_then_c, NULL);
    e2e_run_thread(e_then_f, NULL);
    e2e_run_thread(f_then_e, NULL);
    return 0;
}
