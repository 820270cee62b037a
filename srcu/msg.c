/* SPDX-License-Identifier: MIT */
/* One-line diagnostics built without stdio, so they are async-signal-safe. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

HIDDEN void srcu_msg_begin(struct srcu_msg *m)
{
	m->len = 0;
	srcu_msg_str(m, "ulockdep-srcu: ");
}

HIDDEN void srcu_msg_str(struct srcu_msg *m, const char *s)
{
	while (s && *s && m->len < sizeof(m->buf) - 1)
		m->buf[m->len++] = *s++;
}

HIDDEN void srcu_msg_long(struct srcu_msg *m, long v)
{
	char tmp[24];
	int n = 0;
	unsigned long u = v < 0 ? 0ul - (unsigned long)v : (unsigned long)v;

	do
		tmp[n++] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		tmp[n++] = '-';
	while (n > 0 && m->len < sizeof(m->buf) - 1)
		m->buf[m->len++] = tmp[--n];
}

HIDDEN void srcu_msg_end(struct srcu_msg *m)
{
	m->buf[m->len++] = '\n';
	size_t off = 0;
	while (off < m->len) {
		ssize_t n = write(STDERR_FILENO, m->buf + off, m->len - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
}

HIDDEN void srcu_fatal(const char *what)
{
	struct srcu_msg m;
	srcu_msg_begin(&m);
	srcu_msg_str(&m, "fatal: ");
	srcu_msg_str(&m, what);
	srcu_msg_end(&m);
	abort();
}
