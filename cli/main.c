/* ulockdep: command-line front end. Dispatches to one subcommand per file (cmd_*.c). */
#include "cli.h"
#include "options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

int cmd_report(int argc, char **argv); /* cmd_report.c */
int cmd_merge(int argc, char **argv);  /* cmd_merge.c */
int cmd_stress(int argc, char **argv); /* cmd_stress.c */

/* Later subcommands (report, merge, stress) are added here. */
static const struct command commands[] = {
    { "run", cmd_run, "run PROGRAM with the shim preloaded (the default after '--')" },
    { "report", cmd_report, "merge JSON logs and render them: text, json, sarif, dot, svg, html" },
    { "merge", cmd_merge, "fold the lock graphs of many runs (graph_dir) into a database; report cross-run cycles" },
    { "stress", cmd_stress, "run a program N times under the shim; de-duplicated reports and cross-run cycles" },
};

static const char usage[] =
    "Usage: ulockdep run [--allow-untraced] [--option=value ...] [--] PROGRAM [ARGS...]\n"
    "       ulockdep [--option=value ...] -- PROGRAM [ARGS...]\n"
    "       ulockdep report [--format=text|json|sarif|dot|svg|html] [-o FILE] [--srcroot DIR] [--source-url T]\n"
    "                       [--gen-suppressions] [--suppressions FILE] [--module-dir DIR]...\n"
    "                       [--no-symbolize] LOGS...\n"
    "       ulockdep merge --db FILE [--format=text|json] [--quiet] [--suppressions FILE] DIR|FILE...\n"
    "       ulockdep stress -n N [-j J] [--timeout S] [--keep DIR] [--allow-untraced] [--option=value ...]\n"
    "                       -- PROGRAM [ARGS...]\n"
    "       ulockdep help | --help | --version\n";

void cli_print_usage(void)
{
    fputs(usage, stderr);
}

void cli_print_help(void)
{
    printf("ulockdep %s: lock dependency checker (Linux lockdep) for unmodified programs.\n\n%s\n",
           ULOCKDEP_VERSION, usage);

    printf("Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        printf("  %-8s %s\n", commands[i].name, commands[i].summary);
    printf("  %-8s %s\n\n", "help", "show this help");

    char small[4096], *buf = small;
    size_t n = ul_options_help(small, sizeof small);
    if (n >= sizeof small && (buf = malloc(n + 1)))
        ul_options_help(buf, n + 1);
    printf("Options (--key=value; a bool option given as --key means key=1):\n%s\n",
           buf ? buf : small);
    if (buf != small)
        free(buf);

    printf("Options are also read from the ULOCKDEP_OPTIONS environment variable\n"
           "(key=value pairs separated by ':' or spaces, e.g. ULOCKDEP_OPTIONS=verbosity=1:exitcode=3);\n"
           "options given on the command line come after it and win. An option with a bad or\n"
           "missing value gets one \"ulockdep: ...\" line and keeps its default; an unknown one\n"
           "gets one line naming the nearest valid option and is ignored under `run` (the program\n"
           "runs, as with ULOCKDEP_OPTIONS), a usage error (exit 2) elsewhere. Every subcommand takes\n"
           "exact option names (no abbreviations), with '-' and '_' alike (--log-path is\n"
           "--log_path); a bool option takes 1/0, yes/no, true/false or on/off.\n"
           "ULOCKDEP_SHIM=/path/to/libulockdep.so overrides which shim is preloaded.\n\n"
           "Exit status: PROGRAM's own, or the value of exitcode if reports were made;\n"
           "2 for a usage error, 126/127 if PROGRAM cannot be run, 5 if it cannot be traced\n"
           "(statically linked, set-user-ID, another ELF class or CPU: it is not run, so that an\n"
           "untraced test cannot pass as a clean one; --allow-untraced runs it anyway, with a warning).\n\n"
           "Example:\n"
           "  ulockdep run --log_path=/tmp/locks --format=text,json -- ./server --port 8080\n"
           "  (reports go to /tmp/locks.<pid>)\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        cli_print_usage();
        return CLI_EXIT_USAGE;
    }
    const char *a = argv[1];
    if (!strcmp(a, "-h") || !strcmp(a, "--help") || !strcmp(a, "help")) {
        cli_print_help();
        return 0;
    }
    if (!strcmp(a, "--version") || !strcmp(a, "version")) {
        printf("ulockdep %s\n", ULOCKDEP_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(a, commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    /* `ulockdep -- PROG` and `ulockdep --opt=x -- PROG` mean `ulockdep run ...`. */
    if (a[0] == '-')
        return cmd_run(argc, argv);

    fprintf(stderr, "ulockdep: unknown command '%s' (to trace a program: ulockdep -- %s ...;"
                    " see ulockdep --help)\n", a, a);
    return CLI_EXIT_USAGE;
}
