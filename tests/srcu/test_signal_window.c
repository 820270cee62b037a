/* SPDX-License-Identifier: MIT */
/*
 * The cdf7abc4 case, aimed at directly: a signal handler runs a read-side
 * section of a domain while the interrupted thread is *inside*
 * srcu_read_lock() or srcu_read_unlock() of the same domain, i.e. possibly
 * between the load and the store of its counter. The handler records where
 * it interrupted the thread (the program counter in its ucontext), so the test
 * can require that this actually happened many times, and that no count was
 * lost or corrupted: the thread's own nesting state stays exact after every
 * section, and the domain ends with no open section.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <ucontext.h>

#include <ulockdep/srcu.h>

#include "helpers.h"

DEFINE_STATIC_SRCU(window_srcu);

struct code_range {
	uintptr_t start, end;
};
static struct code_range lock_fn, unlock_fn;
static atomic_long hits_in_lock, hits_in_unlock, handler_sections, bad_held;
static atomic_int stop;

/* Where the library's function really is (not a PLT stub), and its size. */
static struct code_range function_range(const char *name)
{
	void *h = dlopen("libulockdep-srcu.so.0", RTLD_NOW | RTLD_NOLOAD);
	cr_assert_not_null(h, "libulockdep-srcu.so.0 is not loaded");
	void *fn = dlsym(h, name);
	Dl_info info;
	const ElfW(Sym) *sym = NULL;
	cr_assert(dladdr1(fn, &info, (void **)&sym, RTLD_DL_SYMENT) && sym, "no symbol for %s", name);
	cr_assert_gt(sym->st_size, 0);
	return (struct code_range){ (uintptr_t)fn, (uintptr_t)fn + sym->st_size };
}

static uintptr_t interrupted_pc(void *uctx)
{
	ucontext_t *uc = uctx;
#if defined(__x86_64__)
	return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
	return (uintptr_t)uc->uc_mcontext.pc;
#else
	(void)uc;
	return 0;
#endif
}

static void handler(int sig, siginfo_t *si, void *uctx)
{
	(void)sig;
	(void)si;
	uintptr_t pc = interrupted_pc(uctx);
	if (pc >= lock_fn.start && pc < lock_fn.end)
		atomic_fetch_add_explicit(&hits_in_lock, 1, memory_order_relaxed);
	else if (pc >= unlock_fn.start && pc < unlock_fn.end)
		atomic_fetch_add_explicit(&hits_in_unlock, 1, memory_order_relaxed);

	int idx = srcu_read_lock(&window_srcu);
	int j = srcu_read_lock(&window_srcu); /* nested, as an interrupt might */
	srcu_read_unlock(&window_srcu, j);
	srcu_read_unlock(&window_srcu, idx);
	atomic_fetch_add_explicit(&handler_sections, 1, memory_order_relaxed);
}

static void *reader(void *arg)
{
	(void)arg;
	long n = 0;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		int i = srcu_read_lock(&window_srcu);
		if (n & 1) {
			int k = srcu_read_lock(&window_srcu);
			srcu_read_unlock(&window_srcu, k);
		}
		srcu_read_unlock(&window_srcu, i);
		/* A lost increment shows as a section that is still open; a lost
		 * decrement made by the handler would too. */
		if (srcu_read_lock_held(&window_srcu))
			atomic_fetch_add(&bad_held, 1);
		n++;
	}
	return NULL;
}

static void *storm(void *arg)
{
	pthread_t target = *(pthread_t *)arg;
	while (!atomic_load(&stop))
		pthread_kill(target, SIGUSR1);
	return NULL;
}

static void *updater(void *arg)
{
	(void)arg;
	/* Index flips, so handler sections and interrupted ones use both counters. */
	for (long k = 0; !atomic_load(&stop); k++) {
		(k & 1) ? synchronize_srcu(&window_srcu) : synchronize_srcu_expedited(&window_srcu);
		sleep_us(200);
	}
	return NULL;
}

#define WANT_HITS 2000
#define MIN_HITS 100

Test(signal_window, handler_interrupting_lock_and_unlock_keeps_counts_exact, .timeout = 120)
{
#if !defined(__x86_64__) && !defined(__aarch64__)
	cr_skip_test("no program counter in ucontext on this architecture");
#endif
	struct sigaction sa;
	pthread_t r, st, u;

	lock_fn = function_range("srcu_read_lock");
	unlock_fn = function_range("srcu_read_unlock");
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);

	pthread_create(&r, NULL, reader, NULL);
	pthread_create(&st, NULL, storm, &r);
	pthread_create(&u, NULL, updater, NULL);
	/* Until enough handlers have landed inside both functions (the time
	 * limit only bounds the run; the assertions below are on counts). */
	double end = now_s() + 30;
	while ((atomic_load(&hits_in_lock) < WANT_HITS || atomic_load(&hits_in_unlock) < WANT_HITS) &&
	       now_s() < end)
		sleep_us(10000);
	atomic_store(&stop, 1);
	pthread_join(st, NULL);
	pthread_join(r, NULL);
	pthread_join(u, NULL);

	cr_log_info("%ld handler sections; %ld interrupted srcu_read_lock, %ld srcu_read_unlock",
		    atomic_load(&handler_sections), atomic_load(&hits_in_lock), atomic_load(&hits_in_unlock));
	cr_assert_eq(atomic_load(&bad_held), 0, "the thread's nesting count went wrong %ld times",
		     atomic_load(&bad_held));
	cr_assert_eq(srcu_readers_active(&window_srcu), 0, "a count was lost or corrupted");
	cr_assert_geq(atomic_load(&hits_in_lock), MIN_HITS, "handlers rarely interrupted srcu_read_lock");
	cr_assert_geq(atomic_load(&hits_in_unlock), MIN_HITS, "handlers rarely interrupted srcu_read_unlock");
	synchronize_srcu(&window_srcu);
	cr_assert_eq(cleanup_srcu_struct(&window_srcu), 0);
}
