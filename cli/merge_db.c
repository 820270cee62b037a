/* The merged lock graph: an SQLite database.
 *
 *   runs(id, hash UNIQUE, file, size, mtime, pid, ppid, host, cmd, exe, start, merged_at)
 *   classes(id, ident UNIQUE, kind, name, usage)      one row per lock class identity
 *   frames(id, key UNIQUE, module, function, ...)     one row per code location (build-id+offset)
 *   stacks(id, hash, frames)                          frame ids "12,45,78", each stack once
 *   edges(id, src, dst, dep, UNIQUE(src, dst))        the union graph; dep = union of kinds
 *   edge_runs(edge, run, dep, stack)                  which run saw which dependency, how
 *
 * Each file is folded in by one transaction that also records its content hash in runs, so
 * a merge that is interrupted leaves every file either fully merged or not at all, and a
 * file merged before (same bytes, wherever it is now) is skipped. */
#include "merge.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SCHEMA_VERSION "1"

struct merge_db {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *find_run, *find_run_file, *add_run, *find_class, *add_class, *set_class_usage, *find_frame,
        *add_frame, *set_frame, *get_frame, *find_stack, *add_stack, *find_edge, *add_edge, *set_edge_dep,
        *add_edge_run, *edge_run_ids, *edge_run;
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, file TEXT,"
    " size INTEGER, mtime INTEGER, pid INTEGER, ppid INTEGER, host TEXT, cmd TEXT, exe TEXT,"
    " start INTEGER, merged_at INTEGER);"
    "CREATE INDEX IF NOT EXISTS runs_file ON runs(file, size, mtime);"
    "CREATE TABLE IF NOT EXISTS classes(id INTEGER PRIMARY KEY, ident TEXT NOT NULL UNIQUE,"
    " kind TEXT, name TEXT, usage INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS frames(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, module TEXT,"
    " function TEXT, func_off INTEGER, func_size INTEGER, file TEXT, line INTEGER);"
    "CREATE TABLE IF NOT EXISTS stacks(id INTEGER PRIMARY KEY, hash INTEGER NOT NULL, frames TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS stacks_hash ON stacks(hash);"
    "CREATE TABLE IF NOT EXISTS edges(id INTEGER PRIMARY KEY, src INTEGER NOT NULL,"
    " dst INTEGER NOT NULL, dep INTEGER NOT NULL, UNIQUE(src, dst));"
    "CREATE TABLE IF NOT EXISTS edge_runs(edge INTEGER NOT NULL, run INTEGER NOT NULL,"
    " dep INTEGER NOT NULL, stack INTEGER, PRIMARY KEY(edge, run)) WITHOUT ROWID;";

static bool db_error(struct merge_db *d, const char *what)
{
    fprintf(stderr, "ulockdep: %s: %s: %s\n", d->path, what, sqlite3_errmsg(d->db));
    return false;
}

static bool exec(struct merge_db *d, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(d->db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return true;
    fprintf(stderr, "ulockdep: %s: %s\n", d->path, msg ? msg : sqlite3_errmsg(d->db));
    sqlite3_free(msg);
    return false;
}

static bool prepare(struct merge_db *d, sqlite3_stmt **st, const char *sql)
{
    return sqlite3_prepare_v3(d->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK ||
           db_error(d, "preparing a statement");
}

static bool check_schema(struct merge_db *d)
{
    sqlite3_stmt *st = NULL;
    bool ok = false;
    if (!prepare(d, &st, "SELECT value FROM meta WHERE key = 'schema'"))
        return false;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        ok = v && !strcmp(v, SCHEMA_VERSION);
        if (!ok)
            fprintf(stderr, "ulockdep: %s: database schema version %s, this ulockdep uses %s\n", d->path,
                    v ? v : "?", SCHEMA_VERSION);
    } else if (rc == SQLITE_DONE) {
        sqlite3_finalize(st);
        return exec(d, "INSERT OR IGNORE INTO meta(key, value) VALUES('schema', '" SCHEMA_VERSION "')");
    } else {
        db_error(d, "reading the schema version");
    }
    sqlite3_finalize(st);
    return ok;
}

struct merge_db *merge_db_open(const char *path)
{
    struct merge_db *d = calloc(1, sizeof *d);
    if (!d || !(d->path = strdup(path))) {
        free(d);
        fprintf(stderr, "ulockdep: out of memory\n");
        return NULL;
    }
    if (sqlite3_open_v2(path, &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        db_error(d, "cannot open the database");
        merge_db_close(d);
        return NULL;
    }
    sqlite3_busy_timeout(d->db, 60000); /* another merge into the same database */
    bool ok = exec(d, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;"
                      " PRAGMA temp_store=MEMORY;") &&
              exec(d, "BEGIN IMMEDIATE") && exec(d, schema) && check_schema(d) && exec(d, "COMMIT");
    if (!ok) {
        sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
        merge_db_close(d);
        return NULL;
    }
    ok = prepare(d, &d->find_run, "SELECT id FROM runs WHERE hash = ?1") &&
         prepare(d, &d->find_run_file, "SELECT id FROM runs WHERE file = ?1 AND size = ?2 AND mtime = ?3") &&
         prepare(d, &d->add_run,
                 "INSERT INTO runs(hash, file, size, mtime, pid, ppid, host, cmd, exe, start, merged_at)"
                 " VALUES(?1, ?2, ?3, ?11, ?4, ?5, ?6, ?7, ?8, ?9, ?10)") &&
         prepare(d, &d->find_class, "SELECT id, usage FROM classes WHERE ident = ?1") &&
         prepare(d, &d->add_class, "INSERT INTO classes(ident, kind, name, usage) VALUES(?1, ?2, ?3, ?4)") &&
         prepare(d, &d->set_class_usage, "UPDATE classes SET usage = ?2 WHERE id = ?1") &&
         prepare(d, &d->find_frame, "SELECT id, function FROM frames WHERE key = ?1") &&
         prepare(d, &d->add_frame,
                 "INSERT INTO frames(key, module, function, func_off, func_size, file, line)"
                 " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)") &&
         prepare(d, &d->set_frame,
                 "UPDATE frames SET module = ?2, function = ?3, func_off = ?4, func_size = ?5, file = ?6,"
                 " line = ?7 WHERE id = ?1") &&
         prepare(d, &d->get_frame,
                 "SELECT key, module, function, func_off, func_size, file, line FROM frames WHERE id = ?1") &&
         prepare(d, &d->find_stack, "SELECT id FROM stacks WHERE hash = ?1 AND frames = ?2") &&
         prepare(d, &d->add_stack, "INSERT INTO stacks(hash, frames) VALUES(?1, ?2)") &&
         prepare(d, &d->find_edge, "SELECT id, dep FROM edges WHERE src = ?1 AND dst = ?2") &&
         prepare(d, &d->add_edge, "INSERT INTO edges(src, dst, dep) VALUES(?1, ?2, ?3)") &&
         prepare(d, &d->set_edge_dep, "UPDATE edges SET dep = ?2 WHERE id = ?1") &&
         prepare(d, &d->add_edge_run,
                 "INSERT INTO edge_runs(edge, run, dep, stack) VALUES(?1, ?2, ?3, ?4)"
                 " ON CONFLICT(edge, run) DO UPDATE SET dep = dep | excluded.dep") &&
         prepare(d, &d->edge_run_ids, "SELECT run FROM edge_runs WHERE edge = ?1 ORDER BY run") &&
         prepare(d, &d->edge_run,
                 "SELECT r.pid, r.start, r.host, r.cmd, r.exe, r.file, er.dep, s.frames"
                 " FROM edge_runs er JOIN runs r ON r.id = er.run LEFT JOIN stacks s ON s.id = er.stack"
                 " WHERE er.edge = ?1 AND er.run = ?2");
    if (!ok) {
        merge_db_close(d);
        return NULL;
    }
    return d;
}

void merge_db_close(struct merge_db *d)
{
    if (!d)
        return;
    sqlite3_stmt *all[] = { d->find_run, d->find_run_file, d->add_run, d->find_class, d->add_class,
                            d->set_class_usage, d->find_frame, d->add_frame, d->set_frame, d->get_frame,
                            d->find_stack, d->add_stack, d->find_edge, d->add_edge, d->set_edge_dep,
                            d->add_edge_run, d->edge_run_ids, d->edge_run };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        sqlite3_finalize(all[i]);
    sqlite3_close(d->db);
    free(d->path);
    free(d);
}

/* ---- folding a file in ---------------------------------------------------------------- */

/* Runs a statement that returns at most one row; SQLITE_ROW or SQLITE_DONE, else an error. */
static int step(struct merge_db *d, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        db_error(d, "writing");
    return rc;
}

static void done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static long long class_id(struct merge_db *d, const struct graph_class *c)
{
    long long id = -1;
    sqlite3_bind_text(d->find_class, 1, c->ident, -1, SQLITE_STATIC);
    int rc = step(d, d->find_class);
    if (rc == SQLITE_ROW) {
        id = sqlite3_column_int64(d->find_class, 0);
        unsigned usage = (unsigned)sqlite3_column_int(d->find_class, 1);
        done(d->find_class);
        if ((usage | c->usage) != usage) {
            sqlite3_bind_int64(d->set_class_usage, 1, id);
            sqlite3_bind_int(d->set_class_usage, 2, (int)(usage | c->usage));
            if (step(d, d->set_class_usage) != SQLITE_DONE)
                id = -1;
            done(d->set_class_usage);
        }
        return id;
    }
    done(d->find_class);
    if (rc != SQLITE_DONE)
        return -1;
    sqlite3_bind_text(d->add_class, 1, c->ident, -1, SQLITE_STATIC);
    sqlite3_bind_text(d->add_class, 2, c->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(d->add_class, 3, c->name, -1, SQLITE_STATIC);
    sqlite3_bind_int(d->add_class, 4, (int)c->usage);
    if (step(d, d->add_class) == SQLITE_DONE)
        id = sqlite3_last_insert_rowid(d->db);
    done(d->add_class);
    return id;
}

/* ---- frames and stacks ---- */

/* Frame key -> id, for the frames of one file (the same few frames recur in most stacks). */
struct frame_cache {
    char **keys;
    long long *ids;
    size_t cap, n;
};

static uint64_t str_hash(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    return h;
}

static long long *cache_slot(struct frame_cache *c, const char *key, bool *found)
{
    if (c->n * 2 >= c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 1024;
        char **nk = calloc(ncap, sizeof *nk);
        long long *ni = calloc(ncap, sizeof *ni);
        if (!nk || !ni) {
            free(nk);
            free(ni);
            return NULL;
        }
        for (size_t i = 0; i < c->cap; i++) {
            if (!c->keys[i])
                continue;
            size_t j = str_hash(c->keys[i], strlen(c->keys[i])) & (ncap - 1);
            while (nk[j])
                j = (j + 1) & (ncap - 1);
            nk[j] = c->keys[i];
            ni[j] = c->ids[i];
        }
        free(c->keys);
        free(c->ids);
        c->keys = nk;
        c->ids = ni;
        c->cap = ncap;
    }
    size_t j = str_hash(key, strlen(key)) & (c->cap - 1);
    for (; c->keys[j]; j = (j + 1) & (c->cap - 1))
        if (!strcmp(c->keys[j], key)) {
            *found = true;
            return &c->ids[j];
        }
    if (!(c->keys[j] = strdup(key)))
        return NULL;
    c->n++;
    *found = false;
    return &c->ids[j];
}

static void cache_free(struct frame_cache *c)
{
    for (size_t i = 0; i < c->cap; i++)
        free(c->keys[i]);
    free(c->keys);
    free(c->ids);
}

static void bind_frame(sqlite3_stmt *st, const struct graph_frame *f)
{
    sqlite3_bind_text(st, 2, f->module, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, f->function, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (long long)f->func_off);
    sqlite3_bind_int64(st, 5, (long long)f->func_size);
    sqlite3_bind_text(st, 6, f->file, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 7, f->line);
}

/* The frame's id; a frame seen before without symbols gets this run's, if it has them. */
static long long frame_id(struct merge_db *d, const struct graph_frame *f, struct frame_cache *cache)
{
    bool found;
    long long *slot = cache_slot(cache, f->key, &found);
    if (!slot)
        return -1;
    if (found)
        return *slot;
    long long id = -1;
    sqlite3_bind_text(d->find_frame, 1, f->key, -1, SQLITE_STATIC);
    int rc = step(d, d->find_frame);
    if (rc == SQLITE_ROW) {
        id = sqlite3_column_int64(d->find_frame, 0);
        const unsigned char *fn = sqlite3_column_text(d->find_frame, 1);
        bool better = (!fn || !*fn) && f->function[0];
        done(d->find_frame);
        if (better) {
            sqlite3_bind_int64(d->set_frame, 1, id);
            bind_frame(d->set_frame, f);
            if (step(d, d->set_frame) != SQLITE_DONE)
                id = -1;
            done(d->set_frame);
        }
    } else {
        done(d->find_frame);
        if (rc != SQLITE_DONE)
            return -1;
        sqlite3_bind_text(d->add_frame, 1, f->key, -1, SQLITE_STATIC);
        bind_frame(d->add_frame, f);
        if (step(d, d->add_frame) == SQLITE_DONE)
            id = sqlite3_last_insert_rowid(d->db);
        done(d->add_frame);
    }
    return *slot = id;
}

/* A stack is stored as the list of its frame ids. */
static long long stack_id(struct merge_db *d, const char *frames, struct frame_cache *cache)
{
    char *list = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&list, &len);
    if (!m)
        return -1;
    struct graph_frame *f = malloc(sizeof *f);
    const char *p = frames;
    bool ok = f != NULL;
    for (bool first = true; ok && graph_next_frame(&p, f); first = false) {
        long long id = frame_id(d, f, cache);
        ok = id >= 0;
        fprintf(m, "%s%lld", first ? "" : ",", id);
    }
    free(f);
    if (fclose(m) != 0 || !ok) {
        free(list);
        return -1;
    }
    long long id = -1;
    long long hash = (long long)str_hash(list, len);
    sqlite3_bind_int64(d->find_stack, 1, hash);
    sqlite3_bind_text(d->find_stack, 2, list, -1, SQLITE_STATIC);
    int rc = step(d, d->find_stack);
    if (rc == SQLITE_ROW)
        id = sqlite3_column_int64(d->find_stack, 0);
    done(d->find_stack);
    if (rc == SQLITE_DONE) {
        sqlite3_bind_int64(d->add_stack, 1, hash);
        sqlite3_bind_text(d->add_stack, 2, list, -1, SQLITE_STATIC);
        if (step(d, d->add_stack) == SQLITE_DONE)
            id = sqlite3_last_insert_rowid(d->db);
        done(d->add_stack);
    }
    free(list);
    return id;
}

static long long edge_id(struct merge_db *d, long long src, long long dst, unsigned dep)
{
    long long id = -1;
    sqlite3_bind_int64(d->find_edge, 1, src);
    sqlite3_bind_int64(d->find_edge, 2, dst);
    int rc = step(d, d->find_edge);
    if (rc == SQLITE_ROW) {
        id = sqlite3_column_int64(d->find_edge, 0);
        unsigned old = (unsigned)sqlite3_column_int(d->find_edge, 1);
        done(d->find_edge);
        if ((old | dep) != old) {
            sqlite3_bind_int64(d->set_edge_dep, 1, id);
            sqlite3_bind_int(d->set_edge_dep, 2, (int)(old | dep));
            if (step(d, d->set_edge_dep) != SQLITE_DONE)
                id = -1;
            done(d->set_edge_dep);
        }
        return id;
    }
    done(d->find_edge);
    if (rc != SQLITE_DONE)
        return -1;
    sqlite3_bind_int64(d->add_edge, 1, src);
    sqlite3_bind_int64(d->add_edge, 2, dst);
    sqlite3_bind_int(d->add_edge, 3, (int)dep);
    if (step(d, d->add_edge) == SQLITE_DONE)
        id = sqlite3_last_insert_rowid(d->db);
    done(d->add_edge);
    return id;
}

/* Position of a file-local class id (the file lists classes in increasing id order). */
static long find_class_index(const struct graph_file *g, uint32_t id)
{
    size_t lo = 0, hi = g->nclasses;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (g->classes[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < g->nclasses && g->classes[lo].id == id ? (long)lo : -1;
}

struct stack_map {
    uint32_t id;
    long long db_id;
};

static int stack_map_cmp(const void *a, const void *b)
{
    uint32_t x = ((const struct stack_map *)a)->id, y = ((const struct stack_map *)b)->id;
    return x < y ? -1 : x > y;
}

static bool add_body(struct merge_db *d, const struct graph_file *g, long long run)
{
    long long *cls = malloc((g->nclasses + 1) * sizeof *cls);
    struct stack_map *stk = malloc((g->nstacks + 1) * sizeof *stk);
    struct frame_cache cache = { 0 };
    bool ok = cls && stk;
    for (size_t i = 0; ok && i < g->nclasses; i++)
        ok = (cls[i] = class_id(d, &g->classes[i])) >= 0;
    for (size_t i = 0; ok && i < g->nstacks; i++) {
        stk[i] = (struct stack_map){ g->stacks[i].id, stack_id(d, g->stacks[i].frames, &cache) };
        ok = stk[i].db_id >= 0;
    }
    if (ok)
        qsort(stk, g->nstacks, sizeof *stk, stack_map_cmp);
    for (size_t i = 0; ok && i < g->nedges; i++) {
        const struct graph_edge *e = &g->edges[i];
        long a = find_class_index(g, e->from), b = find_class_index(g, e->to);
        if (a < 0 || b < 0)
            continue; /* checked when the file was read */
        long long eid = edge_id(d, cls[a], cls[b], e->dep);
        if (!(ok = eid >= 0))
            break;
        struct stack_map key = { e->stack, 0 }, *s = e->stack ? bsearch(&key, stk, g->nstacks, sizeof *stk, stack_map_cmp) : NULL;
        sqlite3_bind_int64(d->add_edge_run, 1, eid);
        sqlite3_bind_int64(d->add_edge_run, 2, run);
        sqlite3_bind_int(d->add_edge_run, 3, (int)e->dep);
        if (s)
            sqlite3_bind_int64(d->add_edge_run, 4, s->db_id);
        ok = step(d, d->add_edge_run) == SQLITE_DONE;
        done(d->add_edge_run);
    }
    if (!cls || !stk)
        fprintf(stderr, "ulockdep: out of memory\n");
    free(cls);
    free(stk);
    cache_free(&cache);
    return ok;
}

bool merge_db_has_file(struct merge_db *d, const char *path, long long size, long long mtime)
{
    sqlite3_bind_text(d->find_run_file, 1, path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(d->find_run_file, 2, size);
    sqlite3_bind_int64(d->find_run_file, 3, mtime);
    bool found = sqlite3_step(d->find_run_file) == SQLITE_ROW;
    done(d->find_run_file);
    return found;
}

int merge_db_add(struct merge_db *d, const char *path, long long mtime, const struct graph_file *g)
{
    if (!exec(d, "BEGIN IMMEDIATE"))
        return -1;
    /* Checked inside the transaction: two merges of the same file cannot both add it. */
    sqlite3_bind_text(d->find_run, 1, g->hash, -1, SQLITE_STATIC);
    int rc = step(d, d->find_run);
    done(d->find_run);
    if (rc == SQLITE_ROW) {
        exec(d, "ROLLBACK");
        return 0;
    }
    bool ok = rc == SQLITE_DONE;
    if (ok) {
        sqlite3_stmt *st = d->add_run;
        sqlite3_bind_text(st, 1, g->hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (long long)g->size);
        sqlite3_bind_int64(st, 4, g->pid);
        sqlite3_bind_int64(st, 5, g->ppid);
        sqlite3_bind_text(st, 6, g->host, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, g->cmd, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, g->exe, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 9, g->start);
        sqlite3_bind_int64(st, 10, (long long)time(NULL));
        sqlite3_bind_int64(st, 11, mtime);
        ok = step(d, st) == SQLITE_DONE;
        done(st);
    }
    long long run = sqlite3_last_insert_rowid(d->db);
    if (ok)
        ok = add_body(d, g, run);
    if (ok && exec(d, "COMMIT"))
        return 1;
    sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

/* ---- reading -------------------------------------------------------------------------- */

static long long count(struct merge_db *d, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long long n = 0;
    if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

void merge_db_counts(struct merge_db *d, struct merge_counts *c)
{
    c->runs = count(d, "SELECT count(*) FROM runs");
    c->classes = count(d, "SELECT count(*) FROM classes");
    c->edges = count(d, "SELECT count(*) FROM edges");
    c->stacks = count(d, "SELECT count(*) FROM stacks");
    c->frames = count(d, "SELECT count(*) FROM frames");
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

static long class_index(const struct union_graph *ug, long long id)
{
    size_t lo = 0, hi = ug->nclasses;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ug->classes[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ug->nclasses && ug->classes[lo].id == id ? (long)lo : -1;
}

bool merge_db_load(struct merge_db *d, struct union_graph *ug)
{
    memset(ug, 0, sizeof *ug);
    size_t nc = (size_t)count(d, "SELECT count(*) FROM classes"), ne = (size_t)count(d, "SELECT count(*) FROM edges");
    ug->classes = calloc(nc + 1, sizeof *ug->classes);
    ug->edges = calloc(ne + 1, sizeof *ug->edges);
    sqlite3_stmt *st = NULL;
    bool ok = ug->classes && ug->edges &&
              sqlite3_prepare_v2(d->db, "SELECT id, ident, name, kind, usage FROM classes ORDER BY id", -1, &st,
                                 NULL) == SQLITE_OK;
    while (ok && sqlite3_step(st) == SQLITE_ROW && ug->nclasses < nc) {
        struct union_class *c = &ug->classes[ug->nclasses++];
        c->id = sqlite3_column_int64(st, 0);
        c->ident = col_dup(st, 1);
        c->name = col_dup(st, 2);
        c->kind = col_dup(st, 3);
        c->usage = (unsigned)sqlite3_column_int(st, 4);
    }
    sqlite3_finalize(st);
    st = NULL;
    ok = ok && sqlite3_prepare_v2(d->db, "SELECT id, src, dst, dep FROM edges ORDER BY src, dst", -1, &st, NULL) ==
                   SQLITE_OK;
    while (ok && sqlite3_step(st) == SQLITE_ROW && ug->nedges < ne) {
        long a = class_index(ug, sqlite3_column_int64(st, 1)), b = class_index(ug, sqlite3_column_int64(st, 2));
        if (a < 0 || b < 0)
            continue;
        ug->edges[ug->nedges++] = (struct union_edge){ .id = sqlite3_column_int64(st, 0), .from = (uint32_t)a,
                                                        .to = (uint32_t)b,
                                                        .dep = (unsigned)sqlite3_column_int(st, 3) };
    }
    sqlite3_finalize(st);
    if (!ok)
        db_error(d, "reading the graph");
    return ok;
}

void union_graph_free(struct union_graph *ug)
{
    for (size_t i = 0; i < ug->nclasses; i++) {
        free(ug->classes[i].ident);
        free(ug->classes[i].name);
        free(ug->classes[i].kind);
    }
    free(ug->classes);
    free(ug->edges);
    memset(ug, 0, sizeof *ug);
}

bool merge_db_edge_run_ids(struct merge_db *d, long long edge, long long **ids, size_t *n)
{
    size_t cap = 8;
    *n = 0;
    *ids = malloc(cap * sizeof **ids);
    if (!*ids)
        return false;
    sqlite3_bind_int64(d->edge_run_ids, 1, edge);
    int rc;
    while ((rc = sqlite3_step(d->edge_run_ids)) == SQLITE_ROW) {
        if (*n == cap) {
            long long *m = realloc(*ids, cap * 2 * sizeof *m);
            if (!m)
                break;
            *ids = m;
            cap *= 2;
        }
        (*ids)[(*n)++] = sqlite3_column_int64(d->edge_run_ids, 0);
    }
    done(d->edge_run_ids);
    return rc == SQLITE_DONE || db_error(d, "reading the runs of a dependency");
}

/* The stack's frames in the file format's escaped "frame;frame" form. */
static char *stack_frames(struct merge_db *d, const char *list)
{
    char *out = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&out, &len);
    if (!m)
        return NULL;
    bool first = true;
    for (const char *p = list; p && *p;) {
        char *end;
        long long id = strtoll(p, &end, 10);
        p = *end == ',' ? end + 1 : NULL;
        sqlite3_stmt *st = d->get_frame;
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW) {
            if (!first)
                fputc(';', m);
            first = false;
            graph_escape(m, (const char *)sqlite3_column_text(st, 0));
            fputc('|', m);
            graph_escape(m, (const char *)sqlite3_column_text(st, 1));
            fputc('|', m);
            graph_escape(m, (const char *)sqlite3_column_text(st, 2));
            fprintf(m, "|0x%llx|0x%llx|", (unsigned long long)sqlite3_column_int64(st, 3),
                    (unsigned long long)sqlite3_column_int64(st, 4));
            graph_escape(m, (const char *)sqlite3_column_text(st, 5));
            fprintf(m, "|%d", sqlite3_column_int(st, 6));
        }
        done(st);
    }
    fclose(m);
    return out;
}

bool merge_db_edge_run(struct merge_db *d, long long edge, long long run, struct edge_run *r)
{
    memset(r, 0, sizeof *r);
    sqlite3_stmt *st = d->edge_run;
    sqlite3_bind_int64(st, 1, edge);
    sqlite3_bind_int64(st, 2, run);
    bool ok = sqlite3_step(st) == SQLITE_ROW;
    char *list = NULL;
    if (ok) {
        r->run_id = run;
        r->pid = (long)sqlite3_column_int64(st, 0);
        r->start = sqlite3_column_int64(st, 1);
        r->host = col_dup(st, 2);
        r->cmd = col_dup(st, 3);
        r->exe = col_dup(st, 4);
        r->file = col_dup(st, 5);
        r->dep = (unsigned)sqlite3_column_int(st, 6);
        list = col_dup(st, 7);
    }
    done(st);
    if (list)
        r->frames = stack_frames(d, list);
    free(list);
    return ok || db_error(d, "reading a run");
}

void edge_run_free(struct edge_run *r)
{
    free(r->host);
    free(r->cmd);
    free(r->exe);
    free(r->file);
    free(r->frames);
    memset(r, 0, sizeof *r);
}
