/* A growable text buffer for rendering reports (report path only; uses malloc). */
#ifndef ULOCKDEP_REPORTS_STRBUF_H
#define ULOCKDEP_REPORTS_STRBUF_H

#include <stddef.h>

struct ul_strbuf {
    char *s;
    size_t len, cap;
    int failed; /* an allocation failed: the text is truncated */
    int fixed;  /* s is a buffer of cap bytes given by the caller: never reallocated or freed */
};

/* A buffer that never allocates: what does not fit in buf (cap bytes) sets failed. */
void ul_sb_init_fixed(struct ul_strbuf *b, char *buf, size_t cap);

void ul_sb_printf(struct ul_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ul_sb_puts(struct ul_strbuf *b, const char *s);
void ul_sb_putn(struct ul_strbuf *b, const char *s, size_t n);
void ul_sb_putc(struct ul_strbuf *b, char c);
void ul_sb_repeat(struct ul_strbuf *b, char c, size_t n);
void ul_sb_json_string(struct ul_strbuf *b, const char *s); /* quoted, escaped; null for NULL */
void ul_sb_free(struct ul_strbuf *b);

#endif
