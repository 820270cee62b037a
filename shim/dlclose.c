/* dlclose: a library whose static locks took part in the graph is going away. Its classes
 * are named while it is still mapped (names come from its symbols), the symbolizer records
 * the module (frames inside it keep module+offset, function and line), and once it is really
 * unloaded its locks are retired and a library loaded at the same address later gets new
 * classes, so it can never close a cycle with the old one's dependencies. */
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

#include "names.h"
#include "report.h"
#include "shim.h"
#include "symbolize.h"

struct module {
    uintptr_t base;
    const char *name;
    uintptr_t lo, hi;   /* all its PT_LOAD segments */
    bool found;
};

static int find_module(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    struct module *m = arg;
    if (info->dlpi_addr != m->base || !info->dlpi_name || strcmp(info->dlpi_name, m->name) != 0)
        return 0;
    m->found = ul_object_load_span(info, &m->lo, &m->hi);
    return 1;
}

static bool locate(struct module *m)
{
    m->found = false;
    dl_iterate_phdr(find_module, m);
    return m->found;
}

UL_EXPORT int dlclose(void *handle)
{
    struct link_map *lm = NULL;
    struct module m = { 0 };
    char name[4096];
    bool traced = __atomic_load_n(&ul_running, __ATOMIC_RELAXED) && !ul_busy &&
                  dlinfo(handle, RTLD_DI_LINKMAP, &lm) == 0 && lm && lm->l_name && lm->l_name[0];
    if (traced) {
        snprintf(name, sizeof name, "%s", lm->l_name);
        m.base = lm->l_addr;
        m.name = name;
        traced = locate(&m);
    }
    if (traced) {
        /* Name its classes now: their names come from this module's symbols. */
        struct ul_class *cls[256];
        size_t n = ul_module_classes(m.lo, m.hi, cls, 256);
        struct ul_thread *t = ul_enter();
        if (t) {
            for (size_t i = 0; i < n && i < 256; i++)
                ul_class_display_name(cls[i]);
            /* And remember the module itself: stacks through its code are reported later. */
            ul_report_module_unloading(m.lo);
            ul_leave();
        }
    }
    int r = REAL(dlclose)(handle);
    if (r == 0 && traced) {
        struct module again = m;
        if (!locate(&again)) { /* really unloaded, not just a reference dropped */
            struct ul_thread *t = ul_enter();
            if (t) {
                ul_on_module_unloaded(t, m.lo, m.hi);
                ul_leave();
            }
        }
    }
    return r;
}
