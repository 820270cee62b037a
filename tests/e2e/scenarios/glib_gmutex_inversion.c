// GLib: GMutex is a futex in GLib (no pthread call underneath), seen through the interposed
// g_mutex_* functions. A static GMutex (G_LOCK-style, no init call) and GMutex members
// initialised with g_mutex_init are taken in opposite orders by a GThread and by main:
// one circular report naming the static lock by its symbol and the members by their init
// site, with "at:" on the program's own lines.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular registry_lock account_new@${FILE}:${LINE:init}
// EXPECT-COUNT: circular=1
// EXPECT-CYCLE-LEN: 2
// EXPECT-LINES: e2e_glib_gmutex/* is trying to acquire lock:
// EXPECT-LINES: * (registry_lock){+.+.}-{3:3}, at: main+* ${FILE}:${LINE:main_registry} [*]
//
// EXPECT-LINES: but task is already holding lock:
// EXPECT-LINES: * (account_new@${FILE}:${LINE:init}){+.+.}-{3:3}, at: main+* ${FILE}:${LINE:main_account} [*]
#include <glib.h>

typedef struct {
    GMutex lock;
    int balance;
} Account;

static GMutex registry_lock; /* static: needs no g_mutex_init */
static int registered;

static Account *account_new(void)
{
    Account *a = g_new0(Account, 1);
    g_mutex_init(&a->lock); /* LINE:init */
    return a;
}

static void account_free(Account *a)
{
    g_mutex_clear(&a->lock);
    g_free(a);
}

static gpointer enroll(gpointer data)
{
    Account *a = data;
    g_mutex_lock(&registry_lock);
    g_mutex_lock(&a->lock);
    registered++;
    a->balance = 10;
    g_mutex_unlock(&a->lock);
    g_mutex_unlock(&registry_lock);
    return NULL;
}

int main(void)
{
    Account *accounts[2];
    for (int i = 0; i < 2; i++)
        accounts[i] = account_new();
    Account *a = accounts[0], *b = accounts[1];
    GThread *t = g_thread_new("enroll", enroll, a);
    g_thread_join(t);
    g_mutex_lock(&b->lock);          /* LINE:main_account */
    g_mutex_lock(&registry_lock);    /* LINE:main_registry */
    registered--;
    g_mutex_unlock(&registry_lock);
    g_mutex_unlock(&b->lock);
    account_free(a);
    account_free(b);
    return 0;
}
