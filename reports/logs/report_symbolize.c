/* `ulockdep report`: symbolising later what the shim wrote as module + offset.
 *
 * A frame the shim could not symbolise (symbolize=0, no debug info on the machine that ran
 * the test, a stripped binary) still carries its module's name, build-id and offset. Here we
 * look for a file with that build-id on this machine -- the program itself (the report's
 * "exe", or those of the runs a cross-run report names), the --module-dir directories, the
 * programs' directories, LD_LIBRARY_PATH and the
 * system library directories, then /usr/lib/debug/.build-id/xx/yyyy.debug, preferring a file
 * with DWARF, then one with a symbol table, over a stripped one -- and read
 * function, file and line from it with elfutils' libdwfl (offline: nothing is loaded). A file
 * whose build-id differs is never used: a rebuilt binary would give wrong answers.
 *
 * Lock names the shim could only give as an address ("0x55d0c0a4b100": a global whose symbol
 * it could not read) or as a class site "module+0x1234" are named the same way, the global
 * by its data symbol: the address minus the module's load bias (known from any frame of the
 * same report: pc - offset) is the symbol's link-time address.
 *
 * The report's "text" is patched to match: frame lines ending in " [module+0xoff]" get the
 * new function and file:line, renamed locks are renamed where the text names them. */
#include "logs.h"
#include "demangle.h"
#include "inline_frames.h"
#include "runtime_frames.h"

#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- modules ------------------------------------------------------------------------ */

struct module {
    char *name;       /* basename, as in the JSON */
    char *build_id;   /* hex, "" if the report had none */
    char *path;       /* the file used, NULL if none was found */
    Dwfl *dwfl;
    Dwfl_Module *mod;
    GElf_Addr bias;   /* dwfl address = bias + link-time address */
    bool noted;       /* "cannot find" said once */
    struct module *next;
};

static struct module *modules;

static const Dwfl_Callbacks offline_callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
};

/* The hex build-id of an ELF file, or false. */
static bool file_build_id(const char *path, char *hex, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = false;
    Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    if (elf && elf_kind(elf) == ELF_K_ELF) {
        const void *bits;
        ssize_t n = dwelf_elf_gnu_build_id(elf, &bits);
        if (n > 0 && (size_t)n * 2 < len) {
            for (ssize_t i = 0; i < n; i++)
                snprintf(hex + 2 * i, 3, "%02x", ((const unsigned char *)bits)[i]);
            ok = true;
        }
    }
    if (elf)
        elf_end(elf);
    close(fd);
    return ok;
}

/* What a candidate file can tell: 2 DWARF (function, file:line), 1 a full symbol table
 * (functions), 0 neither (a stripped binary: only its dynamic symbols). */
enum { HAS_NOTHING = 0, HAS_SYMTAB = 1, HAS_DWARF = 2 };

static int symbol_quality(Dwfl_Module *mod)
{
    GElf_Addr bias;
    if (dwfl_module_getdwarf(mod, &bias))
        return HAS_DWARF; /* its own, or a separate debug file libdwfl found for it */
    Elf *elf = dwfl_module_getelf(mod, &bias);
    for (Elf_Scn *scn = elf ? elf_nextscn(elf, NULL) : NULL; scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
            return HAS_SYMTAB;
    }
    return HAS_NOTHING;
}

static bool open_dwfl(struct module *m, const char *path, int min_quality)
{
    Dwfl *d = dwfl_begin(&offline_callbacks);
    if (!d)
        return false;
    dwfl_report_begin(d);
    Dwfl_Module *mod = dwfl_report_elf(d, m->name, path, -1, 0, false);
    if (dwfl_report_end(d, NULL, NULL) != 0 || !mod) {
        dwfl_end(d);
        return false;
    }
    GElf_Addr bias = 0;
    if (!dwfl_module_getelf(mod, &bias) || symbol_quality(mod) < min_quality) {
        dwfl_end(d);
        return false;
    }
    m->dwfl = d;
    m->mod = mod;
    m->bias = bias;
    m->path = rp_xstrdup(path);
    return true;
}

/* Tries one candidate file: it must have at least min_quality (symbol_quality) on this pass
 * of locate(). Without a build-id to compare, only a file we were told about (the report's own
 * executable) is trusted. */
static int min_quality;

static bool try_candidate(struct module *m, const char *path, bool trusted)
{
    if (access(path, R_OK) != 0)
        return false;
    if (m->build_id[0]) {
        char hex[256];
        if (!file_build_id(path, hex, sizeof hex) || strcmp(hex, m->build_id))
            return false;
    } else if (!trusted) {
        return false;
    }
    return open_dwfl(m, path, min_quality);
}

static bool try_in_dir(struct module *m, const char *dir, size_t dirlen)
{
    if (!dirlen)
        return false;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%.*s/%s", (int)dirlen, dir, m->name);
    return try_candidate(m, path, false);
}

static bool try_path_list(struct module *m, const char *list)
{
    for (const char *p = list; p && *p;) {
        size_t n = strcspn(p, ":");
        if (try_in_dir(m, p, n))
            return true;
        p += n + (p[n] == ':');
    }
    return false;
}

#if defined(__x86_64__)
#define MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define MULTIARCH "aarch64-linux-gnu"
#elif defined(__i386__)
#define MULTIARCH "i386-linux-gnu"
#else
#define MULTIARCH "unknown"
#endif

/* The programs a report names: its "exe", and the "exe" of every run it lists. */
struct exes {
    const char *v[16];
    size_t n;
};

static bool locate_pass(struct module *m, const struct exes *exes, const char *hint, const struct rp_options *opt)
{
    if (hint && try_candidate(m, hint, true))
        return true;
    for (size_t i = 0; i < exes->n; i++)
        if (!strcmp(rp_basename(exes->v[i]), m->name) && try_candidate(m, exes->v[i], true))
            return true;
    for (size_t i = 0; i < opt->nmodule_dirs; i++)
        if (try_in_dir(m, opt->module_dirs[i], strlen(opt->module_dirs[i])))
            return true;
    for (size_t i = 0; i < exes->n; i++) {
        const char *exe = exes->v[i];
        if (strchr(exe, '/') && try_in_dir(m, exe, (size_t)(strrchr(exe, '/') - exe)))
            return true;
    }
    if (try_path_list(m, getenv("LD_LIBRARY_PATH")))
        return true;
    if (try_path_list(m, "/lib/" MULTIARCH ":/usr/lib/" MULTIARCH ":/lib64:/usr/lib64:/lib:/usr/lib:"
                         "/usr/local/lib"))
        return true;
    if (strlen(m->build_id) > 2) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "/usr/lib/debug/.build-id/%.2s/%s.debug", m->build_id, m->build_id + 2);
        return try_candidate(m, path, false);
    }
    return false;
}

/* The first candidate with DWARF; else the first with a symbol table; else the first with the
 * build-id at all. So a stripped binary still at the log's exe path does not hide the
 * unstripped copy in --module-dir or the -dbgsym file under /usr/lib/debug/.build-id. */
static void locate(struct module *m, const struct exes *exes, const char *hint, const struct rp_options *opt)
{
    for (min_quality = HAS_DWARF; min_quality >= HAS_NOTHING; min_quality--)
        if (locate_pass(m, exes, hint, opt))
            break;
}

/* The module for (name, build_id), located on first use; NULL if no matching file. */
static struct module *module_get(const char *name, const char *build_id, const struct exes *exes, const char *hint,
                                 const struct rp_options *opt)
{
    if (!name || !*name)
        return NULL;
    const char *bid = build_id ? build_id : "";
    struct module *m;
    for (m = modules; m; m = m->next)
        if (!strcmp(m->name, name) && !strcmp(m->build_id, bid))
            return m->mod ? m : NULL;
    m = rp_xmalloc(sizeof *m);
    memset(m, 0, sizeof *m);
    m->name = rp_xstrdup(name);
    m->build_id = rp_xstrdup(bid);
    m->next = modules;
    modules = m;
    locate(m, exes, hint, opt);
    return m->mod ? m : NULL;
}

/* Once per module that frames needed and we could not find. */
static void note_missing(const char *name, const char *build_id)
{
    for (struct module *m = modules; m; m = m->next) {
        if (!strcmp(m->name, name) && !strcmp(m->build_id, build_id ? build_id : "") && !m->noted) {
            m->noted = true;
            rp_warn("note: frames in %s (build-id %s) stay unsymbolised: no file with that build-id "
                    "found (--module-dir DIR adds a place to look)",
                    name, build_id && *build_id ? build_id : "unknown");
        }
    }
}

void rp_symbolizer_free(void)
{
    while (modules) {
        struct module *next = modules->next;
        if (modules->dwfl)
            dwfl_end(modules->dwfl);
        free(modules->name);
        free(modules->build_id);
        free(modules->path);
        free(modules);
        modules = next;
    }
}

/* ---- code addresses ------------------------------------------------------------------ */

struct code_info {
    const char *function; /* demangled in fnbuf, or pointing into libdw's tables */
    size_t function_len;  /* without a "@VERSION" suffix */
    uint64_t func_off, func_size;
    const char *file;
    int line;
    char fnbuf[1024];
};

/* Strings of the inlined frames of the report being symbolised (freed with it). */
static char **kept;
static size_t nkept, capkept;

static const char *keep_string(const char *str, size_t n, bool is_function)
{
    char readable[1024];
    if (is_function && ul_demangle(str, strcspn(str, "@") < n ? strcspn(str, "@") : n, readable, sizeof readable)) {
        str = readable;
        n = strlen(readable);
    }
    if (nkept == capkept) {
        capkept = capkept ? 2 * capkept : 32;
        kept = rp_xrealloc(kept, capkept * sizeof *kept);
    }
    char *k = rp_xmalloc(n + 1);
    memcpy(k, str, n);
    k[n] = 0;
    kept[nkept++] = k;
    return k;
}

static void kept_free(void)
{
    for (size_t i = 0; i < nkept; i++)
        free(kept[i]);
    nkept = 0;
}

static const struct ul_inline_dw inline_dw = {
#define X(name) .name = name,
    UL_INLINE_DW_FUNCS(X)
#undef X
    .keep = keep_string,
};

/* Offsets are of return addresses (as the shim records them): look up the call, offset-1. */
static bool code_lookup(struct module *m, uint64_t offset, struct code_info *ci)
{
    memset(ci, 0, sizeof *ci);
    GElf_Addr pc = m->bias + offset, at = offset ? pc - 1 : pc;
    GElf_Off off = 0;
    GElf_Sym sym;
    const char *name = dwfl_module_addrinfo(m->mod, at, &off, &sym, NULL, NULL, NULL);
    if (name && *name) {
        ci->function = name;
        ci->function_len = strcspn(name, "@");
        if (ul_demangle(name, ci->function_len, ci->fnbuf, sizeof ci->fnbuf)) {
            ci->function = ci->fnbuf;
            ci->function_len = strlen(ci->fnbuf);
        }
        ci->func_off = pc - (at - off);
        ci->func_size = sym.st_size;
    }
    Dwfl_Line *l = dwfl_module_getsrc(m->mod, at);
    if (l) {
        Dwarf_Addr a;
        int line = 0;
        const char *file = dwfl_lineinfo(l, &a, &line, NULL, NULL, NULL);
        if (file && line > 0) {
            ci->file = file;
            ci->line = line;
        }
    }
    return ci->function || ci->file;
}

/* ---- data addresses (the shim's rules: symbolize.c) --------------------------------- */

static bool data_sym_covers(const GElf_Sym *sym, GElf_Addr value, GElf_Addr addr)
{
    unsigned char type = GELF_ST_TYPE(sym->st_info);
    if (type != STT_OBJECT && type != STT_COMMON && type != STT_NOTYPE)
        return false;
    if (sym->st_size == 0)
        return addr == value && (type == STT_OBJECT || type == STT_COMMON);
    return addr >= value && addr - value < sym->st_size;
}

/* Is the link-time address inside one of the module's PT_LOAD segments? */
static bool module_covers(struct module *m, GElf_Addr vaddr)
{
    GElf_Addr bias;
    Elf *elf = dwfl_module_getelf(m->mod, &bias);
    size_t n;
    if (!elf || elf_getphdrnum(elf, &n) != 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        GElf_Phdr ph;
        if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr &&
            vaddr - ph.p_vaddr < ph.p_memsz)
            return true;
    }
    return false;
}

static bool data_lookup(struct module *m, GElf_Addr vaddr, char *buf, size_t len)
{
    GElf_Addr addr = m->bias + vaddr;
    int n = dwfl_module_getsymtab(m->mod);
    const char *best = NULL;
    GElf_Sym best_sym = { 0 };
    GElf_Addr best_value = 0;
    for (int i = 1; i < n; i++) {
        GElf_Sym sym;
        GElf_Addr value;
        GElf_Word shndx;
        const char *name = dwfl_module_getsym_info(m->mod, i, &sym, &value, &shndx, NULL, NULL);
        if (!name || !*name || shndx == SHN_UNDEF || sym.st_shndx == SHN_ABS || !data_sym_covers(&sym, value, addr))
            continue;
        bool better = !best || value > best_value ||
                      (value == best_value && GELF_ST_BIND(sym.st_info) != STB_LOCAL &&
                       GELF_ST_BIND(best_sym.st_info) == STB_LOCAL);
        if (better) {
            best = name;
            best_sym = sym;
            best_value = value;
        }
    }
    if (!best)
        return false;
    int nl = (int)strcspn(best, "@");
    char readable[512]; /* a C++ variable: "svc::registry_mu" */
    if (ul_demangle(best, (size_t)nl, readable, sizeof readable)) {
        best = readable;
        nl = (int)strlen(readable);
    }
    if (addr - best_value)
        snprintf(buf, len, "%.*s+0x%llx", nl, best, (unsigned long long)(addr - best_value));
    else
        snprintf(buf, len, "%.*s", nl, best);
    return true;
}

/* ---- one report ---------------------------------------------------------------------- */

struct patch {
    char *old, *new; /* frames: new may be several lines (inlined functions first) */
    char *at;        /* frames: the one line for an "at:" line (the user's frame); or NULL */
};

struct patches {
    struct patch *v;
    size_t n, cap;
};

static void patch_add_at(struct patches *ps, const char *old, const char *new, const char *at)
{
    for (size_t i = 0; i < ps->n; i++)
        if (!strcmp(ps->v[i].old, old))
            return;
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? 2 * ps->cap : 16;
        ps->v = rp_xrealloc(ps->v, ps->cap * sizeof *ps->v);
    }
    ps->v[ps->n++] = (struct patch){ rp_xstrdup(old), rp_xstrdup(new), at ? rp_xstrdup(at) : NULL };
}

static void patch_add(struct patches *ps, const char *old, const char *new)
{
    patch_add_at(ps, old, new, NULL);
}

static void patches_free(struct patches *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        free(ps->v[i].old);
        free(ps->v[i].new);
        free(ps->v[i].at);
    }
    free(ps->v);
}

/* Load bias of a module in the process that wrote the report: pc - offset of its frames. */
struct runtime_module {
    char *name, *build_id;
    uint64_t bias;
};

struct report_ctx {
    const struct rp_options *opt;
    struct exes exes;
    struct patches frames; /* " [mod+0xoff]" -> the whole new frame text */
    struct patches names;  /* old lock name -> new */
    struct runtime_module *rt;
    size_t nrt, caprt;
};

static uint64_t hex_value(const char *s, bool *ok)
{
    char *end;
    errno = 0;
    unsigned long long v = s ? strtoull(s, &end, 0) : 0;
    *ok = s && *s && !*end && !errno;
    return v;
}

static void note_runtime(struct report_ctx *c, json_object *frame)
{
    bool ok1, ok2;
    uint64_t pc = hex_value(rp_str(frame, "pc"), &ok1), off = hex_value(rp_str(frame, "offset"), &ok2);
    const char *name = rp_str(frame, "module");
    if (!ok1 || !ok2 || !name || pc < off)
        return;
    for (size_t i = 0; i < c->nrt; i++)
        if (!strcmp(c->rt[i].name, name))
            return;
    if (c->nrt == c->caprt) {
        c->caprt = c->caprt ? 2 * c->caprt : 8;
        c->rt = rp_xrealloc(c->rt, c->caprt * sizeof *c->rt);
    }
    const char *bid = rp_str(frame, "build_id");
    c->rt[c->nrt++] = (struct runtime_module){ rp_xstrdup(name), rp_xstrdup(bid ? bid : ""), pc - off };
}

/* The functions inlined at a frame's address (inline_frames.c, as the shim expands them). */
#define INLINE_MAX 16

struct logical {
    int n; /* inlined functions, innermost first */
    struct ul_inline_step steps[INLINE_MAX];
    const char *file; /* the physical function's line: the call into the outermost one */
    int line;
};

static void inline_lookup(struct module *m, uint64_t offset, const struct code_info *ci, struct logical *lg)
{
    lg->n = 0;
    lg->file = ci->file;
    lg->line = ci->line;
    if (ci->file)
        lg->n = ul_inline_walk(&inline_dw, m->mod, m->bias + offset - (offset ? 1 : 0), lg->steps, INLINE_MAX,
                               &lg->file, &lg->line);
}

/* The logical frame a report points at ("at:", a lock's site): the innermost one of user
 * code, else the innermost one (reports/runtime_frames.h). -1 is the physical function. */
static int user_step(const struct module *m, const struct code_info *ci, const struct logical *lg)
{
    for (int i = 0; i < lg->n; i++)
        if (!ul_runtime_frame(m->name, lg->steps[i].function, lg->steps[i].file))
            return i;
    if (!lg->n || !ul_runtime_frame(m->name, ci->function, lg->file))
        return -1;
    return 0;
}

static void inline_line(struct ul_strbuf *b, const struct ul_inline_step *st)
{
    ul_sb_puts(b, st->function ? st->function : "?");
    if (st->file && st->line > 0)
        ul_sb_printf(b, " %s:%d", rp_basename(st->file), st->line);
    ul_sb_puts(b, " [inline]");
}

static json_object *inline_frame_json(json_object *phys, const struct ul_inline_step *st)
{
    json_object *f = json_object_new_object();
    static const char *const copied[] = { "pc", "module", "offset", "build_id" };
    for (size_t i = 0; i < sizeof copied / sizeof *copied; i++) {
        json_object *v;
        if (json_object_object_get_ex(phys, copied[i], &v))
            json_object_object_add(f, copied[i], json_object_get(v));
    }
    json_object_object_add(f, "function", st->function ? json_object_new_string(st->function) : NULL);
    json_object_object_add(f, "file", st->file ? json_object_new_string(st->file) : NULL);
    json_object_object_add(f, "line", json_object_new_int(st->line));
    json_object_object_add(f, "inlined", json_object_new_boolean(true));
    return f;
}

static void set_code_fields(json_object *frame, const char *fn, size_t fn_len, const char *file, int line)
{
    if (fn)
        json_object_object_add(frame, "function", json_object_new_string_len(fn, (int)fn_len));
    if (file) {
        json_object_object_add(frame, "file", json_object_new_string(file));
        json_object_object_add(frame, "line", json_object_new_int(line));
    }
}

/* Symbolises one frame the shim left as module+offset. In a stack (`inserted` not NULL) the
 * functions inlined there become frames of their own, returned to be put before it; a lone
 * frame ("at") becomes the user's logical frame. Records the text patch for its lines. */
static void symbolize_frame(struct report_ctx *c, json_object *frame, json_object **inserted)
{
    note_runtime(c, frame);
    const char *fn = rp_str(frame, "function"), *file = rp_str(frame, "file");
    if (fn && *fn && file && *file)
        return;
    const char *mod = rp_str(frame, "module"), *bid = rp_str(frame, "build_id");
    bool ok;
    uint64_t offset = hex_value(rp_str(frame, "offset"), &ok);
    if (!mod || !ok)
        return;
    struct module *m = module_get(mod, bid, &c->exes, rp_str(frame, "module_path"), c->opt);
    if (!m) {
        note_missing(mod, bid);
        return;
    }
    struct code_info ci;
    if (!code_lookup(m, offset, &ci))
        return;
    struct logical lg;
    inline_lookup(m, offset, &ci, &lg);
    bool had_fn = fn && *fn, had_file = file && *file;
    int user = user_step(m, &ci, &lg);
    /* Keep what the shim knew; add what it did not. */
    if (!inserted && user >= 0) {
        const struct ul_inline_step *st = &lg.steps[user];
        set_code_fields(frame, st->function, st->function ? strlen(st->function) : 0, st->file, st->line);
        json_object_object_add(frame, "inlined", json_object_new_boolean(true));
    } else {
        set_code_fields(frame, had_fn ? NULL : ci.function, ci.function_len, had_file ? NULL : lg.file, lg.line);
        if (inserted && lg.n) {
            *inserted = json_object_new_array();
            for (int i = 0; i < lg.n; i++)
                json_object_array_add(*inserted, inline_frame_json(frame, &lg.steps[i]));
        }
    }
    /* The text lines of this frame, as reports/render_text.c writes them. */
    struct ul_strbuf b = { 0 }, at = { 0 };
    for (int i = 0; i < lg.n; i++) {
        inline_line(&b, &lg.steps[i]);
        ul_sb_puts(&b, "\n");
    }
    const char *phys_fn = had_fn ? fn : ci.function;
    size_t phys_len = had_fn ? strlen(fn) : ci.function_len;
    if (phys_fn && ci.function)
        ul_sb_printf(&b, "%.*s+0x%llx/0x%llx", (int)phys_len, phys_fn, (unsigned long long)ci.func_off,
                     (unsigned long long)ci.func_size);
    else if (phys_fn)
        ul_sb_printf(&b, "%.*s", (int)phys_len, phys_fn);
    else
        ul_sb_puts(&b, rp_str(frame, "pc") ? rp_str(frame, "pc") : "?");
    const char *pfile = had_file ? file : lg.file;
    long pline = had_file ? rp_int(frame, "line", 0) : lg.line;
    if (pfile && pline > 0)
        ul_sb_printf(&b, " %s:%ld", rp_basename(pfile), pline);
    char suffix[512];
    snprintf(suffix, sizeof suffix, " [%s+%s]", mod, rp_str(frame, "offset"));
    ul_sb_puts(&b, suffix);
    if (user >= 0)
        inline_line(&at, &lg.steps[user]);
    const char *nl = strrchr(b.s, '\n');
    patch_add_at(&c->frames, suffix, b.s, user >= 0 ? at.s : nl ? nl + 1 : NULL);
    free(b.s);
    free(at.s);
}

/* Every frame of the report, stacks expanded with their inlined functions. */
static void symbolize_tree(struct report_ctx *c, json_object *o)
{
    if (json_object_is_type(o, json_type_array)) {
        size_t n = json_object_array_length(o);
        json_object *rebuilt = NULL;
        for (size_t i = 0; i < n; i++) {
            json_object *e = json_object_array_get_idx(o, i), *ins = NULL;
            if (rp_is_frame(e))
                symbolize_frame(c, e, &ins);
            else
                symbolize_tree(c, e);
            if (ins && !rebuilt) {
                rebuilt = json_object_new_array();
                for (size_t k = 0; k < i; k++)
                    json_object_array_add(rebuilt, json_object_get(json_object_array_get_idx(o, k)));
            }
            for (size_t k = 0; ins && k < json_object_array_length(ins); k++)
                json_object_array_add(rebuilt, json_object_get(json_object_array_get_idx(ins, k)));
            if (rebuilt)
                json_object_array_add(rebuilt, json_object_get(e));
            json_object_put(ins);
        }
        if (rebuilt) {
            json_object_array_del_idx(o, 0, n);
            for (size_t k = 0; k < json_object_array_length(rebuilt); k++)
                json_object_array_add(o, json_object_get(json_object_array_get_idx(rebuilt, k)));
            json_object_put(rebuilt);
        }
    } else if (json_object_is_type(o, json_type_object)) {
        if (rp_is_frame(o)) {
            symbolize_frame(c, o, NULL);
            return;
        }
        json_object_object_foreach(o, key, val) {
            if (strcmp(key, "text"))
                symbolize_tree(c, val);
        }
    }
}

static struct runtime_module *runtime_named(struct report_ctx *c, const char *name, size_t len)
{
    for (size_t i = 0; i < c->nrt; i++)
        if (strlen(c->rt[i].name) == len && !strncmp(c->rt[i].name, name, len))
            return &c->rt[i];
    return NULL;
}

/* "0x55d0c0a4b100": a global the shim could not name. */
static bool rename_address(struct report_ctx *c, const char *name, char *out, size_t len)
{
    if (strncmp(name, "0x", 2) || !name[2] || strspn(name + 2, "0123456789abcdef") != strlen(name + 2))
        return false;
    bool ok;
    uint64_t addr = hex_value(name, &ok);
    for (size_t i = 0; ok && i < c->nrt; i++) {
        struct runtime_module *r = &c->rt[i];
        if (addr < r->bias)
            continue;
        struct module *m = module_get(r->name, r->build_id, &c->exes, NULL, c->opt);
        if (m && module_covers(m, addr - r->bias) && data_lookup(m, addr - r->bias, out, len))
            return true;
    }
    return false;
}

/* "module+0x1234" or "function@module+0x1234" (maybe "#2" after it): a class named by the
 * site that created it, as the shim writes it without line information. */
static bool rename_site(struct report_ctx *c, const char *name, char *out, size_t len)
{
    const char *plus = strstr(name, "+0x");
    if (!plus)
        return false;
    const char *hex = plus + 3;
    size_t nhex = strspn(hex, "0123456789abcdef");
    const char *rest = hex + nhex;
    if (!nhex || (*rest && (*rest != '#' || strspn(rest + 1, "0123456789") != strlen(rest + 1) || !rest[1])))
        return false;
    const char *at = memchr(name, '@', (size_t)(plus - name));
    const char *modname = at ? at + 1 : name;
    struct runtime_module *r = runtime_named(c, modname, (size_t)(plus - modname));
    if (!r)
        return false;
    struct module *m = module_get(r->name, r->build_id, &c->exes, NULL, c->opt);
    char offs[32];
    snprintf(offs, sizeof offs, "0x%.*s", (int)nhex, hex);
    bool ok;
    uint64_t off = hex_value(offs, &ok);
    struct code_info ci;
    if (!m || !ok || !code_lookup(m, off, &ci) || !ci.function)
        return false;
    struct logical lg;
    inline_lookup(m, off, &ci, &lg);
    int user = user_step(m, &ci, &lg);
    if (user >= 0 && lg.steps[user].function && lg.steps[user].file)
        snprintf(out, len, "%s@%s:%d%s", lg.steps[user].function, rp_basename(lg.steps[user].file),
                 lg.steps[user].line, rest);
    else if (lg.file)
        snprintf(out, len, "%.*s@%s:%d%s", (int)ci.function_len, ci.function, rp_basename(lg.file), lg.line, rest);
    else if (!at)
        snprintf(out, len, "%.*s@%s%s", (int)ci.function_len, ci.function, modname, rest);
    else
        return false;
    return true;
}

static void collect_name(struct report_ctx *c, const char *name)
{
    char out[1024];
    if (!name)
        return;
    for (size_t i = 0; i < c->names.n; i++)
        if (!strcmp(c->names.v[i].old, name))
            return;
    if (rename_address(c, name, out, sizeof out) || rename_site(c, name, out, sizeof out)) {
        patch_add(&c->names, name, out);
        return;
    }
    /* A wrapper-made class: "site <- caller <- ...", each part a site of its own. */
    static const char arrow[] = " <- ";
    if (!strstr(name, arrow))
        return;
    char joined[2048] = "", part[1024], renamed[1024];
    bool any = false;
    for (const char *p = name; *p;) {
        const char *e = strstr(p, arrow);
        size_t n = e ? (size_t)(e - p) : strlen(p);
        snprintf(part, sizeof part, "%.*s", (int)n, p);
        bool ok = rename_site(c, part, renamed, sizeof renamed);
        any |= ok;
        size_t used = strlen(joined);
        snprintf(joined + used, sizeof joined - used, "%s%s", used ? arrow : "", ok ? renamed : part);
        p += n + (e ? strlen(arrow) : 0);
    }
    if (any)
        patch_add(&c->names, name, joined);
}

static bool is_name_key(const char *key)
{
    return !strcmp(key, "name") || !strcmp(key, "class") || !strcmp(key, "from") || !strcmp(key, "to") ||
           !strcmp(key, "lock");
}

/* Visits every lock-naming string field; collects renames (collect) or applies them. */
static void walk_names(struct report_ctx *c, json_object *o, bool collect)
{
    if (json_object_is_type(o, json_type_array)) {
        size_t n = json_object_array_length(o);
        for (size_t i = 0; i < n; i++)
            walk_names(c, json_object_array_get_idx(o, i), collect);
        return;
    }
    if (!json_object_is_type(o, json_type_object) || rp_is_frame(o))
        return;
    json_object_object_foreach(o, key, val) {
        if (json_object_is_type(val, json_type_string) && is_name_key(key)) {
            const char *s = json_object_get_string(val);
            if (collect) {
                collect_name(c, s);
                continue;
            }
            for (size_t i = 0; i < c->names.n; i++) {
                if (!strcmp(c->names.v[i].old, s)) {
                    json_object_set_string(val, c->names.v[i].new);
                    break;
                }
            }
        } else if (strcmp(key, "text")) {
            walk_names(c, val, collect);
        }
    }
}

/* A lock name in the text is delimited like "(name)", "lock(name);", " --> name". */
static bool name_boundary_before(const char *text, const char *p)
{
    return p == text || p[-1] == '(' || p[-1] == ' ' || p[-1] == '\n';
}

static bool name_boundary_after(char ch)
{
    return !ch || ch == ')' || ch == ' ' || ch == '\n' || ch == ';' || ch == ',' || ch == ':';
}

static void patch_names(struct ul_strbuf *out, const char *line, size_t len, const struct patches *names)
{
    size_t i = 0;
    while (i < len) {
        bool done = false;
        for (size_t k = 0; k < names->n && !done; k++) {
            const struct patch *pt = &names->v[k];
            size_t n = strlen(pt->old);
            if (i + n <= len && !strncmp(line + i, pt->old, n) && name_boundary_before(line, line + i) &&
                name_boundary_after(i + n < len ? line[i + n] : 0)) {
                ul_sb_puts(out, pt->new);
                i += n;
                done = true;
            }
        }
        if (!done)
            ul_sb_putn(out, line + i++, 1);
    }
}

/* A frame line ends with " [mod+0xoff]"; the frame starts after ", at: " or the indentation.
 * Returns the new frame text for this line, or NULL. */
static const struct patch *frame_patch(const char *line, size_t len, const struct patches *frames,
                                       size_t *start, bool *at_line)
{
    if (!len || line[len - 1] != ']')
        return NULL;
    const char *br = NULL;
    for (const char *p = line + len - 1; p > line; p--)
        if (p[0] == '[' && p[-1] == ' ') {
            br = p - 1;
            break;
        }
    if (!br)
        return NULL;
    for (size_t i = 0; i < frames->n; i++) {
        const struct patch *pt = &frames->v[i];
        size_t n = strlen(pt->old);
        if ((size_t)(line + len - br) != n || strncmp(br, pt->old, n))
            continue;
        const char *s = line + strspn(line, " ");
        *at_line = false;
        for (const char *q = line; (q = strstr(q, ", at: ")) && q < br; q += 6) {
            s = q + 6;
            *at_line = true;
        }
        if (s > br)
            return NULL;
        *start = (size_t)(s - line);
        return pt;
    }
    return NULL;
}

static void patch_line(struct ul_strbuf *out, const char *line, size_t len, const struct report_ctx *c)
{
    size_t start;
    bool at_line;
    const struct patch *pt = frame_patch(line, len, &c->frames, &start, &at_line);
    if (!pt) {
        patch_names(out, line, len, &c->names);
        return;
    }
    patch_names(out, line, start, &c->names);
    if (at_line && pt->at) {
        ul_sb_puts(out, pt->at);
        return;
    }
    /* a stack line: each inlined function on a line of its own, indented alike */
    for (const char *p = pt->new;;) {
        size_t n = strcspn(p, "\n");
        ul_sb_putn(out, p, n);
        if (!p[n])
            break;
        ul_sb_puts(out, "\n");
        for (size_t k = 0; k < start; k++)
            ul_sb_puts(out, " ");
        p += n + 1;
    }
}

static void patch_text(json_object *report, const struct report_ctx *c)
{
    const char *text = rp_str(report, "text");
    if (!text || (!c->frames.n && !c->names.n))
        return;
    struct ul_strbuf out = { 0 };
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        patch_line(&out, p, n, c);
        if (p[n] == '\n')
            ul_sb_puts(&out, "\n");
        p += n + (p[n] == '\n');
    }
    char *s = rp_take(&out);
    json_object_object_add(report, "text", json_object_new_string(s));
    free(s);
}

static void collect_exes(json_object *o, struct exes *out)
{
    if (json_object_is_type(o, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(o); i++)
            collect_exes(json_object_array_get_idx(o, i), out);
        return;
    }
    if (!json_object_is_type(o, json_type_object) || rp_is_frame(o))
        return;
    json_object_object_foreach(o, key, val) {
        if (!strcmp(key, "exe") && json_object_is_type(val, json_type_string)) {
            const char *exe = json_object_get_string(val);
            bool dup = !*exe;
            for (size_t i = 0; i < out->n && !dup; i++)
                dup = !strcmp(out->v[i], exe);
            if (!dup && out->n < sizeof out->v / sizeof out->v[0])
                out->v[out->n++] = exe;
        } else if (strcmp(key, "text")) {
            collect_exes(val, out);
        }
    }
}

void rp_symbolize_report(json_object *report, const struct rp_options *opt)
{
    static bool elf_ready;
    if (!elf_ready) {
        elf_version(EV_CURRENT);
        ul_demangle_setup_loading();
        elf_ready = true;
    }
    struct report_ctx c = { .opt = opt };
    collect_exes(report, &c.exes);
    symbolize_tree(&c, report);
    walk_names(&c, report, true);
    walk_names(&c, report, false);
    patch_text(report, &c);
    patches_free(&c.frames);
    patches_free(&c.names);
    for (size_t i = 0; i < c.nrt; i++) {
        free(c.rt[i].name);
        free(c.rt[i].build_id);
    }
    free(c.rt);
    kept_free();
}
