/* `ulockdep report --format=html`: one self-contained page (inline CSS, inline SVG from
 * Graphviz, no scripts, nothing fetched) with, per problem: its title and locks, where it
 * was seen, a picture of its locks and dependencies, every stack as a table (paths relative
 * to --srcroot, each frame a link with --source-url, a few lines of source around the
 * program's frames), the kernel-style text and a suppression line. Filters by kind and by
 * program are radio buttons and CSS (no script). Without Graphviz the page is still
 * written, without pictures (after a warning). */
#include "logs.h"

#include <limits.h>
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
    "table{border-collapse:collapse;width:100%;table-layout:fixed;font:13px ui-monospace,Menlo,Consolas,monospace}"
    "col.n{width:2.6em}col.f{width:38%}col.s{width:36%}col.m{width:auto}"
    "td,th{padding:3px 8px;border-bottom:1px solid #eef1f4;text-align:left;vertical-align:top;"
    "overflow-wrap:anywhere}"
    "tr.src td{border-bottom:0;padding:0 8px 6px}"
    "pre.snippet{background:#f6f8fa;color:#1f2328;margin:0;padding:6px 10px;font-size:12px;white-space:pre-wrap}"
    "pre.snippet b{background:#fff8c5;font-weight:600}"
    ".filters{background:#fff;border:1px solid #d1d9e0;border-radius:8px;padding:8px 18px;margin-bottom:14px;"
    "font-size:13px}.filters span{color:#59636e;margin-right:6px}"
    ".filters label{display:inline-block;margin:2px 10px 2px 0;cursor:pointer;padding:1px 8px;"
    "border:1px solid #d1d9e0;border-radius:10px}"
    "input.flt{position:absolute;opacity:0;pointer-events:none}"
    "th{color:#59636e;font-weight:600}"
    "tr.prog td{color:#1f2328}tr.sys td{color:#8c959f}td.fn{font-weight:600}"
    "pre{background:#0d1117;color:#e6edf3;padding:12px 14px;border-radius:6px;overflow-x:auto;"
    "font:12.5px/1.4 ui-monospace,Menlo,Consolas,monospace}"
    "details summary{cursor:pointer;font-weight:600;margin:14px 0 6px}"
    "code{font:13px ui-monospace,Menlo,Consolas,monospace;background:#eff2f5;padding:2px 5px;border-radius:4px}"
    ".none{font-size:18px;color:#1a7f37}"
    "footer{color:#59636e;font-size:12px;text-align:center;margin-top:30px}";

/* Graphviz SVG without its XML prolog and doctype, ready to inline. */
static void inline_svg(struct ul_strbuf *b, const char *svg)
{
    const char *start = strstr(svg, "<svg");
    ul_sb_puts(b, start ? start : svg);
}

static bool graphviz_failed;

static void picture(struct ul_strbuf *b, const struct rp_problem *const *problems, size_t n, const char *caption)
{
    char *svg = NULL;
    if (!graphviz_failed) {
        char *dot = rp_dot_graph(problems, n, "");
        svg = rp_dot_to_svg(dot);
        free(dot);
        graphviz_failed = !svg;
    }
    ul_sb_puts(b, "<figure>");
    if (svg)
        inline_svg(b, svg);
    else
        ul_sb_puts(b, "<p>(no picture: Graphviz is not available)</p>");
    ul_sb_puts(b, "<figcaption>");
    rp_html_escape(b, caption);
    ul_sb_puts(b, "</figcaption></figure>\n");
    free(svg);
}

static bool system_frame(json_object *f, const char *prog)
{
    const char *mod = rp_str(f, "module");
    return !mod || !prog || strcmp(mod, prog);
}

/* TEMPLATE with {path} (URI-encoded) and {line} filled in. */
static void source_link(struct ul_strbuf *b, const char *tmpl, const char *rel, long line)
{
    for (const char *t = tmpl; *t; t++) {
        if (!strncmp(t, "{path}", 6)) {
            for (const unsigned char *p = (const unsigned char *)rel; *p; p++)
                if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                    strchr("/._-~+", *p))
                    ul_sb_printf(b, "%c", *p);
                else
                    ul_sb_printf(b, "%%%02X", *p);
            t += 5;
        } else if (!strncmp(t, "{line}", 6)) {
            ul_sb_printf(b, "%ld", line);
            t += 5;
        } else if (*t == '"' || *t == '<' || *t == '>' || *t == '&') {
            ul_sb_printf(b, "%%%02X", (unsigned char)*t);
        } else {
            ul_sb_printf(b, "%c", *t);
        }
    }
}

/* The file of a frame on this machine: inside --srcroot, else as the log has it. */
static void local_path(char *out, size_t len, const char *file, const char *rel, const char *srcroot)
{
    if (rel && srcroot)
        snprintf(out, len, "%s/%s", srcroot, rel);
    else
        snprintf(out, len, "%s", file);
}

/* Lines line-2 .. line+2 of the file, the frame's own marked; nothing if it cannot be read. */
static void snippet(struct ul_strbuf *b, const char *path, long line)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char text[512];
    long no = 0;
    bool any = false;
    while (no < line + 2 && fgets(text, sizeof text, f)) {
        size_t n = strlen(text);
        bool whole = n && text[n - 1] == '\n';
        if (whole)
            text[--n] = 0;
        else { /* a long line: the rest is skipped */
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
        }
        if (++no < line - 2)
            continue;
        if (!any)
            ul_sb_puts(b, "<tr class=\"src\"><td></td><td colspan=\"3\"><pre class=\"snippet\">");
        any = true;
        ul_sb_printf(b, "%s%5ld  ", no == line ? "<b>" : "", no);
        rp_html_escape(b, text);
        ul_sb_puts(b, no == line ? "</b>\n" : "\n");
    }
    fclose(f);
    if (any)
        ul_sb_puts(b, "</pre></td></tr>\n");
}

#define SNIPPETS_PER_STACK 3

static void stack_table(struct ul_strbuf *b, json_object *frames, const char *heading, const char *prog,
                        const struct rp_options *opt)
{
    ul_sb_puts(b, "<h4>");
    rp_html_escape(b, heading);
    ul_sb_puts(b, "</h4>\n");
    size_t n = frames ? json_object_array_length(frames) : 0;
    if (!n) {
        ul_sb_puts(b, "<p>(no stack recorded)</p>\n");
        return;
    }
    ul_sb_puts(b, "<table><colgroup><col class=\"n\"><col class=\"f\"><col class=\"s\"><col class=\"m\"></colgroup>"
               "<tr><th>#</th><th>function</th><th>source</th><th>module+offset</th></tr>\n");
    int snippets = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *f = json_object_array_get_idx(frames, i);
        const char *fn = rp_str(f, "function"), *file = rp_str(f, "file"), *mod = rp_str(f, "module");
        const char *off = rp_str(f, "offset");
        long line = rp_int(f, "line", 0);
        bool sys = system_frame(f, prog);
        bool inl = json_object_get_boolean(rp_obj(f, "inlined"));
        ul_sb_printf(b, "<tr class=\"%s\"><td>%zu</td><td class=\"fn\">", sys ? "sys" : "prog", i);
        rp_html_escape(b, fn ? fn : rp_str(f, "pc") ? rp_str(f, "pc") : "?");
        if (inl)
            ul_sb_puts(b, " <small>[inline]</small>");
        ul_sb_puts(b, "</td><td>");
        char *rel = file && line > 0 ? rp_repo_path(file, opt->srcroot) : NULL;
        if (file && line > 0) {
            char lb[32], path[PATH_MAX * 2];
            snprintf(lb, sizeof lb, ":%ld", line);
            local_path(path, sizeof path, file, rel, opt->srcroot);
            bool linked = (rel && opt->source_url) || path[0] == '/';
            if (linked) {
                ul_sb_puts(b, "<a href=\"");
                if (rel && opt->source_url)
                    source_link(b, opt->source_url, rel, line);
                else {
                    ul_sb_puts(b, "file://");
                    source_link(b, "{path}", path, line);
                }
                ul_sb_puts(b, "\">");
            }
            rp_html_escape(b, rel ? rel : file);
            ul_sb_puts(b, lb);
            if (linked)
                ul_sb_puts(b, "</a>");
        }
        ul_sb_puts(b, "</td><td>");
        if (mod) {
            rp_html_escape(b, mod);
            ul_sb_puts(b, "+");
            rp_html_escape(b, off ? off : "?");
        }
        ul_sb_puts(b, "</td></tr>\n");
        if (!sys && file && line > 0 && snippets < SNIPPETS_PER_STACK) {
            char path[PATH_MAX * 2];
            local_path(path, sizeof path, file, rel, opt->srcroot);
            size_t before = b->len;
            snippet(b, path, line);
            snippets += b->len != before;
        }
        free(rel);
    }
    ul_sb_puts(b, "</table>\n");
}

struct stack_ctx {
    struct ul_strbuf *b;
    const char *prog;
    const struct rp_options *opt;
};

static void stack_cb(const char *heading, json_object *frames, void *arg)
{
    struct stack_ctx *sc = arg;
    char h[1500];
    snprintf(h, sizeof h, "%c%s", heading[0] >= 'a' && heading[0] <= 'z' ? heading[0] - 'a' + 'A' : heading[0],
             heading + 1);
    stack_table(sc->b, frames, h, sc->prog, sc->opt);
}

static void problem_section(struct ul_strbuf *b, const struct rp_problem *p, size_t idx, const struct rp_options *opt,
                            int prog_no)
{
    json_object *r = p->obj;
    const char *kind = rp_str(r, "kind");
    const struct rp_kind *k = rp_kind_find(kind);
    const char *prog = rp_basename(rp_str(r, "exe"));
    ul_sb_printf(b, "<section id=\"p%zu\" class=\"%s k-%s g-%d\">\n<h2 class=\"title\"><span class=\"badge\">", idx + 1,
                 !strcmp(k->level, "error") ? "error" : "warning", k->kind, prog_no);
    rp_html_escape(b, kind);
    ul_sb_puts(b, "</span>");
    rp_html_escape(b, rp_title(r));
    ul_sb_puts(b, "</h2>\n<p class=\"locks\">");
    char *locks = rp_lock_summary(r);
    rp_html_escape(b, locks);
    free(locks);
    ul_sb_puts(b, "</p>\n<p class=\"seen\">");
    char *seen = rp_seen_line(p);
    rp_html_escape(b, seen);
    free(seen);
    ul_sb_puts(b, "</p>\n<p class=\"desc\">");
    rp_html_escape(b, k->full_desc);
    ul_sb_puts(b, "</p>\n");

    const struct rp_problem *one[1] = { p };
    picture(b, one, 1, "Locks of this problem: red arrows are the dependencies it is about, labelled with "
                       "where each was first taken; dashed arrows are the order of locks the thread held.");

    ul_sb_puts(b, "<h3>Stacks</h3>\n");
    struct stack_ctx sc = { b, prog, opt };
    rp_for_each_stack(r, stack_cb, &sc);

    ul_sb_puts(b, "<details open><summary>Kernel-style report</summary><pre>");
    char *text = rp_report_text(r);
    rp_html_escape(b, text[0] == '\n' ? text + 1 : text);
    free(text);
    ul_sb_puts(b, "</pre></details>\n<p>Suppress it (suppressions=FILE): <code>deadlock:");
    char *pat = rp_suppression_pattern(r);
    rp_html_escape(b, pat);
    free(pat);
    ul_sb_puts(b, "</code></p>\n</section>\n");
}

/* Radio buttons (one group for kinds, one for programs) and the CSS that hides the sections
 * a checked one leaves out: both groups apply together, with no script. */
static void filters(struct ul_strbuf *b, const struct rp_set *set, const char *const *progs, size_t nprogs)
{
    const char *kinds[32];
    size_t nkinds = 0;
    for (size_t i = 0; i < set->n; i++) {
        const struct rp_kind *k = rp_kind_find(rp_str(set->v[i].obj, "kind"));
        size_t j = 0;
        while (j < nkinds && strcmp(kinds[j], k->kind))
            j++;
        if (j == nkinds && nkinds < sizeof kinds / sizeof *kinds)
            kinds[nkinds++] = k->kind;
    }
    ul_sb_puts(b, "<style>");
    for (size_t j = 0; j < nkinds; j++)
        ul_sb_printf(b, "#fk-%s:checked~.problems section:not(.k-%s){display:none}"
                     "#fk-%s:checked~.filters label[for=fk-%s]{background:#ddf4ff;border-color:#54aeff}",
                  kinds[j], kinds[j], kinds[j], kinds[j]);
    for (size_t j = 0; j < nprogs; j++)
        ul_sb_printf(b, "#fg-%zu:checked~.problems section:not(.g-%zu){display:none}"
                     "#fg-%zu:checked~.filters label[for=fg-%zu]{background:#ddf4ff;border-color:#54aeff}",
                  j, j, j, j);
    ul_sb_puts(b, "#fk-all:checked~.filters label[for=fk-all],#fg-all:checked~.filters label[for=fg-all]"
               "{background:#ddf4ff;border-color:#54aeff}</style>\n");
    ul_sb_puts(b, "<input class=\"flt\" type=\"radio\" name=\"kind\" id=\"fk-all\" checked>");
    for (size_t j = 0; j < nkinds; j++)
        ul_sb_printf(b, "<input class=\"flt\" type=\"radio\" name=\"kind\" id=\"fk-%s\">", kinds[j]);
    ul_sb_puts(b, "<input class=\"flt\" type=\"radio\" name=\"prog\" id=\"fg-all\" checked>");
    for (size_t j = 0; j < nprogs; j++)
        ul_sb_printf(b, "<input class=\"flt\" type=\"radio\" name=\"prog\" id=\"fg-%zu\">", j);
    ul_sb_puts(b, "\n<div class=\"filters\"><span>kind:</span><label for=\"fk-all\">all</label>");
    for (size_t j = 0; j < nkinds; j++) {
        size_t count = 0;
        for (size_t i = 0; i < set->n; i++)
            count += !strcmp(rp_kind_find(rp_str(set->v[i].obj, "kind"))->kind, kinds[j]);
        ul_sb_printf(b, "<label for=\"fk-%s\">%s (%zu)</label>", kinds[j], kinds[j], count);
    }
    ul_sb_puts(b, "<br><span>program:</span><label for=\"fg-all\">all</label>");
    for (size_t j = 0; j < nprogs; j++) {
        ul_sb_printf(b, "<label for=\"fg-%zu\">", j);
        rp_html_escape(b, progs[j]);
        ul_sb_puts(b, "</label>");
    }
    ul_sb_puts(b, "</div>\n");
}

int rp_render_html(FILE *out, const struct rp_set *set, const struct rp_options *opt)
{
    struct ul_strbuf b = { 0 };
    size_t procs = rp_set_processes(set);
    ul_sb_printf(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                  "<title>ulockdep report: %zu problem%s</title>\n<style>%s</style>\n</head>\n<body><main>\n",
              set->n, set->n == 1 ? "" : "s", css);
    ul_sb_printf(&b, "<header><h1>ulockdep report</h1><p class=\"meta\">%zu problem%s &middot; %u report%s "
                  "&middot; %zu process%s &middot; %u log file%s</p></header>\n",
              set->n, set->n == 1 ? "" : "s", set->reports, set->reports == 1 ? "" : "s", procs,
              procs == 1 ? "" : "es", set->files, set->files == 1 ? "" : "s");
    if (!set->n)
        ul_sb_puts(&b, "<section class=\"ok\"><p class=\"none\">No problems found.</p></section>\n");
    if (set->n) {
        ul_sb_puts(&b, "<nav><ol>\n");
        for (size_t i = 0; i < set->n; i++) {
            json_object *r = set->v[i].obj;
            char *locks = rp_lock_summary(r);
            ul_sb_printf(&b, "<li><a href=\"#p%zu\">", i + 1);
            rp_html_escape(&b, rp_title(r));
            ul_sb_puts(&b, "</a>: ");
            rp_html_escape(&b, locks);
            ul_sb_printf(&b, " (&times;%u)</li>\n", set->v[i].count);
            free(locks);
        }
        ul_sb_puts(&b, "</ol></nav>\n");
    }
    if (set->n > 1) {
        const struct rp_problem **all = rp_xmalloc(set->n * sizeof *all);
        for (size_t i = 0; i < set->n; i++)
            all[i] = &set->v[i];
        picture(&b, all, set->n, "All problems: the lock-class graph of every report");
        free(all);
    }
    const char *progs[64];
    size_t nprogs = 0;
    int *prog_of = rp_xmalloc((set->n ? set->n : 1) * sizeof *prog_of);
    for (size_t i = 0; i < set->n; i++) {
        const char *exe = rp_basename(rp_str(set->v[i].obj, "exe"));
        size_t k = 0;
        while (k < nprogs && strcmp(progs[k], exe ? exe : "?"))
            k++;
        if (k == nprogs && nprogs < sizeof progs / sizeof *progs)
            progs[nprogs++] = exe ? exe : "?";
        prog_of[i] = (int)k;
    }
    if (set->n > 1)
        filters(&b, set, progs, nprogs);
    ul_sb_puts(&b, "<div class=\"problems\">\n");
    for (size_t i = 0; i < set->n; i++)
        problem_section(&b, &set->v[i], i, opt, prog_of[i]);
    ul_sb_puts(&b, "</div>\n");
    free(prog_of);
    ul_sb_printf(&b, "<footer>Generated by ulockdep %s (<code>ulockdep report --format=html</code>).</footer>\n"
                  "</main></body>\n</html>\n",
              ULOCKDEP_VERSION);
    fputs(b.s, out);
    free(b.s);
    return 0;
}
