/* Symbolizer: code and data addresses of this process -> names, file:line, module+offset.
 * Used only on the report path (never on a lock fast path). Backed by elfutils libdw loaded
 * with dlopen(RTLD_LOCAL) so the program's symbol scope is untouched; falls back to dladdr().
 * Not async-signal-safe (allocates); callers serialise calls (the engine's graph lock). */
#ifndef ULOCKDEP_REPORTS_SYMBOLIZE_H
#define ULOCKDEP_REPORTS_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ul_frame {
    uintptr_t pc;             /* the address asked about */
    const char *function;     /* NULL if unknown */
    uintptr_t func_off;       /* pc - function start */
    uintptr_t func_size;      /* 0 if unknown */
    const char *file;         /* source file (as recorded in DWARF), NULL if unknown */
    int line;                 /* 0 if unknown */
    const char *module;       /* basename of the module (executable or .so), NULL if unknown */
    const char *module_path;  /* full path of the module */
    uintptr_t module_off;     /* pc - load bias of the module (what addr2line -e module takes) */
    const char *build_id;     /* hex build-id of the module, NULL if none */
    bool signal_frame;        /* the kernel's signal return trampoline (function is then
                               * "<signal handler called>"): the frame below a handler */
    bool inlined;             /* a function inlined at pc (ul_symbolize_frames): no offset */
};

/* Symbolizes a code address. If `return_address` is true, the line is looked up for pc-1
 * (the call instruction) while `pc`, func_off and module_off still describe pc itself.
 * Always fills what it can (at least module+offset when the address is mapped); returns
 * false only when nothing at all is known. Strings stay valid until ul_symbolizer_reset(). */
bool ul_symbolize_code(uintptr_t pc, bool return_address, struct ul_frame *out);

/* The same address as the logical frames it stands for when functions were inlined there:
 * out[0] the innermost inlined function (file:line of the code at pc), each next one its
 * caller (file:line of the call), the physical function last (then with the line of the
 * call into the outermost inlined function). Up to max frames; returns how many (1 and the
 * physical frame when nothing was inlined or DWARF is missing, 0 when nothing is known). */
int ul_symbolize_frames(uintptr_t pc, bool return_address, struct ul_frame *out, int max);

/* Names a data address by its symbol: "my_lock", or "my_struct+0x8" inside one. Uses the
 * ELF symbol tables (.symtab included, so static variables are found). Returns false
 * when no data symbol covers addr (buf is then untouched). */
bool ul_symbolize_data(uintptr_t addr, char *buf, size_t len);

/* A module is about to be dlclose'd (addr: any address inside it; call while it is still
 * mapped): frames inside it that are symbolised after it is gone still get its module,
 * offset and build-id, and its functions and lines from the file on disk. */
void ul_symbolizer_module_unloading(uintptr_t addr);

/* The address span of a loaded object, from its lowest to its highest PT_LOAD segment, for
 * a dl_iterate_phdr callback's info (struct dl_phdr_info *). False if it has none. */
struct dl_phdr_info;
bool ul_object_load_span(const struct dl_phdr_info *info, uintptr_t *lo, uintptr_t *hi);

/* Loads libdw and finds the C++ demangler now (at start-up, from the shim's constructor), so
 * that symbolising later never has to dlopen or dlsym, which take the dynamic loader's lock
 * (a lock path must not: a thread inside dlopen may be waiting for a lock our caller holds). */
void ul_symbolizer_prepare(void);

/* On: symbolise without the calls that take the loader's lock (no dladdr fallback); such
 * results are not cached. Report lock held. */
void ul_symbolizer_avoid_loader_lock(bool on);

/* Descriptors kept open for the whole run go at or above ul_fd_high_base(), not at the lowest
 * free numbers the program expects for itself: ul_fd_out_of_the_way moves fd there (closing
 * the old one) and returns the new number (fd itself if it cannot). */
int ul_fd_high_base(void);
int ul_fd_out_of_the_way(int fd);

/* Drops cached module lists and strings (call after dlopen/dlclose or in a forked child). */
void ul_symbolizer_reset(void);

/* Set to false to skip libdw entirely (function names from dladdr only, no file:line). */
void ul_symbolizer_use_libdw(bool on);

/* Did libdw run out of memory? It is then off for good in this process (a forked child's
 * reset does not bring it back): frames get module+offset and the names dladdr knows. */
bool ul_symbolizer_out_of_memory(void);

#endif
