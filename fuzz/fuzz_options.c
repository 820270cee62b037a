/* libFuzzer target: the ULOCKDEP_OPTIONS parser (common/options.c) on arbitrary bytes.
 * Besides the sanitizers, it checks the parser's promises: every complaint is one printable
 * "ulockdep: ULOCKDEP_OPTIONS: " line, at most 20 are shown plus one "more" line, and
 * whatever the input, every option ends up with a valid value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

#define PREFIX "ulockdep: ULOCKDEP_OPTIONS: "

static int shown;

static void complain(const char *line)
{
    size_t n = strlen(line);
    if (strncmp(line, PREFIX, strlen(PREFIX)) || n > ULOCKDEP_OPT_STRMAX + 256)
        abort();
    for (size_t i = 0; i < n; i++)
        if (line[i] < ' ' || line[i] >= 127)
            abort(); /* one printable line: nothing from the input can reach a terminal raw */
    shown++;
}

static void check_result(void)
{
#define ULOCKDEP_OPT_CHECK_BOOL(n)
#define ULOCKDEP_OPT_CHECK_INT(n)                                                          \
    if (ul_opt.n < 0)                                                                      \
        abort();
#define ULOCKDEP_OPT_CHECK_STRING(n)                                                       \
    if (!memchr(ul_opt.n, 0, sizeof ul_opt.n))                                             \
        abort();
#define ULOCKDEP_OPTION(type, name, def, doc) ULOCKDEP_OPT_CHECK_##type(name)
#include "options.def"
#undef ULOCKDEP_OPTION
    if (ul_opt.exitcode > 255 || ul_opt.class_depth < 1 || ul_opt.class_depth > 16 || ul_opt.stack_depth < 1 ||
        ul_opt.stack_depth > 64)
        abort();
    if (!ul_dopt.text && !ul_dopt.json)
        abort();
    if (strcmp(ul_opt.class_by, "stack") && strcmp(ul_opt.class_by, "instance"))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *spec = malloc(size + 1);
    if (!spec)
        return 0;
    memcpy(spec, data, size);
    spec[size] = 0; /* an environment variable ends at the first NUL */
    shown = 0;
    int n = ul_options_parse(spec, complain);
    if (n < 0 || (n <= 20 && shown != n) || (n > 20 && shown != 21))
        abort();
    check_result();
    /* The same input gives the same result without a complaint sink. */
    struct ul_options first = ul_opt;
    if (ul_options_parse(spec, NULL) != n)
        abort();
#define ULOCKDEP_OPT_SAME_BOOL(f) if (first.f != ul_opt.f) abort();
#define ULOCKDEP_OPT_SAME_INT(f) if (first.f != ul_opt.f) abort();
#define ULOCKDEP_OPT_SAME_STRING(f) if (strcmp(first.f, ul_opt.f)) abort();
#define ULOCKDEP_OPTION(type, name, def, doc) ULOCKDEP_OPT_SAME_##type(name)
#include "options.def"
#undef ULOCKDEP_OPTION
    free(spec);
    /* The help text into a buffer of an input-chosen size. */
    char help[256];
    size_t len = size % sizeof help;
    size_t need = ul_options_help(len ? help : NULL, len);
    if (len && strlen(help) != (need < len ? need : len - 1))
        abort();
    return 0;
}
