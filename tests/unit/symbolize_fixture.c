/* Shared object that test_symbolize.c dlopen()s after the symbolizer has read the module
 * list, to exercise the re-report path. Built with -g, not stripped. */
#include <stdint.h>

static long fixture_table[4];

__attribute__((noinline, noclone)) int symbolize_fixture_fn(int x)
{
    fixture_table[x & 3]++;
    return x + 1;
}

uintptr_t symbolize_fixture_table(void)
{
    return (uintptr_t)fixture_table;
}
