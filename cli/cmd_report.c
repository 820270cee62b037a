/* `ulockdep report [--format=F] [-o FILE] FILES...`: merges and renders JSON logs (report.h). */
#include "cli.h"
#include "logs.h"
#include "supp_cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char report_usage[] =
    "Usage: ulockdep report [--format=text|json|sarif|dot|svg|html] [-o FILE] [--srcroot DIR] [--source-url T]\n"
    "                       [--gen-suppressions] [--suppressions FILE] [--module-dir DIR]...\n"
    "                       [--no-symbolize] FILES...\n";

static void report_help(void)
{
    printf("%s\n"
           "Reads the JSON logs of one or many runs (written with ULOCKDEP_OPTIONS=format=json or\n"
           "format=text,json; FILES may be log files, directories of them, or - for stdin), merges\n"
           "identical problems across processes and runs (same kind, lock classes and functions;\n"
           "not pids or addresses) with a count, and renders them:\n"
           "  text   each problem's kernel-style report once, then where it was seen (default)\n"
           "  json   one JSON object per line per problem: the report plus count, runs, fingerprint\n"
           "  sarif  SARIF 2.1.0 for GitHub code scanning (github/codeql-action/upload-sarif)\n"
           "  dot    the lock-class graph (GraphViz DOT), cycle edges in red\n"
           "  svg    the same graph laid out by Graphviz's dot (package graphviz)\n"
           "  html   one self-contained page: each problem with its picture, text and stacks\n\n"
           "Options:\n"
           "  -f, --format=F         output format (above)\n"
           "  -o, --output=FILE      write the output to FILE instead of standard output\n"
           "  --srcroot=DIR          the repository root (default: current directory). sarif: file URIs\n"
           "                         are relative to it and frames outside it are not used as locations;\n"
           "                         html: paths are shown relative to it, with a few lines of source\n"
           "  --source-url=TEMPLATE  html: each frame inside --srcroot links to TEMPLATE with {path} and\n"
           "                         {line} filled in, e.g.\n"
           "                         https://github.com/ORG/REPO/blob/SHA/{path}#L{line}\n"
           "  --gen-suppressions     print a suppressions file (deadlock:PATTERN per problem) to standard\n"
           "                         output; the --format output is then written only with -o FILE\n"
           "  --suppressions=FILE    hide the problems that FILE's rules match (the shim's format:\n"
           "                         deadlock:PATTERN, lock:PATTERN); says on stderr which rules hid how many\n"
           "  --module-dir=DIR       also look in DIR for modules to symbolise frames that the log has as\n"
           "                         module+offset only (their build-id must match); repeatable\n"
           "  --no-symbolize         use the frames as the log has them\n"
           "  -h, --help             this help\n\n"
           "Lines that are not usable reports are skipped with a warning naming the file and line.\n"
           "Exit status: 0 no problems in the logs read; 1 problems were found; 2 usage error, the output\n"
           "could not be produced, or an input holds no ulockdep JSON at all (random bytes, a text log:\n"
           "run with ULOCKDEP_OPTIONS=format=json). An empty log, or a directory with none, is clean: a\n"
           "traced run that reported nothing writes no log.\n\n"
           "Example:\n"
           "  ulockdep run --format=json --log_path=logs/ulockdep -- ./tests\n"
           "  ulockdep report --format=sarif -o ulockdep.sarif logs/\n",
           report_usage);
}

static int usage_error(const char *fmt, const char *arg)
{
    fputs("ulockdep report: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\n", stderr);
    fputs(report_usage, stderr);
    return CLI_EXIT_USAGE;
}

typedef int (*renderer)(FILE *, const struct rp_set *, const struct rp_options *);

static renderer renderer_for(const char *format)
{
    static const struct {
        const char *name;
        renderer fn;
    } table[] = {
        { "text", rp_render_text }, { "json", rp_render_json }, { "sarif", rp_render_sarif },
        { "dot", rp_render_dot },   { "svg", rp_render_svg },   { "html", rp_render_html },
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (!strcmp(table[i].name, format))
            return table[i].fn;
    return NULL;
}

/* Renders into memory first: a failed rendering leaves no half-written output file. */
static int render_to(renderer fn, const char *path, const struct rp_set *set, const struct rp_options *opt)
{
    char *data = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&data, &len);
    if (!mem) {
        rp_warn("out of memory");
        return -1;
    }
    int rc = fn(mem, set, opt);
    if (fclose(mem) != 0)
        rc = -1;
    if (rc == 0) {
        FILE *out = path ? fopen(path, "w") : stdout;
        if (!out) {
            rp_warn("cannot write %s: %s", path, strerror(errno));
            rc = -1;
        } else {
            if (fwrite(data, 1, len, out) != len || fflush(out) != 0) {
                rp_warn("cannot write %s: %s", path ? path : "standard output", strerror(errno));
                rc = -1;
            }
            if (path && fclose(out) != 0)
                rc = -1;
        }
    }
    free(data);
    return rc;
}

/* What the command line asked for, beyond the renderers' options. */
struct report_args {
    struct rp_options opt;
    const char *srcroot, *supp_path;
    bool format_given;
};

/* Reads the options (getopt_long); 0, 1 after --help, or the exit status of a usage error. */
static int parse_report_args(struct report_args *a, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "format", required_argument, NULL, 'f' },   { "output", required_argument, NULL, 'o' },
        { "srcroot", required_argument, NULL, 'S' },  { "source-url", required_argument, NULL, 'L' },
        { "gen-suppressions", no_argument, NULL, 'G' }, { "module-dir", required_argument, NULL, 'M' },
        { "no-symbolize", no_argument, NULL, 'N' },   { "suppressions", required_argument, NULL, 'U' },
        { "help", no_argument, NULL, 'h' },           { NULL, 0, NULL, 0 },
    };
    struct rp_options *opt = &a->opt;
    opterr = 0;
    optind = 1;
    if (opt_check_long_names("report", argc, argv, longopts) < 0) {
        cli_print_usage();
        return CLI_EXIT_USAGE;
    }
    int c;
    while ((c = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': opt->format = optarg; a->format_given = true; break;
        case 'o': opt->output = optarg; break;
        case 'S': a->srcroot = optarg; break;
        case 'L': opt->source_url = optarg; break;
        case 'G': opt->gen_suppressions = true; break;
        case 'M':
            opt->module_dirs = rp_xrealloc(opt->module_dirs, (opt->nmodule_dirs + 1) * sizeof *opt->module_dirs);
            opt->module_dirs[opt->nmodule_dirs++] = optarg;
            break;
        case 'N': opt->symbolize = false; break;
        case 'U': a->supp_path = optarg; break;
        case 'h': report_help(); return 1;
        default: return usage_error("unknown option, or an option without its value: '%s'", argv[optind - 1]);
        }
    }
    return 0;
}

/* The format, the inputs, --srcroot and --suppressions checked before anything is read. */
static bool check_inputs(struct report_args *a, int argc, char **argv, char root[PATH_MAX], struct cli_supp *supp)
{
    if (!renderer_for(a->opt.format)) {
        usage_error("unknown format '%s' (text, json, sarif, dot, svg or html)", a->opt.format);
        return false;
    }
    if (optind >= argc) {
        usage_error("%s", "no log files given");
        return false;
    }
    if (!realpath(a->srcroot, root)) {
        fprintf(stderr, "ulockdep report: --srcroot %s: %s\n", a->srcroot, strerror(errno));
        return false;
    }
    a->opt.srcroot = root;
    if (a->supp_path) {
        if (!cli_supp_load(supp, a->supp_path))
            return false;
        a->opt.supp = supp;
    }
    for (int i = optind; i < argc; i++) {
        if (strcmp(argv[i], "-") && access(argv[i], R_OK) != 0) {
            fprintf(stderr, "ulockdep report: cannot read %s: %s\n", argv[i], strerror(errno));
            return false;
        }
    }
    return true;
}

/* Writes the report (and the suppressions asked for); 0 when all was written. */
static int render_all(const struct report_args *a, const struct rp_set *set)
{
    const struct rp_options *opt = &a->opt;
    renderer fn = renderer_for(opt->format);
    if (!opt->gen_suppressions)
        return render_to(fn, opt->output, set, opt);
    int rc = render_to(rp_render_suppressions, NULL, set, opt);
    if (opt->output && rc == 0)
        rc = render_to(fn, opt->output, set, opt);
    else if (a->format_given && !opt->output)
        rp_warn("--format=%s is not written with --gen-suppressions unless -o FILE is given", opt->format);
    return rc;
}

int cmd_report(int argc, char **argv)
{
    struct report_args a = { .opt = { .format = "text", .symbolize = true }, .srcroot = "." };
    struct cli_supp supp = { 0 };
    char root[PATH_MAX];
    int rc = parse_report_args(&a, argc, argv);
    if (rc) {
        free(a.opt.module_dirs);
        return rc == 1 ? 0 : rc;
    }
    rc = CLI_EXIT_USAGE;
    if (check_inputs(&a, argc, argv, root, &supp)) {
        struct rp_set set = { 0 };
        for (int i = optind; i < argc; i++)
            rp_load_path(&set, argv[i], &a.opt);
        int render_rc = render_all(&a, &set);
        rc = render_rc != 0 || set.unusable ? CLI_EXIT_USAGE : set.n ? 1 : 0;
        if (a.opt.output && render_rc == 0) /* the summary a text report ends with, for a file */
            fprintf(stderr, "ulockdep report: %zu problem%s (%u report%s from %u file%s) written to %s\n", set.n,
                    set.n == 1 ? "" : "s", set.reports, set.reports == 1 ? "" : "s", set.files,
                    set.files == 1 ? "" : "s", a.opt.output);
        if (a.opt.supp)
            cli_supp_print_used(a.opt.supp, stderr, "ulockdep report");
        rp_set_free(&set);
        rp_symbolizer_free();
    }
    cli_supp_free(&supp);
    free(a.opt.module_dirs);
    return rc;
}
