#include "names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "lockclass.h"
#include "stackdepot.h"
#include "runtime_frames.h"
#include "symbolize.h"

/* How many classes printed each name so far (kernel-style name_version). */
struct name_count {
    char *name;
    int count;
    UT_hash_handle hh;
};
static struct name_count *name_counts;

static const char *basename_of(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* "function@file:line" of the first frame of user code on the init (or first-use) stack:
 * a std::mutex is named after the user's function that first locked it, not after
 * std::mutex::lock or a libstdc++ header. */
static void site_name(const struct ul_class *cls, char *buf, size_t len)
{
    const struct ul_stack *st = ul_stack_get(cls->site_stack);
    struct ul_frame f = { 0 }, first = { 0 };
    bool have = false, found = false;
    for (uint32_t i = 0; st && i < st->n && !found; i++) {
        struct ul_frame fr[16];
        int n = ul_symbolize_frames(st->pcs[i], true, fr, 16);
        for (int k = 0; k < n && !found; k++) {
            if (!have) {
                first = fr[k];
                have = true;
            }
            if (!ul_runtime_frame(fr[k].module, fr[k].function, fr[k].file)) {
                f = fr[k];
                found = true;
            }
        }
    }
    if (!found && have)
        f = first;
    if (found || have) {
        if (f.function && f.file && f.line)
            snprintf(buf, len, "%s@%s:%d", f.function, basename_of(f.file), f.line);
        else if (f.function)
            snprintf(buf, len, "%s@%s+0x%lx", f.function, f.module ? f.module : "?",
                     (unsigned long)f.module_off);
        else
            snprintf(buf, len, "%s+0x%lx", f.module ? f.module : "?", (unsigned long)f.module_off);
        return;
    }
    snprintf(buf, len, "%s#%u", ul_kind_name(cls->kind), cls->id);
}

/* A class initialised at run time whose first lock is in static storage: that lock's symbol
 * ("my_lock", "my_struct+0x8") while it is the class's only lock; for an array of them (or
 * locks of several statics) the symbol with "[]" and the init site's file:line. */
static bool static_init_name(const struct ul_class *cls, char *buf, size_t len)
{
    char sym[400];
    if (cls->origin != UL_ORIGIN_INIT || !cls->static_addr ||
        !ul_symbolize_data(cls->static_addr, sym, sizeof sym))
        return false;
    if (cls->instances <= 1) {
        snprintf(buf, len, "%s", sym);
        return true;
    }
    sym[strcspn(sym, "+")] = 0;
    char site[500];
    site_name(cls, site, sizeof site);
    const char *at = strchr(site, '@');
    snprintf(buf, len, "%s[]%s", sym, at ? at : "");
    return true;
}

/* ---- classes made by one wrapper ------------------------------------------------------ */

#define CHAIN_MAX 4

/* The user-code frames of a class's init (or first-use) stack as printed,
 * "function@file:line", innermost first, up to max (runtime frames skipped, as for the class
 * key). Two call sites on one line print alike: they tell no reader anything apart. */
#define FRAME_TEXT 300
static int user_frames(const struct ul_class *cls, char (*out)[FRAME_TEXT], int max)
{
    const struct ul_stack *st = ul_stack_get(cls->site_stack);
    int n = 0;
    for (uint32_t i = 0; st && i < st->n && n < max; i++) {
        if (ul_pc_is_runtime(st->pcs[i]))
            continue;
        struct ul_frame f;
        if (!ul_user_frame(st->pcs[i], &f))
            snprintf(out[n], FRAME_TEXT, "0x%lx", (unsigned long)st->pcs[i]);
        else if (f.function && f.file && f.line)
            snprintf(out[n], FRAME_TEXT, "%s@%s:%d", f.function, basename_of(f.file), f.line);
        else
            snprintf(out[n], FRAME_TEXT, "%s+0x%lx", f.module ? f.module : "?", (unsigned long)f.module_off);
        n++;
    }
    return n;
}

/* When other classes were made at the same innermost site (a lock-making wrapper: yarn's
 * new_lock(), nlMutexInit()), the caller frames up to the first one that tells this class
 * apart from all of them: " <- new_pool@pigz.c:1380". Nothing when no other class shares
 * the site, or none of the frames kept tells them apart (then the name gets "#2"). */
/* The innermost user-code return address of a class's site stack (0: none). Cheap: the
 * runtime verdicts are cached, nothing is symbolised. */
static uintptr_t first_user_pc(const struct ul_class *cls)
{
    const struct ul_stack *st = ul_stack_get(cls->site_stack);
    for (uint32_t i = 0; st && i < st->n; i++)
        if (!ul_pc_is_runtime(st->pcs[i]))
            return st->pcs[i];
    return 0;
}

static void distinguishing_callers(const struct ul_class *cls, char *buf, size_t len)
{
    buf[0] = 0;
    uintptr_t site = first_user_pc(cls);
    static char mine[CHAIN_MAX][FRAME_TEXT], theirs[CHAIN_MAX][FRAME_TEXT]; /* report lock held */
    int nm = user_frames(cls, mine, CHAIN_MAX), differ = 0;
    if (nm < 2)
        return;
    for (uint32_t id = 1, n = ul_class_count(); id <= n; id++) {
        const struct ul_class *o = ul_class_get(id);
        if (!o || o == cls || o->site_stack == 0 || o->origin == UL_ORIGIN_STATIC || o->origin == UL_ORIGIN_NAMED ||
            o->parent || first_user_pc(o) != site)
            continue; /* only classes made at this very call: every other class is passed cheaply */
        int no = user_frames(o, theirs, CHAIN_MAX);
        if (no < 1 || strcmp(theirs[0], mine[0]))
            continue;
        int k = 1;
        while (k < nm && k < no && !strcmp(theirs[k], mine[k]))
            k++;
        if (k < nm && k > differ)
            differ = k;
    }
    size_t used = 0;
    for (int k = 1; k <= differ && used < len; k++) {
        int w = snprintf(buf + used, len - used, " <- %s", mine[k]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

static int next_version(const char *name)
{
    struct name_count *nc;
    HASH_FIND_STR(name_counts, name, nc);
    if (!nc) {
        nc = calloc(1, sizeof *nc);
        if (!nc)
            return 1;
        nc->name = strdup(name);
        if (!nc->name) {
            free(nc);
            return 1;
        }
        HASH_ADD_KEYPTR(hh, name_counts, nc->name, strlen(nc->name), nc);
    }
    return ++nc->count;
}

const char *ul_class_display_name(struct ul_class *cls)
{
    if (!cls)
        return "(unknown)";
    if (cls->name)
        return cls->name;
    if (cls->parent) {
        /* a subclass (ulockdep_lock_nested): its parent's name and "/n", as the kernel's */
        char sub[560];
        snprintf(sub, sizeof sub, "%s/%u", ul_class_display_name((struct ul_class *)cls->parent), cls->subclass);
        cls->name = strdup(sub);
        return cls->name ? cls->name : "(out of memory)";
    }
    char base[900];
    if (cls->origin == UL_ORIGIN_STATIC && ul_symbolize_data(cls->static_addr, base, sizeof base))
        ;
    else if (cls->origin == UL_ORIGIN_STATIC)
        snprintf(base, sizeof base, "0x%lx", (unsigned long)cls->static_addr);
    else if (static_init_name(cls, base, sizeof base))
        ;
    else {
        site_name(cls, base, sizeof base);
        char callers[400];
        distinguishing_callers(cls, callers, sizeof callers);
        size_t bl = strlen(base);
        snprintf(base + bl, sizeof base - bl, "%s", callers);
    }
    int version = cls->origin == UL_ORIGIN_STATIC ? 1 : next_version(base);
    char full[960];
    if (version > 1)
        snprintf(full, sizeof full, "%s#%d", base, version);
    else
        snprintf(full, sizeof full, "%s", base);
    char *name = strdup(full);
    if (!name)
        return "(out of memory)";
    cls->name_version = version;
    cls->name = name;
    return name;
}

const char *ul_lock_display_name(const struct ul_lockref *r, char *buf, size_t len)
{
    if (r->inst_name)
        return r->inst_name;
    /* A lock of a class made of several static locks (an array initialised in a loop) is
     * named by its own symbol, "locks+0x28", as the contract names static locks; the class
     * is "locks[]@file:line". */
    const struct ul_class *cls = r->cls;
    if (cls && cls->origin == UL_ORIGIN_INIT && cls->static_addr && cls->instances > 1 && r->addr && len &&
        ul_symbolize_data(r->addr, buf, len))
        return buf;
    return ul_class_display_name((struct ul_class *)r->cls);
}

void ul_thread_comm(int tid, char *buf, size_t len)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/comm", tid);
    snprintf(buf, len, "?");
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    if (fgets(buf, (int)len, f))
        buf[strcspn(buf, "\n")] = 0;
    fclose(f);
}
