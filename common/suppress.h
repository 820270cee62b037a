/* Suppressions, sanitizer style: a file of "TYPE:PATTERN" lines.
 *   deadlock:PATTERN  hide a problem any of whose frames (function, file or module) or lock
 *                     names match PATTERN;
 *   lock:PATTERN      ignore a lock class entirely (by its report name or annotation name).
 * PATTERN is a glob matched against the whole string ('*', '?', '[...]', '\' escapes), as
 * fnmatch(3) without flags would. '#' starts a comment line; blank lines are allowed;
 * spaces around the line and around the ':' are trimmed.
 *
 * Pure functions: parse a buffer into rules, match a string against them. Reading the file
 * and walking a problem's names and frames are the caller's (reports/report.c). */
#ifndef ULOCKDEP_REPORTS_SUPPRESS_H
#define ULOCKDEP_REPORTS_SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>

enum ul_supp_type { UL_SUPP_DEADLOCK, UL_SUPP_LOCK, UL_SUPP_TYPE_COUNT };

/* Longest line accepted, without its newline. */
#define UL_SUPP_LINE_MAX 1024

struct ul_supp_rule {
    enum ul_supp_type type;
    const char *pattern;     /* NUL-terminated, inside the set's own copy of the text */
    unsigned line;           /* 1-based line of the file */
    unsigned long hits;      /* how often it suppressed something (the caller counts) */
};

struct ul_supp_set {
    struct ul_supp_rule *rules;
    unsigned n;
    char *text;
};

/* Called with one complete line ("ulockdep: suppressions FILE:LINE: ...", no newline). */
typedef void (*ul_supp_complain_fn)(void *arg, const char *line);

/* Parses buf[0, len) (any bytes; need not be NUL-terminated) into *set, which must be empty
 * (zeroed) or freed. Every good line becomes a rule; every bad line is reported through
 * complain (may be NULL) naming `file` and the line number, and skipped. Returns the
 * number of bad lines, or -1 when out of memory (the set is then empty). */
int ul_supp_parse(struct ul_supp_set *set, const char *buf, size_t len, const char *file,
                  ul_supp_complain_fn complain, void *arg);
void ul_supp_free(struct ul_supp_set *set);

/* Whole-string glob match, fnmatch(pattern, s, 0) semantics in the C locale; worst case
 * O(strlen(pattern) * strlen(s)), never exponential. */
bool ul_glob_match(const char *pattern, const char *s);

/* Index of the first rule (in file order) of `type` whose pattern matches s, or -1. */
int ul_supp_match(const struct ul_supp_set *set, enum ul_supp_type type, const char *s);
bool ul_supp_has_type(const struct ul_supp_set *set, enum ul_supp_type type);
const char *ul_supp_type_name(enum ul_supp_type type);

/* Writes "  COUNT TYPE:PATTERN\n" for each rule that was used (hits > 0), in file order,
 * into buf like snprintf. Returns the length needed; 0 when no rule was used. */
size_t ul_supp_format_used(const struct ul_supp_set *set, char *buf, size_t len);

#endif
