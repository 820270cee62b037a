/* ulockdep command-line front end: shared declarations. */
#ifndef ULOCKDEP_CLI_H
#define ULOCKDEP_CLI_H

#include <stdbool.h>
#include <stddef.h>

/* Exit statuses of the front end itself (the traced program's status passes through). */
enum {
    CLI_EXIT_USAGE = 2,      /* bad command line, shim not found */
    CLI_EXIT_UNTRACEABLE = 5, /* the program cannot be traced (static, set-id, ...): not run */
    CLI_EXIT_CANNOT_EXEC = 126,
    CLI_EXIT_NOT_FOUND = 127,
};

/* A subcommand: argv[0] is its name ("ulockdep" for the implicit run of `ulockdep -- ...`),
 * options and operands follow.
 * Returns an exit status, or does not return (exec). */
int cmd_run(int argc, char **argv);

/* main.c */
void cli_print_help(void);           /* full help to stdout */
void cli_print_usage(void);          /* short usage to stderr */

/* opt_args.c: turns one "--key[=value]" argument into "key=value" appended (':'-separated)
 * to the malloc'd string *spec. Prints an error and returns -1 if the key is unknown, a
 * non-bool key has no value, or the value cannot be quoted. */
int opt_arg_append(char **spec, const char *arg);
/* The same for `ulockdep run`, as the contract has it for ULOCKDEP_OPTIONS: a missing or bad
 * value prints one "ulockdep: ..." line and the option is left out (the program runs with
 * its default); returns -1 only for an unknown option (with the nearest name suggested). */
int opt_arg_append_lenient(char **spec, const char *arg);
/* Checks a whole spec with the engine's parser; prints its complaints, returns their number. */
int opt_spec_check(const char *spec);
/* One grammar for every subcommand's long options: exact names (no abbreviations), '-' and
 * '_' alike (--log-path is --log_path, --module_dir is --module-dir), and an unknown name is
 * named with the nearest valid one ("did you mean '--log_path'?"), among the shim's options
 * and the subcommand's own (opt_set_command_names, NULL-ended). It is an error everywhere
 * but `run`, which follows the CONTRACT's rule for ULOCKDEP_OPTIONS: one line, the program
 * still runs. */
struct option;
void opt_set_command_names(const char *const *names);
const char *opt_nearest(const char *name, size_t len);
void opt_unknown(const char *cmd, const char *arg, const char *tail);
/* For a getopt_long command: checks (and normalises '_' to '-' in) every --name before
 * getopt_long sees it. Returns -1 after the message for an unknown one. */
int opt_check_long_names(const char *cmd, int argc, char **argv, const struct option *longopts);

/* find_shim.c: absolute path of libulockdep.so (malloc'd), or NULL after printing why. */
char *find_shim(void);

/* elf_check.c: resolves prog through PATH like execvp and warns (to stderr) when the dynamic
 * loader will not preload the shim into it: static binaries, set-uid/set-gid ones, and ones
 * built for another ELF class or machine than the shim. Never fails: exec has the last word. */
/* elf_check.c: can the shim trace PROG (not static, not set-id, same ELF class and CPU)? If
 * not, says why: a refusal (true: do not run it) unless `allow` (--allow-untraced), then a
 * warning (false). */
bool untraceable(const char *prog, const char *shim, char *why, size_t len);
bool refuse_untraceable(const char *cmd, const char *prog, const char *shim, bool allow);

#endif
