/*
 * compare.c — the stage's driver: build the units, run every comparison and trend, adjust all
 * p-values of the run together (Benjamini-Hochberg by default: many ads x many metrics every
 * night), decide, diagnose. Also the findings container and its accessors.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compare/internal.h"

static const char *const decision_names[] = {"better", "worse", "no_difference", "undecided"};
static const char *const trend_names[] = {"rising", "falling", "flat", "undecided"};

const char *hl_decision_name(hl_decision d)
{
    return (unsigned)d < 4 ? decision_names[d] : "?";
}

const char *hl_trend_dir_name(hl_trend_dir d)
{
    return (unsigned)d < 4 ? trend_names[d] : "?";
}

#define GROW(f, arr, n, cap)                                                                  \
    do {                                                                                      \
        if ((f)->n == (f)->cap) {                                                             \
            size_t nc_ = (f)->cap ? (f)->cap * 2 : 64;                                        \
            void *np_ = realloc((f)->arr, nc_ * sizeof *(f)->arr);                            \
            if (!np_) {                                                                       \
                (f)->oom = 1;                                                                 \
                return NULL;                                                                  \
            }                                                                                 \
            (f)->arr = np_;                                                                   \
            (f)->cap = nc_;                                                                   \
        }                                                                                     \
    } while (0)

hl_comparison *hl__new_comparison(hl_findings *f)
{
    GROW(f, cmp, ncmp, capcmp);
    hl_comparison *c = &f->cmp[f->ncmp++];
    memset(c, 0, sizeof *c);
    c->phi = 1;
    return c;
}

hl_trend *hl__new_trend(hl_findings *f)
{
    GROW(f, tr, ntr, captr);
    hl_trend *t = &f->tr[f->ntr++];
    memset(t, 0, sizeof *t);
    return t;
}

hl_diagnosis *hl__new_diagnosis(hl_findings *f)
{
    GROW(f, dx, ndx, capdx);
    hl_diagnosis *d = &f->dx[f->ndx++];
    memset(d, 0, sizeof *d);
    return d;
}

void hl__note(hl_findings *f, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (f->nnotes == f->capnotes) {
        size_t nc = f->capnotes ? f->capnotes * 2 : 8;
        char **nn = realloc(f->notes, nc * sizeof *nn);
        if (!nn) {
            f->oom = 1;
            return;
        }
        f->notes = nn;
        f->capnotes = nc;
    }
    char *s = strdup(buf);
    if (!s) {
        f->oom = 1;
        return;
    }
    f->notes[f->nnotes++] = s;
}

const char *hl_comparison_key(const hl_comparison *c, char *buf, size_t size)
{
    const hl_subject *s = &c->subject;
    const char *id = s->level == HL_LEVEL_AD        ? s->ad_id
                     : s->level == HL_LEVEL_ADGROUP ? s->adgroup_id
                     : s->level == HL_LEVEL_CAMPAIGN ? s->campaign_id
                                                     : s->advertiser_id;
    snprintf(buf, size, "%s:%s:%s", hl_level_name(s->level), id ? id : "",
             hl_metric_info(c->metric)->name);
    return buf;
}

/* The tests that are adjusted for multiplicity: comparisons that passed their data gate, and
 * the fatigue trends (pacing and tracking are decided by their intervals, not p). */
static int trend_adjusted(const hl_trend *t)
{
    return t->p_value.ok && strcmp(t->metric, "spend") != 0 &&
           strcmp(t->metric, "platform_vs_backend_conversions") != 0;
}

typedef struct fam_item {
    const char *adv; /* the family: the subject's advertiser ("" when the input has none) */
    size_t i;        /* index into cmp (i < ncmp) or into tr (i - ncmp) */
} fam_item;

static int cmp_fam(const void *a, const void *b)
{
    const fam_item *x = a, *y = b;
    int c = strcmp(x->adv, y->adv);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* One family per advertiser (analysis.adjust_per_advertiser, the default): an account's decisions must not depend on which other accounts
 * share the run (an agency adding a client would otherwise move another client's winners),
 * and a run sharded by advertiser then decides exactly what the single run decides. */
static int adjust_all(hl_findings *f)
{
    size_t m = 0;
    for (size_t i = 0; i < f->ncmp; i++)
        m += !f->cmp[i].gated && f->cmp[i].p_value.ok;
    for (size_t i = 0; i < f->ntr; i++)
        m += trend_adjusted(&f->tr[i]);
    for (size_t i = 0; i < f->ncmp; i++) {
        hl_comparison *c = &f->cmp[i];
        if (c->gated && c->p_value.ok)
            c->p_adjusted = hl_undef("below the minimum-data gate");
        else if (!c->p_value.ok && !c->p_adjusted.why)
            c->p_adjusted = c->p_value;
    }
    if (m == 0)
        return 0;
    fam_item *it = malloc(m * sizeof *it);
    double *p = malloc(m * sizeof *p);
    if (!it || !p) {
        free(it);
        free(p);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < f->ncmp; i++)
        if (!f->cmp[i].gated && f->cmp[i].p_value.ok) {
            const char *a = f->cfg.adjust_per_advertiser ? f->cmp[i].subject.advertiser_id : NULL;
            it[k++] = (fam_item){a ? a : "", i};
        }
    for (size_t i = 0; i < f->ntr; i++)
        if (trend_adjusted(&f->tr[i])) {
            const char *a = f->cfg.adjust_per_advertiser ? f->tr[i].subject.advertiser_id : NULL;
            it[k++] = (fam_item){a ? a : "", f->ncmp + i};
        }
    qsort(it, m, sizeof *it, cmp_fam);
    int rc = 0;
    for (size_t lo = 0, hi; lo < m; lo = hi) {
        for (hi = lo + 1; hi < m && strcmp(it[hi].adv, it[lo].adv) == 0; hi++)
            ;
        size_t n = hi - lo;
        for (size_t j = 0; j < n; j++) {
            size_t i = it[lo + j].i;
            p[j] = i < f->ncmp ? f->cmp[i].p_value.v : f->tr[i - f->ncmp].p_value.v;
        }
        if (hl_stats_adjust(p, n, (hl_stats_adjust_method)f->cfg.adjust, p) != HL_STATS_OK) {
            rc = -1;
            break;
        }
        for (size_t j = 0; j < n; j++) {
            size_t i = it[lo + j].i;
            if (i < f->ncmp)
                f->cmp[i].p_adjusted = hl_v(p[j]);
            else
                f->tr[i - f->ncmp].p_adjusted = hl_v(p[j]);
        }
    }
    free(it);
    free(p);
    return rc;
}

static const hl_metric compared_metrics[] = {
    HL_M_PLAY_RATE, HL_M_HOOK_RATE, HL_M_VIEW_RATE_6S, HL_M_HOLD_RATE, HL_M_CTR,
    HL_M_CVR,       HL_M_CPA,       HL_M_ROAS,         HL_M_COMPLETION_RATE};

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int32_t hl_compare_window_from(const hl_table *t, const hl_config *cfg, int32_t as_of)
{
    int32_t from = as_of - cfg->window_days + 1, first, last;
    /* A window reaching before the data would only add empty days. */
    if (hl_table_date_range(t, &first, &last) == 0 && first > from && first <= as_of)
        from = first;
    return from;
}

/* hl_compare_run; with drop (the table is then not const), the table's cells go as soon as the
 * units hold the window. */
static hl_status compare_run(const hl_table *t, hl_table *drop, const hl_config *cfg,
                             int32_t as_of, const hl_backend_row *backend, size_t nbackend,
                             hl_prev_p_fn prev_p, void *prev_ud, hl_findings **out, hl_error *err)
{
    *out = NULL;
    hl_findings *f = calloc(1, sizeof *f);
    if (!f)
        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
    f->cfg = *cfg;
    f->as_of = as_of;
    f->from = hl_compare_window_from(t, cfg, as_of);
    f->W = as_of - f->from + 1;
    f->prev_p = prev_p;
    f->prev_ud = prev_ud;
    double c0 = cpu_s();
    hl_status st = hl__build_units(f, t, err);
    if (drop)
        hl_table_drop_cells(drop);
    if (st != HL_OK) {
        hl_findings_free(f);
        return st;
    }
    double c1 = cpu_s();
    const size_t nm = sizeof compared_metrics / sizeof *compared_metrics;
    for (size_t fi = 0; fi < f->ads.nf; fi++)
        for (size_t k = 0; k < nm; k++)
            hl__compare_family(f, &f->ads, fi, compared_metrics[k]);
    for (size_t fi = 0; fi < f->groups.nf; fi++)
        for (size_t k = 0; k < nm; k++)
            hl__compare_family(f, &f->groups, fi, compared_metrics[k]);
    double c2 = cpu_s();
    hl__trends(f, backend, nbackend);
    double c3 = cpu_s();
    if (adjust_all(f) < 0)
        f->oom = 1;
    hl__decide(f);
    hl__decide_trends(f);
    hl__diagnose(f);
    if (!f->oom && hl__index_ads(f) < 0)
        f->oom = 1;
    double c4 = cpu_s();
    f->times = (hl_compare_times){c1 - c0, c2 - c1, c3 - c2, c4 - c3};
    if (f->oom) {
        hl_findings_free(f);
        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
    }
    *out = f;
    return HL_OK;
}

hl_status hl_compare_run(const hl_table *t, const hl_config *cfg, int32_t as_of,
                         const hl_backend_row *backend, size_t nbackend, hl_prev_p_fn prev_p,
                         void *prev_ud, hl_findings **out, hl_error *err)
{
    return compare_run(t, NULL, cfg, as_of, backend, nbackend, prev_p, prev_ud, out, err);
}

hl_status hl_compare_run_dropping(hl_table *t, const hl_config *cfg, int32_t as_of,
                                  const hl_backend_row *backend, size_t nbackend,
                                  hl_prev_p_fn prev_p, void *prev_ud, hl_findings **out,
                                  hl_error *err)
{
    return compare_run(t, t, cfg, as_of, backend, nbackend, prev_p, prev_ud, out, err);
}

/* Builds the per-ad views: totals from the ad units (when the findings were computed here) and
 * the indices of each ad's comparisons, trends and diagnoses. */
static int push_index(size_t **arr, size_t *n, size_t v)
{
    size_t *na = realloc(*arr, (*n + 1) * sizeof *na);
    if (!na)
        return -1;
    na[(*n)++] = v;
    *arr = na;
    return 0;
}

int hl__index_ads(hl_findings *f)
{
    if (!f->adv) {
        f->adv = calloc(f->ads.n ? f->ads.n : 1, sizeof *f->adv);
        if (!f->adv)
            return -1;
        for (size_t i = 0; i < f->ads.n; i++) {
            const hl_unit *u = &f->ads.u[i];
            hl_ad_view *a = &f->adv[i];
            a->subject = u->subj;
            a->currency = u->currency;
            memcpy(a->v, u->tot, sizeof a->v);
            a->present = u->present;
            a->days = u->delivering_days;
            a->group = u->family;
            a->day = u->day;
            a->day_mask = u->dmask;
            a->ndays = f->W;
        }
        f->nadv = f->ads.n;
    }
    hl_u64map byid;
    hl_u64map_init(&byid);
    int rc = -1;
    for (size_t i = 0; i < f->nadv; i++) {
        int found;
        uint32_t *slot = hl_u64map_upsert(&byid, (uint64_t)(uintptr_t)f->adv[i].subject.ad_id, &found);
        if (!slot)
            goto done;
        *slot = (uint32_t)i;
    }
    for (size_t i = 0; i < f->ncmp; i++) {
        if (f->cmp[i].subject.level != HL_LEVEL_AD)
            continue;
        uint32_t a = hl_u64map_get(&byid, (uint64_t)(uintptr_t)f->cmp[i].subject.ad_id);
        if (a != HL_NONE && push_index(&f->adv[a].cmp, &f->adv[a].ncmp, i) < 0)
            goto done;
    }
    for (size_t i = 0; i < f->ntr; i++) {
        if (f->tr[i].subject.level != HL_LEVEL_AD)
            continue;
        uint32_t a = hl_u64map_get(&byid, (uint64_t)(uintptr_t)f->tr[i].subject.ad_id);
        if (a != HL_NONE && push_index(&f->adv[a].tr, &f->adv[a].ntr, i) < 0)
            goto done;
    }
    for (size_t i = 0; i < f->ndx; i++) {
        if (f->dx[i].subject.level != HL_LEVEL_AD)
            continue;
        uint32_t a = hl_u64map_get(&byid, (uint64_t)(uintptr_t)f->dx[i].subject.ad_id);
        if (a != HL_NONE && push_index(&f->adv[a].dx, &f->adv[a].ndx, i) < 0)
            goto done;
    }
    rc = 0;
done:
    hl_u64map_destroy(&byid);
    return rc;
}

int hl_findings_add_note(hl_findings *f, const char *text)
{
    int before = f->oom;
    hl__note(f, "%s", text);
    return f->oom && !before ? -1 : 0;
}

const hl_ad_view *hl_findings_ads(const hl_findings *f, size_t *n)
{
    *n = f->nadv;
    return f->adv;
}

void hl_findings_free(hl_findings *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->nadv; i++) {
        free(f->adv[i].cmp);
        free(f->adv[i].tr);
        free(f->adv[i].dx);
    }
    free(f->adv);
    hl_strpool_free(f->owned);
    hl__free_units(&f->ads);
    hl__free_units(&f->groups);
    for (size_t i = 0; i < f->nacct; i++) {
        free(f->acct[i].day);
        free(f->acct[i].mask);
    }
    free(f->acct);
    for (size_t i = 0; i < f->ndx; i++) {
        free(f->dx[i].related_ad_ids);
        free(f->dx[i].comparisons);
        free(f->dx[i].trends);
        free(f->dx[i].summary);
    }
    free(f->dx);
    free(f->cmp);
    free(f->tr);
    for (size_t i = 0; i < f->nnotes; i++)
        free(f->notes[i]);
    free(f->notes);
    free(f);
}

hl_compare_times hl_findings_times(const hl_findings *f)
{
    return f->times;
}

int32_t hl_findings_as_of(const hl_findings *f)
{
    return f->as_of;
}

int32_t hl_findings_from(const hl_findings *f)
{
    return f->from;
}

const hl_config *hl_findings_config(const hl_findings *f)
{
    return &f->cfg;
}

const hl_comparison *hl_findings_comparisons(const hl_findings *f, size_t *n)
{
    *n = f->ncmp;
    return f->cmp;
}

const hl_trend *hl_findings_trends(const hl_findings *f, size_t *n)
{
    *n = f->ntr;
    return f->tr;
}

const hl_diagnosis *hl_findings_diagnoses(const hl_findings *f, size_t *n)
{
    *n = f->ndx;
    return f->dx;
}

const char *const *hl_findings_notes(const hl_findings *f, size_t *n)
{
    *n = f->nnotes;
    return (const char *const *)f->notes;
}
