/* ulockdep run [--key=value ...] [--] PROGRAM [ARGS...]
 * Adds the options to ULOCKDEP_OPTIONS, prepends the shim to LD_PRELOAD and execs PROGRAM,
 * so PROGRAM's exit status is ours. An unknown option, or one with a bad or missing value,
 * gets one line and is left out: the program runs with the default, as the shim does for
 * ULOCKDEP_OPTIONS (the contract's rule for a malformed option). */
#include "cli.h"
#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Sets name to "a:b" (just a or b when the other is empty). */
static void setenv_joined(const char *name, const char *a, const char *b)
{
    char *v;
    if (asprintf(&v, "%s%s%s", a, *a && *b ? ":" : "", b) < 0 || setenv(name, v, 1)) {
        perror("ulockdep");
        exit(CLI_EXIT_USAGE);
    }
    free(v);
}

static const char *getenv_or_empty(const char *name)
{
    const char *v = getenv(name);
    return v ? v : "";
}

/* Reads our options (up to the program) into *spec; the index of the program, 0 after
 * --help, -1 on a usage error (already said). */
static int parse_run_args(int argc, char **argv, char **spec, bool *allow_untraced)
{
    static const char *const own[] = { "allow-untraced", "help", NULL };
    opt_set_command_names(own);
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {   /* --help=1 is the shim's option */
            cli_print_help();
            return 0;
        }
        if (a[0] != '-' || !a[1])
            break;      /* first non-option: the program */
        if (!strcmp(a, "--allow-untraced") || !strcmp(a, "--allow_untraced")) {
            *allow_untraced = true;
            continue;
        }
        if (opt_arg_append_lenient(spec, a) < 0)
            return -1;
    }
    if (i >= argc) {
        fprintf(stderr, "ulockdep: no program to run\n");
        cli_print_usage();
        return -1;
    }
    return i;
}

/* ULOCKDEP_OPTIONS and LD_PRELOAD for the program. The hang watchdog is on by default under
 * `ulockdep run` (off in the bare shim), unless the environment or the command line sets
 * deadlock_timeout (then adding ours too would make the shim warn that the option is set
 * twice). */
static bool set_environment(const char *spec, const char *shim)
{
    char *all;
    if (asprintf(&all, "%s:%s", getenv_or_empty("ULOCKDEP_OPTIONS"), spec ? spec : "") < 0) {
        perror("ulockdep");
        return false;
    }
    ul_options_parse(all, NULL);
    free(all);
    if (!ul_options_was_set("deadlock_timeout")) {
        char watchdog[64];
        snprintf(watchdog, sizeof watchdog, "deadlock_timeout=%d", ULOCKDEP_RUN_DEADLOCK_TIMEOUT);
        setenv_joined("ULOCKDEP_OPTIONS", watchdog, getenv_or_empty("ULOCKDEP_OPTIONS"));
    }
    /* The environment's options first, ours after them so ours win. */
    if (spec)
        setenv_joined("ULOCKDEP_OPTIONS", getenv_or_empty("ULOCKDEP_OPTIONS"), spec);
    setenv_joined("LD_PRELOAD", shim, getenv_or_empty("LD_PRELOAD"));
    return true;
}

int cmd_run(int argc, char **argv)
{
    char *spec = NULL;  /* our options, in ULOCKDEP_OPTIONS syntax */
    bool allow_untraced = false;
    int i = parse_run_args(argc, argv, &spec, &allow_untraced);
    char *shim = i > 0 ? find_shim() : NULL;
    if (!shim || !set_environment(spec, shim)) {
        free(shim);
        free(spec);
        return i == 0 ? 0 : CLI_EXIT_USAGE;
    }
    const char *prog = argv[i];
    int rc = CLI_EXIT_UNTRACEABLE; /* an untraced test must not pass as a clean one */
    if (!refuse_untraceable("run", prog, shim, allow_untraced)) {
        execvp(prog, argv + i);
        int err = errno;
        fprintf(stderr, "ulockdep: cannot run '%s': %s\n", prog, strerror(err));
        rc = err == EACCES || err == EPERM ? CLI_EXIT_CANNOT_EXEC : CLI_EXIT_NOT_FOUND;
    }
    free(shim);
    free(spec);
    return rc;
}
