/* The circular-dependency splat below its banner, in the kernel's layout (print_circular_bug
 * and friends): who is acquiring what while holding what, the dependency chain in reverse
 * order, "Chain exists of", the unsafe scenario. One layout for the shim's reports
 * (render_text.c) and for the ulockdep command's cross-run cycles and splats rebuilt from
 * JSON (cli/): each caller writes its own lock lines and dependencies (it knows where their
 * names and stacks come from), this writes everything between them. */
#ifndef ULOCKDEP_REPORTS_CIRCULAR_LAYOUT_H
#define ULOCKDEP_REPORTS_CIRCULAR_LAYOUT_H

#include <stdbool.h>

#include "strbuf.h"

struct ul_circular_text {
    const char *comm;          /* the thread that closes the cycle, and its id */
    long tid;
    const char *trying;        /* after "comm/tid": NULL for " is trying to acquire lock:" */
    const char *note;          /* a line after "which lock already depends on the new lock." */
    unsigned ndeps;            /* dependencies: #0 is the new one */
    /* "Chain exists of" (more than two dependencies) and the scenario name these three:
     * source (being acquired), parent (the lock the chain reaches last), target (held). */
    const char *source, *parent, *target;
    /* The scenario's operations ("lock", "rlock", "sync"): CPU0 on target, CPU1 on parent
     * and on target, CPU0 on source. */
    const char *op_target0, *op_parent1, *op_target1, *op_source0;
    /* The lock being acquired (holding false) or the one held, as one line ending in '\n'. */
    void (*lock_line)(struct ul_strbuf *b, bool holding, void *arg);
    /* Dependency #k after its "-> #k ": the lock it leads into, ":\n", then its stack. */
    void (*dependency)(struct ul_strbuf *b, unsigned k, void *arg);
    void *arg;
};

/* Ends with the " *** DEADLOCK ***" line and a blank line; the held locks (or the runs)
 * come after it. */
void ul_render_circular(struct ul_strbuf *b, const struct ul_circular_text *c);

#endif
