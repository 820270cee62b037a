/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the SRCU tests. */
#ifndef SRCU_TEST_HELPERS_H
#define SRCU_TEST_HELPERS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static inline void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
	while (nanosleep(&ts, &ts) != 0)
		;
}

static inline double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static inline void spin_until(atomic_int *flag, int value)
{
	while (atomic_load(flag) != value)
		sleep_us(100);
}

/* Redirect fd 2 into a memfd; the library writes its warnings with write(2). */
struct stderr_capture {
	int saved;
	int fd;
};

static inline void capture_stderr(struct stderr_capture *c)
{
	fflush(stderr);
	c->fd = memfd_create("stderr", 0);
	c->saved = dup(2);
	dup2(c->fd, 2);
}

/* Returns malloc'd text (caller frees). */
static inline char *captured_stderr(struct stderr_capture *c)
{
	fflush(stderr);
	dup2(c->saved, 2);
	close(c->saved);
	off_t n = lseek(c->fd, 0, SEEK_END);
	char *buf = calloc(1, (size_t)n + 1);
	if (n > 0 && pread(c->fd, buf, (size_t)n, 0) != n)
		buf[0] = 0;
	close(c->fd);
	return buf;
}

static inline int count_lines(const char *s, const char *needle)
{
	int n = 0;
	for (const char *p = s; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

#endif
