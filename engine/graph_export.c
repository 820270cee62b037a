#include "graph_export.h"

#include <stdatomic.h>

#include "glock.h"
#include "lockclass.h"

void ul_graph_export_size(uint32_t *nclasses, uint64_t *nedges)
{
    *nclasses = ul_class_count();
    *nedges = __atomic_load_n(&ul_class_graph.nedges, __ATOMIC_RELAXED);
}

static bool ignored(struct ul_class *c)
{
    return atomic_load_explicit(&c->ignored, memory_order_relaxed);
}

void ul_graph_export(const struct ul_export_sink *sink)
{
    ul_flock_lock(&ul_glock);
    uint32_t n = ul_class_count();
    for (uint32_t id = 1; id <= n; id++) {
        struct ul_class *c = ul_class_get(id);
        if (!c || ignored(c))
            continue;
        if (sink->on_class) {
            struct ul_export_class ec = {
                .id = c->id,
                .kind = c->kind,
                .origin = c->origin,
                .usage = atomic_load_explicit(&c->usage, memory_order_relaxed),
                .subclass = c->subclass,
                .parent = c->parent ? c->parent->id : 0,
                .site_stack = c->site_stack,
                .static_addr = c->static_addr,
            };
            sink->on_class(sink->arg, &ec);
        }
        if (!sink->on_edge)
            continue;
        for (uint32_t i = 0; i < c->node.nout; i++) {
            const struct ul_edge *e = &c->node.out[i];
            struct ul_class *to = ul_class_get(e->to);
            if (!to || ignored(to))
                continue;
            struct ul_export_edge ee = { .from = id, .to = e->to, .stack = e->stack, .dep = e->dep,
                                         .to_modes = e->to_modes };
            sink->on_edge(sink->arg, &ee);
        }
    }
    ul_flock_unlock(&ul_glock);
}
