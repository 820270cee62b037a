// A plugin's static lock is ordered after main_lock; the plugin is dlclose'd and another
// plugin is loaded at the same address, whose lock (at the same address) is ordered before
// main_lock. They are different locks: no report. (Without retiring the first plugin's
// locks at dlclose, the two would be one class and a false cycle would be reported; the
// control scenario dlclose_reload_control keeps the first plugin and does report.)
// EXPECT-NONE
#include <dlfcn.h>
#include <libgen.h>
#include <unistd.h>

#include "e2e_util.h"

#ifndef KEEP_FIRST
#define KEEP_FIRST 0
#endif

static pthread_mutex_t main_lock = PTHREAD_MUTEX_INITIALIZER;

static void *load(const char *which)
{
    char exe[4096], path[4200];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        E2E_SKIP("no /proc/self/exe");
    exe[n] = 0;
    snprintf(path, sizeof path, "%s/libe2e_plugin_%s.so", dirname(exe), which);
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
        exit(99);
    }
    return h;
}

int main(void)
{
    void *a = load("a");
    void (*run_a)(pthread_mutex_t *, int) = (void (*)(pthread_mutex_t *, int))dlsym(a, "plugin_run");
    void *(*addr_a)(void) = (void *(*)(void))dlsym(a, "plugin_lock_addr");
    run_a(&main_lock, 1); /* main_lock -> plugin a's lock */
    void *first = addr_a();
    if (KEEP_FIRST) {
        run_a(&main_lock, 0); /* the same lock both ways: a real inversion */
        return 0;
    }
    E2E_CHECK(dlclose(a));
    void *b = load("b");
    void (*run_b)(pthread_mutex_t *, int) = (void (*)(pthread_mutex_t *, int))dlsym(b, "plugin_run");
    void *(*addr_b)(void) = (void *(*)(void))dlsym(b, "plugin_lock_addr");
    if (addr_b() != first)
        E2E_SKIP("the second plugin was not loaded at the first one's address");
    run_b(&main_lock, 0); /* plugin b's lock -> main_lock */
    E2E_CHECK(dlclose(b));
    return 0;
}
