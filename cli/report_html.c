/* `ulockdep report --format=html`: one self-contained page (inline CSS, inline SVG from
 * Graphviz, no scripts, nothing fetched) with, per problem: its title and locks, where it
 * was seen, a picture of its locks and dependencies, every stack as a table, the
 * kernel-style text and a suppression line. Without Graphviz the page is still written,
 * without pictures (after a warning). */
#include "report.h"

#include <stdlib.h>
#include <string.h>

static const char css[] =
    "*{box-sizing:border-box}"
    "body{font:15px/1.45 -apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1f2328;background:#f6f8fa;"
    "margin:0;padding:24px}"
    "main{max-width:1180px;margin:0 auto}"
    "header h1{font-size:26px;margin:0 0 4px}"
    ".meta{color:#59636e;margin:0 0 18px}"
    "nav{background:#fff;border:1px solid #d1d9e0;border-radius:8px;padding:12px 18px;margin-bottom:22px}"
    "nav ol{margin:0;padding-left:22px}nav li{margin:3px 0}"
    "a{color:#0b5cad;text-decoration:none}a:hover{text-decoration:underline}"
    "section{background:#fff;border:1px solid #d1d9e0;border-left:6px solid #cf222e;border-radius:8px;"
    "padding:16px 22px;margin-bottom:24px}"
    "section.warning{border-left-color:#bf8700}"
    "h2{font-size:19px;margin:2px 0 8px}h3{font-size:16px;margin:18px 0 6px}"
    "h4{font-size:14px;margin:14px 0 4px;color:#343a40}"
    ".badge{display:inline-block;font:600 12px/1 ui-monospace,Menlo,Consolas,monospace;color:#fff;"
    "background:#cf222e;border-radius:10px;padding:4px 9px;margin-right:8px;vertical-align:2px}"
    ".warning .badge{background:#9a6700}"
    ".locks{font:600 14px ui-monospace,Menlo,Consolas,monospace;color:#82071e;margin:4px 0}"
    ".seen{color:#59636e;margin:4px 0}.desc{margin:8px 0}"
    "figure{margin:12px 0;padding:10px;background:#fbfcfd;border:1px solid #e5e9ed;border-radius:6px;"
    "overflow-x:auto;text-align:center}"
    "figure svg{max-width:100%;height:auto}"
    "figcaption{font-size:12px;color:#59636e}"
    "table{border-collapse:collapse;width:100%;font:13px ui-monospace,Menlo,Consolas,monospace}"
    "td,th{padding:3px 8px;border-bottom:1px solid #eef1f4;text-align:left;vertical-align:top}"
    "th{color:#59636e;font-weight:600}"
    "tr.prog td{color:#1f2328}tr.sys td{color:#8c959f}td.fn{font-weight:600}"
    "pre{background:#0d1117;color:#e6edf3;padding:12px 14px;border-radius:6px;overflow-x:auto;"
    "font:12.5px/1.4 ui-monospace,Menlo,Consolas,monospace}"
    "details summary{cursor:pointer;font-weight:600;margin:14px 0 6px}"
    "code{font:13px ui-monospace,Menlo,Consolas,monospace;background:#eff2f5;padding:2px 5px;border-radius:4px}"
    ".none{font-size:18px;color:#1a7f37}"
    "footer{color:#59636e;font-size:12px;text-align:center;margin-top:30px}";

/* Graphviz SVG without its XML prolog and doctype, ready to inline. */
static void inline_svg(struct rp_buf *b, const char *svg)
{
    const char *start = strstr(svg, "<svg");
    rp_puts(b, start ? start : svg);
}

static bool graphviz_failed;

static void picture(struct rp_buf *b, const struct rp_problem *const *problems, size_t n, const char *caption)
{
    char *svg = NULL;
    if (!graphviz_failed) {
        char *dot = rp_dot_graph(problems, n, "");
        svg = rp_dot_to_svg(dot);
        free(dot);
        graphviz_failed = !svg;
    }
    rp_puts(b, "<figure>");
    if (svg)
        inline_svg(b, svg);
    else
        rp_puts(b, "<p>(no picture: Graphviz is not available)</p>");
    rp_puts(b, "<figcaption>");
    rp_html_escape(b, caption);
    rp_puts(b, "</figcaption></figure>\n");
    free(svg);
}

static bool system_frame(json_object *f, const char *prog)
{
    const char *mod = rp_str(f, "module");
    return !mod || !prog || strcmp(mod, prog);
}

static void stack_table(struct rp_buf *b, json_object *frames, const char *heading, const char *prog)
{
    rp_puts(b, "<h4>");
    rp_html_escape(b, heading);
    rp_puts(b, "</h4>\n");
    size_t n = frames ? json_object_array_length(frames) : 0;
    if (!n) {
        rp_puts(b, "<p>(no stack recorded)</p>\n");
        return;
    }
    rp_puts(b, "<table><tr><th>#</th><th>function</th><th>source</th><th>module+offset</th></tr>\n");
    for (size_t i = 0; i < n; i++) {
        json_object *f = json_object_array_get_idx(frames, i);
        const char *fn = rp_str(f, "function"), *file = rp_str(f, "file"), *mod = rp_str(f, "module");
        const char *off = rp_str(f, "offset");
        long line = rp_int(f, "line", 0);
        rp_printf(b, "<tr class=\"%s\"><td>%zu</td><td class=\"fn\">", system_frame(f, prog) ? "sys" : "prog", i);
        rp_html_escape(b, fn ? fn : rp_str(f, "pc") ? rp_str(f, "pc") : "?");
        rp_puts(b, "</td><td>");
        if (file && line > 0) {
            char lb[32];
            snprintf(lb, sizeof lb, ":%ld", line);
            rp_html_escape(b, file);
            rp_puts(b, lb);
        }
        rp_puts(b, "</td><td>");
        if (mod) {
            rp_html_escape(b, mod);
            rp_puts(b, "+");
            rp_html_escape(b, off ? off : "?");
        }
        rp_puts(b, "</td></tr>\n");
    }
    rp_puts(b, "</table>\n");
}

struct stack_ctx {
    struct rp_buf *b;
    const char *prog;
};

static void stack_cb(const char *heading, json_object *frames, void *arg)
{
    struct stack_ctx *sc = arg;
    char h[1500];
    snprintf(h, sizeof h, "%c%s", heading[0] >= 'a' && heading[0] <= 'z' ? heading[0] - 'a' + 'A' : heading[0],
             heading + 1);
    stack_table(sc->b, frames, h, sc->prog);
}

static void problem_section(struct rp_buf *b, const struct rp_problem *p, size_t idx)
{
    json_object *r = p->obj;
    const char *kind = rp_str(r, "kind");
    const struct rp_kind *k = rp_kind_find(kind);
    const char *prog = rp_basename(rp_str(r, "exe"));
    rp_printf(b, "<section id=\"p%zu\" class=\"%s\">\n<h2 class=\"title\"><span class=\"badge\">", idx + 1,
              !strcmp(k->level, "error") ? "error" : "warning");
    rp_html_escape(b, kind);
    rp_puts(b, "</span>");
    rp_html_escape(b, rp_title(r));
    rp_puts(b, "</h2>\n<p class=\"locks\">");
    char *locks = rp_lock_summary(r);
    rp_html_escape(b, locks);
    free(locks);
    rp_puts(b, "</p>\n<p class=\"seen\">");
    char *seen = rp_seen_line(p);
    rp_html_escape(b, seen);
    free(seen);
    rp_puts(b, "</p>\n<p class=\"desc\">");
    rp_html_escape(b, k->full_desc);
    rp_puts(b, "</p>\n");

    const struct rp_problem *one[1] = { p };
    picture(b, one, 1, "Locks of this problem: red arrows are the dependencies it is about, labelled with "
                       "where each was first taken; dashed arrows are the order of locks the thread held.");

    rp_puts(b, "<h3>Stacks</h3>\n");
    struct stack_ctx sc = { b, prog };
    rp_for_each_stack(r, stack_cb, &sc);

    rp_puts(b, "<details open><summary>Kernel-style report</summary><pre>");
    char *text = rp_report_text(r);
    rp_html_escape(b, text[0] == '\n' ? text + 1 : text);
    free(text);
    rp_puts(b, "</pre></details>\n<p>Suppress it (suppressions=FILE): <code>deadlock:");
    char *pat = rp_suppression_pattern(r);
    rp_html_escape(b, pat);
    free(pat);
    rp_puts(b, "</code></p>\n</section>\n");
}

int rp_render_html(FILE *out, const struct rp_set *set, const struct rp_options *opt)
{
    struct rp_buf b = { 0 };
    size_t procs = rp_set_processes(set);
    rp_printf(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                  "<title>ulockdep report: %zu problem%s</title>\n<style>%s</style>\n</head>\n<body><main>\n",
              set->n, set->n == 1 ? "" : "s", css);
    rp_printf(&b, "<header><h1>ulockdep report</h1><p class=\"meta\">%zu problem%s &middot; %u report%s "
                  "&middot; %zu process%s &middot; %u log file%s</p></header>\n",
              set->n, set->n == 1 ? "" : "s", set->reports, set->reports == 1 ? "" : "s", procs,
              procs == 1 ? "" : "es", set->files, set->files == 1 ? "" : "s");
    if (!set->n)
        rp_puts(&b, "<section class=\"ok\"><p class=\"none\">No problems found.</p></section>\n");
    if (set->n) {
        rp_puts(&b, "<nav><ol>\n");
        for (size_t i = 0; i < set->n; i++) {
            json_object *r = set->v[i].obj;
            char *locks = rp_lock_summary(r);
            rp_printf(&b, "<li><a href=\"#p%zu\">", i + 1);
            rp_html_escape(&b, rp_title(r));
            rp_puts(&b, "</a>: ");
            rp_html_escape(&b, locks);
            rp_printf(&b, " (&times;%u)</li>\n", set->v[i].count);
            free(locks);
        }
        rp_puts(&b, "</ol></nav>\n");
    }
    if (set->n > 1) {
        const struct rp_problem **all = rp_xmalloc(set->n * sizeof *all);
        for (size_t i = 0; i < set->n; i++)
            all[i] = &set->v[i];
        picture(&b, all, set->n, "All problems: the lock-class graph of every report");
        free(all);
    }
    for (size_t i = 0; i < set->n; i++)
        problem_section(&b, &set->v[i], i);
    rp_printf(&b, "<footer>Generated by ulockdep %s (<code>ulockdep report --format=html</code>).</footer>\n"
                  "</main></body>\n</html>\n",
              ULOCKDEP_VERSION);
    fputs(b.s, out);
    free(b.s);
    return 0;
}
