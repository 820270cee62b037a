/* common/suppress.h: the suppressions parser, the glob matcher and the rule matcher. */
#include <criterion/criterion.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suppress.h"

#define MAX_LINES 16

static char lines[MAX_LINES][UL_SUPP_LINE_MAX + 64];
static int nlines;

static void complain(void *arg, const char *line)
{
    cr_assert_eq(arg, (void *)lines, "the complaint sink gets its argument back");
    cr_assert_lt(nlines, MAX_LINES);
    cr_assert_null(strchr(line, '\n'), "one line: \"%s\"", line);
    snprintf(lines[nlines++], sizeof lines[0], "%s", line);
}

static struct ul_supp_set set;

static int parse_n(const char *text, size_t len)
{
    nlines = 0;
    ul_supp_free(&set);
    int bad = ul_supp_parse(&set, text, len, "supp.txt", complain, lines);
    cr_assert_eq(bad, nlines, "the return value counts the bad lines");
    return bad;
}

static int parse(const char *text)
{
    return parse_n(text, strlen(text));
}

static void assert_rule(unsigned i, enum ul_supp_type type, const char *pattern, unsigned line)
{
    cr_assert_lt(i, set.n);
    cr_assert_eq(set.rules[i].type, type, "rule %u type", i);
    cr_assert_str_eq(set.rules[i].pattern, pattern, "rule %u pattern", i);
    cr_assert_eq(set.rules[i].line, line, "rule %u line", i);
    cr_assert_eq(set.rules[i].hits, 0);
}

/* ---- glob ---- */

struct glob_case {
    const char *pattern, *s;
    bool match;
};

static const struct glob_case glob_cases[] = {
    { "", "", true },
    { "", "a", false },
    { "abc", "abc", true },
    { "abc", "abcd", false },
    { "abc", "ab", false },
    { "*", "", true },
    { "*", "anything/at all", true },
    { "a*", "a", true },
    { "a*", "abc", true },
    { "a*", "ba", false },
    { "*c", "abc", true },
    { "*c", "abcd", false },
    { "a*c", "ac", true },
    { "a*c", "abbbc", true },
    { "a*c", "abcb", false },
    { "*b*", "abc", true },
    { "*b*", "ac", false },
    { "a*b*c", "a-b-b-c", true },
    { "a*b*c", "a-c-b", false },
    { "**a**", "xax", true },
    { "?", "a", true },
    { "?", "", false },
    { "?", "ab", false },
    { "a?c", "abc", true },
    { "a?c", "a/c", true },
    { "*/vendor/*", "/src/vendor/x.c", true },
    { "*/vendor/*", "/src/vendors/x.c", false },
    { "lock_[ab]", "lock_a", true },
    { "lock_[ab]", "lock_c", false },
    { "lock_[a-c]", "lock_b", true },
    { "lock_[!a-c]", "lock_b", false },
    { "lock_[!a-c]", "lock_d", true },
    { "lock_[^a-c]", "lock_d", true },
    { "[]]", "]", true },
    { "[!]]", "]", false },
    { "[!]]", "a", true },
    { "[a-]", "-", true },
    { "[[:digit:]]x", "7x", true },
    { "[[:digit:]]x", "ax", false },
    { "[[:alpha:]_]*", "_init", true },
    { "[[:upper:]]", "a", false },
    { "[", "[", true },
    { "a[", "a[", true },
    { "[ab", "[ab", true },
    { "\\*", "*", true },
    { "\\*", "a", false },
    { "a\\?c", "a?c", true },
    { "a\\?c", "abc", false },
    { "a\\", "a\\", false },   /* a trailing backslash matches nothing */
    { "my_struct+0x8", "my_struct+0x8", true },
    { "new_conn@conn.c:*", "new_conn@conn.c:42", true },
    { "new_conn@conn.c:*", "new_conn@conn.c", false },
};

Test(glob, table)
{
    for (size_t i = 0; i < sizeof glob_cases / sizeof *glob_cases; i++) {
        const struct glob_case *c = &glob_cases[i];
        cr_expect_eq(ul_glob_match(c->pattern, c->s), c->match, "glob '%s' on '%s': want %d", c->pattern, c->s,
                     c->match);
    }
}

/* The table agrees with fnmatch(3), which the documentation promises. */
Test(glob, agrees_with_fnmatch)
{
    for (size_t i = 0; i < sizeof glob_cases / sizeof *glob_cases; i++) {
        const struct glob_case *c = &glob_cases[i];
        cr_expect_eq(fnmatch(c->pattern, c->s, 0) == 0, c->match, "fnmatch('%s', '%s')", c->pattern, c->s);
    }
}

/* Exhaustively over a small alphabet: every pattern of '*', '?', 'a', 'b' up to length 5
 * against every string of 'a', 'b' up to length 5. */
Test(glob, exhaustive_small_alphabet)
{
    const char pat_chars[] = "*?ab", str_chars[] = "ab";
    char pat[8], s[8];
    for (int pl = 0; pl <= 5; pl++) {
        int npat = 1;
        for (int i = 0; i < pl; i++)
            npat *= 4;
        for (int pi = 0; pi < npat; pi++) {
            for (int i = 0, x = pi; i < pl; i++, x /= 4)
                pat[i] = pat_chars[x % 4];
            pat[pl] = 0;
            for (int sl = 0; sl <= 5; sl++) {
                for (int si = 0; si < (1 << sl); si++) {
                    for (int i = 0; i < sl; i++)
                        s[i] = str_chars[(si >> i) & 1];
                    s[sl] = 0;
                    bool want = fnmatch(pat, s, 0) == 0;
                    if (ul_glob_match(pat, s) != want)
                        cr_assert(false, "glob '%s' on '%s': fnmatch says %d", pat, s, want);
                }
            }
        }
    }
}

/* Patterns that make a naive backtracking matcher exponential finish at once. */
Test(glob, no_exponential_backtracking, .timeout = 10)
{
    char pat[256], s[512];
    size_t n = 0;
    for (int i = 0; i < 60; i++) {
        pat[n++] = '*';
        pat[n++] = 'a';
    }
    pat[n++] = 'b';
    pat[n] = 0;
    memset(s, 'a', sizeof s - 1);
    s[sizeof s - 1] = 0;
    cr_assert_not(ul_glob_match(pat, s));
}

/* ---- parser ---- */

Test(parse, empty_input)
{
    cr_assert_eq(parse(""), 0);
    cr_assert_eq(set.n, 0);
    cr_assert_eq(parse_n(NULL, 0), 0);
    cr_assert_eq(set.n, 0);
}

Test(parse, both_types_in_file_order)
{
    cr_assert_eq(parse("deadlock:foo\nlock:bar_*\ndeadlock:*.so*\n"), 0);
    cr_assert_eq(set.n, 3);
    assert_rule(0, UL_SUPP_DEADLOCK, "foo", 1);
    assert_rule(1, UL_SUPP_LOCK, "bar_*", 2);
    assert_rule(2, UL_SUPP_DEADLOCK, "*.so*", 3);
    cr_assert(ul_supp_has_type(&set, UL_SUPP_DEADLOCK));
    cr_assert(ul_supp_has_type(&set, UL_SUPP_LOCK));
}

Test(parse, comments_blank_lines_and_spaces)
{
    const char *text = "# a comment\n"
                       "\n"
                       "   \t  \n"
                       "  # an indented comment: deadlock:nope\n"
                       "  deadlock:foo  \n"
                       "\tlock : bar\t\r\n"
                       "deadlock:  spaced\n"
                       "lock:no_newline_at_end";
    cr_assert_eq(parse(text), 0);
    cr_assert_eq(set.n, 4);
    assert_rule(0, UL_SUPP_DEADLOCK, "foo", 5);
    assert_rule(1, UL_SUPP_LOCK, "bar", 6);
    assert_rule(2, UL_SUPP_DEADLOCK, "spaced", 7);
    assert_rule(3, UL_SUPP_LOCK, "no_newline_at_end", 8);
    cr_assert_not(ul_supp_has_type(&(struct ul_supp_set){ 0 }, UL_SUPP_LOCK));
}

Test(parse, crlf_and_bom)
{
    cr_assert_eq(parse("\xef\xbb\xbf" "deadlock:a\r\nlock:b\r\n"), 0);
    cr_assert_eq(set.n, 2);
    assert_rule(0, UL_SUPP_DEADLOCK, "a", 1);
    assert_rule(1, UL_SUPP_LOCK, "b", 2);
}

Test(parse, a_pattern_may_hold_colons_and_hashes)
{
    cr_assert_eq(parse("deadlock:new_conn@conn.c:42\nlock:a#b"), 0);
    assert_rule(0, UL_SUPP_DEADLOCK, "new_conn@conn.c:42", 1);
    assert_rule(1, UL_SUPP_LOCK, "a#b", 2);
}

Test(parse, bad_lines_named_and_skipped)
{
    const char *text = "deadlock:good1\n"
                       "race:foo\n"             /* 2: unknown type */
                       "deadlock:\n"            /* 3: empty pattern */
                       "deadlock:   \n"         /* 4: empty after trimming */
                       "just_a_word\n"          /* 5: no ':' */
                       ":pattern\n"             /* 6: no type */
                       "Deadlock:x\n"           /* 7: types are lower case */
                       "lock:good2\n";
    cr_assert_eq(parse(text), 6);
    cr_assert_eq(set.n, 2, "the good lines still apply");
    assert_rule(0, UL_SUPP_DEADLOCK, "good1", 1);
    assert_rule(1, UL_SUPP_LOCK, "good2", 8);
    const char *want[] = {
        "ulockdep: suppressions supp.txt:2: unknown suppression type (deadlock or lock), in 'race:foo'",
        "ulockdep: suppressions supp.txt:3: empty pattern, in 'deadlock:'",
        "ulockdep: suppressions supp.txt:4: empty pattern, in 'deadlock:'",
        "ulockdep: suppressions supp.txt:5: expected TYPE:PATTERN (deadlock:PATTERN or lock:PATTERN), got 'just_a_word'",
        "ulockdep: suppressions supp.txt:6: unknown suppression type (deadlock or lock), in ':pattern'",
        "ulockdep: suppressions supp.txt:7: unknown suppression type (deadlock or lock), in 'Deadlock:x'",
    };
    for (int i = 0; i < 6; i++)
        cr_assert_str_eq(lines[i], want[i]);
}

Test(parse, line_length_limit)
{
    static char text[3 * UL_SUPP_LINE_MAX];
    /* Exactly the limit is fine. */
    memcpy(text, "deadlock:", 9);
    memset(text + 9, 'x', UL_SUPP_LINE_MAX - 9);
    strcpy(text + UL_SUPP_LINE_MAX, "\nlock:after\n");
    cr_assert_eq(parse(text), 0);
    cr_assert_eq(set.n, 2);
    cr_assert_eq(strlen(set.rules[0].pattern), UL_SUPP_LINE_MAX - 9);
    /* One more byte is not. */
    memset(text + 9, 'y', UL_SUPP_LINE_MAX - 8);
    strcpy(text + UL_SUPP_LINE_MAX + 1, "\nlock:after\n");
    cr_assert_eq(parse(text), 1);
    cr_assert_eq(set.n, 1);
    assert_rule(0, UL_SUPP_LOCK, "after", 2);
    cr_assert_str_eq(lines[0], "ulockdep: suppressions supp.txt:1: line too long (1025 bytes, at most 1024)");
}

Test(parse, nul_bytes_and_control_characters)
{
    const char text[] = "deadlock:a\0b\nlock:ok\ndeadlock\x1b[31m\n";
    cr_assert_eq(parse_n(text, sizeof text - 1), 2);
    cr_assert_eq(set.n, 1);
    assert_rule(0, UL_SUPP_LOCK, "ok", 2);
    cr_assert_str_eq(lines[0], "ulockdep: suppressions supp.txt:1: line contains a NUL byte");
    /* The escape sequence is not echoed to the terminal. */
    cr_assert_str_eq(lines[1], "ulockdep: suppressions supp.txt:3: expected TYPE:PATTERN (deadlock:PATTERN or "
                               "lock:PATTERN), got 'deadlock?[31m'");
}

Test(parse, long_bad_line_is_shortened_in_the_message)
{
    char text[600];
    memset(text, 'z', sizeof text - 1);
    text[sizeof text - 1] = 0;
    cr_assert_eq(parse(text), 1);
    cr_assert_lt(strlen(lines[0]), 200);
    cr_assert_not_null(strstr(lines[0], "zzz...'"));
}

Test(parse, not_nul_terminated)
{
    char *text = malloc(12);
    memcpy(text, "deadlock:abc", 12); /* no NUL: the parser must stay inside len */
    cr_assert_eq(parse_n(text, 12), 0);
    assert_rule(0, UL_SUPP_DEADLOCK, "abc", 1);
    free(text);
}

Test(parse, null_complaint_sink)
{
    struct ul_supp_set s = { 0 };
    cr_assert_eq(ul_supp_parse(&s, "bogus\ndeadlock:x", 16, "f", NULL, NULL), 1);
    cr_assert_eq(s.n, 1);
    ul_supp_free(&s);
    cr_assert_eq(s.n, 0);
    ul_supp_free(&s); /* twice is fine */
}

Test(parse, many_rules)
{
    size_t cap = 20000 * 16;
    char *text = malloc(cap);
    size_t off = 0;
    for (int i = 0; i < 20000; i++)
        off += (size_t)snprintf(text + off, cap - off, "lock:l%d\n", i);
    cr_assert_eq(parse_n(text, off), 0);
    cr_assert_eq(set.n, 20000);
    assert_rule(19999, UL_SUPP_LOCK, "l19999", 20000);
    cr_assert_eq(ul_supp_match(&set, UL_SUPP_LOCK, "l12345"), 12345);
    free(text);
}

/* ---- matching ---- */

Test(match, first_rule_of_the_type_in_file_order)
{
    cr_assert_eq(parse("lock:abba_*\ndeadlock:zzz\ndeadlock:abba_*\ndeadlock:abba_one\n"), 0);
    cr_assert_eq(ul_supp_match(&set, UL_SUPP_DEADLOCK, "abba_one"), 2);
    cr_assert_eq(ul_supp_match(&set, UL_SUPP_LOCK, "abba_one"), 0);
    cr_assert_eq(ul_supp_match(&set, UL_SUPP_DEADLOCK, "zzz"), 1);
    cr_assert_eq(ul_supp_match(&set, UL_SUPP_DEADLOCK, "zzzz"), -1);
    cr_assert_eq(ul_supp_match(&set, UL_SUPP_DEADLOCK, NULL), -1);
    cr_assert_eq(ul_supp_match(&set, UL_SUPP_LOCK, "zzz"), -1);
}

Test(match, whole_string_not_substring)
{
    cr_assert_eq(parse("deadlock:worker\n"), 0);
    cr_assert_eq(ul_supp_match(&set, UL_SUPP_DEADLOCK, "worker"), 0);
    cr_assert_eq(ul_supp_match(&set, UL_SUPP_DEADLOCK, "worker_main"), -1);
    cr_assert_eq(ul_supp_match(&set, UL_SUPP_DEADLOCK, "my_worker"), -1);
}

Test(match, type_names)
{
    cr_assert_str_eq(ul_supp_type_name(UL_SUPP_DEADLOCK), "deadlock");
    cr_assert_str_eq(ul_supp_type_name(UL_SUPP_LOCK), "lock");
    cr_assert_str_eq(ul_supp_type_name(UL_SUPP_TYPE_COUNT), "?");
}

Test(used, lists_only_rules_that_were_used)
{
    cr_assert_eq(parse("deadlock:a*\nlock:b\ndeadlock:c\n"), 0);
    char buf[256] = "stale";
    cr_assert_eq(ul_supp_format_used(&set, buf, sizeof buf), 0, "nothing used, nothing printed");
    cr_assert_str_eq(buf, "", "but the buffer is a string (found by fuzz_suppressions)");
    set.rules[0].hits = 3;
    set.rules[2].hits = 1;
    size_t n = ul_supp_format_used(&set, buf, sizeof buf);
    cr_assert_str_eq(buf, "  3 deadlock:a*\n  1 deadlock:c\n");
    cr_assert_eq(n, strlen(buf));
    cr_assert_eq(ul_supp_format_used(&set, NULL, 0), n, "measures without a buffer");
    char small[8];
    cr_assert_eq(ul_supp_format_used(&set, small, sizeof small), n);
    cr_assert_str_eq(small, "  3 dea");
}

/* A pattern the glob would read otherwise than its writer meant is refused on load, named by
 * file and line; well-formed brackets, classes and escapes are kept. */
Test(parse, malformed_globs_named_and_skipped)
{
    const char *text = "deadlock:[unclosed\n"       /* 1: '[' never closed */
                       "deadlock:x[ab]y\n"
                       "deadlock:trailing\\\n"      /* 3: a lone backslash at the end */
                       "lock:operator\\[\\]\n"
                       "deadlock:[[:digit:]]*\n"
                       "deadlock:a[!]]b[\n";        /* 6: the second '[' is never closed */
    cr_assert_eq(parse(text), 3);
    cr_assert_eq(set.n, 3);
    assert_rule(0, UL_SUPP_DEADLOCK, "x[ab]y", 2);
    assert_rule(1, UL_SUPP_LOCK, "operator\\[\\]", 4);
    assert_rule(2, UL_SUPP_DEADLOCK, "[[:digit:]]*", 5);
    cr_assert_str_eq(lines[0], "ulockdep: suppressions supp.txt:1: unclosed '[' in the pattern (write '\\[' or '?' "
                               "for a literal '['), in 'deadlock:[unclosed'");
    cr_assert_str_eq(lines[1], "ulockdep: suppressions supp.txt:3: pattern ends with a lone '\\' (write '\\\\' for a "
                               "backslash), in 'deadlock:trailing\\'");
    cr_assert(strstr(lines[2], "supp.txt:6: unclosed '['"), "%s", lines[2]);
}
