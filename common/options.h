/* Options: parsed once from ULOCKDEP_OPTIONS (sanitizer syntax, key=value separated by ':',
 * ',' or whitespace). Defined by the table in options.def. */
#ifndef ULOCKDEP_ENGINE_OPTIONS_H
#define ULOCKDEP_ENGINE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#define ULOCKDEP_OPT_STRMAX 512

struct ul_options {
#define ULOCKDEP_OPT_FIELD_BOOL(n) bool n;
#define ULOCKDEP_OPT_FIELD_INT(n) int n;
#define ULOCKDEP_OPT_FIELD_STRING(n) char n[ULOCKDEP_OPT_STRMAX];
#define ULOCKDEP_OPTION(type, name, def, doc) ULOCKDEP_OPT_FIELD_##type(name)
#include "options.def"
#undef ULOCKDEP_OPTION
};

/* Derived from format/class_by after parsing. */
struct ul_derived_options {
    bool text, json;
    bool class_by_instance;
};

extern struct ul_options ul_opt;
extern struct ul_derived_options ul_dopt;

/* The exit status of a process that ulockdep ends itself (halt_on_error, a deadlock): exitcode,
 * or 1 when it is 0, for that end is never a success. */
static inline int ul_forced_exit_status(void)
{
    return ul_opt.exitcode ? ul_opt.exitcode : 1;
}

/* `ulockdep run` and `stress` turn the hang watchdog on with this deadlock_timeout, unless the
 * user set one. */
#define ULOCKDEP_RUN_DEADLOCK_TIMEOUT 10

/* Complaint sink: called with one line (no trailing newline) per problem found. */
typedef void (*ul_opt_complain_fn)(const char *line);

/* Resets to defaults, then applies `spec` (may be NULL). Each bad entry (unknown key, bad
 * or out-of-range value, overlong value, no '=', no key, unterminated quote, an option set
 * twice) is one line "ulockdep: ULOCKDEP_OPTIONS: ..." through `complain` (may be NULL) that
 * names the key; a bad value leaves the option as it was (its default unless an earlier entry
 * set it) and says which value is used ("; using ..."). Every other entry still applies.
 * Empty entries (leading, trailing or doubled separators) are fine. At most 20 lines are
 * passed to `complain`, then one "more problems, not shown".
 * Returns the number of problems found. */
int ul_options_parse(const char *spec, ul_opt_complain_fn complain);

/* Did the last ul_options_parse give option `name` a (valid) value? (The CLI adds its own
 * defaults, e.g. deadlock_timeout, only where the user set none.) */
bool ul_options_was_set(const char *name);

/* Writes the help text (every option, its type, default and description) into buf. */
size_t ul_options_help(char *buf, size_t len);

#endif
