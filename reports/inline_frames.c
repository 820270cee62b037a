#include "inline_frames.h"

#include <dwarf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The name of an inlined function's DIE: its linkage name made readable (qualified, as the
 * physical frames are named), else its plain name qualified by the namespaces and classes
 * around its declaration (a template instance, a lambda's operator() has no linkage name). */
static const char *die_function_name(const struct ul_inline_dw *dw, Dwarf_Die *die)
{
    Dwarf_Attribute a;
    const char *name = NULL;
    if (dw->dwarf_attr_integrate(die, DW_AT_linkage_name, &a) ||
        dw->dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a))
        name = dw->dwarf_formstring(&a);
    if (name)
        return dw->keep(name, strlen(name), true);
    name = dw->dwarf_diename(die);
    if (!name)
        return NULL;
    Dwarf_Die decl = *die, mem;
    for (int k = 0; k < 4; k++) {
        if (!dw->dwarf_attr(&decl, DW_AT_abstract_origin, &a) && !dw->dwarf_attr(&decl, DW_AT_specification, &a))
            break;
        if (!dw->dwarf_formref_die(&a, &mem))
            break;
        decl = mem;
    }
    Dwarf_Die *outer = NULL;
    int n = dw->dwarf_getscopes_die(&decl, &outer);
    char buf[1024];
    size_t len = 0;
    buf[0] = 0;
    for (int i = n - 1; i >= 1; i--) {
        int tag = dw->dwarf_tag(&outer[i]);
        const char *part = dw->dwarf_diename(&outer[i]);
        if (!part || (tag != DW_TAG_namespace && tag != DW_TAG_class_type && tag != DW_TAG_structure_type &&
                      tag != DW_TAG_union_type && tag != DW_TAG_subprogram))
            continue;
        int w = snprintf(buf + len, sizeof buf - len, "%s::", part);
        if (w < 0 || (size_t)w >= sizeof buf - len)
            break;
        len += (size_t)w;
    }
    free(outer);
    snprintf(buf + len, sizeof buf - len, "%s", name);
    return dw->keep(buf, strlen(buf), false);
}

int ul_inline_walk(const struct ul_inline_dw *dw, Dwfl_Module *m, Dwarf_Addr at, struct ul_inline_step *out,
                   int max, const char **file, int *line)
{
    Dwarf_Addr bias = 0;
    Dwarf_Die *cu = dw->dwfl_module_addrdie(m, at, &bias);
    if (!cu)
        return 0;
    Dwarf_Die *scopes = NULL;
    int nscopes = dw->dwarf_getscopes(cu, at - bias, &scopes);
    if (nscopes <= 0)
        return 0;
    /* After an inlined subroutine, dwarf_getscopes goes on into the inlined function's
     * abstract definition; the callers are the scopes that contain its concrete DIE. */
    if (dw->dwarf_tag(&scopes[0]) == DW_TAG_inlined_subroutine) {
        Dwarf_Die inner = scopes[0];
        free(scopes);
        scopes = NULL;
        nscopes = dw->dwarf_getscopes_die(&inner, &scopes);
        if (nscopes <= 0)
            return 0;
    }
    Dwarf_Files *files = NULL;
    size_t nfiles = 0;
    if (dw->dwarf_getsrcfiles(cu, &files, &nfiles) != 0)
        files = NULL;
    int n = 0;
    for (int i = 0; i < nscopes && n < max; i++) {
        int tag = dw->dwarf_tag(&scopes[i]);
        if (tag == DW_TAG_subprogram)
            break;
        if (tag != DW_TAG_inlined_subroutine)
            continue;
        out[n++] = (struct ul_inline_step){ die_function_name(dw, &scopes[i]), *file, *line };
        Dwarf_Attribute a;
        Dwarf_Word v;
        if (files && dw->dwarf_formudata(dw->dwarf_attr(&scopes[i], DW_AT_call_file, &a), &v) == 0 && v < nfiles) {
            const char *cf = dw->dwarf_filesrc(files, v, NULL, NULL);
            *file = cf ? dw->keep(cf, strlen(cf), false) : NULL;
        }
        *line = dw->dwarf_formudata(dw->dwarf_attr(&scopes[i], DW_AT_call_line, &a), &v) == 0 ? (int)v : 0;
    }
    free(scopes);
    return n;
}
