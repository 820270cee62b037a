// GLib: patterns that cannot deadlock, each of which must stay silent: a GRecMutex relocked
// by its owner, GRWLock readers nested in opposite orders by two threads and a reader
// relocked, a GCond hand-off while another lock is held (g_cond_wait and
// g_cond_wait_until), g_mutex_trylock against the usual order, G_LOCK, a g_autoptr
// GMutexLocker, a GThreadPool whose workers take a per-item GMutex then a stats GMutex, a
// GAsyncQueue, and a GMutex cleared and initialised again.
// EXPECT-NONE
// EXPECT-STDOUT: items 64 stats 64 handed 20 queued 10
#include <stdio.h>

#include <glib.h>

typedef struct {
    GMutex lock;
    int value;
} Item;

static GRecMutex rec;
static GRWLock table_a, table_b;
static GMutex stats_lock, hand_lock, outer_lock, order_a, order_b;
static GCond hand_cond;
static int stats, handed, round_ready, round_seen;
G_LOCK_DEFINE_STATIC(counter);
static int counter;

static void add_twice(int v)
{
    g_rec_mutex_lock(&rec);
    if (v > 0) {
        g_rec_mutex_lock(&rec);
        counter += v;
        g_rec_mutex_unlock(&rec);
    }
    g_rec_mutex_unlock(&rec);
}

static gpointer read_ba(gpointer data)
{
    (void)data;
    for (int i = 0; i < 50; i++) {
        g_rw_lock_reader_lock(&table_b);
        g_rw_lock_reader_lock(&table_a);
        g_rw_lock_reader_lock(&table_a); /* a reader relock: GRWLock readers are recursive */
        g_rw_lock_reader_unlock(&table_a);
        g_rw_lock_reader_unlock(&table_a);
        g_rw_lock_reader_unlock(&table_b);
    }
    return NULL;
}

static void work(gpointer data, gpointer user_data)
{
    Item *it = data;
    (void)user_data;
    g_mutex_lock(&it->lock);
    it->value++;
    g_mutex_lock(&stats_lock);
    stats++;
    g_mutex_unlock(&stats_lock);
    g_mutex_unlock(&it->lock);
}

static gpointer signaller(gpointer data)
{
    (void)data;
    for (int r = 1; r <= 20; r++) {
        g_mutex_lock(&hand_lock);
        while (round_seen != r - 1) {
            g_mutex_unlock(&hand_lock);
            g_thread_yield();
            g_mutex_lock(&hand_lock);
        }
        round_ready = r;
        g_cond_signal(&hand_cond);
        g_mutex_unlock(&hand_lock);
    }
    return NULL;
}

static void hand_off(void)
{
    GThread *t = g_thread_new("signaller", signaller, NULL);
    for (int r = 1; r <= 20; r++) {
        g_mutex_lock(&outer_lock);
        g_mutex_lock(&hand_lock);
        while (round_ready < r) {
            if (r % 2)
                g_cond_wait(&hand_cond, &hand_lock);
            else
                g_cond_wait_until(&hand_cond, &hand_lock, g_get_monotonic_time() + 10 * G_TIME_SPAN_SECOND);
        }
        round_seen = r;
        handed++;
        g_mutex_unlock(&hand_lock);
        g_mutex_unlock(&outer_lock);
    }
    g_thread_join(t);
}

static void try_against_order(void)
{
    g_mutex_lock(&order_a);
    g_mutex_lock(&order_b);
    g_mutex_unlock(&order_b);
    g_mutex_unlock(&order_a);
    g_mutex_lock(&order_b);
    if (g_mutex_trylock(&order_a)) /* a trylock cannot wait: no dependency into it */
        g_mutex_unlock(&order_a);
    g_mutex_unlock(&order_b);
}

static void locker(void)
{
    g_autoptr(GMutexLocker) l = g_mutex_locker_new(&stats_lock);
    G_LOCK(counter);
    counter++;
    G_UNLOCK(counter);
}

int main(void)
{
    add_twice(1);
    GThread *r = g_thread_new("read_ba", read_ba, NULL);
    for (int i = 0; i < 50; i++) {
        g_rw_lock_reader_lock(&table_a);
        g_rw_lock_reader_lock(&table_b);
        g_rw_lock_reader_unlock(&table_b);
        g_rw_lock_reader_unlock(&table_a);
    }
    g_thread_join(r);

    Item items[64];
    GThreadPool *pool = g_thread_pool_new(work, NULL, 4, FALSE, NULL);
    for (int i = 0; i < 64; i++) {
        g_mutex_init(&items[i].lock);
        items[i].value = 0;
        g_thread_pool_push(pool, &items[i], NULL);
    }
    g_thread_pool_free(pool, FALSE, TRUE);
    int total = 0;
    for (int i = 0; i < 64; i++) {
        total += items[i].value;
        g_mutex_clear(&items[i].lock);
    }
    g_mutex_init(&items[0].lock); /* the same memory as a new GMutex */
    g_mutex_lock(&items[0].lock);
    g_mutex_unlock(&items[0].lock);
    g_mutex_clear(&items[0].lock);

    hand_off();
    try_against_order();
    locker();

    GAsyncQueue *q = g_async_queue_new();
    for (int i = 1; i <= 10; i++)
        g_async_queue_push(q, GINT_TO_POINTER(i));
    int queued = 0;
    while (g_async_queue_try_pop(q))
        queued++;
    g_async_queue_unref(q);

    printf("items %d stats %d handed %d queued %d\n", total, stats, handed, queued);
    return 0;
}
