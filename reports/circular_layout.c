#include "circular_layout.h"

void ul_render_circular(struct ul_strbuf *b, const struct ul_circular_text *c)
{
    ul_sb_printf(b, "%s/%ld%s\n", c->comm, c->tid, c->trying ? c->trying : " is trying to acquire lock:");
    c->lock_line(b, false, c->arg);
    ul_sb_puts(b, "\nbut task is already holding lock:\n");
    c->lock_line(b, true, c->arg);
    ul_sb_puts(b, "\nwhich lock already depends on the new lock.\n\n");
    if (c->note)
        ul_sb_printf(b, "%s\n", c->note);
    ul_sb_puts(b, "\nthe existing dependency chain (in reverse order) is:\n");
    for (unsigned k = c->ndeps; k-- > 0;) {
        ul_sb_printf(b, "\n-> #%u ", k);
        c->dependency(b, k, c->arg);
    }
    ul_sb_puts(b, "\nother info that might help us debug this:\n\n");
    if (c->ndeps > 2)
        ul_sb_printf(b, "Chain exists of:\n  %s --> %s --> %s\n\n", c->source, c->parent, c->target);
    ul_sb_puts(b, " Possible unsafe locking scenario:\n\n");
    ul_sb_puts(b, "       CPU0                    CPU1\n");
    ul_sb_puts(b, "       ----                    ----\n");
    ul_sb_printf(b, "  %s(%s);\n", c->op_target0, c->target);
    ul_sb_printf(b, "                               %s(%s);\n", c->op_parent1, c->parent);
    ul_sb_printf(b, "                               %s(%s);\n", c->op_target1, c->target);
    ul_sb_printf(b, "  %s(%s);\n", c->op_source0, c->source);
    ul_sb_puts(b, "\n *** DEADLOCK ***\n\n");
}
