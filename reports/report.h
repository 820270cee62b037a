/* Report dispatch: renders a problem in the configured formats and writes it to the sink
 * (stderr, or <log_path>.<pid>). The shim's report callback. */
#ifndef ULOCKDEP_REPORTS_REPORT_H
#define ULOCKDEP_REPORTS_REPORT_H

#include <stdbool.h>

#include "problem.h"

/* Once, at start-up (reads the command line and executable path). */
void ul_report_setup(void);
/* Renders and writes; true if reported. Takes the report lock. */
bool ul_report_problem(const struct ul_problem *p);
/* Writes one line (a "ulockdep: ..." message) to the sink. */
void ul_report_message(const char *line);
/* In a forked child: the next report opens the child's own log file. */
void ul_report_after_fork_child(void);
/* Number of reports written by this process. */
unsigned ul_report_written(void);

#endif
