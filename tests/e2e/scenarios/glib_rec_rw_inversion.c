// GLib: GRecMutex and GRWLock wrap a pthread mutex / rwlock that GLib allocates; they are
// traced as the GRecMutex and GRWLock themselves (their own symbols), not as GLib's inner
// heap locks, which stay out of the reports. A recursive GRecMutex taken twice, then a
// GRWLock writer inside it, and the GRWLock reader before the GRecMutex in another thread:
// one circular report between cache_lock and table_lock, nothing for the relock. (A GThread
// names its thread: the report's task is "lookup".)
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular cache_lock table_lock
// EXPECT-COUNT: circular=1
// EXPECT-CYCLE-LEN: 2
// EXPECT-LINES: lookup/* is trying to acquire lock:
// EXPECT-LINES: * (cache_lock){+.+.}-{3:3}, at: lookup+* ${FILE}:${LINE:lookup_cache} [*]
//
// EXPECT-LINES: but task is already holding lock:
// EXPECT-LINES: * (table_lock){++++}-{3:3}, at: lookup+* ${FILE}:${LINE:lookup_table} [*]
#include <glib.h>

static GRecMutex cache_lock;
static GRWLock table_lock;
static int cache, table;

static void refill(void)
{
    g_rec_mutex_lock(&cache_lock);
    g_rec_mutex_lock(&cache_lock); /* a recursive relock: fine */
    g_rw_lock_writer_lock(&table_lock);
    table = ++cache;
    g_rw_lock_writer_unlock(&table_lock);
    g_rec_mutex_unlock(&cache_lock);
    g_rec_mutex_unlock(&cache_lock);
}

static gpointer lookup(gpointer data)
{
    (void)data;
    g_rw_lock_reader_lock(&table_lock);   /* LINE:lookup_table */
    g_rec_mutex_lock(&cache_lock);        /* LINE:lookup_cache */
    int v = table + cache;
    g_rec_mutex_unlock(&cache_lock);
    g_rw_lock_reader_unlock(&table_lock);
    return GINT_TO_POINTER(v);
}

int main(void)
{
    refill();
    GThread *t = g_thread_new("lookup", lookup, NULL);
    g_thread_join(t);
    return 0;
}
