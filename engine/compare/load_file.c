/*
 * load_file.c — hl_findings_load_file: findings.json read from its file one array element at a
 * time (jsonstream.h), each element parsed alone with cJSON and dropped once loaded, so that
 * reading back a 10^6-row night (`hookline merge`) holds the findings and one element, never a
 * tree of the whole document. Same element loaders as hl_findings_from_json (load.c).
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/jsonstream.h"
#include "compare/load.h"

/* The top-level members the loader reads besides the arrays (hl__load_header). */
static int is_header_key(const char *k)
{
    return strcmp(k, "alpha") == 0 || strcmp(k, "mode") == 0 || strcmp(k, "as_of") == 0 ||
           strcmp(k, "from") == 0;
}

static hl_status element(hl_loader *L, hl_jstream *s, const hl_load_section *sec, size_t i)
{
    const char *t;
    size_t n;
    if (hl_jstream_value(s, &t, &n) < 0)
        return L->err->status;
    cJSON *it = cJSON_ParseWithLength(t, n);
    if (!it)
        return hl_error_set(L->err, HL_EINPUT, L->path, 0, 0, "%s[%zu]: cannot parse (byte %llu)",
                            sec->name, i, (unsigned long long)hl_jstream_offset(s));
    hl_status st = sec->load(L, it, i);
    cJSON_Delete(it);
    return st;
}

/* One member of the document: an array of elements, a header value, or something skipped. */
static hl_status member(hl_loader *L, hl_jstream *s, cJSON *hdr, unsigned *seen)
{
    const char *k = hl_jstream_key(s);
    for (unsigned j = 0; hl__load_sections[j].name; j++) {
        const hl_load_section *sec = &hl__load_sections[j];
        if (strcmp(k, sec->name) != 0)
            continue;
        /* the in-memory reader would take the first of two: refusing is clearer than that */
        if (*seen & (1u << j))
            return hl_error_set(L->err, HL_EINPUT, L->path, 0, 0, "\"%s\" twice", k);
        *seen |= 1u << j;
        if (hl_jstream_peek(s) == 'n')
            return hl_jstream_skip(s) < 0 ? L->err->status : HL_OK;
        if (hl_jstream_enter(s, '[') < 0)
            return L->err->status;
        hl_status st = HL_OK;
        size_t i = 0;
        int r = 0;
        while (st == HL_OK && (r = hl_jstream_next(s)) == 1)
            st = element(L, s, sec, i++);
        return st != HL_OK ? st : r < 0 ? L->err->status : HL_OK;
    }
    if (!is_header_key(k))
        return HL_OK; /* hl_jstream_next skips it */
    const char *t;
    size_t n;
    if (hl_jstream_value(s, &t, &n) < 0)
        return L->err->status;
    cJSON *v = cJSON_ParseWithLength(t, n);
    if (!v || !cJSON_AddItemToObject(hdr, k, v)) {
        cJSON_Delete(v);
        return hl_error_set(L->err, HL_EINTERNAL, L->path, 0, 0, "out of memory");
    }
    return HL_OK;
}

hl_status hl_findings_load_file(const char *path, hl_findings **out, hl_error *err)
{
    *out = NULL;
    FILE *fp = hl_jstream_fopen(path, err);
    if (!fp)
        return err->status;
    hl_loader L;
    hl_jstream *s = NULL;
    cJSON *hdr = cJSON_CreateObject();
    hl_status st = hl__load_begin(&L, path, err);
    if (st == HL_OK && (!hdr || !(s = hl_jstream_open(fp, 0, path, HL_JSTREAM_MAX_VALUE, err))))
        st = hdr ? err->status : hl_error_set(err, HL_EINTERNAL, path, 0, 0, "out of memory");
    if (st == HL_OK && hl_jstream_enter(s, '{') < 0)
        st = err->status;
    unsigned seen = 0;
    int r = 1;
    while (st == HL_OK && (r = hl_jstream_next(s)) == 1)
        st = member(&L, s, hdr, &seen);
    if (st == HL_OK && (r < 0 || hl_jstream_finish(s) < 0))
        st = err->status;
    if (st == HL_OK)
        st = hl__load_header(&L, hdr);
    hl_jstream_free(s);
    cJSON_Delete(hdr);
    fclose(fp);
    return hl__load_end(&L, st, out);
}
