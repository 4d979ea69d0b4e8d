/*
 * ingest.c — the ingest session: picks the reader for each file from its first bytes (JSON or
 * CSV), completes and checks every row the readers build, and keeps the warnings a user should
 * see once per file rather than once per row.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/internal.h"

static const char *const counter_names[HL_NCOUNTERS] = {
    "spend", "impressions", "reach", "clicks", "conversions", "video_plays", "views_2s",
    "views_6s", "views_p25", "views_p50", "views_p75", "views_p100", "landing_page_views",
    "add_to_cart", "purchases", "purchase_value"};

static const char *const field_names[HL_NFIELDS] = {
    "advertiser_id", "advertiser_name", "campaign_id", "campaign_name", "adgroup_id",
    "adgroup_name", "ad_id", "ad_name", "currency"};

const char *hl_counter_name(hl_counter c)
{
    return (unsigned)c < HL_NCOUNTERS ? counter_names[c] : "?";
}

int hl_counter_from_name(const char *name)
{
    for (int i = 0; i < HL_NCOUNTERS; i++)
        if (strcmp(counter_names[i], name) == 0)
            return i;
    return -1;
}

const char *hl_field_name(hl_field f)
{
    return (unsigned)f < HL_NFIELDS ? field_names[f] : "?";
}

hl_ingest *hl_ingest_new(const hl_ingest_opts *opts)
{
    hl_ingest *ing = calloc(1, sizeof *ing);
    if (!ing)
        return NULL;
    if (opts)
        ing->opts = *opts;
    if (ing->opts.max_record == 0)
        ing->opts.max_record = HL_INGEST_MAX_RECORD;
    ing->extras = hl_strpool_new();
    if (!ing->extras) {
        free(ing);
        return NULL;
    }
    return ing;
}

void hl_ingest_free(hl_ingest *ing)
{
    if (!ing)
        return;
    for (size_t i = 0; i < ing->nwarn; i++)
        free(ing->warnings[i]);
    free(ing->warnings);
    hl_strpool_free(ing->extras);
    free(ing);
}

size_t hl_ingest_extra_count(const hl_ingest *ing)
{
    return hl_strpool_count(ing->extras);
}

const char *hl_ingest_extra_name(const hl_ingest *ing, size_t i)
{
    return hl_strpool_get(ing->extras, (uint32_t)i);
}

size_t hl_ingest_warning_count(const hl_ingest *ing)
{
    return ing->nwarn;
}

const char *hl_ingest_warning(const hl_ingest *ing, size_t i)
{
    return i < ing->nwarn ? ing->warnings[i] : NULL;
}

void hl__warn(hl_ingest *ing, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (ing->nwarn == ing->capwarn) {
        size_t nc = ing->capwarn ? ing->capwarn * 2 : 8;
        char **nw = realloc(ing->warnings, nc * sizeof *nw);
        if (!nw)
            return; /* a lost warning is better than a failed run */
        ing->warnings = nw;
        ing->capwarn = nc;
    }
    char *s = strdup(buf);
    if (s)
        ing->warnings[ing->nwarn++] = s;
}

int hl__utf8_valid(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    /* ASCII without NUL, eight bytes at a time: no high bit and no zero byte */
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, u + i, sizeof v);
        if (((v - 0x0101010101010101ULL) | v) & 0x8080808080808080ULL)
            break;
    }
    while (i < n) {
        unsigned char c = u[i];
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned int cp;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + len > n)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((u[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (u[i + k] & 0x3F);
        }
        /* overlong forms, surrogates, beyond U+10FFFF */
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

void hl__builder_reset(hl_row_builder *b)
{
    memset(&b->row, 0, sizeof b->row);
    b->row.nextra = 0;
}

int hl__builder_add_extra(hl_row_builder *b, uint32_t idx, double v)
{
    if (b->row.nextra == b->extra_cap) {
        size_t nc = b->extra_cap ? b->extra_cap * 2 : 16;
        uint32_t *ni = realloc(b->extra_idx, nc * sizeof *ni);
        if (!ni)
            return -1;
        b->extra_idx = ni;
        double *nv = realloc(b->extra_v, nc * sizeof *nv);
        if (!nv)
            return -1;
        b->extra_v = nv;
        b->extra_cap = nc;
    }
    b->extra_idx[b->row.nextra] = idx;
    b->extra_v[b->row.nextra] = v;
    b->row.nextra++;
    return 0;
}

void hl__builder_free(hl_row_builder *b)
{
    free(b->extra_idx);
    free(b->extra_v);
    b->extra_idx = NULL;
    b->extra_v = NULL;
    b->extra_cap = 0;
}

/* "n:" + 16 hex digits of a hash of the names that identify the entity. */
static const char *synth_id(char out[24], const char *a, const char *b, const char *c)
{
    const char *parts[3] = {a ? a : "", b ? b : "", c ? c : ""};
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < 3; i++) {
        for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++) {
            h ^= *p;
            h *= 1099511628211ULL;
        }
        h ^= 0x1f; /* unit separator between the names */
        h *= 1099511628211ULL;
    }
    snprintf(out, 24, "n:%016llx", (unsigned long long)h);
    return out;
}

static const struct {
    hl_counter big, small;
    const char *what;
} funnel_rules[HL_FUNNEL_KINDS] = {
    {HL_C_IMPRESSIONS, HL_C_CLICKS, "clicks > impressions"},
    {HL_C_IMPRESSIONS, HL_C_VIEWS_2S, "2-second views > impressions"},
    {HL_C_VIEWS_2S, HL_C_VIEWS_6S, "6-second views > 2-second views"},
    {HL_C_IMPRESSIONS, HL_C_REACH, "reach > impressions"},
    {HL_C_VIEWS_P25, HL_C_VIEWS_P50, "50% views > 25% views"},
    {HL_C_VIEWS_P50, HL_C_VIEWS_P75, "75% views > 50% views"},
    {HL_C_VIEWS_P75, HL_C_VIEWS_P100, "100% views > 75% views"},
    {HL_C_CLICKS, HL_C_LANDING_PAGE_VIEWS, "landing page views > clicks"},
};

hl_status hl__emit(hl_ingest *ing, hl_file_state *fs, hl_row_builder *b, hl_row_fn fn, void *ud,
                   hl_error *err)
{
    hl_row *r = &b->row;
    const char **t = r->text;
    if (!t[HL_F_CAMPAIGN_ID])
        t[HL_F_CAMPAIGN_ID] = synth_id(b->synth[2], t[HL_F_CAMPAIGN_NAME], NULL, NULL);
    if (!t[HL_F_ADGROUP_ID])
        t[HL_F_ADGROUP_ID] =
            synth_id(b->synth[1], t[HL_F_CAMPAIGN_NAME], t[HL_F_ADGROUP_NAME], NULL);
    if (!t[HL_F_AD_ID])
        t[HL_F_AD_ID] =
            synth_id(b->synth[0], t[HL_F_CAMPAIGN_NAME], t[HL_F_ADGROUP_NAME], t[HL_F_AD_NAME]);
    r->extra_idx = b->extra_idx;
    r->extra_v = b->extra_v;
    r->file = fs->path;
    r->file_index = fs->file_index;

    for (int k = 0; k < HL_FUNNEL_KINDS; k++) {
        hl_counter big = funnel_rules[k].big, small = funnel_rules[k].small;
        if (!(r->present & (1u << big)) || !(r->present & (1u << small)))
            continue;
        if (r->v[small] <= r->v[big])
            continue;
        if (ing->opts.strict)
            return hl_error_set(err, HL_EINPUT, fs->path, r->line, r->col,
                                "%s (%s %.15g > %s %.15g)", funnel_rules[k].what,
                                hl_counter_name(small), r->v[small], hl_counter_name(big),
                                r->v[big]);
        fs->funnel_count[k]++;
        if (fs->funnel_nloc < HL_FIRST_LOCS) {
            fs->funnel_loc[fs->funnel_nloc][0] = r->line;
            fs->funnel_loc[fs->funnel_nloc][1] = r->col;
            fs->funnel_nloc++;
        }
        fs->funnel_total++;
    }
    fs->rows++;
    return fn(ud, r, err);
}

void hl__finish_file(hl_ingest *ing, hl_file_state *fs)
{
    if (fs->lt5_count)
        hl__warn(ing, "%s:%lu:%lu: %lu cell(s) '<5' read as missing (TikTok hides counts under 5)",
                 fs->path, fs->lt5_line, fs->lt5_col, fs->lt5_count);
    if (fs->funnel_total) {
        char kinds[512] = "", locs[256] = "";
        size_t kl = 0, ll = 0;
        for (int k = 0; k < HL_FUNNEL_KINDS; k++)
            if (fs->funnel_count[k] && kl < sizeof kinds)
                kl += (size_t)snprintf(kinds + kl, sizeof kinds - kl, "%s%s: %lu", kl ? ", " : "",
                                       funnel_rules[k].what, fs->funnel_count[k]);
        for (size_t i = 0; i < fs->funnel_nloc && ll < sizeof locs; i++)
            ll += (size_t)snprintf(locs + ll, sizeof locs - ll, "%s%s:%lu:%lu", i ? ", " : "",
                                   fs->path, fs->funnel_loc[i][0], fs->funnel_loc[i][1]);
        hl__warn(ing, "%s: %lu funnel inconsistenc%s (%s); first at %s (--strict makes these errors)",
                 fs->path, fs->funnel_total, fs->funnel_total == 1 ? "y" : "ies", kinds, locs);
    }
}

hl_status hl_ingest_file(hl_ingest *ing, const char *path, hl_row_fn fn, void *ud, hl_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return hl_error_set(err, HL_EINPUT, path, 0, 0, "cannot open: %s", strerror(errno));
    hl_file_state fs;
    memset(&fs, 0, sizeof fs);
    fs.path = path;
    fs.file_index = ing->nfiles++;

    /* JSON (a saved API response or JSON lines) starts with '{' or '['; exports never do. */
    int c;
    unsigned char bom[3];
    size_t nb = fread(bom, 1, 3, f);
    size_t skip = (nb == 3 && bom[0] == 0xEF && bom[1] == 0xBB && bom[2] == 0xBF) ? 3 : 0;
    if (fseek(f, (long)skip, SEEK_SET) != 0) {
        fclose(f);
        return hl_error_set(err, HL_EINPUT, path, 0, 0, "cannot read: not a regular file");
    }
    do
        c = fgetc(f);
    while (c == ' ' || c == '\t' || c == '\r' || c == '\n');
    if (c == EOF) {
        int empty_err = ferror(f);
        fclose(f);
        if (empty_err)
            return hl_error_set(err, HL_EEXTERNAL, path, 0, 0, "read error");
        return hl_error_set(err, HL_EINPUT, path, 0, 0,
                            "empty file: not a TikTok export or report");
    }
    rewind(f);
    hl_status st;
    if (c == '{' || c == '[')
        st = hl__ingest_json(ing, &fs, f, fn, ud, err);
    else
        st = hl__ingest_csv(ing, &fs, f, fn, ud, err);
    if (st == HL_OK && ferror(f))
        st = hl_error_set(err, HL_EEXTERNAL, path, 0, 0, "read error");
    fclose(f);
    if (st == HL_OK)
        hl__finish_file(ing, &fs);
    return st;
}
