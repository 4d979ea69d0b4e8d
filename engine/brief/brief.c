/*
 * brief.c — the brief set: storage, stable ids, and completing what a rule returned into a
 * brief that can be judged: hypothesis, success criterion, sample needed and priority. A re-run
 * for the same as-of date gives the same ids, because the id hashes only what the brief is
 * about (date, subject, diagnosis, rule), never the time or the order of the run.
 */
#include "hookline/brief.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "common/fmtnum.h"
#include "common/hash.h"
#include "hookline/stats.h"

static const char *const action_names[HL_NACTIONS] = {
    "new_hook",        "new_opening_shot", "new_voiceover",    "new_onscreen_text",
    "new_cta",         "combine_segments", "refresh_creative", "scale_budget",
    "pause_ad",        "broaden_audience", "raise_bid",        "align_landing_page",
    "check_tracking",  "wait_for_data"};

const char *hl_action_type_name(hl_action_type t)
{
    return (unsigned)t < HL_NACTIONS ? action_names[t] : "?";
}

int hl_action_type_from_name(const char *s)
{
    for (int i = 0; i < HL_NACTIONS; i++)
        if (strcmp(action_names[i], s) == 0)
            return i;
    return -1;
}

int hl_action_is_creative(hl_action_type t)
{
    return t <= HL_ACT_REFRESH_CREATIVE;
}

/* The findings' ads grouped by ad, ad group and campaign id (interned pointers), so that sizing
 * a brief's sample reads the ads it covers instead of scanning every ad: 3 * 10^4 briefs over
 * 5 * 10^4 ads made that scan the slowest step of a 10^6-row analysis. Members are in ad order,
 * so sums come out in the same order as a scan's. Built on first use. */
typedef struct ad_groups {
    hl_u64map key;   /* id pointer -> group */
    size_t *start;   /* group g's members are members[start[g] .. start[g + 1]) */
    size_t *members; /* ad indices */
} ad_groups;

struct hl_briefs {
    const hl_findings *f;
    int indexed;            /* 1 built, -1 out of memory (scans instead) */
    ad_groups by[3];        /* HL_LEVEL_AD, HL_LEVEL_ADGROUP, HL_LEVEL_CAMPAIGN */
    hl_brief *b;
    size_t n, cap;
    hl_brief_diag *d;
    size_t nd, capd;
    hl_suppression *s;
    size_t ns, caps;
    hl_rule_error *e;
    size_t ne, cape;
    size_t nerrors;
    hl_strpool *strings;
};

hl_briefs *hl_briefs_new(const hl_findings *f)
{
    hl_briefs *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->f = f;
    b->strings = hl_strpool_new();
    if (!b->strings) {
        free(b);
        return NULL;
    }
    return b;
}

static void free_brief(hl_brief *br)
{
    free(br->title);
    for (size_t i = 0; i < br->nactions; i++) {
        hl_action *a = &br->actions[i];
        free(a->instructions);
        for (size_t k = 0; k < a->ndetails; k++) {
            free(a->details[k].key);
            free(a->details[k].s);
        }
        free(a->details);
    }
    free(br->actions);
    for (size_t i = 0; i < br->nnotes; i++)
        free(br->notes[i]);
    free(br->notes);
    free(br->rule);
    free(br->success);
}

void hl_briefs_free(hl_briefs *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++)
        free_brief(&b->b[i]);
    free(b->b);
    for (size_t i = 0; i < b->nd; i++)
        free(b->d[i].related_ad_ids);
    free(b->d);
    for (size_t i = 0; i < b->ns; i++) {
        free(b->s[i].reason);
        free(b->s[i].rule);
    }
    free(b->s);
    for (size_t i = 0; i < b->ne; i++) {
        free(b->e[i].rule);
        free(b->e[i].file);
        free(b->e[i].message);
        free(b->e[i].traceback);
        free(b->e[i].subject_id);
    }
    free(b->e);
    hl_strpool_free(b->strings);
    for (int l = 0; l < 3; l++) {
        hl_u64map_destroy(&b->by[l].key);
        free(b->by[l].start);
        free(b->by[l].members);
    }
    free(b);
}

const hl_findings *hl_briefs_findings(const hl_briefs *b)
{
    return b->f;
}

const hl_brief *hl_briefs_list(const hl_briefs *b, size_t *n)
{
    *n = b->n;
    return b->b;
}

const hl_brief_diag *hl_briefs_diagnoses(const hl_briefs *b, size_t *n)
{
    *n = b->nd;
    return b->d;
}

const hl_suppression *hl_briefs_suppressed(const hl_briefs *b, size_t *n)
{
    *n = b->ns;
    return b->s;
}

const hl_rule_error *hl_briefs_errors(const hl_briefs *b, size_t *n)
{
    *n = b->ne;
    return b->e;
}

size_t hl_briefs_error_count(const hl_briefs *b)
{
    return b->nerrors;
}

static int grow(void **p, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 32;
    void *np = realloc(*p, nc * elem);
    if (!np)
        return -1;
    *p = np;
    *cap = nc;
    return 0;
}

hl_brief_diag *hl_briefs_add_diag(hl_briefs *b)
{
    if (grow((void **)&b->d, &b->capd, b->nd, sizeof *b->d) < 0)
        return NULL;
    hl_brief_diag *d = &b->d[b->nd++];
    memset(d, 0, sizeof *d);
    return d;
}

hl_brief *hl_briefs_add(hl_briefs *b)
{
    if (grow((void **)&b->b, &b->cap, b->n, sizeof *b->b) < 0)
        return NULL;
    hl_brief *br = &b->b[b->n++];
    memset(br, 0, sizeof *br);
    return br;
}

const char *hl_briefs_intern(hl_briefs *b, const char *s)
{
    if (!s)
        return NULL;
    uint32_t i = hl_strpool_intern(b->strings, s, strlen(s), NULL);
    return i == HL_NONE ? NULL : hl_strpool_get(b->strings, i);
}

int hl_briefs_suppress(hl_briefs *b, const char *code, const hl_subject *s, const char *reason,
                       const char *rule)
{
    if (grow((void **)&b->s, &b->caps, b->ns, sizeof *b->s) < 0)
        return -1;
    hl_suppression *x = &b->s[b->ns];
    memset(x, 0, sizeof *x);
    x->code = hl_briefs_intern(b, code);
    x->subject = *s;
    x->reason = strdup(reason ? reason : "");
    x->rule = strdup(rule ? rule : "");
    if (!x->code || !x->reason || !x->rule) {
        free(x->reason);
        free(x->rule);
        return -1;
    }
    b->ns++;
    return 0;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

#define HL_ERRORS_PER_RULE 5

int hl_briefs_error(hl_briefs *b, const char *rule, const char *file, unsigned long line,
                    const char *message, const char *traceback, const char *subject_id)
{
    b->nerrors++;
    /* A rule failing on every ad must not flood the output: keep the first few, count the
     * rest. */
    size_t same = 0;
    for (size_t i = 0; i < b->ne; i++) {
        hl_rule_error *e = &b->e[i];
        if (((!e->rule && !rule) || (e->rule && rule && strcmp(e->rule, rule) == 0)) &&
            ((!e->file && !file) || (e->file && file && strcmp(e->file, file) == 0))) {
            if (++same >= HL_ERRORS_PER_RULE) {
                e->repeats++;
                return 0;
            }
        }
    }
    if (grow((void **)&b->e, &b->cape, b->ne, sizeof *b->e) < 0)
        return -1;
    hl_rule_error *e = &b->e[b->ne++];
    memset(e, 0, sizeof *e);
    e->rule = dup_or_null(rule);
    e->file = dup_or_null(file);
    e->line = line;
    e->message = dup_or_null(message);
    e->traceback = dup_or_null(traceback);
    e->subject_id = dup_or_null(subject_id);
    return 0;
}

static const char *subject_id(const hl_subject *s)
{
    switch (s->level) {
    case HL_LEVEL_AD:
        return s->ad_id;
    case HL_LEVEL_ADGROUP:
        return s->adgroup_id;
    case HL_LEVEL_CAMPAIGN:
        return s->campaign_id;
    default:
        return s->advertiser_id;
    }
}

static const char *level_id(const hl_subject *s, int level)
{
    return level == HL_LEVEL_AD ? s->ad_id : level == HL_LEVEL_ADGROUP ? s->adgroup_id
                                                                       : s->campaign_id;
}

static int build_groups(hl_briefs *b)
{
    size_t n;
    const hl_ad_view *ads = hl_findings_ads(b->f, &n);
    for (int l = 0; l < 3; l++) {
        ad_groups *g = &b->by[l];
        hl_u64map_init(&g->key);
        size_t ng = 0;
        size_t *of = malloc((n ? n : 1) * sizeof *of); /* ad -> group */
        if (!of)
            return -1;
        for (size_t i = 0; i < n; i++) {
            int found;
            uint32_t *slot = hl_u64map_upsert(&g->key, (uint64_t)(uintptr_t)level_id(&ads[i].subject, l),
                                              &found);
            if (!slot) {
                free(of);
                return -1;
            }
            if (!found)
                *slot = (uint32_t)ng++;
            of[i] = *slot;
        }
        g->start = calloc(ng + 1, sizeof *g->start);
        g->members = malloc((n ? n : 1) * sizeof *g->members);
        if (!g->start || !g->members) {
            free(of);
            return -1;
        }
        for (size_t i = 0; i < n; i++)
            g->start[of[i] + 1]++;
        for (size_t k = 0; k < ng; k++)
            g->start[k + 1] += g->start[k];
        size_t *fill = calloc(ng ? ng : 1, sizeof *fill);
        if (!fill) {
            free(of);
            return -1;
        }
        for (size_t i = 0; i < n; i++)
            g->members[g->start[of[i]] + fill[of[i]]++] = i;
        free(fill);
        free(of);
    }
    return 0;
}

/* The ads a subject covers (ad, ad group or campaign), in ad order: *all when it covers every
 * ad (an advertiser subject) or the index could not be built. */
static const size_t *covered(hl_briefs *b, const hl_subject *s, size_t *n, int *all)
{
    *all = 0;
    *n = 0;
    if (b->indexed == 0)
        b->indexed = build_groups(b) == 0 ? 1 : -1;
    if (s->level == HL_LEVEL_ADVERTISER || b->indexed < 0) {
        *all = 1;
        return NULL;
    }
    const ad_groups *g = &b->by[s->level];
    uint32_t k = hl_u64map_get(&g->key, (uint64_t)(uintptr_t)level_id(s, s->level));
    if (k == HL_NONE)
        return NULL;
    *n = g->start[k + 1] - g->start[k];
    return g->members + g->start[k];
}

/* Whether ad i is covered by the subject (the scan's test, when there is no index). */
static int covers(const hl_subject *s, const hl_subject *a)
{
    return (s->level == HL_LEVEL_AD && a->ad_id == s->ad_id) ||
           (s->level == HL_LEVEL_ADGROUP && a->adgroup_id == s->adgroup_id) ||
           (s->level == HL_LEVEL_CAMPAIGN && a->campaign_id == s->campaign_id) ||
           s->level == HL_LEVEL_ADVERTISER;
}

/* Pace of a subject's denominator per delivering day, from the ads it covers. */
static double pace_of(hl_briefs *b, const hl_subject *s, hl_counter den)
{
    size_t n, nm;
    int all;
    const hl_ad_view *ads = hl_findings_ads(b->f, &n);
    const size_t *m = covered(b, s, &nm, &all);
    double tot = 0;
    int days = 0;
    for (size_t k = 0; k < (all ? n : nm); k++) {
        size_t i = all ? k : m[k];
        if (!covers(s, &ads[i].subject) || !(ads[i].present & (1u << den)))
            continue;
        tot += ads[i].v[den];
        if (ads[i].days > days)
            days = ads[i].days;
    }
    return days > 0 ? tot / days : 0;
}

/* The dispersion measured for this metric on the subject's comparison: real ad data wanders
 * from day to day, so a test of the new variant needs phi times the binomial sample. */
static double phi_for(hl_briefs *b, const hl_subject *s, int metric)
{
    if (s->level != HL_LEVEL_AD || metric < 0)
        return 1;
    size_t n, nc, nm;
    int all;
    const hl_ad_view *ads = hl_findings_ads(b->f, &n);
    const hl_comparison *c = hl_findings_comparisons(b->f, &nc);
    const size_t *m = covered(b, s, &nm, &all);
    for (size_t k = 0; k < (all ? n : nm); k++) {
        size_t i = all ? k : m[k];
        if (ads[i].subject.ad_id != s->ad_id)
            continue;
        for (size_t j = 0; j < ads[i].ncmp; j++)
            if (ads[i].cmp[j] < nc && (int)c[ads[i].cmp[j]].metric == metric)
                return c[ads[i].cmp[j]].phi > 1 ? c[ads[i].cmp[j]].phi : 1;
    }
    return 1;
}

static void fmt_pct(char *buf, size_t n, double v)
{
    int k = hl_fmt_fixed(buf, n - 1, 100 * v, 2, 0);
    if (k >= 0 && (size_t)k < n - 1)
        memcpy(buf + k, "%", 2);
}

/* printf's "%.0f" / "%+.0f" as a string, without printf (a few per brief). */
static const char *f0(char *buf, size_t n, double v, int plus)
{
    hl_fmt_fixed(buf, n, v, 0, plus);
    return buf;
}

/* The sample needed to judge hypothesis h on subject subj and the criterion in words: per arm
 * *n_out, its unit, the days at the subject's current pace, and *text_out (malloc'd). */
static void judge(hl_briefs *b, const hl_subject *subj, const hl_hypothesis *h, hl_val *n_out,
                  const char **unit_out, hl_val *days_out, char **text_out)
{
    const hl_config *cfg = hl_findings_config(b->f);
    *n_out = hl_undef("no hypothesis");
    *days_out = hl_undef("no hypothesis");
    if (!h->set || !h->baseline.ok || !h->expected_lift.ok) {
        *text_out = strdup(h->set ? "judge the change against the current creative once the "
                                      "sample is in; the hypothesis names no baseline"
                                    : "no hypothesis: an operational action, judged by its "
                                      "effect on delivery and cost");
        return;
    }
    int mi = hl_metric_from_name(h->metric);
    const hl_metric_def *md = mi >= 0 ? hl_metric_info((hl_metric)mi) : NULL;
    double base = h->baseline.v, lift = h->expected_lift.v;
    double target = base * (1 + lift);
    char bb[32], tb[32], text[600], n1[40], n2[40], n3[40];
    if (md && md->kind == HL_MK_PROPORTION && base > 0 && base < 1 && target > 0 && target < 1) {
        hl_stats_power_opts po = {cfg->alpha, cfg->power, 1, phi_for(b, subj, mi),
                                  HL_STATS_TWO_SIDED};
        double n;
        if (hl_stats_power_n(base, target - base, &po, &n) == HL_STATS_OK) {
            *n_out = hl_v(n);
            *unit_out = hl_counter_name(md->den);
            double pace = pace_of(b, subj, md->den);
            /* no verdict before min_days, however fast the sample comes in */
            double days = pace > 0 ? n / pace : 0;
            if (days < cfg->min_days)
                days = cfg->min_days;
            *days_out = pace > 0 ? hl_v(days) : hl_undef("no delivery pace");
        }
        fmt_pct(bb, sizeof bb, base);
        fmt_pct(tb, sizeof tb, target);
        if (n_out->ok && days_out->ok)
            snprintf(text, sizeof text,
                     "%s %s %s (baseline %s, %s%%) with %s %s per arm (fixed-horizon "
                     "size, day-to-day wander included), about %s days at the current pace; "
                     "judged with the sequential test at alpha %g",
                     h->metric, lift >= 0 ? "at least" : "at most", tb, bb,
                     f0(n1, sizeof n1, 100 * lift, 1), f0(n2, sizeof n2, n_out->v, 0),
                     *unit_out, f0(n3, sizeof n3, ceil(days_out->v), 0), cfg->alpha);
        else
            snprintf(text, sizeof text, "%s %s %s (baseline %s, %s%%); judged with the "
                                        "sequential test at alpha %g",
                     h->metric, lift >= 0 ? "at least" : "at most", tb, bb,
                     f0(n1, sizeof n1, 100 * lift, 1), cfg->alpha);
    } else if (mi == HL_M_FREQUENCY) {
        snprintf(text, sizeof text,
                 "frequency %s %.2f (baseline %.2f, %+.0f%%), judged on the daily frequency of "
                 "the next 7 days",
                 lift >= 0 ? "at least" : "at most", target, base, 100 * lift);
    } else if (md && (md->kind == HL_MK_MONEY || md->kind == HL_MK_RATIO) && base > 0) {
        /* Costs and returns: the count behind them decides the sample (conversions for CPA,
         * purchases for ROAS); the log-ratio sample size for a relative change. */
        double za = hl_stats_z_crit(cfg->alpha);
        double zb = gsl_cdf_ugaussian_Pinv(cfg->power);
        double l = log(1 + lift);
        if (l != 0) {
            double n = phi_for(b, subj, mi) * (za + zb) * (za + zb) * 2 / (l * l);
            /* the count behind the cost or return decides its precision */
            hl_counter cnt = mi == HL_M_ROAS                         ? HL_C_PURCHASES
                             : mi == HL_M_CPC                        ? HL_C_CLICKS
                             : mi == HL_M_CPM                        ? HL_C_IMPRESSIONS
                             : mi == HL_M_COST_PER_LANDING_PAGE_VIEW ? HL_C_LANDING_PAGE_VIEWS
                             : mi == HL_M_COST_PER_ADD_TO_CART       ? HL_C_ADD_TO_CART
                                                                     : HL_C_CONVERSIONS;
            *n_out = hl_v(n);
            *unit_out = hl_counter_name(cnt);
            double pace = pace_of(b, subj, cnt);
            double days = pace > 0 ? n / pace : 0;
            if (days < cfg->min_days)
                days = cfg->min_days;
            *days_out = pace > 0 ? hl_v(days) : hl_undef("no delivery pace");
        }
        hl_fmt_fixed(bb, sizeof bb, base, 2, 0);
        hl_fmt_fixed(tb, sizeof tb, target, 2, 0);
        snprintf(text, sizeof text, "%s %s %s (baseline %s, %s%%)%s", h->metric,
                 lift >= 0 ? "at least" : "at most", tb, bb, f0(n1, sizeof n1, 100 * lift, 1),
                 n_out->ok ? "" : "; judged once enough conversions are in");
        if (n_out->ok) {
            size_t l0 = strlen(text);
            snprintf(text + l0, sizeof text - l0, " with %s %s per arm",
                     f0(n2, sizeof n2, n_out->v, 0), *unit_out);
            if (days_out->ok) {
                l0 = strlen(text);
                snprintf(text + l0, sizeof text - l0, ", about %s days at the current pace",
                         f0(n3, sizeof n3, ceil(days_out->v), 0));
            }
        }
    } else {
        snprintf(text, sizeof text, "%s changes by %+.0f%% from %g", h->metric, 100 * lift, base);
    }
    *text_out = strdup(text);
}

static void success_for(hl_briefs *b, hl_brief *br)
{
    judge(b, &br->subject, &br->hypothesis, &br->sample_per_arm, &br->sample_unit,
          &br->sample_days, &br->success);
}

void hl_brief_judge(const hl_briefs *b, const hl_brief *br, const hl_hypothesis *h,
                    hl_val *per_arm, const char **unit, hl_val *days, char **text)
{
    *unit = NULL;
    *text = NULL;
    /* the subject index is a cache built on first use: logically const */
    judge((hl_briefs *)(uintptr_t)b, &br->subject, h, per_arm, unit, days, text);
}

void hl_brief_complete(hl_briefs *b, hl_brief *br, const char *rule_name, int occurrence)
{
    const hl_brief_diag *d = &b->d[br->diag];
    char key[1024];
    char date[11];
    hl_format_date(hl_findings_as_of(b->f), date);
    const char *sid = subject_id(&br->subject);
    snprintf(key, sizeof key, "%s|%s|%s|%s|%s|%d", date, hl_level_name(br->subject.level),
             sid ? sid : "", d->code, rule_name, occurrence);
    snprintf(br->id, sizeof br->id, "b%016llx",
             (unsigned long long)hl_hash_bytes(key, strlen(key)));
    if (!br->hypothesis.set) {
        for (size_t i = 0; i < br->nactions; i++)
            if (br->actions[i].hypothesis.set) {
                br->hypothesis = br->actions[i].hypothesis;
                break;
            }
    }
    if (br->priority < 0)
        br->priority = d->priority;
    success_for(b, br);
}

static int cmp_brief(const void *x, const void *y)
{
    const hl_brief *a = x, *b = y;
    if (a->priority != b->priority)
        return a->priority > b->priority ? -1 : 1;
    return strcmp(a->id, b->id);
}

void hl_briefs_sort(hl_briefs *b)
{
    if (b->n > 1) /* qsort's array must not be NULL, even for no elements */
        qsort(b->b, b->n, sizeof *b->b, cmp_brief);
}
