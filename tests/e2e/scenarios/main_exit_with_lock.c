// The main thread returns from main with two locks held (one taken in main, one in a helper):
// one "still has locks held!" report for the main thread, both locks in it, in the order
// they were taken, each with the line that took it. (Helgrind: "Exiting thread still holds
// 2 locks".) main_exit_with_lock_off runs the same program with exit_held=0.
// EXPECT-EXIT: 66
// EXPECT-REPORT: held_at_exit config_lock registry_lock
// EXPECT-COUNT: held_at_exit=1
// EXPECT-LINES: 2 locks held by e2e_main_exit_w/*:
// EXPECT-LINES:  #0: * (config_lock){+.+.}-{3:3}, at: main+* ${FILE}:${LINE:config}*
// EXPECT-LINES:  #1: * (registry_lock){+.+.}-{3:3}, at: open_registry+* ${FILE}:${LINE:registry}*
#include "e2e_util.h"

static pthread_mutex_t config_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

static void open_registry(void)
{
    E2E_CHECK(pthread_mutex_lock(&registry_lock)); /* LINE:registry */
}

int main(void)
{
    E2E_CHECK(pthread_mutex_lock(&config_lock)); /* LINE:config */
    open_registry();
    return 0; /* forgets both */
}
