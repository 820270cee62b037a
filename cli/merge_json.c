/* A small JSON reader (RFC 8259), enough to read the shim's JSON report lines back:
 * a tree of values, strings decoded to UTF-8. Depth is limited so hostile input cannot
 * exhaust the stack. */
#include "merge.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 200

struct reader {
    const char *p, *end;
    int depth;
};

static void skip_ws(struct reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static struct json *value(struct reader *r);

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

static size_t put_utf8(char *out, unsigned cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | cp >> 18);
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* At the opening quote; returns the decoded string (malloc'd) or NULL. */
static char *string(struct reader *r)
{
    r->p++;
    const char *s = r->p;
    while (r->p < r->end && *r->p != '"') {
        if (*r->p == '\\')
            r->p++;
        r->p++;
    }
    if (r->p >= r->end)
        return NULL;
    size_t n = (size_t)(r->p - s);
    r->p++;
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *q = s; q < s + n; q++) {
        if ((unsigned char)*q < 0x20)
            goto bad;
        if (*q != '\\') {
            *o++ = *q;
            continue;
        }
        q++;
        switch (*q) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            if (s + n - q < 5)
                goto bad;
            int cp = hex4(q + 1);
            if (cp < 0)
                goto bad;
            q += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && s + n - q >= 7 && q[1] == '\\' && q[2] == 'u') {
                int lo = hex4(q + 3);
                if (lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    q += 6;
                }
            }
            o += put_utf8(o, (unsigned)cp); /* a \uXXXX (6 bytes) never needs more than 4 */
            break;
        }
        default:
            goto bad;
        }
    }
    *o = 0;
    return out;
bad:
    free(out);
    return NULL;
}

static struct json *node(enum json_type t)
{
    struct json *j = calloc(1, sizeof *j);
    if (j)
        j->type = t;
    return j;
}

static bool push(struct json *j, char *key, struct json *v)
{
    if ((j->n & (j->n - 1)) == 0) { /* full at 0, 1, 2, 4, 8...: double */
        size_t ncap = j->n ? j->n * 2 : 1;
        struct json **items = realloc(j->items, ncap * sizeof *items);
        if (!items)
            return false;
        j->items = items;
        if (j->type == JSON_OBJECT) {
            char **keys = realloc(j->keys, ncap * sizeof *keys);
            if (!keys)
                return false;
            j->keys = keys;
        }
    }
    if (j->type == JSON_OBJECT)
        j->keys[j->n] = key;
    j->items[j->n++] = v;
    return true;
}

static struct json *container(struct reader *r, bool object)
{
    struct json *j = node(object ? JSON_OBJECT : JSON_ARRAY);
    char close = object ? '}' : ']';
    if (!j || ++r->depth > MAX_DEPTH)
        goto bad;
    r->p++;
    skip_ws(r);
    if (r->p < r->end && *r->p == close) {
        r->p++;
        r->depth--;
        return j;
    }
    for (;;) {
        char *key = NULL;
        skip_ws(r);
        if (object) {
            if (r->p >= r->end || *r->p != '"' || !(key = string(r)))
                goto bad;
            skip_ws(r);
            if (r->p >= r->end || *r->p != ':') {
                free(key);
                goto bad;
            }
            r->p++;
        }
        struct json *v = value(r);
        if (!v || !push(j, key, v)) {
            free(key);
            json_free(v);
            goto bad;
        }
        skip_ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == close) {
            r->p++;
            r->depth--;
            return j;
        }
        goto bad;
    }
bad:
    json_free(j);
    return NULL;
}

static bool literal(struct reader *r, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n))
        return false;
    r->p += n;
    return true;
}

static struct json *value(struct reader *r)
{
    skip_ws(r);
    if (r->p >= r->end)
        return NULL;
    char c = *r->p;
    if (c == '{' || c == '[')
        return container(r, c == '{');
    if (c == '"') {
        char *s = string(r);
        struct json *j = s ? node(JSON_STRING) : NULL;
        if (j)
            j->string = s;
        else
            free(s);
        return j;
    }
    if (literal(r, "true") || literal(r, "false")) {
        struct json *j = node(JSON_BOOL);
        if (j)
            j->boolean = r->p[-1] == 'e' && r->p[-2] == 'u';
        return j;
    }
    if (literal(r, "null"))
        return node(JSON_NULL);
    if (c == '-' || (c >= '0' && c <= '9')) {
        char buf[64];
        size_t n = 0;
        while (r->p < r->end && n + 1 < sizeof buf && strchr("+-.eE0123456789", *r->p))
            buf[n++] = *r->p++;
        buf[n] = 0;
        char *end;
        double d = strtod(buf, &end);
        if (*end)
            return NULL;
        struct json *j = node(JSON_NUMBER);
        if (j)
            j->number = d;
        return j;
    }
    return NULL;
}

struct json *json_parse(const char *text, size_t len)
{
    struct reader r = { text, text + len, 0 };
    struct json *j = value(&r);
    skip_ws(&r);
    if (j && r.p != r.end) {
        json_free(j);
        return NULL;
    }
    return j;
}

void json_free(struct json *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->n; i++) {
        json_free(j->items[i]);
        if (j->keys)
            free(j->keys[i]);
    }
    free(j->items);
    free(j->keys);
    free(j->string);
    free(j);
}

const struct json *json_get(const struct json *obj, const char *key)
{
    if (!obj || obj->type != JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (!strcmp(obj->keys[i], key))
            return obj->items[i];
    return NULL;
}

const char *json_str(const struct json *j)
{
    return j && j->type == JSON_STRING ? j->string : NULL;
}
