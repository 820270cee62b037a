/* Renderers: a problem -> text splat (kernel lockdep layout) or one JSON line.
 * Report lock held (they symbolize and name classes). */
#ifndef ULOCKDEP_REPORTS_RENDER_H
#define ULOCKDEP_REPORTS_RENDER_H

#include "problem.h"
#include "strbuf.h"

/* Identity of the process, printed in every report. */
struct ul_report_ident {
    int pid;
    unsigned seq;          /* report number in this process, from 1 */
    const char *exe;       /* program path */
    const char *comm;      /* name of the reporting thread */
    const char *cmdline;   /* program and arguments, space separated */
    const char *argv;      /* the same, each followed by a NUL (/proc/self/cmdline); may be NULL */
    size_t argv_len;       /* bytes of argv */
    double since_start;    /* seconds since the process started (its first ulockdep moment) */
    long long wall_ms;     /* wall-clock time of the report, ms since the epoch (UTC) */
};

const char *ul_problem_title(const struct ul_problem *p, const char *comm, char *buf, size_t len);
const char *ul_problem_kind_name(enum ul_problem_kind kind);
/* srcu_misuse, assert_held: what is wrong, in one sentence (problem_message.c). */
const char *ul_problem_message(const struct ul_problem *p, char *buf, size_t len);
void ul_render_text(struct ul_strbuf *b, const struct ul_problem *p, const struct ul_report_ident *id);
void ul_render_json(struct ul_strbuf *b, const struct ul_problem *p, const struct ul_report_ident *id);

#endif
