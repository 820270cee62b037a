/* Report dispatch: renders a problem in the configured formats and writes it to the sink
 * (stderr, or <log_path>.<pid>). The shim's report callback. */
#ifndef ULOCKDEP_REPORTS_REPORT_H
#define ULOCKDEP_REPORTS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "problem.h"

struct ul_class;

/* Once, at start-up: reads the command line and executable path, checks log_path's
 * directory, loads the suppressions file (problems with either: one line on stderr). */
void ul_report_setup(void);
/* Renders and writes; true if reported, false if a deadlock: suppression hid it.
 * Takes the report lock. */
bool ul_report_problem(const struct ul_problem *p);
/* lock: suppressions. Are there any? Should this class be ignored (its report name, or the
 * annotation name inst_name, matches one)? Takes the report lock unless the caller holds it;
 * symbolizes, so not for signal handlers. */
bool ul_report_has_lock_rules(void);
bool ul_report_ignore_class(const struct ul_class *cls, const char *inst_name);
/* At exit: with print_suppressions=1, which suppressions were used and how often. */
/* "ulockdep: N reports written to LOG.PID" on stderr, once, if reports went to log_path
 * (ul_report_finish says it; _exit, which skips the destructors, calls it itself). No lock. */
void ul_report_say_logged(void);
void ul_report_finish(void);
/* When this thread's last ul_report_problem was suppressed: the rule ("deadlock:PATTERN")
 * into buf, true (once). */
bool ul_report_last_suppression(char *buf, size_t len);
/* Writes one line (a "ulockdep: ..." message) to the sink. */
void ul_report_message(const char *line);
/* In a forked child: the next report opens the child's own log file. */
void ul_report_after_fork_child(void);
/* Did rendering or symbolising run out of memory? Sticky. The report being rendered was
 * still written (unsymbolised where libdw gave up; from a static reserve buffer when the
 * text itself found no memory); the shim then stops checking. */
bool ul_report_out_of_memory(void);
/* A module (any address inside it) is about to be dlclose'd: keep naming its frames. */
void ul_report_module_unloading(uintptr_t addr);
/* Number of reports written by this process. */
unsigned ul_report_written(void);

#endif
