/*
 * jsonstream.c — the element-at-a-time JSON scanner of jsonstream.h. One pass over the bytes
 * with a small explicit stack: no recursion (a hostile nesting cannot exhaust the C stack), no
 * lookahead beyond one byte, and every loop consumes input, so any input ends — in a value, an
 * end of input or an error — after reading it once.
 */
#include "common/jsonstream.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define READ_BUF (1u << 18)
#define FIRST 0x80u /* on an entered container: no member read yet */

typedef struct dynbuf {
    char *p;
    size_t n, cap, max;
} dynbuf;

struct hl_jstream {
    FILE *f;                  /* NULL for memory */
    const unsigned char *buf; /* the window: the read buffer, or the whole text */
    size_t pos, end;
    unsigned char *fbuf;
    uint64_t base; /* input offset of buf[0] */
    int eof;
    char *path;
    hl_error *err;
    dynbuf *cap;   /* where the bytes being scanned are kept, or NULL */
    size_t mark;   /* first byte of buf not yet copied to cap */
    dynbuf val, key;
    char *keytext; /* the decoded key */
    unsigned char stk[HL_JSTREAM_MAX_DEPTH]; /* entered containers: '{' or '[', | FIRST */
    int depth;
    int pending; /* a value is next and nobody consumed it yet */
    int failed;
    uint64_t at;
};

static int fail(hl_jstream *s, hl_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(hl_jstream *s, hl_status st, const char *fmt, ...)
{
    /* the first error is the one to report: a read error or a size limit surfaces later as
     * "unexpected end", which would hide it */
    if (s->failed)
        return -1;
    s->failed = 1;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hl_error_set(s->err, st, s->path, 0, 0, "byte %llu: %s",
                 (unsigned long long)s->base + s->pos, msg);
    return -1;
}

static int append(hl_jstream *s, dynbuf *d, const void *p, size_t n)
{
    if (n > d->max - d->n)
        return fail(s, HL_EINPUT, "a value longer than %zu bytes", d->max);
    if (d->n + n + 1 > d->cap) {
        size_t nc = d->cap ? d->cap : 256;
        while (nc < d->n + n + 1)
            nc *= 2;
        char *np = realloc(d->p, nc);
        if (!np)
            return fail(s, HL_EINTERNAL, "out of memory");
        d->p = np;
        d->cap = nc;
    }
    memcpy(d->p + d->n, p, n);
    d->n += n;
    d->p[d->n] = '\0';
    return 0;
}

/* Copies what was scanned since the mark into the capture buffer. */
static int flush_capture(hl_jstream *s)
{
    if (!s->cap)
        return 0;
    size_t from = s->mark;
    s->mark = s->pos;
    return append(s, s->cap, s->buf + from, s->pos - from);
}

/* 1 when a byte is available at pos, 0 at the end of input, -1 on error (reported). */
static int refill(hl_jstream *s)
{
    if (s->pos < s->end)
        return 1;
    if (s->failed)
        return -1;
    if (!s->f || s->eof)
        return 0;
    if (flush_capture(s) < 0)
        return -1;
    s->base += s->end;
    size_t got = fread(s->fbuf, 1, READ_BUF, s->f);
    s->buf = s->fbuf;
    s->pos = s->mark = 0;
    s->end = got;
    if (got > 0)
        return 1;
    s->eof = 1;
    if (ferror(s->f))
        return fail(s, HL_EEXTERNAL, "read error: %s", strerror(errno ? errno : EIO));
    return 0;
}

static inline int peekc(hl_jstream *s)
{
    if (s->pos < s->end || refill(s) > 0)
        return s->buf[s->pos];
    return -1;
}

static int skip_ws(hl_jstream *s)
{
    for (;;) {
        while (s->pos < s->end) {
            unsigned char c = s->buf[s->pos];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
                return c;
            s->pos++;
        }
        if (refill(s) <= 0)
            return -1;
    }
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_hex(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Four hex digits of a \\u escape into *u. 0, or -1 (nothing reported). */
static int hex4(hl_jstream *s, unsigned *u)
{
    *u = 0;
    for (int i = 0; i < 4; i++) {
        int c = peekc(s);
        if (!is_hex(c))
            return -1;
        *u = *u * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        s->pos++;
    }
    return 0;
}

/* At the opening quote: through the closing one. */
static int scan_string(hl_jstream *s)
{
    s->pos++;
    for (;;) {
        const unsigned char *b = s->buf;
        size_t p = s->pos, e = s->end;
        /* the common case, a run of plain bytes, stays in this loop */
        while (p < e && b[p] != '"' && b[p] != '\\' && b[p] >= 0x20)
            p++;
        s->pos = p;
        if (p == e) {
            if (refill(s) <= 0)
                return fail(s, HL_EINPUT, "unterminated string");
            continue;
        }
        if (b[p] == '"') {
            s->pos++;
            return 0;
        }
        if (b[p] != '\\')
            return fail(s, HL_EINPUT, "control character 0x%02x in a string", b[p]);
        s->pos++;
        int c = peekc(s);
        s->pos++;
        switch (c) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            break;
        case 'u': {
            /* a surrogate must come in a high-low pair: an unpaired one is no character, and
             * cJSON, which parses the values the scanner hands out, refuses it */
            unsigned u, lo;
            if (hex4(s, &u) < 0)
                return fail(s, HL_EINPUT, "bad \\u escape in a string");
            if (u >= 0xDC00 && u <= 0xDFFF)
                return fail(s, HL_EINPUT, "unpaired surrogate (\\u%04X) in a string", u);
            if (u >= 0xD800 && u <= 0xDBFF) {
                if (peekc(s) != '\\')
                    return fail(s, HL_EINPUT, "unpaired surrogate (\\u%04X) in a string", u);
                s->pos++;
                if (peekc(s) != 'u')
                    return fail(s, HL_EINPUT, "unpaired surrogate (\\u%04X) in a string", u);
                s->pos++;
                if (hex4(s, &lo) < 0)
                    return fail(s, HL_EINPUT, "bad \\u escape in a string");
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return fail(s, HL_EINPUT, "unpaired surrogate (\\u%04X) in a string", u);
            }
            break;
        }
        default:
            s->pos--;
            return fail(s, HL_EINPUT, c < 0 ? "unterminated string" : "bad escape in a string");
        }
    }
}

static int digits(hl_jstream *s)
{
    if (!is_digit(peekc(s)))
        return fail(s, HL_EINPUT, "bad number");
    while (is_digit(peekc(s)))
        s->pos++;
    return 0;
}

/* JSON's grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int scan_number(hl_jstream *s)
{
    if (peekc(s) == '-')
        s->pos++;
    if (peekc(s) == '0')
        s->pos++;
    else if (digits(s) < 0)
        return -1;
    if (peekc(s) == '.') {
        s->pos++;
        if (digits(s) < 0)
            return -1;
    }
    int c = peekc(s);
    if (c == 'e' || c == 'E') {
        s->pos++;
        c = peekc(s);
        if (c == '+' || c == '-')
            s->pos++;
        if (digits(s) < 0)
            return -1;
    }
    return 0;
}

static int scan_literal(hl_jstream *s, const char *lit)
{
    for (const char *p = lit; *p; p++) {
        if (peekc(s) != (unsigned char)*p)
            return fail(s, HL_EINPUT, "unexpected character (expected %s)", lit);
        s->pos++;
    }
    return 0;
}

/* After an object's '{' or ',': a member name and its ':'. */
static int member_name(hl_jstream *s)
{
    if (skip_ws(s) != '"')
        return fail(s, HL_EINPUT, "expected a member name");
    if (scan_string(s) < 0)
        return -1;
    if (skip_ws(s) != ':')
        return fail(s, HL_EINPUT, "expected ':'");
    s->pos++;
    return 0;
}

static int scalar(hl_jstream *s, int c)
{
    if (c == '"')
        return scan_string(s);
    if (c == '-' || is_digit(c))
        return scan_number(s);
    if (c == 't')
        return scan_literal(s, "true");
    if (c == 'f')
        return scan_literal(s, "false");
    if (c == 'n')
        return scan_literal(s, "null");
    if (c < 0)
        return fail(s, HL_EINPUT, "unexpected end of input");
    return fail(s, HL_EINPUT, "unexpected character '%c'", c >= 0x20 && c < 0x7f ? c : '?');
}

/* One whole value from the next non-blank byte, nested containers included. */
static int scan_value(hl_jstream *s)
{
    unsigned char stk[HL_JSTREAM_MAX_DEPTH];
    int d = 0;
    for (;;) {
        int c = skip_ws(s);
        if (c == '{' || c == '[') {
            if (s->depth + d >= HL_JSTREAM_MAX_DEPTH)
                return fail(s, HL_EINPUT, "nested deeper than %d", HL_JSTREAM_MAX_DEPTH);
            stk[d++] = (unsigned char)c;
            s->pos++;
            int close = c == '{' ? '}' : ']';
            if (skip_ws(s) != close) {
                if (c == '{' && member_name(s) < 0)
                    return -1;
                continue; /* to the first member's value */
            }
            s->pos++;
            d--;
        } else if (scalar(s, c) < 0) {
            return -1;
        }
        /* a value ended: close containers, or step to the next member */
        for (;;) {
            if (d == 0)
                return 0;
            int close = stk[d - 1] == '{' ? '}' : ']';
            c = skip_ws(s);
            if (c == close) {
                s->pos++;
                d--;
                continue;
            }
            if (c != ',')
                return fail(s, HL_EINPUT, "expected ',' or '%c'", close);
            s->pos++;
            if (stk[d - 1] == '{' && member_name(s) < 0)
                return -1;
            break;
        }
    }
}

static hl_jstream *open_common(const char *path, size_t max_value, hl_error *err)
{
    hl_jstream *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path ? path : "(input)"))) {
        free(s);
        hl_error_set(err, HL_EINTERNAL, path, 0, 0, "out of memory");
        return NULL;
    }
    s->err = err;
    s->val.max = max_value;
    s->key.max = HL_JSTREAM_MAX_KEY + 2; /* the quotes */
    s->pending = 1;
    return s;
}

hl_jstream *hl_jstream_open(FILE *f, uint64_t base, const char *path, size_t max_value,
                            hl_error *err)
{
    hl_jstream *s = open_common(path, max_value, err);
    if (s && !(s->fbuf = malloc(READ_BUF))) {
        hl_jstream_free(s);
        hl_error_set(err, HL_EINTERNAL, path, 0, 0, "out of memory");
        return NULL;
    }
    if (s) {
        s->f = f;
        s->buf = s->fbuf;
        s->base = base;
    }
    return s;
}

hl_jstream *hl_jstream_open_mem(const char *text, size_t len, const char *path,
                                size_t max_value, hl_error *err)
{
    hl_jstream *s = open_common(path, max_value, err);
    if (s) {
        s->buf = (const unsigned char *)text;
        s->end = len;
        s->eof = 1;
    }
    return s;
}

void hl_jstream_free(hl_jstream *s)
{
    if (!s)
        return;
    free(s->fbuf);
    free(s->path);
    free(s->val.p);
    free(s->key.p);
    free(s->keytext);
    free(s);
}

int hl_jstream_peek(hl_jstream *s)
{
    if (s->failed)
        return -1;
    int c = skip_ws(s);
    /* a value is due here: the input ending is an error now, not at the next call */
    if (c < 0 && s->pending && !s->failed)
        return fail(s, HL_EINPUT, "unexpected end of input");
    return c;
}

/* Positions at the pending value's first byte; returns it, or -1. */
static int begin_value(hl_jstream *s)
{
    if (s->failed)
        return -1;
    if (!s->pending)
        return fail(s, HL_EINTERNAL, "no value to read here (a bug in the caller)");
    int c = skip_ws(s);
    if (c < 0)
        return fail(s, HL_EINPUT, "unexpected end of input");
    s->at = s->base + s->pos;
    return c;
}

int hl_jstream_enter(hl_jstream *s, int kind)
{
    int c = begin_value(s);
    if (c < 0)
        return -1;
    if (c != kind)
        return fail(s, HL_EINPUT, "expected %s", kind == '{' ? "an object" : "an array");
    if (s->depth >= HL_JSTREAM_MAX_DEPTH)
        return fail(s, HL_EINPUT, "nested deeper than %d", HL_JSTREAM_MAX_DEPTH);
    s->stk[s->depth++] = (unsigned char)(kind | (int)FIRST);
    s->pos++;
    s->pending = 0;
    return 0;
}

/* The member name just captured (with its quotes), decoded into keytext. */
static int decode_key(hl_jstream *s)
{
    const char *r = s->key.p + 1;
    size_t n = s->key.n - 2;
    char *o = realloc(s->keytext, n + 1); /* escapes only ever shorten */
    if (!o)
        return fail(s, HL_EINTERNAL, "out of memory");
    s->keytext = o;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (r[i] != '\\') {
            o[j++] = r[i];
            continue;
        }
        char e = r[++i]; /* the scanner checked: an escape is complete */
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *k = strchr(from, e);
        if (e != 'u' && k) {
            o[j++] = to[k - from];
            continue;
        }
        unsigned long u = strtoul((char[5]){r[i + 1], r[i + 2], r[i + 3], r[i + 4], 0}, NULL, 16);
        i += 4;
        /* UTF-8 of the code unit; surrogates stay as they are (names hookline matches are
         * ASCII: an odd name just matches nothing) */
        if (u < 0x80) {
            o[j++] = (char)u;
        } else if (u < 0x800) {
            o[j++] = (char)(0xc0 | (u >> 6));
            o[j++] = (char)(0x80 | (u & 0x3f));
        } else {
            o[j++] = (char)(0xe0 | (u >> 12));
            o[j++] = (char)(0x80 | ((u >> 6) & 0x3f));
            o[j++] = (char)(0x80 | (u & 0x3f));
        }
    }
    o[j] = '\0';
    return 0;
}

static int read_key(hl_jstream *s)
{
    if (skip_ws(s) != '"')
        return fail(s, HL_EINPUT, "expected a member name");
    s->key.n = 0;
    s->cap = &s->key;
    s->mark = s->pos;
    int r = scan_string(s);
    if (r == 0)
        r = flush_capture(s);
    s->cap = NULL;
    if (r < 0 || decode_key(s) < 0)
        return -1;
    if (skip_ws(s) != ':')
        return fail(s, HL_EINPUT, "expected ':'");
    s->pos++;
    return 0;
}

int hl_jstream_next(hl_jstream *s)
{
    if (s->failed)
        return -1;
    if (s->depth == 0)
        return fail(s, HL_EINTERNAL, "no container entered (a bug in the caller)");
    if (s->pending && hl_jstream_skip(s) < 0)
        return -1;
    unsigned char top = s->stk[s->depth - 1];
    int kind = top & ~FIRST, close = kind == '{' ? '}' : ']';
    int c = skip_ws(s);
    if (c == close) {
        s->pos++;
        s->depth--;
        return 0;
    }
    if (c < 0)
        return fail(s, HL_EINPUT, "unexpected end of input");
    if (!(top & FIRST)) {
        if (c != ',')
            return fail(s, HL_EINPUT, "expected ',' or '%c'", close);
        s->pos++;
    }
    s->stk[s->depth - 1] = (unsigned char)kind;
    if (kind == '{' && read_key(s) < 0)
        return -1;
    s->pending = 1;
    return 1;
}

const char *hl_jstream_key(const hl_jstream *s)
{
    return s->keytext ? s->keytext : "";
}

int hl_jstream_value(hl_jstream *s, const char **text, size_t *len)
{
    if (begin_value(s) < 0)
        return -1;
    s->val.n = 0;
    s->cap = &s->val;
    s->mark = s->pos;
    int r = scan_value(s);
    if (r == 0)
        r = flush_capture(s);
    s->cap = NULL;
    if (r < 0)
        return -1;
    s->pending = 0;
    *text = s->val.p;
    *len = s->val.n;
    return 0;
}

int hl_jstream_skip(hl_jstream *s)
{
    if (begin_value(s) < 0 || scan_value(s) < 0)
        return -1;
    s->pending = 0;
    return 0;
}

uint64_t hl_jstream_offset(const hl_jstream *s)
{
    return s->at;
}

int hl_jstream_finish(hl_jstream *s)
{
    if (s->failed)
        return -1;
    if (s->pending || s->depth)
        return fail(s, HL_EINTERNAL, "document not read to its end (a bug in the caller)");
    if (skip_ws(s) >= 0)
        return fail(s, HL_EINPUT, "unexpected data after the document");
    return s->failed ? -1 : 0;
}

FILE *hl_jstream_fopen(const char *path, hl_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        hl_error_set(err, errno == ENOENT || errno == ENOTDIR ? HL_EINPUT : HL_EEXTERNAL, path, 0,
                     0, "cannot read: %s", strerror(errno));
    return f;
}

int hl_jstream_uint(const char *text, size_t len, uint64_t *v)
{
    if (len == 0 || len > 18 || (text[0] == '0' && len > 1))
        return -1;
    uint64_t x = 0;
    for (size_t i = 0; i < len; i++) {
        if (!is_digit((unsigned char)text[i]))
            return -1;
        x = x * 10 + (uint64_t)(text[i] - '0');
    }
    *v = x;
    return 0;
}
