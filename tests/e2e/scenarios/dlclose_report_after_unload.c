// A plugin takes lock_a then lock_b (main's locks; the dependency's stack runs through the
// plugin's code) and is dlclose'd; afterwards main takes lock_b then lock_a. The report
// comes after the plugin is gone: its frames are still named, by the module and offset
// recorded when it was unloaded (and by function and line, read from the file on disk),
// never as a bare address.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-COUNT: circular=1
// EXPECT-TEXT: [libe2e_plugin_a.so+0x
// EXPECT-TEXT: plugin_nest+0x
// EXPECT-STDOUT: plugin unloaded
#include <dlfcn.h>
#include <libgen.h>
#include <link.h>
#include <unistd.h>

#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;

static int find_plugin(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    (void)arg;
    return info->dlpi_name && strstr(info->dlpi_name, "libe2e_plugin_a.so") != NULL;
}

int main(void)
{
    char exe[4096], path[4200];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        E2E_SKIP("no /proc/self/exe");
    exe[n] = 0;
    snprintf(path, sizeof path, "%s/libe2e_plugin_a.so", dirname(exe));
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
        return 99;
    }
    void (*nest)(pthread_mutex_t *, pthread_mutex_t *) =
        (void (*)(pthread_mutex_t *, pthread_mutex_t *))dlsym(h, "plugin_nest");
    if (!nest)
        return 99;
    nest(&lock_a, &lock_b);
    if (dlclose(h) != 0 || dl_iterate_phdr(find_plugin, NULL))
        E2E_SKIP("the plugin stayed loaded");
    printf("plugin unloaded\n");
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    E2E_CHECK(pthread_mutex_unlock(&lock_a));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
    return 0;
}
