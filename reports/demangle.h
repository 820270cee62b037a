/* C++ names as a reader writes them: "_ZN6Ledger4postER9OrderBook" -> "Ledger::post".
 * Uses the C++ runtime's own demangler (__cxa_demangle), found in the process when a C++
 * runtime is loaded (a program with mangled names has one); without it names stay mangled.
 * The parameter list and trailing qualifiers are dropped (a frame names a function, as the
 * kernel's do); template arguments and lambda names are kept. */
#ifndef ULOCKDEP_REPORTS_DEMANGLE_H
#define ULOCKDEP_REPORTS_DEMANGLE_H

#include <stdbool.h>
#include <stddef.h>

/* Looks the demangler up (call early, outside any lock of the program's: dlsym may take
 * the dynamic loader's lock). Later calls do nothing. */
void ul_demangle_setup(void);

/* The same for a process of our own (the `ulockdep` command): loads libstdc++ for its
 * demangler when none is in the process. Never in a traced program. */
void ul_demangle_setup_loading(void);

/* Writes the readable form of `name` (n bytes of it) to buf. Returns false (buf untouched)
 * when name is not a mangled C++ name or cannot be demangled. */
bool ul_demangle(const char *name, size_t n, char *buf, size_t len);

/* Drops "(params)" and " const", " &", " &&", " volatile" from the end of a demangled name,
 * in place: "Ledger::post(OrderBook&) const" -> "Ledger::post". */
void ul_demangled_strip_params(char *s);

#endif
