/* options.h: the ULOCKDEP_OPTIONS parser and the help text. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "options.h"

#define MAX_LINES 16

static char lines[MAX_LINES][ULOCKDEP_OPT_STRMAX + 256];
static int nlines;

static void complain(const char *line)
{
    cr_assert_lt(nlines, MAX_LINES);
    snprintf(lines[nlines++], sizeof lines[0], "%s", line);
}

static int parse(const char *spec)
{
    nlines = 0;
    int n = ul_options_parse(spec, complain);
    cr_assert_eq(n, nlines, "the return value counts the complaints");
    return n;
}

static void assert_complaint_mentions(int i, const char *what)
{
    cr_assert_lt(i, nlines);
    cr_assert_not_null(strstr(lines[i], what), "complaint \"%s\" does not mention %s", lines[i], what);
}

static void assert_defaults(void)
{
    cr_assert_str_eq(ul_opt.log_path, "");
    cr_assert_str_eq(ul_opt.format, "text");
    cr_assert_eq(ul_opt.exitcode, 66);
    cr_assert_eq(ul_opt.halt_on_error, false);
    cr_assert_str_eq(ul_opt.suppressions, "");
    cr_assert_eq(ul_opt.verbosity, 0);
    cr_assert_eq(ul_opt.help, false);
    cr_assert_str_eq(ul_opt.class_by, "stack");
    cr_assert_eq(ul_opt.class_depth, 2);
    cr_assert_eq(ul_opt.stack_depth, 24);
    cr_assert_eq(ul_opt.symbolize, true);
    cr_assert_eq(ul_opt.check_free, true);
    cr_assert(ul_dopt.text);
    cr_assert_not(ul_dopt.json);
    cr_assert_not(ul_dopt.class_by_instance);
}

Test(options, defaults)
{
    cr_assert_eq(parse(NULL), 0);
    assert_defaults();
    cr_assert_eq(parse(""), 0);
    assert_defaults();
    cr_assert_eq(parse(" : ,, \t"), 0, "separators only");
    assert_defaults();
}

Test(options, a_parse_starts_from_the_defaults)
{
    cr_assert_eq(parse("exitcode=3:verbosity=2:format=json"), 0);
    cr_assert_eq(ul_opt.exitcode, 3);
    cr_assert_eq(parse("halt_on_error=1"), 0);
    cr_assert_eq(ul_opt.exitcode, 66, "values of an earlier parse do not leak into the next");
    cr_assert_eq(ul_opt.verbosity, 0);
    cr_assert_str_eq(ul_opt.format, "text");
    cr_assert(ul_opt.halt_on_error);
}

Test(options, colon_separated)
{
    cr_assert_eq(parse("exitcode=3:verbosity=1"), 0);
    cr_assert_eq(ul_opt.exitcode, 3);
    cr_assert_eq(ul_opt.verbosity, 1);
}

Test(options, every_type)
{
    cr_assert_eq(parse("log_path=/tmp/ul.log:halt_on_error=true:symbolize=off:check_free=no:"
                       "class_depth=4:stack_depth=64:suppressions=/etc/sup:help=yes:verbosity=2"), 0);
    cr_assert_str_eq(ul_opt.log_path, "/tmp/ul.log");
    cr_assert(ul_opt.halt_on_error);
    cr_assert_not(ul_opt.symbolize);
    cr_assert_not(ul_opt.check_free);
    cr_assert_eq(ul_opt.class_depth, 4);
    cr_assert_eq(ul_opt.stack_depth, 64);
    cr_assert_str_eq(ul_opt.suppressions, "/etc/sup");
    cr_assert(ul_opt.help);
    cr_assert_eq(ul_opt.verbosity, 2);
}

Test(options, spaces_and_commas_separate_pairs)
{
    cr_assert_eq(parse("exitcode=3 verbosity=1"), 0);
    cr_assert_eq(ul_opt.exitcode, 3);
    cr_assert_eq(ul_opt.verbosity, 1);

    cr_assert_eq(parse("  exitcode=4\t\n verbosity=2  "), 0);
    cr_assert_eq(ul_opt.exitcode, 4);
    cr_assert_eq(ul_opt.verbosity, 2);

    cr_assert_eq(parse("exitcode=3,verbosity=1"), 0);
    cr_assert_eq(ul_opt.exitcode, 3);
    cr_assert_eq(ul_opt.verbosity, 1);

    cr_assert_eq(parse("exitcode=5 ,verbosity=2"), 0);
    cr_assert_eq(ul_opt.exitcode, 5);
    cr_assert_eq(ul_opt.verbosity, 2);
}

/* ENGINE BUG (disabled so the suite passes): a comma followed by whitespace, or at the end
 * of the spec, is kept in the value (options.c comma_starts_pair() looks for "key=" right
 * after the comma, and the value loop stops only at ':' or whitespace), so
 * "exitcode=5, verbosity=2" complains "bad value '5,' for option 'exitcode'" and exitcode
 * stays 66, although ',' and whitespace are both separators. */
Test(options, comma_then_space_separates)
{
    cr_assert_eq(parse("exitcode=5, verbosity=2 ,halt_on_error=1"), 0, "%s", nlines ? lines[0] : "");
    cr_assert_eq(ul_opt.exitcode, 5);
    cr_assert_eq(ul_opt.verbosity, 2);
    cr_assert(ul_opt.halt_on_error);
    cr_assert_eq(parse("exitcode=5,"), 0, "%s", nlines ? lines[0] : "");
    cr_assert_eq(ul_opt.exitcode, 5);
}

Test(options, comma_inside_a_value)
{
    cr_assert_eq(parse("format=text,json"), 0);
    cr_assert_str_eq(ul_opt.format, "text,json");
    cr_assert(ul_dopt.text);
    cr_assert(ul_dopt.json);

    cr_assert_eq(parse("format=text,json,exitcode=7"), 0);
    cr_assert_str_eq(ul_opt.format, "text,json");
    cr_assert(ul_dopt.json);
    cr_assert_eq(ul_opt.exitcode, 7);

    cr_assert_eq(parse("exitcode=7,format=json,text verbosity=1"), 0);
    cr_assert_eq(ul_opt.exitcode, 7);
    cr_assert_str_eq(ul_opt.format, "json,text");
    cr_assert(ul_dopt.text && ul_dopt.json);
    cr_assert_eq(ul_opt.verbosity, 1);

    cr_assert_eq(parse("format=json"), 0);
    cr_assert_not(ul_dopt.text);
    cr_assert(ul_dopt.json);
}

Test(options, quoted_values)
{
    cr_assert_eq(parse("log_path=\"/tmp/a:b c\":exitcode=9"), 0);
    cr_assert_str_eq(ul_opt.log_path, "/tmp/a:b c");
    cr_assert_eq(ul_opt.exitcode, 9);

    cr_assert_eq(parse("suppressions='C:/x y,z=1' verbosity=1"), 0);
    cr_assert_str_eq(ul_opt.suppressions, "C:/x y,z=1");
    cr_assert_eq(ul_opt.verbosity, 1);

    cr_assert_eq(parse("log_path=\"\""), 0);
    cr_assert_str_eq(ul_opt.log_path, "");
}

Test(options, unknown_key_one_complaint_others_applied)
{
    cr_assert_eq(parse("exitcode=3:no_such_option=1:verbosity=2"), 1);
    assert_complaint_mentions(0, "no_such_option");
    cr_assert_eq(ul_opt.exitcode, 3);
    cr_assert_eq(ul_opt.verbosity, 2);
}

Test(options, bad_int_values)
{
    const char *bad[] = { "exitcode=abc", "exitcode=", "exitcode=3x", "exitcode=99999999999999" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cr_assert_eq(parse(bad[i]), 1, "%s", bad[i]);
        assert_complaint_mentions(0, "exitcode");
        cr_assert_eq(ul_opt.exitcode, 66, "%s: default kept", bad[i]);
    }
    cr_assert_eq(parse("verbosity=two:exitcode=1"), 1);
    assert_complaint_mentions(0, "verbosity");
    assert_complaint_mentions(0, "two");
    cr_assert_eq(ul_opt.verbosity, 0);
    cr_assert_eq(ul_opt.exitcode, 1);
}

Test(options, out_of_range_int_values)
{
    cr_assert_eq(parse("exitcode=256"), 1);
    assert_complaint_mentions(0, "exitcode");
    cr_assert_eq(ul_opt.exitcode, 66);
    cr_assert_eq(parse("exitcode=-1"), 1);
    cr_assert_eq(ul_opt.exitcode, 66);
    cr_assert_eq(parse("exitcode=0"), 0);
    cr_assert_eq(ul_opt.exitcode, 0);
    cr_assert_eq(parse("class_depth=0"), 1);
    assert_complaint_mentions(0, "class_depth");
    cr_assert_eq(ul_opt.class_depth, 2);
    cr_assert_eq(parse("stack_depth=65"), 1);
    assert_complaint_mentions(0, "stack_depth");
    cr_assert_eq(ul_opt.stack_depth, 24);
}

Test(options, bad_bool_values)
{
    cr_assert_eq(parse("halt_on_error=maybe:exitcode=2"), 1);
    assert_complaint_mentions(0, "halt_on_error");
    assert_complaint_mentions(0, "maybe");
    cr_assert_eq(ul_opt.halt_on_error, false);
    cr_assert_eq(ul_opt.exitcode, 2);

    cr_assert_eq(parse("symbolize=2"), 1);
    cr_assert_eq(ul_opt.symbolize, true, "default kept");
    cr_assert_eq(parse("symbolize=OFF"), 0);
    cr_assert_eq(ul_opt.symbolize, false);
}

Test(options, overlong_values)
{
    char spec[2048];
    char value[1024];

    /* The longest value that fits (with its NUL) in a string option. */
    memset(value, 'a', ULOCKDEP_OPT_STRMAX - 1);
    value[ULOCKDEP_OPT_STRMAX - 1] = 0;
    snprintf(spec, sizeof spec, "log_path=%s", value);
    cr_assert_eq(parse(spec), 0);
    cr_assert_str_eq(ul_opt.log_path, value);

    /* One more does not fit. */
    memset(value, 'b', ULOCKDEP_OPT_STRMAX);
    value[ULOCKDEP_OPT_STRMAX] = 0;
    snprintf(spec, sizeof spec, "exitcode=4:log_path=%s:verbosity=1", value);
    cr_assert_eq(parse(spec), 1);
    assert_complaint_mentions(0, "log_path");
    cr_assert_str_eq(ul_opt.log_path, "");
    cr_assert_eq(ul_opt.exitcode, 4);
    cr_assert_eq(ul_opt.verbosity, 1);

    /* Far too long, quoted. */
    memset(value, 'c', 1000);
    value[1000] = 0;
    snprintf(spec, sizeof spec, "suppressions=\"%s\" exitcode=5", value);
    cr_assert_eq(parse(spec), 1);
    assert_complaint_mentions(0, "suppressions");
    cr_assert_str_eq(ul_opt.suppressions, "");
    cr_assert_eq(ul_opt.exitcode, 5);

    /* An overlong value for an int option is a complaint too, not a crash. */
    memset(value, '1', 1000);
    value[1000] = 0;
    snprintf(spec, sizeof spec, "exitcode=%s", value);
    cr_assert_eq(parse(spec), 1);
    cr_assert_eq(ul_opt.exitcode, 66);
}

Test(options, malformed_entries)
{
    cr_assert_eq(parse("exitcode:verbosity=1"), 1);
    assert_complaint_mentions(0, "exitcode");
    cr_assert_eq(ul_opt.verbosity, 1);

    char spec[256];
    memset(spec, 'k', 100);
    snprintf(spec + 100, sizeof spec - 100, "=1:exitcode=3");
    cr_assert_eq(parse(spec), 1, "overlong key");
    cr_assert_eq(ul_opt.exitcode, 3);

    cr_assert_eq(parse("=1:exitcode=4"), 1, "empty key");
    cr_assert_eq(ul_opt.exitcode, 4);
}

Test(options, bad_format)
{
    cr_assert_eq(parse("format=bogus"), 1);
    assert_complaint_mentions(0, "format");
    assert_complaint_mentions(0, "bogus");
    cr_assert_str_eq(ul_opt.format, "text");
    cr_assert(ul_dopt.text);
    cr_assert_not(ul_dopt.json);

    cr_assert_eq(parse("format=text,xml"), 1);
    cr_assert_str_eq(ul_opt.format, "text");
    cr_assert_not(ul_dopt.json);

    cr_assert_eq(parse("format="), 1);
    cr_assert(ul_dopt.text);
}

Test(options, class_by)
{
    cr_assert_eq(parse("class_by=instance"), 0);
    cr_assert_str_eq(ul_opt.class_by, "instance");
    cr_assert(ul_dopt.class_by_instance);

    cr_assert_eq(parse("class_by=stack"), 0);
    cr_assert_not(ul_dopt.class_by_instance);

    cr_assert_eq(parse("class_by=address"), 1);
    assert_complaint_mentions(0, "class_by");
    cr_assert_str_eq(ul_opt.class_by, "stack");
    cr_assert_not(ul_dopt.class_by_instance);
}

Test(options, null_complaint_sink)
{
    cr_assert_eq(ul_options_parse("foo=1:exitcode=x:exitcode=2", NULL), 2);
    cr_assert_eq(ul_opt.exitcode, 2);
}

static const char *const option_names[] = {
#define ULOCKDEP_OPTION(type, name, def, doc) #name,
#include "options.def"
#undef ULOCKDEP_OPTION
};

Test(options, help_lists_every_option)
{
    char buf[8192];
    size_t n = ul_options_help(buf, sizeof buf);
    cr_assert_lt(n, sizeof buf);
    cr_assert_eq(strlen(buf), n);
    cr_assert_geq(sizeof option_names / sizeof *option_names, 12);
    for (size_t i = 0; i < sizeof option_names / sizeof *option_names; i++) {
        char word[80];
        snprintf(word, sizeof word, "  %s ", option_names[i]);
        cr_assert_not_null(strstr(buf, word), "help does not list %s", option_names[i]);
    }
    cr_assert_not_null(strstr(buf, "exitcode            int     default 66"));
    cr_assert_not_null(strstr(buf, "format              string  default \"text\""));
    cr_assert_not_null(strstr(buf, "log_path            string  default \"\""));
}

Test(options, help_truncates_safely)
{
    char full[8192];
    size_t n = ul_options_help(full, sizeof full);
    char small[64];
    memset(small, 'x', sizeof small);
    cr_assert_eq(ul_options_help(small, sizeof small), n, "returns the length it needs");
    cr_assert_eq(small[sizeof small - 1], 0);
    cr_assert_eq(strncmp(small, full, sizeof small - 1), 0);
    cr_assert_eq(ul_options_help(NULL, 0), n);
}
