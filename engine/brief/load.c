/*
 * load.c — reading briefs.json back against its findings (for `hookline merge`, which joins the
 * outputs of sharded runs and renders their reports again). Built-in diagnoses are matched to
 * the findings' diagnoses by code and subject, so their evidence is there again. The element
 * loaders here serve the in-memory reader below and the streaming one (load_file.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "brief/load.h"

static const char *jstr(const cJSON *o, const char *k)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static hl_val jval(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? hl_v(v->valuedouble) : hl_undef("absent");
}

static char *dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void hypothesis(const cJSON *h, hl_hypothesis *out)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(h) || !jstr(h, "metric"))
        return;
    out->set = 1;
    snprintf(out->metric, sizeof out->metric, "%s", jstr(h, "metric"));
    out->baseline = jval(h, "baseline");
    out->expected_lift = jval(h, "expected_lift");
}

/* The subject ids of a brief, as interned in b, with the findings' own pointers where the
 * findings know the ad (so views and the report can match them): the first ad with that id. */
static void subject(hl_brief_loader *L, const cJSON *o, hl_subject *s)
{
    hl_briefs *b = L->b;
    memset(s, 0, sizeof *s);
    const char *lv = jstr(o, "level");
    hl_level level = HL_LEVEL_AD;
    if (lv)
        hl_level_from_name(lv, &level);
    s->level = level;
    const char *ad = jstr(o, "ad_id");
    size_t n;
    const hl_ad_view *ads = hl_findings_ads(L->f, &n);
    uint32_t i = ad ? hl_u64map_get(&L->ads, hl_hash_bytes(ad, strlen(ad))) : HL_NONE;
    for (; i != HL_NONE; i = L->ad_next[i])
        if (strcmp(ads[i].subject.ad_id, ad) == 0) {
            *s = ads[i].subject;
            s->level = level;
            return;
        }
    s->ad_id = hl_briefs_intern(b, ad);
    s->ad_name = hl_briefs_intern(b, jstr(o, "ad_name"));
    s->adgroup_id = hl_briefs_intern(b, jstr(o, "adgroup_id"));
    s->adgroup_name = hl_briefs_intern(b, jstr(o, "adgroup_name"));
    s->campaign_id = hl_briefs_intern(b, jstr(o, "campaign_id"));
    s->campaign_name = hl_briefs_intern(b, jstr(o, "campaign_name"));
    s->advertiser_id = hl_briefs_intern(b, jstr(o, "advertiser_id"));
}

static const char *sid(const hl_subject *s)
{
    return s->level == HL_LEVEL_AD         ? s->ad_id
           : s->level == HL_LEVEL_ADGROUP  ? s->adgroup_id
           : s->level == HL_LEVEL_CAMPAIGN ? s->campaign_id
                                           : s->advertiser_id;
}

static uint64_t dx_key(hl_level level, const char *code, const char *id)
{
    return (hl_hash_bytes(code, strlen(code)) * 0x9e3779b97f4a7c15ull) ^
           hl_hash_bytes(id, strlen(id)) ^ (uint64_t)level;
}

/* Chains each key's entries in increasing index order (so the first match is the one a scan
 * from the start would find): entries are pushed from the last to the first. */
static int chain(hl_u64map *m, uint32_t *next, uint32_t i, uint64_t key)
{
    int found;
    uint32_t *slot = hl_u64map_upsert(m, key, &found);
    if (!slot)
        return -1;
    next[i] = found ? *slot : HL_NONE;
    *slot = i;
    return 0;
}

hl_status hl__brief_load_begin(hl_brief_loader *L, const hl_findings *f, hl_error *err)
{
    memset(L, 0, sizeof *L);
    L->f = f;
    hl_u64map_init(&L->ads);
    hl_u64map_init(&L->dx);
    size_t nads, ndx;
    const hl_ad_view *ads = hl_findings_ads(f, &nads);
    const hl_diagnosis *dx = hl_findings_diagnoses(f, &ndx);
    L->b = hl_briefs_new(f);
    L->ad_next = malloc((nads ? nads : 1) * sizeof *L->ad_next);
    L->dx_next = malloc((ndx ? ndx : 1) * sizeof *L->dx_next);
    int bad = !L->b || !L->ad_next || !L->dx_next || nads >= HL_NONE || ndx >= HL_NONE;
    for (size_t i = nads; !bad && i-- > 0;)
        if (ads[i].subject.ad_id)
            bad = chain(&L->ads, L->ad_next, (uint32_t)i,
                        hl_hash_bytes(ads[i].subject.ad_id, strlen(ads[i].subject.ad_id))) < 0;
    for (size_t i = ndx; !bad && i-- > 0;) {
        const char *id = sid(&dx[i].subject);
        if (dx[i].code && id)
            bad = chain(&L->dx, L->dx_next, (uint32_t)i,
                        dx_key(dx[i].subject.level, dx[i].code, id)) < 0;
    }
    if (bad) {
        hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
        return hl__brief_load_end(L, HL_EINTERNAL, NULL);
    }
    return HL_OK;
}

/* The findings' diagnosis a brief's built-in diagnosis is: same level, code and subject. */
static const hl_diagnosis *builtin(hl_brief_loader *L, const hl_brief_diag *d)
{
    const char *id = sid(&d->subject);
    if (!d->code || !id)
        return NULL;
    size_t ndx;
    const hl_diagnosis *dx = hl_findings_diagnoses(L->f, &ndx);
    uint32_t i = hl_u64map_get(&L->dx, dx_key(d->subject.level, d->code, id));
    for (; i != HL_NONE; i = L->dx_next[i])
        if (dx[i].subject.level == d->subject.level && strcmp(dx[i].code, d->code) == 0 &&
            strcmp(sid(&dx[i].subject), id) == 0)
            return &dx[i];
    return NULL;
}

hl_status hl__brief_load_brief(hl_brief_loader *L, const cJSON *it, hl_error *err)
{
    hl_briefs *b = L->b;
    const cJSON *d0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(it, "diagnoses"), 0);
    hl_brief_diag *d = hl_briefs_add_diag(b);
    hl_brief *br = d ? hl_briefs_add(b) : NULL;
    if (!br)
        goto oom;
    size_t nd;
    hl_briefs_diagnoses(b, &nd);
    subject(L, it, &br->subject);
    d->subject = br->subject;
    d->code = hl_briefs_intern(b, jstr(d0, "code"));
    d->summary = hl_briefs_intern(b, jstr(d0, "summary"));
    d->added_by = hl_briefs_intern(b, jstr(d0, "added_by"));
    hl_val e = jval(d0, "effect"), sp = jval(d0, "spend_at_stake");
    d->effect = e.ok ? e.v : 0;
    d->spend_at_stake = sp.ok ? sp.v : 0;
    d->builtin = builtin(L, d);
    if (d->builtin)
        d->priority = d->builtin->priority;
    const cJSON *rel = cJSON_GetObjectItemCaseSensitive(d0, "related_ad_ids");
    int nrel = cJSON_GetArraySize(rel);
    if (nrel > 0) {
        d->related_ad_ids = calloc((size_t)nrel, sizeof *d->related_ad_ids);
        const cJSON *r;
        cJSON_ArrayForEach(r, rel)
        {
            if (d->related_ad_ids && cJSON_IsString(r))
                d->related_ad_ids[d->nrelated++] = hl_briefs_intern(b, r->valuestring);
        }
    }
    br->diag = nd - 1;
    snprintf(br->id, sizeof br->id, "%s", jstr(it, "id") ? jstr(it, "id") : "");
    br->currency = hl_briefs_intern(b, jstr(it, "currency"));
    br->title = dup(jstr(it, "title"));
    hl_val pr = jval(it, "priority");
    br->priority = pr.ok ? pr.v : 0;
    br->rule = dup(jstr(it, "rule"));
    hypothesis(cJSON_GetObjectItemCaseSensitive(it, "hypothesis"), &br->hypothesis);
    const cJSON *succ = cJSON_GetObjectItemCaseSensitive(it, "success");
    br->success = dup(jstr(succ, "criterion"));
    br->sample_per_arm = jval(succ, "sample_per_arm");
    br->sample_days = jval(succ, "days");
    br->sample_unit = hl_briefs_intern(b, jstr(succ, "unit"));
    const cJSON *acts = cJSON_GetObjectItemCaseSensitive(it, "actions");
    int na = cJSON_GetArraySize(acts);
    br->actions = calloc(na > 0 ? (size_t)na : 1, sizeof *br->actions);
    if (!br->actions)
        goto oom;
    const cJSON *a;
    cJSON_ArrayForEach(a, acts)
    {
        hl_action *x = &br->actions[br->nactions];
        int t = jstr(a, "type") ? hl_action_type_from_name(jstr(a, "type")) : -1;
        if (t < 0)
            continue;
        x->type = (hl_action_type)t;
        x->instructions = dup(jstr(a, "instructions"));
        hl_val v = jval(a, "variants");
        /* clamped before the conversion: a double beyond int is undefined C */
        x->variants = !v.ok ? 1 : v.v <= 0 ? 0 : v.v >= 1000 ? 1000 : (int)v.v;
        hypothesis(cJSON_GetObjectItemCaseSensitive(a, "hypothesis"), &x->hypothesis);
        const cJSON *det = cJSON_GetObjectItemCaseSensitive(a, "details");
        int ndet = cJSON_GetArraySize(det);
        if (ndet > 0 && (x->details = calloc((size_t)ndet, sizeof *x->details)) != NULL) {
            const cJSON *kv;
            cJSON_ArrayForEach(kv, det)
            {
                hl_detail *dd = &x->details[x->ndetails];
                dd->key = dup(kv->string);
                if (cJSON_IsString(kv)) {
                    dd->kind = HL_DETAIL_STRING;
                    dd->s = dup(kv->valuestring);
                } else if (cJSON_IsBool(kv)) {
                    dd->kind = HL_DETAIL_BOOL;
                    dd->n = cJSON_IsTrue(kv);
                } else {
                    dd->kind = HL_DETAIL_NUMBER;
                    dd->n = kv->valuedouble;
                }
                x->ndetails++;
            }
        }
        br->nactions++;
    }
    const cJSON *notes = cJSON_GetObjectItemCaseSensitive(it, "notes");
    int nn = cJSON_GetArraySize(notes);
    if (nn > 0 && (br->notes = calloc((size_t)nn, sizeof *br->notes)) != NULL) {
        const cJSON *s;
        cJSON_ArrayForEach(s, notes)
        {
            if (cJSON_IsString(s))
                br->notes[br->nnotes++] = dup(s->valuestring);
        }
    }
    return HL_OK;
oom:
    return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
}

hl_status hl__brief_load_error(hl_brief_loader *L, const cJSON *it, hl_error *err)
{
    hl_val line = jval(it, "line");
    (void)err; /* as the rules stage: a rule error that cannot be kept is only counted */
    hl_briefs_error(L->b, jstr(it, "rule"), jstr(it, "file"), line.ok ? (unsigned long)line.v : 0,
                    jstr(it, "message"), jstr(it, "traceback"), jstr(it, "subject_id"));
    return HL_OK;
}

hl_status hl__brief_load_suppressed(hl_brief_loader *L, const cJSON *it, hl_error *err)
{
    hl_subject s;
    (void)err;
    subject(L, it, &s);
    hl_briefs_suppress(L->b, jstr(it, "code"), &s, jstr(it, "reason"), jstr(it, "rule"));
    return HL_OK;
}

hl_status hl__brief_load_end(hl_brief_loader *L, hl_status st, hl_briefs **out)
{
    hl_u64map_destroy(&L->ads);
    hl_u64map_destroy(&L->dx);
    free(L->ad_next);
    free(L->dx_next);
    L->ad_next = L->dx_next = NULL;
    if (st == HL_OK && out) {
        hl_briefs_sort(L->b);
        *out = L->b;
    } else {
        hl_briefs_free(L->b);
    }
    L->b = NULL;
    return st;
}

hl_status hl_briefs_from_json(const char *text, size_t len, const hl_findings *f,
                              hl_briefs **out, hl_error *err)
{
    *out = NULL;
    cJSON *doc = cJSON_ParseWithLength(text, len);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(doc, "briefs");
    if (!cJSON_IsArray(list)) {
        cJSON_Delete(doc);
        return hl_error_set(err, HL_EINPUT, NULL, 0, 0, "not a briefs.json (no \"briefs\" list)");
    }
    hl_brief_loader L;
    hl_status st = hl__brief_load_begin(&L, f, err);
    const cJSON *it;
    cJSON_ArrayForEach(it, list)
    {
        if (st == HL_OK)
            st = hl__brief_load_brief(&L, it, err);
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, "rule_errors"))
    {
        if (st == HL_OK)
            st = hl__brief_load_error(&L, it, err);
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, "suppressed"))
    {
        if (st == HL_OK)
            st = hl__brief_load_suppressed(&L, it, err);
    }
    cJSON_Delete(doc);
    if (L.b == NULL) /* begin failed and cleaned up */
        return st;
    return hl__brief_load_end(&L, st, out);
}
