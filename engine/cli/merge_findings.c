/*
 * merge_findings.c — the joined findings.json of `hookline merge`: the first shard's header,
 * the notes of all without repeats, then ads, comparisons, trends and diagnoses, each in shard
 * order and copied byte for byte. The one edit: a diagnosis' evidence points into its shard's
 * comparisons and trends by index, so those numbers grow by the earlier shards' counts —
 * rewritten in the text, so every other byte (every other number) stays as the shard wrote it.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/merge.h"
#include "common/hash.h"

enum { NOTES, ADS, COMPARISONS, TRENDS, DIAGNOSES, NARRAYS };
static const char *const arrays[NARRAYS] = {"notes", "ads", "comparisons", "trends",
                                            "diagnoses"};

struct hl_merge_findings {
    hl_merge_header hdr;
    hl_strpool *notes; /* raw text of each distinct note, in order of first sight */
    uint64_t shift[2]; /* what the diagnoses being written shift their comparison and trend
                          indices by */
    uint64_t count;    /* elements of the array being written, this shard */
    hl_merge_array arr;
    const char *path;
    char *buf; /* a diagnosis with its indices rewritten */
    size_t len, cap;
};

static int note(void *ud, const char *text, size_t len, uint64_t at, hl_error *err)
{
    hl_merge_findings *m = ud;
    (void)at;
    /* the same note from two shards is the same bytes: hookline writes them alike */
    if (hl_strpool_intern(m->notes, text, len, NULL) == HL_NONE)
        return hl_merge_fail(err, HL_EINTERNAL, NULL, "out of memory");
    return 0;
}

static int on_notes(void *ud, size_t which, hl_jstream *s, hl_error *err)
{
    return which == NOTES ? hl_merge_elements(s, note, ud, err) : hl_jstream_skip(s);
}

hl_status hl_merge_findings_scan(hl_merge_shard *sh, size_t n, hl_merge_findings **out,
                                 hl_error *err)
{
    hl_merge_findings *m = calloc(1, sizeof *m);
    *out = m;
    if (!m || !(m->notes = hl_strpool_new()))
        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < n; i++) {
        hl_status st = hl_merge_scan(&sh[i].file[HL_MF_FINDINGS], arrays, NARRAYS,
                                     i == 0 ? &m->hdr : NULL, on_notes, m, err);
        if (st != HL_OK)
            return st;
    }
    return HL_OK;
}

void hl_merge_findings_free(hl_merge_findings *m)
{
    if (!m)
        return;
    hl_merge_header_free(&m->hdr);
    hl_strpool_free(m->notes);
    free(m->buf);
    free(m);
}

static int copy(void *ud, const char *text, size_t len, uint64_t at, hl_error *err)
{
    hl_merge_findings *m = ud;
    (void)at;
    (void)err;
    hl_merge_array_add(&m->arr, text, len);
    m->count++;
    return 0;
}

static int put(hl_merge_findings *m, const char *p, size_t n, hl_error *err)
{
    if (m->len + n > m->cap) {
        size_t nc = m->cap ? m->cap : 4096;
        while (nc < m->len + n)
            nc *= 2;
        char *nb = realloc(m->buf, nc);
        if (!nb)
            return hl_merge_fail(err, HL_EINTERNAL, NULL, "out of memory");
        m->buf = nb;
        m->cap = nc;
    }
    memcpy(m->buf + m->len, p, n);
    m->len += n;
    return 0;
}

/* Inside one evidence object: its "comparison" or "trend" index, shifted. *done is how much of
 * text is already in m->buf. */
static int shift_index(hl_merge_findings *m, hl_jstream *s, const char *text, size_t *done,
                       uint64_t at, hl_error *err)
{
    int r;
    while ((r = hl_jstream_next(s)) == 1) {
        const char *k = hl_jstream_key(s);
        int which = strcmp(k, "comparison") == 0 ? 0 : strcmp(k, "trend") == 0 ? 1 : -1;
        int c = hl_jstream_peek(s);
        if (which < 0 || !(c == '-' || (c >= '0' && c <= '9')))
            continue;
        const char *v;
        size_t n;
        uint64_t idx;
        if (hl_jstream_value(s, &v, &n) < 0)
            return -1;
        uint64_t off = hl_jstream_offset(s);
        if (hl_jstream_uint(v, n, &idx) < 0)
            return hl_merge_fail(err, HL_EINPUT, m->path,
                                 "byte %llu: evidence %s index %.40s is not a whole number",
                                 (unsigned long long)at + off, k, v);
        char num[32];
        int w = snprintf(num, sizeof num, "%llu", (unsigned long long)idx + m->shift[which]);
        if (put(m, text + *done, off - *done, err) < 0 || put(m, num, (size_t)w, err) < 0)
            return -1;
        *done = off + n;
    }
    return r;
}

/* The diagnosis' "evidence" array: each evidence object's index. */
static int shift_evidence(hl_merge_findings *m, hl_jstream *s, const char *text, size_t *done,
                          uint64_t at, hl_error *err)
{
    if (hl_jstream_enter(s, '[') < 0)
        return -1;
    int r;
    while ((r = hl_jstream_next(s)) == 1)
        if (hl_jstream_peek(s) == '{' &&
            (hl_jstream_enter(s, '{') < 0 || shift_index(m, s, text, done, at, err) < 0))
            return -1;
    return r;
}

/* A diagnosis of a later shard: its text with evidence[].comparison / .trend shifted. Only
 * members of the diagnosis' own "evidence" array are touched: a string that merely contains
 * "comparison": 3 is a string, and the scanner knows it. */
static int shifted(void *ud, const char *text, size_t len, uint64_t at, hl_error *err)
{
    hl_merge_findings *m = ud;
    if (!m->shift[0] && !m->shift[1])
        return copy(ud, text, len, at, err);
    hl_jstream *s = hl_jstream_open_mem(text, len, m->path, len, err);
    size_t done = 0;
    m->len = 0;
    int r = s ? hl_jstream_enter(s, '{') : -1;
    while (r == 0 && (r = hl_jstream_next(s)) == 1) {
        r = 0;
        if (strcmp(hl_jstream_key(s), "evidence") == 0 && hl_jstream_peek(s) == '[')
            r = shift_evidence(m, s, text, &done, at, err);
    }
    hl_jstream_free(s);
    if (r < 0 || put(m, text + done, len - done, err) < 0)
        return -1;
    hl_merge_array_add(&m->arr, m->buf, m->len);
    m->count++;
    return 0;
}

hl_status hl_merge_findings_write(hl_merge_findings *m, hl_merge_shard *sh, size_t n, FILE *out,
                                  hl_error *err)
{
    /* before[i] = comparisons and trends of shards 0..i-1: what shard i's evidence shifts by */
    uint64_t(*before)[2] = calloc(n + 1, sizeof *before);
    if (!before)
        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
    hl_merge_write_header(out, &m->hdr);
    fputs(m->hdr.n ? ", " : "", out);
    hl_merge_array_open(&m->arr, out, "notes", 1);
    for (uint32_t i = 0; i < hl_strpool_count(m->notes); i++) {
        const char *t = hl_strpool_get(m->notes, i);
        hl_merge_array_add(&m->arr, t, strlen(t));
    }
    hl_merge_array_close(&m->arr);
    hl_status st = HL_OK;
    for (size_t k = ADS; st == HL_OK && k <= DIAGNOSES; k++) {
        fputs(",\n ", out);
        hl_merge_array_open(&m->arr, out, arrays[k], 0);
        for (size_t i = 0; st == HL_OK && i < n; i++) {
            hl_merge_file *mf = &sh[i].file[HL_MF_FINDINGS];
            m->path = mf->path;
            m->count = 0;
            m->shift[0] = before[i][0];
            m->shift[1] = before[i][1];
            st = hl_merge_each(mf, k, k == DIAGNOSES ? shifted : copy, m, err);
            if (k == COMPARISONS || k == TRENDS)
                before[i + 1][k - COMPARISONS] = before[i][k - COMPARISONS] + m->count;
        }
        hl_merge_array_close(&m->arr);
    }
    fputs("}\n", out);
    free(before);
    return st;
}
