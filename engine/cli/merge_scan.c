/*
 * merge_scan.c — reading and writing the shape shared by the files `hookline merge` joins (see
 * merge.h): a top-level object of small members and a few big arrays. Reading validates a
 * shard's whole file before anything is written and notes where each array starts; writing
 * reproduces hookline's own layout, so a merge of one shard gives back its file byte for byte.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "cli/merge.h"
#include "common/jsonw.h"

/* A document with more top-level members than this is not one of hookline's (they have a
 * dozen); the cap keeps the duplicate check below cheap on hostile input. */
#define MAX_HEADER 256

int hl_merge_fail(hl_error *err, hl_status st, const char *file, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hl_error_set(err, st, file, 0, 0, "%s", msg);
    return -1;
}

static hl_status seek(hl_merge_file *mf, uint64_t at, hl_error *err)
{
    if (fseeko(mf->fp, (off_t)at, SEEK_SET) != 0)
        return hl_error_set(err, HL_EEXTERNAL, mf->path, 0, 0, "cannot seek: %s", strerror(errno));
    return HL_OK;
}

static int keep(hl_merge_header *h, const char *key, const char *val, const char *path,
                hl_error *err)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->keys[i], key) == 0)
            return hl_merge_fail(err, HL_EINPUT, path, "\"%.100s\" twice", key);
    if (h->n == MAX_HEADER)
        return hl_merge_fail(err, HL_EINPUT, path, "more than %d top-level members", MAX_HEADER);
    char **nk = realloc(h->keys, (h->n + 1) * sizeof *nk);
    if (nk)
        h->keys = nk;
    char **nv = realloc(h->vals, (h->n + 1) * sizeof *nv);
    if (nv)
        h->vals = nv;
    char *k = strdup(key), *v = strdup(val);
    if (!nk || !nv || !k || !v) {
        free(k);
        free(v);
        return hl_merge_fail(err, HL_EINTERNAL, path, "out of memory");
    }
    h->keys[h->n] = k;
    h->vals[h->n++] = v;
    return 0;
}

static int member(hl_merge_file *mf, hl_jstream *s, const char *const *arrays, size_t narrays,
                  hl_merge_header *hdr, hl_merge_array_fn fn, void *ud, hl_error *err)
{
    const char *key = hl_jstream_key(s);
    for (size_t k = 0; k < narrays; k++) {
        if (strcmp(key, arrays[k]) != 0)
            continue;
        if (mf->has & (1u << k))
            return hl_merge_fail(err, HL_EINPUT, mf->path, "\"%s\" twice", key);
        if (hl_jstream_peek(s) != '[')
            return hl_merge_fail(err, HL_EINPUT, mf->path, "\"%s\" is not an array", key);
        if (fn ? fn(ud, k, s, err) < 0 : hl_jstream_skip(s) < 0)
            return -1;
        mf->at[k] = hl_jstream_offset(s);
        mf->has |= 1u << k;
        return 0;
    }
    int as_of = strcmp(key, "as_of") == 0;
    if (!as_of && !hdr)
        return 0; /* hl_jstream_next skips it */
    char name[HL_JSTREAM_MAX_KEY + 1];
    snprintf(name, sizeof name, "%s", key); /* the key lives until the next member */
    const char *v;
    size_t n;
    if (hl_jstream_value(s, &v, &n) < 0)
        return -1;
    if (as_of)
        snprintf(mf->as_of, sizeof mf->as_of, "%s", v);
    return hdr ? keep(hdr, name, v, mf->path, err) : 0;
}

hl_status hl_merge_scan(hl_merge_file *mf, const char *const *arrays, size_t narrays,
                        hl_merge_header *hdr, hl_merge_array_fn fn, void *ud, hl_error *err)
{
    mf->has = 0;
    mf->as_of[0] = '\0';
    if (seek(mf, 0, err) != HL_OK)
        return err->status;
    hl_jstream *s = hl_jstream_open(mf->fp, 0, mf->path, HL_JSTREAM_MAX_VALUE, err);
    int r = s ? hl_jstream_enter(s, '{') : -1;
    while (r == 0 && (r = hl_jstream_next(s)) == 1)
        r = member(mf, s, arrays, narrays, hdr, fn, ud, err);
    if (r == 0)
        r = hl_jstream_finish(s);
    hl_jstream_free(s);
    return r < 0 ? err->status : HL_OK;
}

void hl_merge_header_free(hl_merge_header *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->keys[i]);
        free(h->vals[i]);
    }
    free(h->keys);
    free(h->vals);
    memset(h, 0, sizeof *h);
}

int hl_merge_elements(hl_jstream *s, hl_merge_elem_fn fn, void *ud, hl_error *err)
{
    if (hl_jstream_enter(s, '[') < 0)
        return -1;
    int r;
    while ((r = hl_jstream_next(s)) == 1) {
        const char *t;
        size_t n;
        if (hl_jstream_value(s, &t, &n) < 0 || fn(ud, t, n, hl_jstream_offset(s), err) < 0)
            return -1;
    }
    return r;
}

hl_status hl_merge_each(hl_merge_file *mf, size_t k, hl_merge_elem_fn fn, void *ud,
                        hl_error *err)
{
    if (!(mf->has & (1u << k)))
        return HL_OK;
    if (seek(mf, mf->at[k], err) != HL_OK)
        return err->status;
    hl_jstream *s = hl_jstream_open(mf->fp, mf->at[k], mf->path, HL_JSTREAM_MAX_VALUE, err);
    int r = s ? hl_merge_elements(s, fn, ud, err) : -1;
    hl_jstream_free(s);
    return r < 0 ? err->status : HL_OK;
}

void hl_merge_write_header(FILE *out, const hl_merge_header *h)
{
    fputc('{', out);
    for (size_t i = 0; i < h->n; i++) {
        fputs(i ? ", " : "", out);
        hl_json_string(out, h->keys[i]);
        fputs(": ", out);
        fputs(h->vals[i], out);
    }
}

void hl_merge_array_open(hl_merge_array *a, FILE *out, const char *name, int inline_)
{
    a->out = out;
    a->n = 0;
    a->inline_ = inline_;
    hl_json_string(out, name);
    fputs(": [", out);
}

void hl_merge_array_add(hl_merge_array *a, const char *text, size_t len)
{
    fputs(a->inline_ ? (a->n ? ", " : "") : (a->n ? ",\n  " : "\n  "), a->out);
    fwrite(text, 1, len, a->out);
    a->n++;
}

void hl_merge_array_close(hl_merge_array *a)
{
    fputs(a->inline_ || !a->n ? "]" : "\n ]", a->out);
}
