// Two mutexes initialised in different places are declared one class, "inode_lock", with
// ulockdep_set_class; nesting two inodes both ways is then an inversion between instances of
// that class, named by the instances' own names.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular dir_inode file_inode
// EXPECT-COUNT: circular=1
// EXPECT-INSTANCE-LEVEL: true
#include <ulockdep/ulockdep.h>

#include "e2e_util.h"

struct inode {
    pthread_mutex_t lock;
};

static void dir_init(struct inode *i)
{
    E2E_CHECK(pthread_mutex_init(&i->lock, NULL));
    ulockdep_set_class(&i->lock, "inode_lock");
    ulockdep_set_name(&i->lock, "dir_inode");
}

static void file_init(struct inode *i)
{
    E2E_CHECK(pthread_mutex_init(&i->lock, NULL));
    ulockdep_set_class(&i->lock, "inode_lock");
    ulockdep_set_name(&i->lock, "file_inode");
}

int main(void)
{
    struct inode *d = malloc(sizeof *d), *f = malloc(sizeof *f);
    dir_init(d);
    file_init(f);
    E2E_CHECK(pthread_mutex_lock(&d->lock));
    E2E_CHECK(pthread_mutex_lock(&f->lock));
    E2E_CHECK(pthread_mutex_unlock(&f->lock));
    E2E_CHECK(pthread_mutex_unlock(&d->lock));
    E2E_CHECK(pthread_mutex_lock(&f->lock));
    E2E_CHECK(pthread_mutex_lock(&d->lock));
    E2E_CHECK(pthread_mutex_unlock(&d->lock));
    E2E_CHECK(pthread_mutex_unlock(&f->lock));
    return 0;
}
