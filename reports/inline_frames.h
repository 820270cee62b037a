/* The functions inlined at an address, from DWARF: one rule for the shim's symbolizer
 * (symbolize.c, libdw loaded privately) and `ulockdep report`'s offline one (cli/, libdw
 * linked), so both print the same frames. */
#ifndef ULOCKDEP_REPORTS_INLINE_FRAMES_H
#define ULOCKDEP_REPORTS_INLINE_FRAMES_H

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <stdbool.h>
#include <stddef.h>

/* The libdw calls the walk makes, as a table: the shim fills it from its dlopen'd libdw,
 * the CLI with the linked functions. */
#define UL_INLINE_DW_FUNCS(X) \
    X(dwfl_module_addrdie)    \
    X(dwarf_getscopes)        \
    X(dwarf_getscopes_die)    \
    X(dwarf_tag)              \
    X(dwarf_attr)             \
    X(dwarf_attr_integrate)   \
    X(dwarf_formref_die)      \
    X(dwarf_formudata)        \
    X(dwarf_formstring)       \
    X(dwarf_diename)          \
    X(dwarf_getsrcfiles)      \
    X(dwarf_filesrc)

struct ul_inline_dw {
#define X(name) __typeof__(name) *name;
    UL_INLINE_DW_FUNCS(X)
#undef X
    /* Keeps a string for as long as the caller's frames live (a mangled or plain function
     * name is made readable: `is_function`). */
    const char *(*keep)(const char *s, size_t n, bool is_function);
};

struct ul_inline_step {
    const char *function; /* the inlined function, qualified ("std::mutex::lock") */
    const char *file;     /* where its code at the address is (the innermost: the line table's
                           * file; the next ones: the call site of the one inside) */
    int line;
};

/* The inlined functions at `at` (a link-time-biased address inside module m), innermost
 * first, up to max; `file`/`line` come in as the line table's answer for `at` and go out as
 * the physical function's own (the call into the outermost inlined function). Returns how
 * many were inlined (0: none, or no DWARF). */
int ul_inline_walk(const struct ul_inline_dw *dw, Dwfl_Module *m, Dwarf_Addr at, struct ul_inline_step *out,
                   int max, const char **file, int *line);

#endif
