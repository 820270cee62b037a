/* Suppressions in the command-line tools (`report`, `merge`, `stress` --suppressions FILE):
 * the shim's file format and matcher (common/suppress.c), applied to what the tools show.
 * A problem is hidden when a `deadlock:` rule matches any of its frames (function, file or
 * its base name, module or its base name) or lock names, or a `lock:` rule matches one of its
 * lock names (the tools cannot un-trace a class after the fact: they hide the problems that
 * involve it). The first matching rule in the file is the one counted. */
#ifndef ULOCKDEP_CLI_SUPP_CLI_H
#define ULOCKDEP_CLI_SUPP_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "suppress.h"

struct cli_supp {
    struct ul_supp_set set;
    const char *path;
    unsigned long hidden;    /* problems hidden */
};

/* Reads and parses FILE. Bad lines are reported on stderr (naming FILE:LINE) and skipped;
 * false (after one line on stderr) when the file cannot be read: a usage error. */
bool cli_supp_load(struct cli_supp *s, const char *path);
void cli_supp_free(struct cli_supp *s);

/* Matching one problem: start with best = -1, offer every frame and lock name, then
 * cli_supp_hide() says whether it is hidden (and counts it). */
struct cli_supp_match {
    const struct cli_supp *s;
    int best;
};
void cli_supp_frame(struct cli_supp_match *m, const char *function, const char *file, const char *module);
void cli_supp_lock(struct cli_supp_match *m, const char *name);
bool cli_supp_hide(struct cli_supp *s, struct cli_supp_match *m);

/* "WHO: suppressions used:" and one "  COUNT TYPE:PATTERN" line per rule used, to out
 * (nothing when none was). */
void cli_supp_print_used(const struct cli_supp *s, FILE *out, const char *who);

#endif
