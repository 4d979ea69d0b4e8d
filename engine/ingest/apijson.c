/*
 * apijson.c — Marketing API report rows: a saved response body ({"code":0,"data":{"list":[...]}})
 * or JSON lines of {"advertiser_id"?, "dimensions": {...}, "metrics": {...}} as `hookline pull`
 * writes them. Values may be strings, numbers or null; "-" is missing; IDs must stay strings
 * (19 digits do not survive a double). JSON lines are read one line at a time, so memory does not
 * grow with the file.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/jsonr.h"
#include "ingest/columns.h"
#include "ingest/internal.h"

/* Keys seen before and what they map to: every row repeats the same keys, and folding and
 * looking one up among the aliases costs more than the rest of the row. Direct-mapped by a hash
 * of the key; a key that does not fit is looked up every time. */
enum { KEY_CACHE = 64, KEY_MAX = 48 };
typedef struct key_slot {
    char key[KEY_MAX];
    hl_colmap cm;
} key_slot;

typedef struct json_ctx {
    hl_ingest *ing;
    hl_file_state *fs;
    hl_row_fn fn;
    void *ud;
    hl_row_builder b;
    char idbuf[4][32]; /* IDs given as JSON numbers, formatted */
    int nidbuf;
    key_slot keys[KEY_CACHE];
} json_ctx;

/* "metrics.spend" (with the row's path in a document) for messages, made only when needed. */
static const char *where_of(char buf[300], const char *rowpath, const char *section,
                            const cJSON *m)
{
    snprintf(buf, 300, "%s%s.%.200s", rowpath, section, m->string ? m->string : "?");
    return buf;
}

static hl_colmap key_map(json_ctx *x, const char *key)
{
    size_t n = strlen(key);
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)key[i]) * 16777619u;
    key_slot *ks = &x->keys[h % KEY_CACHE];
    if (n < KEY_MAX && strcmp(ks->key, key) == 0 && n > 0)
        return ks->cm;
    char folded[256];
    hl_col_fold(key, n, folded, sizeof folded);
    hl_colmap cm = hl_col_lookup(folded);
    if (n > 0 && n < KEY_MAX) {
        memcpy(ks->key, key, n + 1);
        ks->cm = cm;
    }
    return cm;
}

/* Location prefix for messages: JSON lines have a line; a document has a path in the tree. */
static hl_status json_error(hl_error *err, const hl_file_state *fs, unsigned long line,
                            const char *where, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static hl_status json_error(hl_error *err, const hl_file_state *fs, unsigned long line,
                            const char *where, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line)
        return hl_error_set(err, HL_EINPUT, fs->path, line, 1, "%s: %s", where, msg);
    return hl_error_set(err, HL_EINPUT, fs->path, 0, 0, "%s: %s", where, msg);
}

/* A key as it may be shown in a message: control bytes as '?', cut at cap. */
static void show_key(const char *k, char *buf, size_t cap)
{
    size_t o = 0;
    for (; *k && o + 4 < cap; k++)
        buf[o++] = (unsigned char)*k < 0x20 ? '?' : *k;
    if (*k)
        buf[o++] = '.', buf[o++] = '.', buf[o++] = '.';
    buf[o] = '\0';
}

static hl_status body_dup(hl_error *err, const hl_file_state *fs, const char *at, const char *key)
{
    char shown[80];
    show_key(key, shown, sizeof shown);
    return hl_error_set(err, HL_EINPUT, fs->path, 0, 0,
                        "%s%s: duplicate key in the response (which one is meant?)", at, shown);
}

static void show_value(const cJSON *v, char *buf, size_t cap)
{
    if (cJSON_IsString(v)) {
        size_t o = 0;
        for (const char *s = v->valuestring; *s && o + 4 < cap; s++)
            buf[o++] = (unsigned char)*s < 0x20 ? '?' : *s;
        buf[o] = '\0';
    } else if (cJSON_IsNumber(v)) {
        snprintf(buf, cap, "%.17g", v->valuedouble);
    } else if (cJSON_IsBool(v)) {
        snprintf(buf, cap, "%s", cJSON_IsTrue(v) ? "true" : "false");
    } else if (cJSON_IsArray(v)) {
        snprintf(buf, cap, "[...]");
    } else {
        snprintf(buf, cap, "{...}");
    }
}

/* A text attribute: string, or an integer number that is still exact. */
static hl_status take_text(json_ctx *x, hl_field fld, const cJSON *v, unsigned long line,
                           const char *rowpath, const char *section, hl_error *err)
{
    char where[300];
    if (cJSON_IsNull(v))
        return HL_OK;
    if (cJSON_IsString(v)) {
        const char *s = v->valuestring;
        size_t n = strlen(s);
        if (!hl__utf8_valid(s, n))
            return json_error(err, x->fs, line, where_of(where, rowpath, section, v),
                              "invalid UTF-8");
        if (n == 0 || (n == 1 && s[0] == '-'))
            return HL_OK;
        x->b.row.text[fld] = s;
        return HL_OK;
    }
    int is_id = fld == HL_F_AD_ID || fld == HL_F_ADGROUP_ID || fld == HL_F_CAMPAIGN_ID ||
                fld == HL_F_ADVERTISER_ID;
    if (is_id && cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (!(d >= 0 && d <= 9007199254740992.0 && floor(d) == d))
            return json_error(err, x->fs, line, where_of(where, rowpath, section, v),
                              "ID given as a number that lost its digits; IDs must be strings");
        if (x->nidbuf >= 4)
            return HL_OK;
        snprintf(x->idbuf[x->nidbuf], sizeof x->idbuf[0], "%.0f", d);
        x->b.row.text[fld] = x->idbuf[x->nidbuf++];
        return HL_OK;
    }
    char vb[80];
    show_value(v, vb, sizeof vb);
    return json_error(err, x->fs, line, where_of(where, rowpath, section, v),
                      "expected a string ('%s')", vb);
}

/* A numeric value: string ("14.68", "-", "1,234"), number, or null. Returns the cell kind. */
static hl_cell_kind take_number(const cJSON *v, double *out, const char **why)
{
    if (cJSON_IsNull(v))
        return HL_CELL_MISSING;
    if (cJSON_IsNumber(v)) {
        if (!isfinite(v->valuedouble)) {
            *why = "number out of range";
            return HL_CELL_BAD;
        }
        *out = v->valuedouble == 0 ? 0 : v->valuedouble;
        return HL_CELL_NUMBER;
    }
    if (cJSON_IsString(v))
        return hl_parse_number(v->valuestring, strlen(v->valuestring), 0, out, NULL, why);
    *why = "not a number";
    return HL_CELL_BAD;
}

static hl_status take_member(json_ctx *x, const char *section, const cJSON *m, unsigned long line,
                             const char *rowpath, uint64_t *seen, hl_error *err)
{
    char where[300];
    hl_colmap cm = key_map(x, m->string);
    int bit = -1;
    if (cm.type == HL_COL_FIELD)
        bit = cm.index;
    else if (cm.type == HL_COL_COUNTER)
        bit = HL_NFIELDS + cm.index;
    else if (cm.type == HL_COL_DATE)
        bit = HL_NFIELDS + HL_NCOUNTERS;
    if (bit >= 0) {
        /* Two keys for one thing (duplicate keys, or two aliases): refuse to guess. */
        if (*seen & (1ull << bit))
            return json_error(err, x->fs, line, where_of(where, rowpath, section, m),
                              "duplicate key for '%s'",
                              cm.type == HL_COL_FIELD     ? hl_field_name((hl_field)cm.index)
                              : cm.type == HL_COL_COUNTER ? hl_counter_name((hl_counter)cm.index)
                                                          : "stat_time_day");
        *seen |= 1ull << bit;
    }
    switch (cm.type) {
    case HL_COL_DERIVED:
        return HL_OK;
    case HL_COL_DATE: {
        if (!cJSON_IsString(m))
            return json_error(err, x->fs, line, where_of(where, rowpath, section, m),
                              "expected a date string");
        const char *why;
        if (hl_parse_date(m->valuestring, strlen(m->valuestring), &x->b.row.day, &why) < 0) {
            char vb[80];
            show_value(m, vb, sizeof vb);
            return json_error(err, x->fs, line, where_of(where, rowpath, section, m),
                              "%s ('%s')", why, vb);
        }
        x->b.row.present |= 1u << 31; /* date seen (bit cleared before emit) */
        return HL_OK;
    }
    case HL_COL_FIELD:
        return take_text(x, (hl_field)cm.index, m, line, rowpath, section, err);
    case HL_COL_COUNTER:
    case HL_COL_EXTRA: {
        double v = 0;
        const char *why = "not a number";
        hl_cell_kind k = take_number(m, &v, &why);
        if (cm.type == HL_COL_EXTRA) {
            if (k != HL_CELL_NUMBER)
                return HL_OK; /* text attributes (ad_text, status) and odd extras */
            char norm[128];
            size_t nl = hl_col_normalise(m->string, strlen(m->string), norm, sizeof norm);
            if (nl == 0 || hl_col_is_nonadditive(norm) || hl_counter_from_name(norm) >= 0)
                return HL_OK;
            uint32_t idx = hl_strpool_intern(x->ing->extras, norm, nl, NULL);
            if (idx == HL_NONE || hl__builder_add_extra(&x->b, idx, v) < 0)
                return hl_error_set(err, HL_EINTERNAL, x->fs->path, 0, 0, "out of memory");
            return HL_OK;
        }
        if (k == HL_CELL_BAD) {
            char vb[80];
            show_value(m, vb, sizeof vb);
            return json_error(err, x->fs, line, where_of(where, rowpath, section, m),
                              "%s ('%s')", why, vb);
        }
        if (k == HL_CELL_LT5) {
            if (x->fs->lt5_count++ == 0) {
                x->fs->lt5_line = line;
                x->fs->lt5_col = 1;
            }
            return HL_OK;
        }
        if (k == HL_CELL_MISSING)
            return HL_OK;
        if (v < 0) {
            char vb[80];
            show_value(m, vb, sizeof vb);
            return json_error(err, x->fs, line, where_of(where, rowpath, section, m), "%s ('%s')",
                              cm.index == HL_C_SPEND || cm.index == HL_C_PURCHASE_VALUE
                                  ? "negative amount"
                                  : "negative count",
                              vb);
        }
        x->b.row.v[cm.index] = v;
        x->b.row.present |= 1u << cm.index;
        return HL_OK;
    }
    }
    return HL_OK;
}

static hl_status take_row(json_ctx *x, const cJSON *row, unsigned long line, const char *rowpath,
                          hl_error *err)
{
    if (!cJSON_IsObject(row))
        return json_error(err, x->fs, line, rowpath[0] ? rowpath : "row",
                          "expected an object with \"dimensions\" and \"metrics\"");
    const char *dup = hl_json_duplicate_key(row);
    if (dup) {
        char shown[80];
        show_key(dup, shown, sizeof shown);
        return json_error(err, x->fs, line, rowpath[0] ? rowpath : "row",
                          "duplicate key \"%s\" (which one is meant?)", shown);
    }
    hl__builder_reset(&x->b);
    x->nidbuf = 0;
    x->b.row.line = line;
    x->b.row.col = 1;
    uint64_t seen = 0;
    const cJSON *dims = cJSON_GetObjectItemCaseSensitive(row, "dimensions");
    const cJSON *mets = cJSON_GetObjectItemCaseSensitive(row, "metrics");
    if (!cJSON_IsObject(dims))
        return json_error(err, x->fs, line, rowpath[0] ? rowpath : "row",
                          "missing \"dimensions\" object (not an API report row)");
    const cJSON *m;
    hl_status st;
    cJSON_ArrayForEach(m, row)
    {
        if (m->string && strcmp(m->string, "advertiser_id") == 0) {
            st = take_member(x, "", m, line, rowpath, &seen, err);
            if (st != HL_OK)
                return st;
        }
    }
    cJSON_ArrayForEach(m, dims)
    {
        if (!m->string)
            continue;
        st = take_member(x, "dimensions", m, line, rowpath, &seen, err);
        if (st != HL_OK)
            return st;
    }
    if (mets && !cJSON_IsNull(mets)) {
        if (!cJSON_IsObject(mets))
            return json_error(err, x->fs, line, rowpath[0] ? rowpath : "row",
                              "\"metrics\" is not an object");
        cJSON_ArrayForEach(m, mets)
        {
            if (!m->string)
                continue;
            st = take_member(x, "metrics", m, line, rowpath, &seen, err);
            if (st != HL_OK)
                return st;
        }
    }
    if (!(x->b.row.present & (1u << 31)))
        return json_error(err, x->fs, line, rowpath[0] ? rowpath : "row",
                          "missing dimensions.stat_time_day (hookline needs daily rows)");
    x->b.row.present &= ~(1u << 31);
    if (!x->b.row.text[HL_F_AD_ID])
        return json_error(err, x->fs, line, rowpath[0] ? rowpath : "row",
                          "missing dimensions.ad_id (hookline needs ad-level reports: "
                          "data_level AUCTION_AD)");
    return hl__emit(x->ing, x->fs, &x->b, x->fn, x->ud, err);
}

/* Line and column of byte offset off in buf. */
static void position_of(const char *buf, size_t off, unsigned long *line, unsigned long *col)
{
    unsigned long l = 1, c = 1;
    for (size_t i = 0; i < off; i++) {
        if (buf[i] == '\n') {
            l++;
            c = 1;
        } else if (((unsigned char)buf[i] & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static hl_status parse_error(hl_error *err, const hl_file_state *fs, const char *buf, size_t len,
                             unsigned long base_line)
{
    const char *ep = cJSON_GetErrorPtr();
    unsigned long line = 1, col = 1;
    if (ep && ep >= buf && ep <= buf + len)
        position_of(buf, (size_t)(ep - buf), &line, &col);
    return hl_error_set(err, HL_EINPUT, fs->path, base_line + line - 1, col,
                        "invalid JSON (or nested too deeply)");
}

static hl_status take_document(json_ctx *x, const cJSON *doc, hl_error *err)
{
    if (cJSON_IsArray(doc)) {
        const cJSON *row;
        size_t i = 0;
        cJSON_ArrayForEach(row, doc)
        {
            char path[48];
            snprintf(path, sizeof path, "[%zu].", i++);
            hl_status st = take_row(x, row, 0, path, err);
            if (st != HL_OK)
                return st;
        }
        return HL_OK;
    }
    if (!cJSON_IsObject(doc))
        return hl_error_set(err, HL_EINPUT, x->fs->path, 0, 0,
                            "not a TikTok report: expected a JSON object or array");
    const char *dup = hl_json_duplicate_key(doc);
    if (dup)
        return body_dup(err, x->fs, "", dup);
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(doc, "code");
    if (code) {
        if (!cJSON_IsNumber(code))
            return hl_error_set(err, HL_EINPUT, x->fs->path, 0, 0,
                                "not a TikTok report: \"code\" is not a number");
        if (code->valuedouble != 0) {
            const cJSON *msg = cJSON_GetObjectItemCaseSensitive(doc, "message");
            char mb[200] = "";
            if (cJSON_IsString(msg))
                show_value(msg, mb, sizeof mb);
            return hl_error_set(err, HL_EINPUT, x->fs->path, 0, 0,
                                "API error %.0f: %s (a saved error response, not a report)",
                                code->valuedouble, mb[0] ? mb : "(no message)");
        }
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(doc, "data");
        if ((dup = hl_json_duplicate_key(data)) != NULL)
            return body_dup(err, x->fs, "data.", dup);
        const cJSON *list = cJSON_IsObject(data) ? cJSON_GetObjectItemCaseSensitive(data, "list")
                                                 : NULL;
        if (!cJSON_IsArray(list))
            return hl_error_set(err, HL_EINPUT, x->fs->path, 0, 0,
                                "not a TikTok report: no data.list array in the response");
        const cJSON *row;
        size_t i = 0;
        cJSON_ArrayForEach(row, list)
        {
            char path[48];
            snprintf(path, sizeof path, "data.list[%zu].", i++);
            hl_status st = take_row(x, row, 0, path, err);
            if (st != HL_OK)
                return st;
        }
        return HL_OK;
    }
    if (cJSON_GetObjectItemCaseSensitive(doc, "dimensions"))
        return take_row(x, doc, 0, "", err);
    return hl_error_set(err, HL_EINPUT, x->fs->path, 0, 0,
                        "not a TikTok export or report: JSON without \"code\"/\"data.list\" or "
                        "\"dimensions\"");
}

/* Reads one line (without its terminator) into *buf. Returns 1, 0 at EOF, -1 too long,
 * -2 OOM, -3 NUL byte. */
static int read_line(FILE *f, char **buf, size_t *cap, size_t *len, size_t max)
{
    size_t n = 0;
    int c;
    int any = 0;
    while ((c = getc_unlocked(f)) != EOF) { /* one thread reads the file */
        any = 1;
        if (c == '\n')
            break;
        if (c == '\0')
            return -3;
        if (n + 2 > *cap) {
            size_t nc = *cap ? *cap * 2 : 4096;
            char *nb = realloc(*buf, nc);
            if (!nb)
                return -2;
            *buf = nb;
            *cap = nc;
        }
        if (n >= max)
            return -1;
        (*buf)[n++] = (char)c;
    }
    if (!any)
        return 0;
    if (n > 0 && (*buf)[n - 1] == '\r')
        n--;
    if (!*buf) {
        *buf = malloc(1);
        if (!*buf)
            return -2;
        *cap = 1;
    }
    (*buf)[n] = '\0';
    *len = n;
    return 1;
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
}

#define HL_JSON_MAX_DOCUMENT (512u * 1024u * 1024u)

hl_status hl__ingest_json(hl_ingest *ing, hl_file_state *fs, FILE *f, hl_row_fn fn, void *ud,
                          hl_error *err)
{
    json_ctx x;
    memset(&x, 0, sizeof x);
    x.ing = ing;
    x.fs = fs;
    x.fn = fn;
    x.ud = ud;
    hl_status st = HL_OK;
    char *line = NULL;
    size_t cap = 0, len = 0;
    unsigned long lineno = 0;
    cJSON *doc = NULL;

    /* Skip a BOM; then decide between JSON lines and one document by the first line. */
    unsigned char bom[3];
    size_t nb = fread(bom, 1, 3, f);
    if (!(nb == 3 && bom[0] == 0xEF && bom[1] == 0xBB && bom[2] == 0xBF))
        rewind(f);
    int jsonl = 0;
    for (;;) {
        int r = read_line(f, &line, &cap, &len, ing->opts.max_record);
        if (r == 0)
            break;
        lineno++;
        if (r == -2) {
            st = hl_error_set(err, HL_EINTERNAL, fs->path, 0, 0, "out of memory");
            goto done;
        }
        if (r == -3) {
            st = hl_error_set(err, HL_EINPUT, fs->path, lineno, 1, "NUL byte in input (binary file?)");
            goto done;
        }
        if (r == -1) {
            if (jsonl) {
                st = hl_error_set(err, HL_EINPUT, fs->path, lineno, 1,
                                  "line longer than %zu bytes (the limit for one row)",
                                  ing->opts.max_record);
                goto done;
            }
            break; /* a long first line: a document on one line */
        }
        if (blank(line, len))
            continue;
        const char *endp = NULL;
        cJSON *obj = cJSON_ParseWithLengthOpts(line, len, &endp, 0);
        if (!jsonl) {
            /* First line decides: a complete row object means JSON lines. */
            if (obj && cJSON_IsObject(obj) && cJSON_GetObjectItemCaseSensitive(obj, "dimensions") &&
                blank(endp, len - (size_t)(endp - line))) {
                jsonl = 1;
            } else {
                cJSON_Delete(obj);
                break;
            }
        }
        if (!obj || !blank(endp, len - (size_t)(endp - line))) {
            cJSON_Delete(obj);
            st = parse_error(err, fs, line, len, lineno);
            goto done;
        }
        st = take_row(&x, obj, lineno, "", err);
        cJSON_Delete(obj);
        if (st != HL_OK)
            goto done;
    }
    if (jsonl)
        goto done;

    /* One document (a saved response, possibly pretty-printed): read it whole. Its size is
     * one page of at most 1000 rows in practice; the cap guards against anything else. */
    rewind(f);
    nb = fread(bom, 1, 3, f);
    if (!(nb == 3 && bom[0] == 0xEF && bom[1] == 0xBB && bom[2] == 0xBF))
        rewind(f);
    free(line);
    line = NULL;
    cap = 0;
    len = 0;
    for (;;) {
        if (len + 65536 + 1 > cap) {
            size_t nc = cap ? cap * 2 : 1u << 20;
            char *nbuf = realloc(line, nc);
            if (!nbuf) {
                st = hl_error_set(err, HL_EINTERNAL, fs->path, 0, 0, "out of memory");
                goto done;
            }
            line = nbuf;
            cap = nc;
        }
        size_t got = fread(line + len, 1, cap - len - 1, f);
        len += got;
        if (len > HL_JSON_MAX_DOCUMENT) {
            st = hl_error_set(err, HL_EINPUT, fs->path, 0, 0,
                              "JSON document larger than %u MiB; use JSON lines",
                              HL_JSON_MAX_DOCUMENT >> 20);
            goto done;
        }
        if (got == 0)
            break;
    }
    if (memchr(line, '\0', len)) {
        st = hl_error_set(err, HL_EINPUT, fs->path, 0, 0, "NUL byte in input (binary file?)");
        goto done;
    }
    line[len] = '\0';
    const char *endp = NULL;
    doc = cJSON_ParseWithLengthOpts(line, len, &endp, 0);
    if (!doc || !blank(endp, len - (size_t)(endp - line))) {
        st = parse_error(err, fs, line, len, 1);
        goto done;
    }
    st = take_document(&x, doc, err);
done:
    cJSON_Delete(doc);
    free(line);
    hl__builder_free(&x.b);
    return st;
}
