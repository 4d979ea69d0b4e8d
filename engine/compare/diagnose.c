/*
 * diagnose.c — diagnosis codes from findings (DESIGN.md §6), every threshold from the config.
 * The funnel is read in order, as practitioners do: a weak hold is only reported when the hook
 * is not itself the problem, a weak CTA only when views are fine, a landing-page mismatch when
 * the click rate is fine or high but the conversion rate is low. Each diagnosis carries the
 * comparisons and trends behind it and one sentence with the numbers.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "compare/internal.h"

/* Index of comparisons by (level, subject id pointer, metric). */
static uint64_t cmp_key(hl_level level, const char *id, int metric)
{
    return (uint64_t)(uintptr_t)id ^ ((uint64_t)metric << 52) ^ ((uint64_t)level << 60);
}

typedef struct dctx {
    hl_findings *f;
    hl_u64map cmp_index;
    hl_u64map trend_index; /* (ad id pointer, metric hash) -> trend */
} dctx;

static uint64_t trend_key(const char *id, const char *metric)
{
    return (uint64_t)(uintptr_t)id ^ (hl_hash_bytes(metric, strlen(metric)) << 1);
}

static const hl_comparison *get_cmp(dctx *x, hl_level level, const char *id, hl_metric m,
                                    size_t *idx)
{
    uint32_t i = hl_u64map_get(&x->cmp_index, cmp_key(level, id, m));
    if (i == HL_NONE)
        return NULL;
    if (idx)
        *idx = i;
    return &x->f->cmp[i];
}

static const hl_trend *get_trend(dctx *x, const char *id, const char *metric, size_t *idx)
{
    uint32_t i = hl_u64map_get(&x->trend_index, trend_key(id, metric));
    if (i == HL_NONE)
        return NULL;
    if (idx)
        *idx = i;
    return &x->f->tr[i];
}

static int is(const hl_comparison *c, hl_decision d)
{
    return c && c->decision == d;
}

static void fmt_pct(char *buf, size_t n, hl_val v)
{
    if (v.ok)
        snprintf(buf, n, "%+.1f%%", 100 * v.v);
    else
        snprintf(buf, n, "n/a");
}

static void fmt_rate(char *buf, size_t n, hl_val v)
{
    if (v.ok)
        snprintf(buf, n, "%.2f%%", 100 * v.v);
    else
        snprintf(buf, n, "n/a");
}

static void fmt_p(char *buf, size_t n, const hl_comparison *c)
{
    if (c->chance_to_beat.ok)
        snprintf(buf, n, "chance to beat %.1f%%", 100 * c->chance_to_beat.v);
    else if (c->p_adjusted.ok && c->p_adjusted.v < 0.001)
        snprintf(buf, n, "adjusted p < 0.001");
    else if (c->p_adjusted.ok)
        snprintf(buf, n, "adjusted p %.3f", c->p_adjusted.v);
    else
        snprintf(buf, n, "p n/a");
}

/* "hook rate 18.20% vs 30.10% for the rest of the ad group (-39.5%, 95% CI -44.1% to -34.6%,
 * adjusted p < 0.001)" */
static int describe(char *buf, size_t n, const hl_findings *f, const hl_comparison *c,
                    const char *label)
{
    char v[32], r[32], l[32], lo[32], hi[32], p[48];
    int money = hl_metric_info(c->metric)->kind != HL_MK_PROPORTION;
    if (money) {
        snprintf(v, sizeof v, c->value.ok ? "%.2f" : "n/a", c->value.v);
        snprintf(r, sizeof r, c->reference.ok ? "%.2f" : "n/a", c->reference.v);
    } else {
        fmt_rate(v, sizeof v, c->value);
        fmt_rate(r, sizeof r, c->reference);
    }
    fmt_pct(l, sizeof l, c->lift);
    fmt_pct(lo, sizeof lo, c->ci_low);
    fmt_pct(hi, sizeof hi, c->ci_high);
    fmt_p(p, sizeof p, c);
    return snprintf(buf, n, "%s %s vs %s for the rest of the %s (%s, %g%% interval %s to %s, %s)",
                    label, v, r, c->subject.level == HL_LEVEL_AD ? "ad group" : "campaign", l,
                    100 * (1 - f->cfg.alpha), lo, hi, p);
}

static const char *subject_name(const hl_subject *s)
{
    if (s->level == HL_LEVEL_AD)
        return s->ad_name ? s->ad_name : s->ad_id;
    if (s->level == HL_LEVEL_ADGROUP)
        return s->adgroup_name ? s->adgroup_name : s->adgroup_id;
    if (s->level == HL_LEVEL_CAMPAIGN)
        return s->campaign_name ? s->campaign_name : s->campaign_id;
    return "the account";
}

static hl_diagnosis *add(dctx *x, const char *code, const hl_subject *subj, double spend,
                         double effect, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static hl_diagnosis *add(dctx *x, const char *code, const hl_subject *subj, double spend,
                         double effect, const char *fmt, ...)
{
    hl_diagnosis *d = hl__new_diagnosis(x->f);
    if (!d)
        return NULL;
    d->code = code;
    d->subject = *subj;
    d->spend_at_stake = spend;
    d->effect = effect;
    d->priority = spend * fabs(effect);
    char buf[1600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    d->summary = strdup(buf);
    if (!d->summary)
        x->f->oom = 1;
    return d;
}

static void evidence_cmp(dctx *x, hl_diagnosis *d, size_t idx)
{
    if (!d)
        return;
    size_t *n = realloc(d->comparisons, (d->ncomparisons + 1) * sizeof *n);
    if (!n) {
        x->f->oom = 1;
        return;
    }
    d->comparisons = n;
    d->comparisons[d->ncomparisons++] = idx;
}

static void evidence_trend(dctx *x, hl_diagnosis *d, size_t idx)
{
    if (!d)
        return;
    size_t *n = realloc(d->trends, (d->ntrends + 1) * sizeof *n);
    if (!n) {
        x->f->oom = 1;
        return;
    }
    d->trends = n;
    d->trends[d->ntrends++] = idx;
}

static void relate(dctx *x, hl_diagnosis *d, const char *ad_id)
{
    if (!d)
        return;
    const char **n = realloc(d->related_ad_ids, (d->nrelated + 1) * sizeof *n);
    if (!n) {
        x->f->oom = 1;
        return;
    }
    d->related_ad_ids = n;
    d->related_ad_ids[d->nrelated++] = ad_id;
}

static const char *id_of(const hl_subject *s)
{
    return s->level == HL_LEVEL_AD ? s->ad_id : s->adgroup_id;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The unit's metric against its family's typical member: value / (median of every member's
 * value, its own included) - 1, NAN when undefined. Leave-one-out pools a very strong ad into
 * every other ad's reference, so against the pooled rest the ordinary ads of its group look
 * worse; the median member does not move with one outlier (nor with two in a group of five).
 * A "weak" or "loser" diagnosis needs both: significantly worse than the pooled rest, and at
 * least half the configured margin below the typical member. */
static double vs_median_peer(const dctx *x, const hl_unit *u, hl_metric m)
{
    const hl_units *us = u->subj.level == HL_LEVEL_AD ? &x->f->ads : &x->f->groups;
    if (u->family >= us->nf)
        return NAN;
    const hl_family *fm = &us->f[u->family];
    double mine;
    if (!hl_metric_compute(m, u->tot, u->present, &mine) || !isfinite(mine))
        return NAN;
    double small[32], *vals = fm->n <= 32 ? small : malloc(fm->n * sizeof *vals);
    if (!vals)
        return NAN;
    size_t k = 0;
    for (size_t i = 0; i < fm->n; i++) {
        const hl_unit *p = &us->u[fm->members[i]];
        double v;
        if (hl_metric_compute(m, p->tot, p->present, &v) && isfinite(v))
            vals[k++] = v;
    }
    double med = NAN;
    if (k >= 2) { /* alone in its family: nothing typical to compare with */
        qsort(vals, k, sizeof *vals, cmp_double);
        med = k % 2 ? vals[k / 2] : (vals[k / 2 - 1] + vals[k / 2]) / 2;
    }
    if (vals != small)
        free(vals);
    return med > 0 ? mine / med - 1 : NAN;
}

/* Whether the unit is below its typical peer by half the margin `max_lift` (< 0) at least
 * (or above it by half of `min_lift` > 0 when `higher`: a CPA). Undefined passes: the pooled
 * comparison then decides alone. */
static int typical_peer_agrees(const dctx *x, const hl_unit *u, hl_metric m, double margin,
                               int higher)
{
    double l = vs_median_peer(x, u, m);
    if (isnan(l))
        return 1;
    return higher ? l >= margin / 2 : l <= margin / 2;
}

/* winner / loser / insufficient_data on the goal metric (CPA where conversions are tracked). */
static void goal(dctx *x, const hl_unit *u, int goal_is_cpa)
{
    const hl_config *cfg = &x->f->cfg;
    hl_metric gm = goal_is_cpa ? HL_M_CPA : HL_M_CTR;
    size_t gi;
    const hl_comparison *g = get_cmp(x, u->subj.level, id_of(&u->subj), gm, &gi);
    if (!g)
        return;
    char desc[700];
    const char *label = goal_is_cpa ? "CPA" : "CTR";
    double spend = u->tot[HL_C_SPEND];
    /* For CPA a negative lift is the improvement. */
    double improvement = g->lift.ok ? (goal_is_cpa ? -g->lift.v : g->lift.v) : 0;
    if (g->decision == HL_DEC_BETTER && improvement >= cfg->winner_min_lift) {
        describe(desc, sizeof desc, x->f, g, label);
        hl_diagnosis *d = add(x, "winner", &u->subj, spend, improvement,
                              "Winner on the goal metric: %s.", desc);
        evidence_cmp(x, d, gi);
    } else if (g->decision == HL_DEC_WORSE && -improvement >= cfg->loser_min_lift &&
               typical_peer_agrees(x, u, gm, goal_is_cpa ? cfg->loser_min_lift : -cfg->loser_min_lift,
                                   goal_is_cpa)) {
        describe(desc, sizeof desc, x->f, g, label);
        hl_diagnosis *d = add(x, "loser", &u->subj, spend, improvement,
                              "Loser on the goal metric: %s.", desc);
        evidence_cmp(x, d, gi);
    } else if (g->gated) {
        char need[200] = "";
        if (g->needed_remaining.ok && g->needed_days.ok)
            snprintf(need, sizeof need, "about %.0f more %s (%.0f days at the current pace)",
                     g->needed_remaining.v, g->needed_unit, g->needed_days.v);
        else if (g->needed_remaining.ok)
            snprintf(need, sizeof need, "about %.0f more %s", g->needed_remaining.v,
                     g->needed_unit);
        else
            snprintf(need, sizeof need, "more data");
        hl_diagnosis *d = add(x, "insufficient_data", &u->subj, spend, 0,
                              "Not enough data to judge %s yet: %s has %.0f %s against the "
                              "minimum; it needs %s to detect a %.0f%% change.",
                              label, subject_name(&u->subj), goal_is_cpa ? g->x : g->n,
                              goal_is_cpa ? "conversions" : "impressions", need,
                              100 * cfg->mde);
        evidence_cmp(x, d, gi);
    }
}

static void funnel(dctx *x, const hl_unit *u)
{
    const hl_config *cfg = &x->f->cfg;
    size_t ih = 0, ihold = 0, ictr = 0, icvr = 0, i6 = 0;
    const hl_comparison *hook = get_cmp(x, HL_LEVEL_AD, u->subj.ad_id, HL_M_HOOK_RATE, &ih);
    const hl_comparison *hold = get_cmp(x, HL_LEVEL_AD, u->subj.ad_id, HL_M_HOLD_RATE, &ihold);
    const hl_comparison *v6 = get_cmp(x, HL_LEVEL_AD, u->subj.ad_id, HL_M_VIEW_RATE_6S, &i6);
    const hl_comparison *ctr = get_cmp(x, HL_LEVEL_AD, u->subj.ad_id, HL_M_CTR, &ictr);
    const hl_comparison *cvr = get_cmp(x, HL_LEVEL_AD, u->subj.ad_id, HL_M_CVR, &icvr);
    double spend = u->tot[HL_C_SPEND];
    char d1[700], d2[700];
    (void)v6;
    (void)i6;

    /* The funnel is read in order: a stage is "the problem" only when it is weak by the
     * configured margin, not merely significantly worse by a hair. */
    int hook_weak = is(hook, HL_DEC_WORSE) && hook->lift.ok && hook->lift.v <= cfg->weak_hook_max_lift &&
                    typical_peer_agrees(x, u, HL_M_HOOK_RATE, cfg->weak_hook_max_lift, 0);
    int hold_weak = is(hold, HL_DEC_WORSE) && hold->lift.ok && hold->lift.v <= cfg->weak_hold_max_lift &&
                    typical_peer_agrees(x, u, HL_M_HOLD_RATE, cfg->weak_hold_max_lift, 0);
    if (hook_weak) {
        describe(d1, sizeof d1, x->f, hook, "2-second hook rate");
        hl_diagnosis *d = add(x, "weak_hook", &u->subj, spend, hook->lift.v,
                              "Weak hook: %s. The opening does not stop the scroll.", d1);
        evidence_cmp(x, d, ih);
    }
    if (hold_weak && !hook_weak) {
        describe(d1, sizeof d1, x->f, hold, "hold rate (6 s / 2 s views)");
        hl_diagnosis *d = add(x, "weak_hold", &u->subj, spend, hold->lift.v,
                              "Weak hold: %s, while the hook is not weak. "
                              "The opening stops the scroll but the next seconds lose viewers.",
                              d1);
        evidence_cmp(x, d, ihold);
        if (hook)
            evidence_cmp(x, d, ih);
    }
    if (is(ctr, HL_DEC_WORSE) && ctr->lift.ok && ctr->lift.v <= cfg->weak_cta_max_lift &&
        typical_peer_agrees(x, u, HL_M_CTR, cfg->weak_cta_max_lift, 0) && !hook_weak &&
        !hold_weak) {
        describe(d1, sizeof d1, x->f, ctr, "CTR");
        hl_diagnosis *d = add(x, "weak_cta", &u->subj, spend, ctr->lift.v,
                              "Weak CTA: %s, while views (hook and hold) are not weak. People "
                              "watch but are not given a reason to click.",
                              d1);
        evidence_cmp(x, d, ictr);
        if (hook)
            evidence_cmp(x, d, ih);
        if (hold)
            evidence_cmp(x, d, ihold);
    }
    /* "CTR high": significantly better, or at least the configured lift above the peers */
    int ctr_high = ctr && ctr->lift.ok && !is(ctr, HL_DEC_WORSE) &&
                   (is(ctr, HL_DEC_BETTER) || ctr->lift.v >= cfg->lp_min_ctr_lift);
    if (is(cvr, HL_DEC_WORSE) && cvr->lift.ok && cvr->lift.v <= cfg->lp_max_cvr_lift && ctr_high &&
        typical_peer_agrees(x, u, HL_M_CVR, cfg->lp_max_cvr_lift, 0)) {
        describe(d1, sizeof d1, x->f, ctr, "CTR");
        describe(d2, sizeof d2, x->f, cvr, "CVR");
        hl_diagnosis *d = add(x, "landing_page_mismatch", &u->subj, spend, cvr->lift.v,
                              "Landing-page mismatch: %s, but %s. The ad promises what the "
                              "landing page does not deliver.",
                              d1, d2);
        evidence_cmp(x, d, ictr);
        evidence_cmp(x, d, icvr);
    }
}

static void fatigue(dctx *x, const hl_unit *u)
{
    const hl_config *cfg = &x->f->cfg;
    size_t ic = 0, ip = 0, ifq = 0;
    const hl_trend *ctr = get_trend(x, u->subj.ad_id, "ctr", &ic);
    const hl_trend *cpm = get_trend(x, u->subj.ad_id, "cpm_vs_account", &ip);
    const hl_trend *fq = get_trend(x, u->subj.ad_id, "frequency", &ifq);
    if (!ctr || ctr->direction != HL_TREND_FALLING || !ctr->change.ok ||
        ctr->change.v > cfg->fatigue_max_ctr_change)
        return;
    int cpm_up = cpm && cpm->direction == HL_TREND_RISING && cpm->change.ok &&
                 cpm->change.v >= cfg->fatigue_min_cpm_change;
    int fq_up = fq && fq->direction == HL_TREND_RISING && fq->change.ok &&
                fq->change.v >= cfg->fatigue_min_frequency_change;
    if (!cpm_up && !fq_up)
        return;
    char c1[32], c2[32], c3[32];
    fmt_pct(c1, sizeof c1, ctr->change);
    fmt_pct(c2, sizeof c2, cpm ? cpm->change : hl_undef("none"));
    fmt_pct(c3, sizeof c3, fq ? fq->change : hl_undef("none"));
    hl_diagnosis *d = add(x, "fatigue", &u->subj, u->tot[HL_C_SPEND], ctr->change.v,
                          "Fatigue over the last %d days: CTR relative to its ad group %s (adjusted "
                          "p %.3g)%s%s%s%s%s. The audience has seen it; refresh the creative.",
                          ctr->days, c1, ctr->p_adjusted.ok ? ctr->p_adjusted.v : 1.0,
                          cpm_up ? ", CPM relative to the account " : "", cpm_up ? c2 : "",
                          fq_up ? ", frequency " : "", fq_up ? c3 : "", "");
    evidence_trend(x, d, ic);
    if (cpm_up)
        evidence_trend(x, d, ip);
    if (fq_up)
        evidence_trend(x, d, ifq);
}

/* Trailing days (up to as-of) on which the unit had a row with zero impressions while its
 * family delivered. */
static int dead_days(const hl_findings *f, const hl_unit *u, const hl_family *fm)
{
    int n = 0;
    for (int d = f->W - 1; d >= 0; d--) {
        int row = u->dmask[d] != 0;
        double imp = hl_cell(u, d, HL_C_IMPRESSIONS);
        double fam = fm->day[(size_t)d * HL_NCOUNTERS + HL_C_IMPRESSIONS] - imp;
        if (!row || imp > 0 || fam <= 0)
            break;
        n++;
    }
    return n;
}

static void delivery_ad(dctx *x, const hl_unit *u, const hl_family *fm)
{
    int n = dead_days(x->f, u, fm);
    if (n < x->f->cfg.no_delivery_min_days)
        return;
    /* all of the ad's share of its group's delivery is lost: effect 1 on what it spent */
    add(x, "no_delivery", &u->subj, u->tot[HL_C_SPEND], 1,
        "No delivery: %s had 0 impressions on each of the last %d day%s while the rest of its "
        "ad group delivered (%.0f impressions before that in the window). Check its review "
        "status, audience size and bid.",
        subject_name(&u->subj), n, n == 1 ? "" : "s", u->tot[HL_C_IMPRESSIONS]);
}

/* An ad group that stopped spending while the account goes on. */
static void delivery_group(dctx *x, const hl_unit *g)
{
    const hl_findings *f = x->f;
    if (f->W < 4)
        return;
    int last = f->W - 1;
    double spend_last = hl_cell(g, last, HL_C_SPEND);
    double imp_last = hl_cell(g, last, HL_C_IMPRESSIONS);
    double acct_last =
        f->acct[g->acct].day[(size_t)last * HL_NCOUNTERS + HL_C_IMPRESSIONS] - imp_last;
    double before = 0;
    for (int d = last - 7 < 0 ? 0 : last - 7; d < last; d++)
        before += hl_cell(g, d, HL_C_SPEND);
    if (spend_last > 0 || imp_last > 0 || acct_last <= 0)
        return;
    if (before > 0) {
        add(x, "no_delivery", &g->subj, before, 1,
            "Ad group %s stopped spending: no spend on the last day after %.2f over the 7 days "
            "before, while the rest of the account delivered.",
            subject_name(&g->subj), before);
        return;
    }
    /* rows with zero impressions for the last min_days days: approved but not delivering */
    int zero_days = 0;
    for (int d = last; d >= 0 && g->dmask[d] && hl_cell(g, d, HL_C_IMPRESSIONS) <= 0; d--)
        zero_days++;
    if (zero_days >= f->cfg.no_delivery_min_days && g->tot[HL_C_IMPRESSIONS] <= 0)
        add(x, "no_delivery", &g->subj, 0, 0,
            "Ad group %s has not delivered: 0 impressions on each of the last %d day%s while the "
            "rest of the account delivered. Check its review status, audience size and bid.",
            subject_name(&g->subj), zero_days, zero_days == 1 ? "" : "s");
}

static void audience(dctx *x, const hl_unit *g)
{
    const hl_findings *f = x->f;
    double imp = 0, reach = 0;
    int days = 0;
    for (int d = f->W - 7 < 0 ? 0 : f->W - 7; d < f->W; d++) {
        double i = hl_cell(g, d, HL_C_IMPRESSIONS), r = hl_cell(g, d, HL_C_REACH);
        if (i > 0 && r > 0) {
            imp += i;
            reach += r;
            days++;
        }
    }
    if (days < 3 || reach <= 0)
        return;
    /* The ad group's daily reach is summed over its ads, an upper bound of its people, so this
     * frequency is a lower bound: above the threshold it is certainly high. */
    double freq = imp / reach;
    if (freq < x->f->cfg.audience_max_frequency)
        return;
    /* the effect is the share of impressions beyond the threshold's frequency */
    add(x, "audience_too_narrow", &g->subj, g->tot[HL_C_SPEND],
        (freq - x->f->cfg.audience_max_frequency) / freq,
        "Audience too narrow: ad group %s shows its ads %.2f times a day to the same people on "
        "average over the last %d days (at least; reach summed over its ads), above %.1f. "
        "Broaden the audience.",
        subject_name(&g->subj), freq, days, x->f->cfg.audience_max_frequency);
}

static void tracking_dx(dctx *x)
{
    for (size_t i = 0; i < x->f->ntr; i++) {
        const hl_trend *t = &x->f->tr[i];
        if (strcmp(t->metric, "platform_vs_backend_conversions") != 0)
            continue;
        if (t->direction != HL_TREND_RISING && t->direction != HL_TREND_FALLING)
            continue;
        char c[32], lo[32], hi[32];
        fmt_pct(c, sizeof c, t->change);
        fmt_pct(lo, sizeof lo, t->ci_low);
        fmt_pct(hi, sizeof hi, t->ci_high);
        double spend = 0;
        for (size_t k = 0; k < x->f->ads.n; k++) {
            const hl_unit *u = &x->f->ads.u[k];
            if (t->subject.level == HL_LEVEL_ADVERTISER ||
                (u->subj.campaign_id && t->subject.campaign_id &&
                 strcmp(u->subj.campaign_id, t->subject.campaign_id) == 0))
                spend += u->tot[HL_C_SPEND];
        }
        hl_diagnosis *d = add(
            x, "tracking_discrepancy", &t->subject, spend, t->change.v,
            "Tracking discrepancy%s%s: TikTok reports %.0f conversions where the shop recorded "
            "%.0f over %d days (%s, interval %s to %s), beyond the usual %.0f%% gap. Check the "
            "pixel events and the attribution window.",
            t->subject.campaign_name ? " in " : "",
            t->subject.campaign_name ? t->subject.campaign_name : "", t->recent.v, t->prior.v,
            t->days, c, lo, hi, 100 * x->f->cfg.tracking_tolerance);
        evidence_trend(x, d, i);
    }
}

/* One ad with the best hook, another with the best click-through: worth splicing. */
static void kitbash(dctx *x, const hl_units *us, const hl_family *fm)
{
    const hl_unit *best_hook = NULL, *best_cta = NULL;
    double bh = 0, bc = 0;
    size_t ih = 0, ic = 0;
    for (size_t k = 0; k < fm->n; k++) {
        const hl_unit *u = &us->u[fm->members[k]];
        size_t i;
        const hl_comparison *h = get_cmp(x, HL_LEVEL_AD, u->subj.ad_id, HL_M_HOOK_RATE, &i);
        if (is(h, HL_DEC_BETTER) && h->lift.ok && h->lift.v > bh) {
            bh = h->lift.v;
            best_hook = u;
            ih = i;
        }
        const hl_comparison *c = get_cmp(x, HL_LEVEL_AD, u->subj.ad_id, HL_M_CTR, &i);
        if (is(c, HL_DEC_BETTER) && c->lift.ok && c->lift.v > bc) {
            bc = c->lift.v;
            best_cta = u;
            ic = i;
        }
    }
    if (!best_hook || !best_cta || best_hook == best_cta)
        return;
    const hl_comparison *hook_ctr = get_cmp(x, HL_LEVEL_AD, best_hook->subj.ad_id, HL_M_CTR, NULL);
    if (is(hook_ctr, HL_DEC_BETTER))
        return;
    char d1[700], d2[700];
    describe(d1, sizeof d1, x->f, &x->f->cmp[ih], "2-second hook rate");
    describe(d2, sizeof d2, x->f, &x->f->cmp[ic], "CTR");
    hl_diagnosis *d =
        add(x, "kitbash_candidate", &best_hook->subj,
            best_hook->tot[HL_C_SPEND] + best_cta->tot[HL_C_SPEND], bh,
            "Kit-bash candidate: %s has the best hook (%s); %s has the best click-through (%s). "
            "Splice the opening of the first with the ending of the second.",
            subject_name(&best_hook->subj), d1, subject_name(&best_cta->subj), d2);
    relate(x, d, best_cta->subj.ad_id);
    evidence_cmp(x, d, ih);
    evidence_cmp(x, d, ic);
}

static int count_delivering(const hl_units *us, const hl_family *fm)
{
    int n = 0;
    for (size_t k = 0; k < fm->n; k++)
        n += us->u[fm->members[k]].tot[HL_C_IMPRESSIONS] > 0;
    return n;
}

void hl__diagnose(hl_findings *f)
{
    dctx x;
    x.f = f;
    hl_u64map_init(&x.cmp_index);
    hl_u64map_init(&x.trend_index);
    for (size_t i = 0; i < f->ncmp; i++) {
        const hl_comparison *c = &f->cmp[i];
        int found;
        uint32_t *slot = hl_u64map_upsert(
            &x.cmp_index, cmp_key(c->subject.level, id_of(&c->subject), (int)c->metric), &found);
        if (!slot) {
            f->oom = 1;
            goto done;
        }
        *slot = (uint32_t)i;
    }
    for (size_t i = 0; i < f->ntr; i++) {
        const hl_trend *t = &f->tr[i];
        if (t->subject.level != HL_LEVEL_AD)
            continue;
        int found;
        uint32_t *slot = hl_u64map_upsert(&x.trend_index, trend_key(t->subject.ad_id, t->metric),
                                          &found);
        if (!slot) {
            f->oom = 1;
            goto done;
        }
        *slot = (uint32_t)i;
    }
    for (size_t fi = 0; fi < f->ads.nf; fi++) {
        const hl_family *fm = &f->ads.f[fi];
        int delivering = count_delivering(&f->ads, fm);
        for (size_t k = 0; k < fm->n; k++) {
            const hl_unit *u = &f->ads.u[fm->members[k]];
            if (delivering >= 2 && u->tot[HL_C_IMPRESSIONS] > 0) {
                funnel(&x, u);
                goal(&x, u, fm->goal_is_cpa);
            }
            fatigue(&x, u);
            delivery_ad(&x, u, fm);
        }
        if (delivering >= 2)
            kitbash(&x, &f->ads, fm);
    }
    for (size_t gi = 0; gi < f->groups.nf; gi++) {
        const hl_family *cf = &f->groups.f[gi];
        int delivering = count_delivering(&f->groups, cf);
        for (size_t k = 0; k < cf->n; k++) {
            const hl_unit *g = &f->groups.u[cf->members[k]];
            if (delivering >= 2 && g->tot[HL_C_IMPRESSIONS] > 0) {
                size_t gidx;
                const hl_comparison *gc =
                    get_cmp(&x, HL_LEVEL_ADGROUP, g->subj.adgroup_id,
                            cf->goal_is_cpa ? HL_M_CPA : HL_M_CTR, &gidx);
                /* Audience comparisons: winners and losers only; "not enough data" for an
                 * ad group is already said for its ads. */
                if (gc && (gc->decision == HL_DEC_BETTER || gc->decision == HL_DEC_WORSE))
                    goal(&x, g, cf->goal_is_cpa);
            }
            delivery_group(&x, g);
            audience(&x, g);
        }
    }
    tracking_dx(&x);
done:
    hl_u64map_destroy(&x.cmp_index);
    hl_u64map_destroy(&x.trend_index);
}
