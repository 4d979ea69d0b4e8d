/*
 * load.c — reading findings.json back into an hl_findings, so that later stages (rules, briefs,
 * reports) can run on a saved analysis or on a hand-written fixture. Lenient about what may be
 * left out (numbers default to undefined, decisions to undecided), strict about what is there:
 * unknown metrics, decisions or levels and out-of-range evidence indices are errors. The
 * element loaders here serve the in-memory reader below and the streaming one (load_file.c).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "compare/load.h"

typedef hl_loader loader;

/* A trend's window when the document does not give it: the run's, known once the header is. */
#define DATE_ABSENT INT32_MIN

static hl_status fail(loader *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static hl_status fail(loader *L, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return hl_error_set(L->err, HL_EINPUT, L->path, 0, 0, "%s", msg);
}

/* Interned copy of a JSON string member, NULL when absent or null. */
static const char *text(loader *L, const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsString(v))
        return NULL;
    uint32_t idx = hl_strpool_intern(L->f->owned, v->valuestring, strlen(v->valuestring), NULL);
    if (idx == HL_NONE) {
        L->f->oom = 1;
        return NULL;
    }
    return hl_strpool_get(L->f->owned, idx);
}

static hl_val value(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble))
        return hl_v(v->valuedouble);
    return hl_undef("absent");
}

static double number(const cJSON *obj, const char *key, double def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble : def;
}

/* A count of days from the document: a number out of range (1e300, -5) is not a count; it is
 * clamped into 0..HL_MAX_DAYS rather than converted (a double beyond int is undefined C). */
#define HL_MAX_DAYS 1000000
static int days_of(const cJSON *obj, const char *key)
{
    double v = number(obj, key, 0);
    return v <= 0 ? 0 : v >= HL_MAX_DAYS ? HL_MAX_DAYS : (int)v;
}

static int date_of(const cJSON *obj, const char *key, int32_t *day)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsString(v))
        return -1;
    return hl_parse_date(v->valuestring, strlen(v->valuestring), day, NULL);
}

static hl_status subject(loader *L, const cJSON *obj, hl_subject *s, const char *where)
{
    memset(s, 0, sizeof *s);
    const cJSON *lv = cJSON_GetObjectItemCaseSensitive(obj, "level");
    s->level = HL_LEVEL_AD;
    if (cJSON_IsString(lv) && hl_level_from_name(lv->valuestring, &s->level) < 0)
        return fail(L, "%s: unknown level '%.40s'", where, lv->valuestring);
    s->ad_id = text(L, obj, "ad_id");
    s->ad_name = text(L, obj, "ad_name");
    s->adgroup_id = text(L, obj, "adgroup_id");
    s->adgroup_name = text(L, obj, "adgroup_name");
    s->campaign_id = text(L, obj, "campaign_id");
    s->campaign_name = text(L, obj, "campaign_name");
    s->advertiser_id = text(L, obj, "advertiser_id");
    if (s->level == HL_LEVEL_AD && !s->ad_id)
        return fail(L, "%s: an ad-level subject needs \"ad_id\"", where);
    return HL_OK;
}

static size_t group_of(loader *L, const char *adgroup_id)
{
    int found;
    uint32_t *slot = hl_u64map_upsert(&L->groups, (uint64_t)(uintptr_t)adgroup_id, &found);
    if (!slot) {
        L->f->oom = 1;
        return 0;
    }
    if (!found)
        *slot = (uint32_t)L->ngroups++;
    return *slot;
}

/* Ad ids are interned in f->owned, so one pointer is one id. */
static int has_ad(const loader *L, const char *id)
{
    return hl_u64map_get(&L->ads, (uint64_t)(uintptr_t)id) != HL_NONE;
}

static hl_ad_view *add_ad(loader *L, const hl_subject *s)
{
    hl_findings *f = L->f;
    if (f->nadv == L->capadv) {
        size_t nc = L->capadv ? L->capadv * 2 : 64;
        hl_ad_view *na = realloc(f->adv, nc * sizeof *na);
        if (!na) {
            f->oom = 1;
            return NULL;
        }
        f->adv = na;
        L->capadv = nc;
    }
    int found;
    uint32_t *slot = hl_u64map_upsert(&L->ads, (uint64_t)(uintptr_t)s->ad_id, &found);
    if (!slot) {
        f->oom = 1;
        return NULL;
    }
    if (!found)
        *slot = (uint32_t)f->nadv;
    hl_ad_view *a = &f->adv[f->nadv++];
    memset(a, 0, sizeof *a);
    a->subject = *s;
    a->subject.level = HL_LEVEL_AD;
    a->group = group_of(L, s->adgroup_id);
    return a;
}

static hl_status oom(loader *L)
{
    return hl_error_set(L->err, HL_EINTERNAL, L->path, 0, 0, "out of memory");
}

static hl_status load_ad(loader *L, const cJSON *it, size_t i)
{
    char where[64];
    snprintf(where, sizeof where, "ads[%zu]", i);
    hl_subject s;
    hl_status st = subject(L, it, &s, where);
    if (st != HL_OK)
        return st;
    hl_ad_view *a = add_ad(L, &s);
    if (!a)
        return oom(L);
    a->currency = text(L, it, "currency");
    a->days = days_of(it, "days");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(it, "counters");
    for (int k = 0; k < HL_NCOUNTERS; k++) {
        hl_val v = value(c, hl_counter_name((hl_counter)k));
        if (v.ok) {
            a->v[k] = v.v;
            a->present |= 1u << k;
        }
    }
    return HL_OK;
}

static hl_status load_comparison(loader *L, const cJSON *it, size_t i)
{
    char where[64];
    snprintf(where, sizeof where, "comparisons[%zu]", i);
    hl_comparison *c = hl__new_comparison(L->f);
    if (!c)
        return oom(L);
    const cJSON *subj = cJSON_GetObjectItemCaseSensitive(it, "subject");
    hl_status st = subject(L, subj ? subj : it, &c->subject, where);
    if (st != HL_OK)
        return st;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(it, "metric");
    int mi = cJSON_IsString(m) ? hl_metric_from_name(m->valuestring) : -1;
    if (mi < 0)
        return fail(L, "%s: unknown or missing \"metric\"", where);
    c->metric = (hl_metric)mi;
    c->value = value(it, "value");
    c->reference = value(it, "reference");
    c->lift = value(it, "lift");
    c->ci_low = value(it, "ci_low");
    c->ci_high = value(it, "ci_high");
    c->p_value = value(it, "p_value");
    c->p_adjusted = value(it, "p_adjusted");
    c->chance_to_beat = value(it, "chance_to_beat");
    c->expected_loss = value(it, "expected_loss");
    c->method = text(L, it, "method");
    c->decision = HL_DEC_UNDECIDED;
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(it, "decision");
    if (cJSON_IsString(d)) {
        int ok = 0;
        for (int k = 0; k < 4; k++)
            if (strcmp(d->valuestring, hl_decision_name((hl_decision)k)) == 0) {
                c->decision = (hl_decision)k;
                ok = 1;
            }
        if (!ok)
            return fail(L, "%s: unknown decision '%.40s'", where, d->valuestring);
    }
    const cJSON *cnt = cJSON_GetObjectItemCaseSensitive(it, "counts");
    c->x = number(cnt, "x", 0);
    c->n = number(cnt, "n", 0);
    c->x_ref = number(cnt, "x_ref", 0);
    c->n_ref = number(cnt, "n_ref", 0);
    c->days = days_of(cnt, "days");
    c->days_ref = days_of(cnt, "days_ref");
    c->phi = number(cnt, "phi", 1);
    const cJSON *nd = cJSON_GetObjectItemCaseSensitive(it, "needed");
    c->needed_per_arm = value(nd, "per_arm");
    c->needed_remaining = value(nd, "remaining");
    c->needed_days = value(nd, "days");
    c->needed_unit = text(L, nd, "unit");
    return HL_OK;
}

static hl_status load_trend(loader *L, const cJSON *it, size_t i)
{
    char where[64];
    snprintf(where, sizeof where, "trends[%zu]", i);
    hl_trend *t = hl__new_trend(L->f);
    if (!t)
        return oom(L);
    const cJSON *subj = cJSON_GetObjectItemCaseSensitive(it, "subject");
    hl_status st = subject(L, subj ? subj : it, &t->subject, where);
    if (st != HL_OK)
        return st;
    t->metric = text(L, it, "metric");
    if (!t->metric)
        return fail(L, "%s: missing \"metric\"", where);
    t->method = text(L, it, "method");
    if (date_of(it, "from", &t->from) < 0)
        t->from = DATE_ABSENT;
    if (date_of(it, "to", &t->to) < 0)
        t->to = DATE_ABSENT;
    t->days = days_of(it, "days");
    t->prior = value(it, "prior");
    t->recent = value(it, "recent");
    t->change = value(it, "change");
    t->ci_low = value(it, "ci_low");
    t->ci_high = value(it, "ci_high");
    t->slope_per_day = value(it, "slope_per_day");
    t->p_value = value(it, "p_value");
    t->p_adjusted = value(it, "p_adjusted");
    t->phi = number(it, "phi", 1);
    t->note = text(L, it, "note");
    t->direction = HL_TREND_UNDECIDED;
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(it, "direction");
    if (cJSON_IsString(d)) {
        int ok = 0;
        for (int k = 0; k < 4; k++)
            if (strcmp(d->valuestring, hl_trend_dir_name((hl_trend_dir)k)) == 0) {
                t->direction = (hl_trend_dir)k;
                ok = 1;
            }
        if (!ok)
            return fail(L, "%s: unknown direction '%.40s'", where, d->valuestring);
    }
    return HL_OK;
}

/* Above any array hookline could hold, below where a double stops counting in ones. */
#define MAX_INDEX 4e15

static int push(size_t **arr, size_t *n, size_t v)
{
    size_t *na = realloc(*arr, (*n + 1) * sizeof *na);
    if (!na)
        return -1;
    na[(*n)++] = v;
    *arr = na;
    return 0;
}

static hl_status load_diagnosis(loader *L, const cJSON *it, size_t i)
{
    char where[64];
    snprintf(where, sizeof where, "diagnoses[%zu]", i);
    hl_diagnosis *d = hl__new_diagnosis(L->f);
    if (!d)
        return oom(L);
    hl_status st = subject(L, it, &d->subject, where);
    if (st != HL_OK)
        return st;
    d->code = text(L, it, "code");
    if (!d->code)
        return fail(L, "%s: missing \"code\"", where);
    const cJSON *rel = cJSON_GetObjectItemCaseSensitive(it, "related_ad_ids");
    const cJSON *r;
    cJSON_ArrayForEach(r, rel)
    {
        if (!cJSON_IsString(r))
            return fail(L, "%s: related_ad_ids must be strings", where);
        uint32_t idx = hl_strpool_intern(L->f->owned, r->valuestring, strlen(r->valuestring), NULL);
        const char **nr = realloc(d->related_ad_ids, (d->nrelated + 1) * sizeof *nr);
        if (nr)
            d->related_ad_ids = nr; /* kept even when the interning failed: the old block is gone */
        if (idx == HL_NONE || !nr)
            return oom(L);
        d->related_ad_ids[d->nrelated++] = hl_strpool_get(L->f->owned, idx);
    }
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(it, "evidence");
    const cJSON *e;
    cJSON_ArrayForEach(e, ev)
    {
        const cJSON *ci = cJSON_GetObjectItemCaseSensitive(e, "comparison");
        const cJSON *ti = cJSON_GetObjectItemCaseSensitive(e, "trend");
        /* whether the index is in range is known once every comparison and trend is
         * read (hl__load_end): a document may list the diagnoses first */
        if (cJSON_IsNumber(ci)) {
            double v = ci->valuedouble;
            if (!(v >= 0 && v < MAX_INDEX && v == floor(v)))
                return fail(L, "%s: evidence comparison index %g out of range", where, v);
            if (push(&d->comparisons, &d->ncomparisons, (size_t)v) < 0)
                return oom(L);
        } else if (cJSON_IsNumber(ti)) {
            double v = ti->valuedouble;
            if (!(v >= 0 && v < MAX_INDEX && v == floor(v)))
                return fail(L, "%s: evidence trend index %g out of range", where, v);
            if (push(&d->trends, &d->ntrends, (size_t)v) < 0)
                return oom(L);
        }
    }
    d->priority = number(it, "priority", 0);
    d->spend_at_stake = number(it, "spend_at_stake", 0);
    d->effect = number(it, "effect", 0);
    const cJSON *sum = cJSON_GetObjectItemCaseSensitive(it, "summary");
    d->summary = strdup(cJSON_IsString(sum) ? sum->valuestring : "");
    if (!d->summary)
        return oom(L);
    return HL_OK;
}

const hl_load_section hl__load_sections[] = {
    {"ads", load_ad},
    {"comparisons", load_comparison},
    {"trends", load_trend},
    {"diagnoses", load_diagnosis},
    {NULL, NULL},
};

hl_status hl__load_begin(loader *L, const char *path, hl_error *err)
{
    memset(L, 0, sizeof *L);
    L->path = path;
    L->err = err;
    hl_u64map_init(&L->groups);
    hl_u64map_init(&L->ads);
    hl_findings *f = calloc(1, sizeof *f);
    if (!f || !(f->owned = hl_strpool_new())) {
        free(f);
        return oom(L);
    }
    L->f = f;
    hl_config_defaults(&f->cfg);
    return HL_OK;
}

hl_status hl__load_header(loader *L, const cJSON *doc)
{
    hl_findings *f = L->f;
    if (!cJSON_IsObject(doc))
        return fail(L, "expected a findings object");
    f->cfg.alpha = number(doc, "alpha", f->cfg.alpha);
    const cJSON *mode = cJSON_GetObjectItemCaseSensitive(doc, "mode");
    if (cJSON_IsString(mode) && hl_mode_from_name(mode->valuestring, &f->cfg.mode) < 0)
        return fail(L, "unknown mode '%.40s'", mode->valuestring);
    if (date_of(doc, "as_of", &f->as_of) < 0)
        f->as_of = 0;
    if (date_of(doc, "from", &f->from) < 0)
        f->from = f->as_of;
    f->W = f->as_of - f->from + 1;
    return HL_OK;
}

static hl_status check_evidence(loader *L)
{
    const hl_findings *f = L->f;
    for (size_t i = 0; i < f->ndx; i++) {
        const hl_diagnosis *d = &f->dx[i];
        for (size_t k = 0; k < d->ncomparisons; k++)
            if (d->comparisons[k] >= f->ncmp)
                return fail(L, "diagnoses[%zu]: evidence comparison index %zu out of range", i,
                            d->comparisons[k]);
        for (size_t k = 0; k < d->ntrends; k++)
            if (d->trends[k] >= f->ntr)
                return fail(L, "diagnoses[%zu]: evidence trend index %zu out of range", i,
                            d->trends[k]);
    }
    return HL_OK;
}

hl_status hl__load_end(loader *L, hl_status st, hl_findings **out)
{
    hl_findings *f = L->f;
    *out = NULL;
    if (!f) /* hl__load_begin failed */
        return st != HL_OK ? st : oom(L);
    if (st == HL_OK)
        st = check_evidence(L);
    for (size_t i = 0; st == HL_OK && i < f->ntr; i++) {
        if (f->tr[i].from == DATE_ABSENT)
            f->tr[i].from = f->from;
        if (f->tr[i].to == DATE_ABSENT)
            f->tr[i].to = f->as_of;
    }
    /* Ads named only by their findings get a view too (with no counters). */
    for (size_t i = 0; st == HL_OK && i < f->ncmp && !f->oom; i++)
        if (f->cmp[i].subject.level == HL_LEVEL_AD && !has_ad(L, f->cmp[i].subject.ad_id))
            add_ad(L, &f->cmp[i].subject);
    for (size_t i = 0; st == HL_OK && i < f->ndx && !f->oom; i++)
        if (f->dx[i].subject.level == HL_LEVEL_AD && !has_ad(L, f->dx[i].subject.ad_id))
            add_ad(L, &f->dx[i].subject);
    if (st == HL_OK && (f->oom || hl__index_ads(f) < 0))
        st = oom(L);
    hl_u64map_destroy(&L->groups);
    hl_u64map_destroy(&L->ads);
    L->f = NULL;
    if (st != HL_OK) {
        hl_findings_free(f);
        return st;
    }
    *out = f;
    return HL_OK;
}

hl_status hl_findings_from_json(const char *textbuf, size_t len, const char *path,
                                hl_findings **out, hl_error *err)
{
    *out = NULL;
    cJSON *doc = cJSON_ParseWithLength(textbuf, len);
    if (!doc)
        return hl_error_set(err, HL_EINPUT, path, 0, 0, "invalid JSON (or nested too deeply)");
    loader L;
    hl_status st = hl__load_begin(&L, path, err);
    if (st != HL_OK) {
        cJSON_Delete(doc);
        return st;
    }
    st = hl__load_header(&L, doc);
    for (const hl_load_section *sec = hl__load_sections; st == HL_OK && sec->name; sec++) {
        const cJSON *it;
        size_t i = 0;
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, sec->name))
        {
            if ((st = sec->load(&L, it, i++)) != HL_OK)
                break;
        }
    }
    cJSON_Delete(doc);
    return hl__load_end(&L, st, out);
}
