/* Problems found outside the engine's lock events (the hang watchdog in the shim): handed to
 * the embedder and counted like the engine's own, so the exit status reflects them. */
#ifndef ULOCKDEP_ENGINE_EXTERNAL_REPORT_H
#define ULOCKDEP_ENGINE_EXTERNAL_REPORT_H

#include <stdbool.h>

#include "problem.h"

/* Without the graph lock. Returns true if it was reported (not suppressed). */
bool ul_engine_report_external(const struct ul_problem *p);

#endif
