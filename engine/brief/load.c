/*
 * load.c — reading briefs.json back against its findings (for `hookline merge`, which joins the
 * outputs of sharded runs and renders their reports again). Built-in diagnoses are matched to
 * the findings' diagnoses by code and subject, so their evidence is there again.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hookline/brief.h"

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
 * findings know the ad (so views and the report can match them). */
static void subject(hl_briefs *b, const hl_findings *f, const cJSON *o, hl_subject *s)
{
    memset(s, 0, sizeof *s);
    const char *lv = jstr(o, "level");
    hl_level level = HL_LEVEL_AD;
    if (lv)
        hl_level_from_name(lv, &level);
    s->level = level;
    const char *ad = jstr(o, "ad_id");
    size_t n;
    const hl_ad_view *ads = hl_findings_ads(f, &n);
    for (size_t i = 0; ad && i < n; i++)
        if (ads[i].subject.ad_id && strcmp(ads[i].subject.ad_id, ad) == 0) {
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
    hl_briefs *b = hl_briefs_new(f);
    if (!b) {
        cJSON_Delete(doc);
        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
    }
    size_t ndx;
    const hl_diagnosis *dx = hl_findings_diagnoses(f, &ndx);
    const cJSON *it;
    cJSON_ArrayForEach(it, list)
    {
        const cJSON *d0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(it, "diagnoses"), 0);
        hl_brief_diag *d = hl_briefs_add_diag(b);
        hl_brief *br = d ? hl_briefs_add(b) : NULL;
        if (!br)
            goto oom;
        size_t nd;
        hl_briefs_diagnoses(b, &nd);
        subject(b, f, it, &br->subject);
        d->subject = br->subject;
        d->code = hl_briefs_intern(b, jstr(d0, "code"));
        d->summary = hl_briefs_intern(b, jstr(d0, "summary"));
        d->added_by = hl_briefs_intern(b, jstr(d0, "added_by"));
        hl_val e = jval(d0, "effect"), sp = jval(d0, "spend_at_stake");
        d->effect = e.ok ? e.v : 0;
        d->spend_at_stake = sp.ok ? sp.v : 0;
        for (size_t i = 0; d->code && i < ndx; i++) {
            const char *a = sid(&dx[i].subject), *c = sid(&d->subject);
            if (dx[i].subject.level == d->subject.level && strcmp(dx[i].code, d->code) == 0 &&
                a && c && strcmp(a, c) == 0) {
                d->builtin = &dx[i];
                d->priority = dx[i].priority;
                break;
            }
        }
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
            x->variants = v.ok ? (int)v.v : 1;
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
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, "rule_errors"))
    {
        hl_val line = jval(it, "line");
        hl_briefs_error(b, jstr(it, "rule"), jstr(it, "file"), line.ok ? (unsigned long)line.v : 0,
                        jstr(it, "message"), jstr(it, "traceback"), jstr(it, "subject_id"));
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, "suppressed"))
    {
        hl_subject s;
        subject(b, f, it, &s);
        hl_briefs_suppress(b, jstr(it, "code"), &s, jstr(it, "reason"), jstr(it, "rule"));
    }
    hl_briefs_sort(b);
    cJSON_Delete(doc);
    *out = b;
    return HL_OK;
oom:
    cJSON_Delete(doc);
    hl_briefs_free(b);
    return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
}
