/* Unit tests for reports/symbolize.c. Build with -g, unstripped, WITHOUT -rdynamic and
 * without linking libdw: the objects and functions below are not in .dynsym, so they can
 * only be named through .symtab.
 * Optional: -DSYMBOLIZE_FIXTURE_SO="/path/libsymbolize_fixture.so" enables the dlopen test. */
#include "symbolize.h"

#include <criterion/criterion.h>
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- fixtures: objects and functions with known names ------------------------------- */

static pthread_mutex_t static_lock = PTHREAD_MUTEX_INITIALIZER;

struct my_struct_t {
    long first;
    pthread_mutex_t member;
};
struct my_struct_t my_struct;
_Static_assert(offsetof(struct my_struct_t, member) == 8, "tests expect my_struct+0x8");

/* Big enough that most of it lies past the file-backed part of the data mapping. */
static char big_bss[1 << 20];

static int call_line;

__attribute__((noinline, noclone)) void *capture_ra(void)
{
    return __builtin_return_address(0);
}

/* The call and __LINE__ share a line: that line is what the symbolizer must report. */
__attribute__((noinline, noclone)) uintptr_t call_site(void)
{
    uintptr_t ra = (uintptr_t)capture_ra(); call_line = __LINE__;
    return ra;
}

static uintptr_t libc_ra;

static int capture_cmp(const void *a, const void *b)
{
    libc_ra = (uintptr_t)__builtin_return_address(0);
    return *(const int *)a - *(const int *)b;
}

typedef void *bsearch_fn(const void *, const void *, size_t, size_t,
                         int (*)(const void *, const void *));

/* libc's own bsearch (not the <stdlib.h> inline copy, nor a sanitizer's interceptor), so
 * the comparator's return address lies inside libc.so.6. */
static uintptr_t libc_bsearch(void)
{
    void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    cr_assert_not_null(libc);
    uintptr_t fn = (uintptr_t)dlsym(libc, "bsearch");
    dlclose(libc);
    return fn;
}

static uintptr_t libc_return_address(void)
{
    static const int key = 1, item = 1;
    bsearch_fn *fn = (bsearch_fn *)libc_bsearch();
    cr_assert_not_null(fn);
    fn(&key, &item, 1, sizeof item, capture_cmp);
    return libc_ra;
}

/* ---- helpers ------------------------------------------------------------------------ */

static const char *exe_basename(void)
{
    static char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    cr_assert_gt(n, 0);
    path[n] = '\0';
    return strrchr(path, '/') + 1;
}

static int first_bias(struct dl_phdr_info *info, size_t size, void *arg)
{
    *(uintptr_t *)arg = info->dlpi_addr;
    return 1;
}

static uintptr_t main_bias(void)
{
    uintptr_t bias = 0;
    dl_iterate_phdr(first_bias, &bias);
    return bias;
}

static uintptr_t object_bias(uintptr_t addr)
{
    Dl_info info;
    struct link_map *lm = NULL;
    cr_assert(dladdr1((void *)addr, &info, (void **)&lm, RTLD_DL_LINKMAP));
    return lm->l_addr;
}

static bool ends_with(const char *s, const char *suffix)
{
    if (!s || !suffix)
        return false;
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

static bool notes_build_id(const char *p, size_t size, size_t align, char *hex)
{
    while (size >= sizeof(ElfW(Nhdr))) {
        const ElfW(Nhdr) *n = (const void *)p;
        size_t name = (n->n_namesz + align - 1) & ~(align - 1);
        size_t desc = (n->n_descsz + align - 1) & ~(align - 1);
        if (sizeof *n + name + desc > size)
            return false;
        if (n->n_type == NT_GNU_BUILD_ID && !strcmp(p + sizeof *n, "GNU")) {
            const unsigned char *d = (const unsigned char *)p + sizeof *n + name;
            for (size_t i = 0; i < n->n_descsz; i++)
                sprintf(hex + 2 * i, "%02x", d[i]);
            return true;
        }
        p += sizeof *n + name + desc;
        size -= sizeof *n + name + desc;
    }
    return false;
}

/* What `readelf -n FILE` shows as "Build ID", read from the file on disk. */
static bool file_build_id(const char *path, char *hex)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    cr_assert_geq(fd, 0, "open %s", path);
    ElfW(Ehdr) eh;
    cr_assert_eq(pread(fd, &eh, sizeof eh, 0), (ssize_t)sizeof eh);
    cr_assert(!memcmp(eh.e_ident, ELFMAG, SELFMAG));
    bool found = false;
    for (int i = 0; i < eh.e_phnum && !found; i++) {
        ElfW(Phdr) ph;
        cr_assert_eq(pread(fd, &ph, sizeof ph, eh.e_phoff + (off_t)i * eh.e_phentsize),
                     (ssize_t)sizeof ph);
        if (ph.p_type != PT_NOTE)
            continue;
        char *buf = malloc(ph.p_filesz);
        cr_assert_eq(pread(fd, buf, ph.p_filesz, ph.p_offset), (ssize_t)ph.p_filesz);
        found = notes_build_id(buf, ph.p_filesz, ph.p_align == 8 ? 8 : 4, hex);
        free(buf);
    }
    close(fd);
    return found;
}

static bool is_lower_hex(const char *s)
{
    return *s && strspn(s, "0123456789abcdef") == strlen(s);
}

static void assert_data(uintptr_t addr, const char *expect)
{
    char buf[128] = "";
    cr_assert(ul_symbolize_data(addr, buf, sizeof buf), "no name for %s", expect);
    cr_assert_str_eq(buf, expect);
}

static void assert_no_data(uintptr_t addr)
{
    char buf[16] = "untouched";
    cr_assert_not(ul_symbolize_data(addr, buf, sizeof buf), "%#lx named %s",
                  (unsigned long)addr, buf);
    cr_assert_str_eq(buf, "untouched");
}

/* ---- data addresses ----------------------------------------------------------------- */

Test(symbolize_data, static_object_by_exact_name)
{
    assert_data((uintptr_t)&static_lock, "static_lock");
    assert_data((uintptr_t)&static_lock + 4, "static_lock+0x4");
}

Test(symbolize_data, struct_member_as_offset)
{
    assert_data((uintptr_t)&my_struct, "my_struct");
    assert_data((uintptr_t)&my_struct.member, "my_struct+0x8");
}

Test(symbolize_data, bss_past_the_file_mapping)
{
    assert_data((uintptr_t)&big_bss[0x10000], "big_bss+0x10000");
    assert_data((uintptr_t)&big_bss[sizeof big_bss - 1], "big_bss+0xfffff");
}

Test(symbolize_data, shared_library_object)
{
    uintptr_t f = (uintptr_t)dlsym(RTLD_DEFAULT, "_IO_2_1_stdin_");
    cr_assert(f);
    assert_data(f + 8, "_IO_2_1_stdin_+0x8");
}

Test(symbolize_data, unnamed_addresses)
{
    int on_stack = 0;
    void *heap = malloc(64);
    assert_no_data((uintptr_t)&on_stack);
    assert_no_data((uintptr_t)heap);
    assert_no_data((uintptr_t)&call_site);      /* a function is never a data name */
    assert_no_data((uintptr_t)&call_site + 4);
    assert_no_data(0);
    assert_no_data(UINTPTR_MAX);
    free(heap);
}

Test(symbolize_data, truncates_to_buffer)
{
    char buf[5];
    cr_assert(ul_symbolize_data((uintptr_t)&static_lock, buf, sizeof buf));
    cr_assert_str_eq(buf, "stat");
    cr_assert_not(ul_symbolize_data((uintptr_t)&static_lock, buf, 0));
    cr_assert_not(ul_symbolize_data((uintptr_t)&static_lock, NULL, 8));
}

/* ---- code addresses ----------------------------------------------------------------- */

static void assert_call_site(const struct ul_frame *f, uintptr_t ra, bool with_line)
{
    cr_assert_eq(f->pc, ra);
    cr_assert_str_eq(f->function, "call_site");
    cr_assert_eq(f->func_off, ra - (uintptr_t)&call_site);
    cr_assert_gt(f->func_size, f->func_off);
    cr_assert_str_eq(f->module, exe_basename());
    cr_assert(ends_with(f->module_path, exe_basename()));
    cr_assert_eq(f->module_off + main_bias(), ra);
    if (with_line) {
        cr_assert(ends_with(f->file, "test_symbolize.c"), "file %s", f->file);
        cr_assert_eq(f->line, call_line);
    }
}

Test(symbolize_code, return_address_reports_call_line)
{
    uintptr_t ra = call_site();
    struct ul_frame f;
    cr_assert(ul_symbolize_code(ra, true, &f));
    assert_call_site(&f, ra, true);
}

Test(symbolize_code, function_start)
{
    struct ul_frame f;
    call_site(); /* sets call_line */
    cr_assert(ul_symbolize_code((uintptr_t)&call_site, false, &f));
    cr_assert_str_eq(f.function, "call_site");
    cr_assert_eq(f.func_off, 0);
    cr_assert_gt(f.func_size, 0);
    cr_assert(ends_with(f.file, "test_symbolize.c"));
    cr_assert_gt(f.line, 0);
    cr_assert_lt(f.line, call_line);
}

Test(symbolize_code, build_id_matches_file)
{
    struct ul_frame f;
    char hex[256];
    cr_assert(ul_symbolize_code(call_site(), true, &f));
    cr_assert(file_build_id("/proc/self/exe", hex), "test binary has no build-id note");
    cr_assert_not_null(f.build_id);
    cr_assert(is_lower_hex(f.build_id));
    cr_assert_str_eq(f.build_id, hex);
}

Test(symbolize_code, libc_function)
{
    uintptr_t ra = libc_return_address();
    struct ul_frame f;
    char hex[256];
    cr_assert(ul_symbolize_code(ra, true, &f));
    cr_assert_str_eq(f.module, "libc.so.6");
    cr_assert_str_eq(f.function, "bsearch");
    cr_assert_eq(f.func_off, ra - libc_bsearch());
    cr_assert_gt(f.func_size, f.func_off);
    cr_assert_eq(f.module_off + object_bias(ra), ra);
    cr_assert(file_build_id(f.module_path, hex));
    cr_assert_str_eq(f.build_id, hex);
}

Test(symbolize_code, results_are_cached_and_interned)
{
    uintptr_t ra = call_site();
    struct ul_frame a, b;
    cr_assert(ul_symbolize_code(ra, true, &a));
    cr_assert(ul_symbolize_code(ra, true, &b));
    cr_assert_eq(a.function, b.function);
    cr_assert_eq(a.file, b.file);
    cr_assert_eq(a.module, b.module);
}

/* More distinct pcs than the cache holds: evictions must not disturb earlier strings. */
Test(symbolize_code, cache_eviction)
{
    struct ul_frame first, f;
    uintptr_t ra = call_site();
    cr_assert(ul_symbolize_code(ra, true, &first));
    uintptr_t start = libc_bsearch();
    for (uintptr_t pc = start; pc < start + 4096; pc++)
        ul_symbolize_code(pc, pc & 1, &f);
    cr_assert_str_eq(first.function, "call_site");
    cr_assert(ul_symbolize_code(ra, true, &f));
    assert_call_site(&f, ra, true);
}

static void assert_bogus_code(uintptr_t pc)
{
    struct ul_frame f;
    for (int ret = 0; ret < 2; ret++) {
        memset(&f, 0xa5, sizeof f);
        cr_assert_not(ul_symbolize_code(pc, ret, &f), "%#lx resolved as %s in %s",
                      (unsigned long)pc, f.function, f.module_path);
        cr_assert_eq(f.pc, pc);
        cr_assert_null(f.function);
        cr_assert_null(f.module);
        cr_assert_null(f.file);
        cr_assert_eq(f.line, 0);
    }
}

Test(symbolize_code, bogus_addresses)
{
    long page = sysconf(_SC_PAGESIZE);
    void *none = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *gone = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert(none != MAP_FAILED && gone != MAP_FAILED);
    munmap(gone, page);
    int on_stack;
    uintptr_t bogus[] = { 0, 1, 4096, (uintptr_t)none, (uintptr_t)gone, (uintptr_t)&on_stack,
                          0xffffffffff600000ul, 0xffff888000000000ul, UINTPTR_MAX };
    for (size_t i = 0; i < sizeof bogus / sizeof *bogus; i++)
        assert_bogus_code(bogus[i]);
    cr_assert_not(ul_symbolize_code((uintptr_t)&call_site, false, NULL));
    munmap(none, page);
}

Test(symbolize_code, vdso_does_not_crash)
{
    uintptr_t vdso = getauxval(AT_SYSINFO_EHDR);
    if (!vdso)
        cr_skip_test("no vDSO");
    struct ul_frame f;
    for (uintptr_t off = 0; off < 0x2000; off += 0x40)
        ul_symbolize_code(vdso + off, true, &f);
    cr_assert(ul_symbolize_code(vdso + 0x100, false, &f));
    cr_assert_not_null(f.module);
}

/* The shim runs inside other programs: libdw must not join their global symbol scope.
 * (Holds only if this test binary itself is not linked against libdw.) */
Test(symbolize_code, libdw_stays_private)
{
    struct ul_frame f;
    cr_assert(ul_symbolize_code(call_site(), true, &f));
    cr_assert_not_null(f.file, "libdw did not load");
    cr_assert_null(dlsym(RTLD_DEFAULT, "dwfl_begin"));
    cr_assert_null(dlsym(RTLD_DEFAULT, "elf_begin"));
}

/* ---- fallback, reset, fork, dlopen -------------------------------------------------- */

Test(symbolize_fallback, dladdr_without_libdw)
{
    ul_symbolizer_use_libdw(false);
    uintptr_t ra = libc_return_address();
    struct ul_frame f;
    cr_assert(ul_symbolize_code(ra, true, &f));
    cr_assert_str_eq(f.function, "bsearch");
    cr_assert_eq(f.func_off, ra - libc_bsearch());
    cr_assert_str_eq(f.module, "libc.so.6");
    cr_assert_eq(f.module_off + object_bias(ra), ra);
    cr_assert_null(f.file);
    cr_assert_eq(f.line, 0);
    cr_assert(f.build_id && is_lower_hex(f.build_id));

    /* Our own functions are not in .dynsym (no -rdynamic): module and offset only. */
    uintptr_t own = call_site();
    cr_assert(ul_symbolize_code(own, true, &f));
    cr_assert_null(f.function);
    cr_assert_str_eq(f.module, exe_basename());
    cr_assert_eq(f.module_off + main_bias(), own);

    uintptr_t in = (uintptr_t)dlsym(RTLD_DEFAULT, "_IO_2_1_stdin_");
    assert_data(in + 8, "_IO_2_1_stdin_+0x8");
    assert_no_data((uintptr_t)&call_site);

    ul_symbolizer_use_libdw(true);
    cr_assert(ul_symbolize_code(own, true, &f));
    assert_call_site(&f, own, true);
}

Test(symbolize_reset, lookup_after_reset)
{
    uintptr_t ra = call_site();
    struct ul_frame f;
    cr_assert(ul_symbolize_code(ra, true, &f));
    ul_symbolizer_reset();
    ul_symbolizer_reset();
    cr_assert(ul_symbolize_code(ra, true, &f));
    assert_call_site(&f, ra, true);
    assert_data((uintptr_t)&my_struct.member, "my_struct+0x8");
}

/* Runs in the child: returns 0 when everything resolves as in the parent. */
static int child_checks(uintptr_t ra)
{
    struct ul_frame f;
    char buf[64];
    int bad = 0;
    bad |= !ul_symbolize_code(ra, true, &f) || strcmp(f.function, "call_site") ||
           f.line != call_line;
    bad |= !ul_symbolize_data((uintptr_t)&static_lock, buf, sizeof buf) ||
           strcmp(buf, "static_lock");
    ul_symbolizer_reset();
    bad |= !ul_symbolize_code(ra, true, &f) || strcmp(f.function, "call_site") ||
           f.line != call_line;
    return bad;
}

Test(symbolize_reset, forked_child)
{
    uintptr_t ra = call_site();
    struct ul_frame f;
    cr_assert(ul_symbolize_code(ra, true, &f));
    char buf[64];
    cr_assert(ul_symbolize_data((uintptr_t)&my_struct, buf, sizeof buf));
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0)
        _exit(child_checks(ra));
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
}

Test(symbolize_dlopen, library_loaded_after_first_lookup)
{
#ifndef SYMBOLIZE_FIXTURE_SO
    cr_skip_test("SYMBOLIZE_FIXTURE_SO not defined");
#else
    struct ul_frame f;
    cr_assert(ul_symbolize_code(call_site(), true, &f)); /* module list read now */
    void *h = dlopen(SYMBOLIZE_FIXTURE_SO, RTLD_NOW | RTLD_LOCAL);
    cr_assert_not_null(h, "%s", dlerror());
    uintptr_t fn = (uintptr_t)dlsym(h, "symbolize_fixture_fn");
    uintptr_t (*table)(void) = (uintptr_t(*)(void))dlsym(h, "symbolize_fixture_table");
    cr_assert(fn && table);
    cr_assert(ul_symbolize_code(fn + 1, false, &f));
    cr_assert_str_eq(f.function, "symbolize_fixture_fn");
    cr_assert_eq(f.func_off, 1);
    cr_assert(ends_with(f.file, "symbolize_fixture.c"), "file %s", f.file);
    cr_assert_gt(f.line, 0);
    cr_assert(ends_with(SYMBOLIZE_FIXTURE_SO, f.module), "module %s", f.module);
    cr_assert_eq(f.module_off + object_bias(fn), fn + 1);
    assert_data(table() + 8, "fixture_table+0x8");
    dlclose(h);
#endif
}
