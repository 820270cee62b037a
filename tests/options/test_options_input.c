/* ULOCKDEP_OPTIONS with bad input (issue 7): every malformed entry gives exactly one line,
 * "ulockdep: ULOCKDEP_OPTIONS: ...", naming the key; the option keeps the value it had (its
 * default unless an earlier entry set it); every other entry still applies.
 * (tests/unit/test_options.c covers the well-formed syntax and the help text.) */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

#define MAX_LINES 32
#define PREFIX "ulockdep: ULOCKDEP_OPTIONS: "

static char lines[MAX_LINES][ULOCKDEP_OPT_STRMAX + 256];
static int nlines;

static void complain(const char *line)
{
    cr_assert_lt(nlines, MAX_LINES);
    cr_assert_null(strchr(line, '\n'), "one line: \"%s\"", line);
    cr_assert_eq(strncmp(line, PREFIX, strlen(PREFIX)), 0, "prefix: \"%s\"", line);
    for (const char *p = line; *p; p++)
        cr_assert(*p >= ' ' && *p < 127, "printable: \"%s\"", line);
    snprintf(lines[nlines++], sizeof lines[0], "%s", line);
}

static int parse(const char *spec)
{
    nlines = 0;
    return ul_options_parse(spec, complain);
}

/* The spec gives exactly one complaint, and it is `want`. */
static void assert_one(const char *spec, const char *want)
{
    cr_assert_eq(parse(spec), 1, "%s: want one complaint, got %d (%s)", spec, nlines, nlines ? lines[0] : "");
    cr_assert_str_eq(lines[0], want, "for %s", spec);
}

static void assert_clean(const char *spec)
{
    cr_assert_eq(parse(spec), 0, "%s: unexpected complaint %s", spec, nlines ? lines[0] : "");
}

Test(input, unknown_keys)
{
    assert_one("exitcode=3:nope=1:verbosity=2", PREFIX "unknown option 'nope' (ignored; help=1 lists them)");
    cr_assert_eq(ul_opt.exitcode, 3);
    cr_assert_eq(ul_opt.verbosity, 2);
    assert_one("Exitcode=3", PREFIX "unknown option 'Exitcode' (ignored; help=1 lists them)");
    cr_assert_eq(ul_opt.exitcode, 66, "keys are case-sensitive");
    assert_one("log-path=/x", PREFIX "unknown option 'log-path' (ignored; help=1 lists them)");
}

Test(input, non_numeric_values)
{
    assert_one("exitcode=abc:verbosity=1", PREFIX "bad value 'abc' for option 'exitcode' (want an integer); using 66");
    cr_assert_eq(ul_opt.verbosity, 1);
    assert_one("exitcode=12abc", PREFIX "bad value '12abc' for option 'exitcode' (want an integer); using 66");
    assert_one("exitcode=0x10", PREFIX "bad value '0x10' for option 'exitcode' (want an integer); using 66");
    cr_assert_eq(parse("exitcode= 5"), 2, "a space separates: 'exitcode=' and '5'");
    cr_assert_str_eq(lines[0], PREFIX "bad value '' for option 'exitcode' (want an integer); using 66");
    cr_assert_str_eq(lines[1], PREFIX "'5' is not key=value");
    assert_one("stack_depth=1e3", PREFIX "bad value '1e3' for option 'stack_depth' (want an integer); using 24");
    assert_one("halt_on_error=2", PREFIX "bad value '2' for option 'halt_on_error' (want 1/0, yes/no, true/false or on/off); using 0");
    assert_one("symbolize=maybe", PREFIX "bad value 'maybe' for option 'symbolize' (want 1/0, yes/no, true/false or on/off); using 1");
}

Test(input, decimal_only)
{
    assert_clean("exitcode=010:stack_depth=+8");
    cr_assert_eq(ul_opt.exitcode, 10, "not octal");
    cr_assert_eq(ul_opt.stack_depth, 8);
}

Test(input, out_of_range_and_negative)
{
    assert_one("exitcode=256", PREFIX "bad value '256' for option 'exitcode' (want 0..255); using 66");
    assert_one("exitcode=-1", PREFIX "bad value '-1' for option 'exitcode' (want 0..255); using 66");
    assert_one("exitcode=99999999999999999999", PREFIX "bad value '99999999999999999999' for option 'exitcode' "
                                                "(want an integer); using 66");
    assert_one("class_depth=-3:stack_depth=4", PREFIX "bad value '-3' for option 'class_depth' (want 1..16); using 2");
    cr_assert_eq(ul_opt.stack_depth, 4);
    assert_one("class_depth=17", PREFIX "bad value '17' for option 'class_depth' (want 1..16); using 2");
    assert_one("stack_depth=-24", PREFIX "bad value '-24' for option 'stack_depth' (want 1..64); using 24");
    assert_one("stack_depth=0", PREFIX "bad value '0' for option 'stack_depth' (want 1..64); using 24");
    assert_one("verbosity=-1", PREFIX "bad value '-1' for option 'verbosity' (want a number >= 0); using 0");
    assert_clean("class_depth=16:stack_depth=1:exitcode=255");
    cr_assert_eq(ul_opt.class_depth, 16);
    cr_assert_eq(ul_opt.stack_depth, 1);
    cr_assert_eq(ul_opt.exitcode, 255);
}

Test(input, enumerated_strings)
{
    assert_one("format=xml:exitcode=1", PREFIX "bad value 'xml' for option 'format' (want text, json or text,json); "
                                        "using 'text'");
    cr_assert_eq(ul_opt.exitcode, 1);
    cr_assert(ul_dopt.text);
    cr_assert_not(ul_dopt.json);
    assert_one("format=json:format=xml", PREFIX "bad value 'xml' for option 'format' (want text, json or "
                                         "text,json); using 'json'");
    cr_assert(ul_dopt.json);
    cr_assert_not(ul_dopt.text, "the earlier good value stays");
    assert_one("format=text,text", PREFIX "bad value 'text,text' for option 'format' (want text, json or "
                                   "text,json); using 'text'");
    assert_one("format=textjson", PREFIX "bad value 'textjson' for option 'format' (want text, json or "
                                  "text,json); using 'text'");
    assert_one("format=JSON", PREFIX "bad value 'JSON' for option 'format' (want text, json or text,json); "
                              "using 'text'");
    assert_clean("format=json+text");
    cr_assert(ul_dopt.text && ul_dopt.json);
    assert_one("class_by=address", PREFIX "bad value 'address' for option 'class_by' (want stack or instance); "
                                   "using 'stack'");
    cr_assert_not(ul_dopt.class_by_instance);
}

Test(input, overlong_strings)
{
    static char spec[8192], value[4096];
    memset(value, 'v', 600);
    value[600] = 0;
    snprintf(spec, sizeof spec, "exitcode=4:log_path=%s:verbosity=1", value);
    assert_one(spec, PREFIX "value of option 'log_path' too long (600 bytes, at most 511); using ''");
    cr_assert_str_eq(ul_opt.log_path, "");
    cr_assert_eq(ul_opt.exitcode, 4);
    cr_assert_eq(ul_opt.verbosity, 1);

    /* Much longer than any buffer, quoted, with separators inside. */
    memset(value, 'w', 4000);
    memcpy(value + 100, ": ,", 3);
    value[4000] = 0;
    snprintf(spec, sizeof spec, "suppressions='%s' exitcode=5", value);
    assert_one(spec, PREFIX "value of option 'suppressions' too long (4000 bytes, at most 511); using ''");
    cr_assert_eq(ul_opt.exitcode, 5);

    /* An overlong key is an unknown option, shown shortened. */
    memset(value, 'k', 300);
    value[300] = 0;
    snprintf(spec, sizeof spec, "%s=1:exitcode=6", value);
    cr_assert_eq(parse(spec), 1);
    cr_assert_eq(ul_opt.exitcode, 6);
    cr_assert_lt(strlen(lines[0]), 200);
    cr_assert_not_null(strstr(lines[0], "unknown option 'kkkkkkkk"));
    cr_assert_not_null(strstr(lines[0], "kkk...'"));

    /* An overlong int value is shown shortened too. */
    memset(value, '7', 300);
    value[300] = 0;
    snprintf(spec, sizeof spec, "exitcode=%s", value);
    cr_assert_eq(parse(spec), 1);
    cr_assert_lt(strlen(lines[0]), 200);
    cr_assert_eq(ul_opt.exitcode, 66);
}

Test(input, odd_separators_are_harmless)
{
    assert_clean("::exitcode=3::verbosity=1::");
    cr_assert_eq(ul_opt.exitcode, 3);
    cr_assert_eq(ul_opt.verbosity, 1);
    assert_clean(":,: exitcode=4\t\tverbosity=2\n:");
    cr_assert_eq(ul_opt.exitcode, 4);
    cr_assert_eq(ul_opt.verbosity, 2);
    assert_clean("exitcode=5,,verbosity=3,");
    cr_assert_eq(ul_opt.exitcode, 5);
    cr_assert_eq(ul_opt.verbosity, 3);
    assert_clean("\t\v\f\r");
}

Test(input, key_without_value)
{
    assert_one("exitcode=:verbosity=1", PREFIX "bad value '' for option 'exitcode' (want an integer); using 66");
    cr_assert_eq(ul_opt.verbosity, 1);
    assert_one("format=", PREFIX "bad value '' for option 'format' (want text, json or text,json); using 'text'");
    /* An empty string option is meaningful: no log file, no suppressions. */
    assert_clean("log_path=");
    cr_assert_str_eq(ul_opt.log_path, "");
}

Test(input, value_without_key)
{
    assert_one("=value:exitcode=2", PREFIX "'=value' has no key (expected key=value)");
    cr_assert_eq(ul_opt.exitcode, 2);
    assert_one("=", PREFIX "'=' has no key (expected key=value)");
    cr_assert_eq(parse(" = 3"), 2);
    cr_assert_str_eq(lines[0], PREFIX "'=' has no key (expected key=value)");
    cr_assert_str_eq(lines[1], PREFIX "'3' is not key=value");
}

Test(input, no_equals_sign)
{
    assert_one("exitcode:verbosity=1", PREFIX "option 'exitcode' has no value (expected exitcode=VALUE)");
    cr_assert_eq(ul_opt.verbosity, 1);
    assert_one("verbosity=1 halt_on_error", PREFIX "option 'halt_on_error' has no value (expected halt_on_error=VALUE)");
    cr_assert_not(ul_opt.halt_on_error);
    assert_one("foo,exitcode=3", PREFIX "'foo' is not key=value");
    cr_assert_eq(ul_opt.exitcode, 3);
}

Test(input, repeated_keys)
{
    assert_one("exitcode=3:exitcode=4", PREFIX "option 'exitcode' set more than once; the last value applies");
    cr_assert_eq(ul_opt.exitcode, 4);
    /* A bad repetition keeps the earlier good value, and says which. */
    assert_one("exitcode=3:exitcode=x", PREFIX "bad value 'x' for option 'exitcode' (want an integer); using 3");
    cr_assert_eq(ul_opt.exitcode, 3);
    /* A bad first one is not a repetition. */
    assert_one("exitcode=x:exitcode=5", PREFIX "bad value 'x' for option 'exitcode' (want an integer); using 66");
    cr_assert_eq(ul_opt.exitcode, 5);
    cr_assert_eq(parse("verbosity=1:verbosity=2:verbosity=3"), 2);
    cr_assert_eq(ul_opt.verbosity, 3);
}

Test(input, unterminated_quote)
{
    assert_one("log_path=\"/tmp/x:exitcode=5", PREFIX "option 'log_path': unterminated \" quote in its value; ignored");
    cr_assert_str_eq(ul_opt.log_path, "", "not set to a value with a quote in it");
    cr_assert_eq(ul_opt.exitcode, 5, "what follows still applies");
    assert_one("suppressions='abc", PREFIX "option 'suppressions': unterminated ' quote in its value; ignored");
    cr_assert_str_eq(ul_opt.suppressions, "");
}

Test(input, control_characters_are_not_echoed)
{
    cr_assert_eq(parse("\x1b[2J=1:exitcode=\x07"), 2);
    cr_assert_str_eq(lines[0], PREFIX "unknown option '?[2J' (ignored; help=1 lists them)");
    cr_assert_str_eq(lines[1], PREFIX "bad value '?' for option 'exitcode' (want an integer); using 66");
    cr_assert_eq(parse("exitcode=1\x1b"), 1, "an escape inside a value is part of it");
    cr_assert_eq(ul_opt.exitcode, 66);
}

Test(input, many_problems_are_capped)
{
    static char spec[100000];
    size_t off = 0;
    for (int i = 0; i < 5000; i++)
        off += (size_t)snprintf(spec + off, sizeof spec - off, "junk%d ", i);
    snprintf(spec + off, sizeof spec - off, "exitcode=9");
    nlines = 0;
    cr_assert_eq(ul_options_parse(spec, complain), 5000, "every problem is counted");
    cr_assert_eq(nlines, 21, "but only 20 are shown, and one line says so");
    cr_assert_str_eq(lines[20], PREFIX "more problems, not shown");
    cr_assert_eq(ul_opt.exitcode, 9);
}

Test(input, every_message_says_what_is_used)
{
    /* `ulockdep run` cuts messages at "; using " (it refuses the value instead). */
    const char *specs[] = { "exitcode=x", "verbosity=-1", "format=xml", "class_by=x", "halt_on_error=x" };
    for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
        cr_assert_eq(parse(specs[i]), 1);
        cr_assert_not_null(strstr(lines[0], "; using "), "%s", lines[0]);
    }
}

Test(input, print_suppressions_option)
{
    assert_clean("");
    cr_assert(ul_opt.print_suppressions, "on by default (prints nothing unless a suppression was used)");
    assert_clean("print_suppressions=0");
    cr_assert_not(ul_opt.print_suppressions);
}
