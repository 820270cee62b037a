#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int reserve(struct ul_strbuf *b, size_t more)
{
    if (b->failed)
        return 0;
    if (b->len + more + 1 <= b->cap)
        return 1;
    if (b->fixed) {
        b->failed = 1;
        return 0;
    }
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->failed = 1;
        return 0;
    }
    b->s = s;
    b->cap = cap;
    return 1;
}

void ul_sb_printf(struct ul_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(b, (size_t)n))
        return;
    if ((size_t)n < sizeof small) {
        memcpy(b->s + b->len, small, (size_t)n + 1);
    } else {
        va_start(ap, fmt);
        vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

void ul_sb_putn(struct ul_strbuf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void ul_sb_puts(struct ul_strbuf *b, const char *s)
{
    ul_sb_putn(b, s, strlen(s));
}

void ul_sb_putc(struct ul_strbuf *b, char c)
{
    if (!reserve(b, 1))
        return;
    b->s[b->len++] = c;
    b->s[b->len] = 0;
}

void ul_sb_repeat(struct ul_strbuf *b, char c, size_t n)
{
    if (!reserve(b, n))
        return;
    memset(b->s + b->len, c, n);
    b->len += n;
    b->s[b->len] = 0;
}

void ul_sb_json_string(struct ul_strbuf *b, const char *s)
{
    if (!s) {
        ul_sb_puts(b, "null");
        return;
    }
    ul_sb_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': ul_sb_puts(b, "\\\""); break;
        case '\\': ul_sb_puts(b, "\\\\"); break;
        case '\n': ul_sb_puts(b, "\\n"); break;
        case '\t': ul_sb_puts(b, "\\t"); break;
        case '\r': ul_sb_puts(b, "\\r"); break;
        default:
            if (*p < 0x20)
                ul_sb_printf(b, "\\u%04x", *p);
            else
                ul_sb_putc(b, (char)*p);
        }
    }
    ul_sb_putc(b, '"');
}

void ul_sb_init_fixed(struct ul_strbuf *b, char *buf, size_t cap)
{
    *b = (struct ul_strbuf){ .s = buf, .cap = cap, .fixed = 1 };
    if (cap)
        buf[0] = 0;
}

void ul_sb_free(struct ul_strbuf *b)
{
    if (b->fixed) {
        b->len = 0;
        return;
    }
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}
