/*
 * csv.c — the streaming CSV reader behind export ingest. It keeps a window of the file in a
 * buffer and parses one record at a time; a record cut by the end of the buffer is parsed again
 * after the buffer is refilled, which keeps the state machine simple and costs nothing for the
 * usual rows of a few hundred bytes. Memory is bounded by the longest record, never the file.
 */
#include "ingest/csv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#endif

#include "hookline/ingest.h"

#define READ_CHUNK (256u * 1024u)
/* Room after the data for the NUL that ends a record's last field in place (see hl_csv_next). */
#define BUF_SLACK 16

struct hl_csv {
    FILE *f;
    const char *path;
    size_t max_record;
    char sep;
    unsigned char cls[256], qcls[256]; /* byte classes of unquoted and quoted fields' scans */
    int eof, started;
    char *buf;
    size_t cap, pos, end;
    unsigned long line; /* physical line at buf[pos] */
    /* current record */
    char *out;
    size_t outcap;
    hl_csv_field *fields;
    size_t fcap;
    unsigned long rec_line;
};

/* Byte classes of an unquoted field's scan: 0 goes on, CLS_STOP ends the field (the separator,
 * a line end, NUL), CLS_HIGH is a byte of a multi-byte UTF-8 character (counted for columns). */
enum { CLS_STOP = 1, CLS_HIGH = 2 };

static void set_classes(hl_csv *c)
{
    for (int b = 0; b < 256; b++)
        c->cls[b] = b >= 0x80 ? CLS_HIGH : 0;
    c->cls['\n'] = c->cls['\r'] = c->cls[0] = CLS_STOP;
    c->cls[(unsigned char)c->sep] = CLS_STOP;
    memcpy(c->qcls, c->cls, sizeof c->qcls);
    c->qcls[(unsigned char)c->sep] = 0;
    c->qcls['"'] = CLS_STOP;
}

/* The end of an unquoted field: the first byte from k on that is the separator, a line end or
 * NUL (or `end`); in a quoted field, the first quote, line end or NUL. UTF-8 continuation bytes passed on the way are added to *cont for columns. With
 * SSE2 (every x86-64) sixteen bytes are classified at once; elsewhere byte by byte. */
static inline size_t scan_field(const hl_csv *c, const char *b, size_t k, size_t end,
                                size_t *cont, int quoted)
{
    const unsigned char *cls = quoted ? c->qcls : c->cls;
#if defined(__SSE2__) && defined(__GNUC__)
    const __m128i vs = _mm_set1_epi8(quoted ? '"' : c->sep), vn = _mm_set1_epi8('\n'),
                  vr = _mm_set1_epi8('\r'), vz = _mm_setzero_si128();
#endif
    for (;;) {
#if defined(__SSE2__) && defined(__GNUC__)
        while (k + 16 <= end) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + k));
            __m128i e = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, vs), _mm_cmpeq_epi8(v, vn)),
                                     _mm_or_si128(_mm_cmpeq_epi8(v, vr), _mm_cmpeq_epi8(v, vz)));
            /* stops and high bytes (movemask takes each byte's top bit) */
            unsigned m = (unsigned)_mm_movemask_epi8(e) | (unsigned)_mm_movemask_epi8(v);
            if (m) {
                k += (size_t)__builtin_ctz(m);
                break;
            }
            k += 16;
        }
#endif
        while (k < end && cls[(unsigned char)b[k]] == 0)
            k++;
        if (k < end && cls[(unsigned char)b[k]] == CLS_HIGH) {
            *cont += ((unsigned char)b[k] & 0xC0) == 0x80;
            k++;
            continue;
        }
        return k;
    }
}

hl_csv *hl_csv_open(FILE *f, const char *path, size_t max_record)
{
    hl_csv *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->f = f;
    c->path = path;
    c->max_record = max_record ? max_record : HL_INGEST_MAX_RECORD;
    c->sep = ',';
    set_classes(c);
    c->line = 1;
    c->cap = READ_CHUNK * 2;
    c->buf = malloc(c->cap + BUF_SLACK);
    if (!c->buf) {
        free(c);
        return NULL;
    }
    return c;
}

void hl_csv_close(hl_csv *c)
{
    if (!c)
        return;
    free(c->buf);
    free(c->out);
    free(c->fields);
    free(c);
}

void hl_csv_set_sep(hl_csv *c, char sep)
{
    c->sep = sep;
    set_classes(c);
}

unsigned long hl_csv_record_line(const hl_csv *c)
{
    return c->rec_line;
}

/* Moves the unread part to the front and reads more. Returns 0, or -1 on a read error. */
static int fill(hl_csv *c)
{
    if (c->pos > 0) {
        memmove(c->buf, c->buf + c->pos, c->end - c->pos);
        c->end -= c->pos;
        c->pos = 0;
    }
    if (c->cap - c->end < READ_CHUNK) {
        size_t ncap = c->cap * 2;
        char *nb = realloc(c->buf, ncap + BUF_SLACK);
        if (!nb)
            return -2;
        c->buf = nb;
        c->cap = ncap;
    }
    size_t got = fread(c->buf + c->end, 1, c->cap - c->end, c->f);
    c->end += got;
    if (got == 0) {
        if (ferror(c->f))
            return -1;
        c->eof = 1;
    }
    return 0;
}

static int start(hl_csv *c, hl_error *err)
{
    if (c->started)
        return 0;
    c->started = 1;
    while (c->end - c->pos < 3 && !c->eof) {
        int r = fill(c);
        if (r < 0) {
            hl_error_set(err, r == -2 ? HL_EINTERNAL : HL_EEXTERNAL, c->path, 0, 0,
                         r == -2 ? "out of memory" : "read error");
            return -1;
        }
    }
    if (c->end - c->pos >= 3 && memcmp(c->buf + c->pos, "\xEF\xBB\xBF", 3) == 0)
        c->pos += 3;
    return 0;
}

hl_status hl_csv_detect(hl_csv *c, char *sep, hl_error *err)
{
    if (start(c, err) < 0)
        return err ? err->status : HL_EEXTERNAL;
    /* Make sure the first line is in the buffer (or all of a short file). */
    for (;;) {
        const char *nl = memchr(c->buf + c->pos, '\n', c->end - c->pos);
        const char *cr = memchr(c->buf + c->pos, '\r', c->end - c->pos);
        if (nl || cr || c->eof || c->end - c->pos > c->max_record)
            break;
        int r = fill(c);
        if (r < 0)
            return hl_error_set(err, r == -2 ? HL_EINTERNAL : HL_EEXTERNAL, c->path, 0, 0,
                                r == -2 ? "out of memory" : "read error");
    }
    size_t counts[3] = {0, 0, 0};
    int inq = 0;
    for (size_t i = c->pos; i < c->end; i++) {
        char ch = c->buf[i];
        if (ch == '"')
            inq = !inq;
        else if (!inq && (ch == '\n' || ch == '\r'))
            break;
        else if (!inq && ch == ',')
            counts[0]++;
        else if (!inq && ch == ';')
            counts[1]++;
        else if (!inq && ch == '\t')
            counts[2]++;
    }
    char s = ',';
    if (counts[1] > counts[0] && counts[1] >= counts[2])
        s = ';';
    else if (counts[2] > counts[0] && counts[2] > counts[1])
        s = '\t';
    hl_csv_set_sep(c, s);
    *sep = s;
    return HL_OK;
}

static int push_field(hl_csv *c, size_t *nf, size_t off, size_t len, unsigned long line,
                      unsigned long col, int quoted, int inplace)
{
    if (*nf == c->fcap) {
        size_t ncap = c->fcap ? c->fcap * 2 : 64;
        hl_csv_field *nfp = realloc(c->fields, ncap * sizeof *nfp);
        if (!nfp)
            return -1;
        c->fields = nfp;
        c->fcap = ncap;
    }
    hl_csv_field *f = &c->fields[(*nf)++];
    f->p = (const char *)(uintptr_t)off; /* fixed up to pointers once the record is complete */
    f->len = len;
    f->line = line;
    f->col = col;
    f->quoted = quoted;
    f->inplace = inplace;
    return 0;
}

/* One attempt at parsing a record starting at c->pos. Returns 1 done, 0 need more input,
 * -1 error. Columns count characters, not bytes: a field's column is 1 + its byte offset on its
 * line - the UTF-8 continuation bytes before it on that line, which the scan counts as it goes
 * (`cont`), so no byte is looked at twice. */
static int parse_record(hl_csv *c, size_t *nfields, size_t *consumed, unsigned long *lines_used,
                        hl_error *err)
{
    const char *b = c->buf;
    size_t i = c->pos, end = c->end;
    size_t o = 0; /* bytes written to out */
    size_t nf = 0;
    unsigned long line = c->line;
    size_t line_start = i;
    size_t cont = 0; /* UTF-8 continuation bytes in [line_start, i) */
    const char sep = c->sep;

    /* out needs at most the record's length + one NUL per field */
    size_t need = (end - i) + HL_INGEST_MAX_COLUMNS + 2;
    if (need > c->outcap) {
        size_t ncap = c->outcap ? c->outcap : 4096;
        while (ncap < need)
            ncap *= 2;
        char *no = realloc(c->out, ncap);
        if (!no) {
            hl_error_set(err, HL_EINTERNAL, c->path, 0, 0, "out of memory");
            return -1;
        }
        c->out = no;
        c->outcap = ncap;
    }

    for (;;) {
        /* start of a field */
        if (nf >= HL_INGEST_MAX_COLUMNS) {
            hl_error_set(err, HL_EINPUT, c->path, line, 1, "more than %d columns",
                         HL_INGEST_MAX_COLUMNS);
            return -1;
        }
        /* character column of position i on its line */
        unsigned long fline = line, fcol = (unsigned long)(i - line_start - cont) + 1;
        size_t fstart = o;
        if (o + (end - i) + 2 > c->outcap) {
            /* cannot happen: need was sized for the whole remainder */
            hl_error_set(err, HL_EINTERNAL, c->path, line, 1, "reader buffer overflow");
            return -1;
        }
        if (i < end && b[i] == '"') {
            i++;
            /* The usual quoted field ("16,743", "Brand, Inc"): no line end, NUL or doubled quote
             * inside, so it is read in place like an unquoted one. */
            const size_t cont0 = cont;
            size_t qe = scan_field(c, b, i, end, &cont, 1);
            if (qe < end && b[qe] == '"' && qe + 1 < end && b[qe + 1] != '"') {
                if (push_field(c, &nf, i, qe - i, fline, fcol, 1, 1) < 0)
                    goto oom;
                i = qe + 1;
                goto closed;
            }
            cont = cont0; /* the general loop below counts them again */
            for (;;) {
                const char *q = memchr(b + i, '"', end - i);
                size_t stop = q ? (size_t)(q - b) : end;
                /* copy and count newlines in [i, stop) */
                for (size_t k = i; k < stop; k++) {
                    char ch = b[k];
                    if (ch == '\0') {
                        hl_error_set(err, HL_EINPUT, c->path, line, 1,
                                     "NUL byte in input (binary file?)");
                        return -1;
                    }
                    if (ch == '\n' || (ch == '\r' && !(k + 1 < end && b[k + 1] == '\n'))) {
                        if (ch == '\r' && k + 1 >= end && !c->eof)
                            return 0;
                        line++;
                        line_start = k + 1;
                        cont = 0;
                    } else if (((unsigned char)ch & 0xC0) == 0x80) {
                        cont++;
                    }
                    c->out[o++] = ch;
                }
                i = stop;
                if (!q) {
                    if (c->eof) {
                        /* position of the opening quote */
                        hl_error_set(err, HL_EINPUT, c->path, fline, fcol,
                                     "unterminated quoted field");
                        return -1;
                    }
                    return 0;
                }
                /* b[i] == '"' */
                if (i + 1 >= end && !c->eof)
                    return 0;
                if (i + 1 < end && b[i + 1] == '"') {
                    c->out[o++] = '"';
                    i += 2;
                    continue;
                }
                i++; /* closing quote */
                break;
            }
            c->out[o++] = '\0';
            if (push_field(c, &nf, fstart, o - 1 - fstart, fline, fcol, 1, 0) < 0)
                goto oom;
        closed:
            /* after the closing quote: separator, line end or end of input */
            if (i < end && b[i] != sep && b[i] != '\n' && b[i] != '\r') {
                /* tolerate spaces after the closing quote, as Excel users type them */
                size_t k = i;
                while (k < end && b[k] == ' ')
                    k++;
                if (k < end && (b[k] == sep || b[k] == '\n' || b[k] == '\r')) {
                    i = k;
                } else if (k >= end && !c->eof) {
                    return 0;
                } else if (k < end) {
                    unsigned long cc = (unsigned long)(i - line_start - cont) + 1;
                    hl_error_set(err, HL_EINPUT, c->path, line, line == fline ? cc : 1,
                                 "unexpected character after a closing quote");
                    return -1;
                } else {
                    i = k;
                }
            }
        } else {
            /* an unquoted field stays where it is in the buffer (see hl_csv_next) */
            size_t k = scan_field(c, b, i, end, &cont, 0);
            if (k < end && b[k] == '\0') {
                hl_error_set(err, HL_EINPUT, c->path, line, 1, "NUL byte in input (binary file?)");
                return -1;
            }
            if (k >= end && !c->eof)
                return 0;
            if (push_field(c, &nf, i, k - i, fline, fcol, 0, 1) < 0)
                goto oom;
            i = k;
        }
        /* after a field */
        if (i < end && b[i] == sep) {
            i++;
            continue;
        }
        if (i >= end) {
            /* end of input ends the record */
            *consumed = i - c->pos;
            *nfields = nf;
            *lines_used = line - c->line;
            return 1;
        }
        /* line end */
        if (b[i] == '\r') {
            if (i + 1 >= end && !c->eof)
                return 0;
            i += (i + 1 < end && b[i + 1] == '\n') ? 2 : 1;
        } else {
            i++;
        }
        line++;
        *consumed = i - c->pos;
        *nfields = nf;
        *lines_used = line - c->line;
        return 1;
    }
oom:
    hl_error_set(err, HL_EINTERNAL, c->path, 0, 0, "out of memory");
    return -1;
}

int hl_csv_next(hl_csv *c, const hl_csv_field **fields, size_t *n, hl_error *err)
{
    if (start(c, err) < 0)
        return -1;
    for (;;) {
        if (c->pos >= c->end) {
            if (c->eof)
                return 0;
            int r = fill(c);
            if (r < 0) {
                hl_error_set(err, r == -2 ? HL_EINTERNAL : HL_EEXTERNAL, c->path, 0, 0,
                             r == -2 ? "out of memory" : "read error");
                return -1;
            }
            continue;
        }
        size_t nf = 0, consumed = 0;
        unsigned long lines = 0;
        int r = parse_record(c, &nf, &consumed, &lines, err);
        if (r < 0)
            return -1;
        if (r == 0) {
            if (c->end - c->pos > c->max_record) {
                hl_error_set(err, HL_EINPUT, c->path, c->line, 1,
                             "record longer than %zu bytes (the limit for one row)", c->max_record);
                return -1;
            }
            int fr = fill(c);
            if (fr < 0) {
                hl_error_set(err, fr == -2 ? HL_EINTERNAL : HL_EEXTERNAL, c->path, 0, 0,
                             fr == -2 ? "out of memory" : "read error");
                return -1;
            }
            continue;
        }
        if (consumed > c->max_record) {
            hl_error_set(err, HL_EINPUT, c->path, c->line, 1,
                         "record longer than %zu bytes (the limit for one row)", c->max_record);
            return -1;
        }
        c->rec_line = c->line;
        c->pos += consumed;
        c->line += lines;
        /* skip blank lines: one unquoted empty field */
        if (nf == 1 && c->fields[0].len == 0 && !c->fields[0].quoted)
            continue;
        /* Fields with escaped quotes or line ends were unescaped into out; the others are read
         * in place, ended by a NUL over the separator, closing quote or line end after them (the
         * record is consumed, so nothing reads those bytes again; after the last byte of input
         * there is BUF_SLACK). */
        for (size_t k = 0; k < nf; k++) {
            hl_csv_field *fd = &c->fields[k];
            size_t off = (size_t)(uintptr_t)fd->p;
            if (!fd->inplace) {
                fd->p = c->out + off;
            } else {
                c->buf[off + fd->len] = '\0';
                fd->p = c->buf + off;
            }
        }
        *fields = c->fields;
        *n = nf;
        return 1;
    }
}
