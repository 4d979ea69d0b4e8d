/*
 * tests.c — one family, one metric: each member against the pooled rest of its family. The
 * variance is widened by a dispersion factor estimated from the day cells with a two-way model
 * (member effect x day effect), because real daily rates wander with audience and auction and
 * a plain binomial test would call that wander significant; shared day swings cancel in the
 * comparison, so the day effect is taken out before measuring the wander.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "compare/internal.h"

typedef enum mkind { MK_PROP, MK_CPA, MK_ROAS } mkind;

static mkind kind_of(hl_metric m)
{
    if (m == HL_M_CPA)
        return MK_CPA;
    if (m == HL_M_ROAS)
        return MK_ROAS;
    return MK_PROP;
}

/* Sequential tuning N* by what the metric counts. */
static double tuning_for(const hl_config *cfg, hl_metric m)
{
    switch (m) {
    case HL_M_CVR:
        return cfg->tuning_clicks;
    case HL_M_CPA:
        return cfg->tuning_conversions;
    case HL_M_ROAS:
        return cfg->tuning_days;
    default:
        return cfg->tuning_impressions;
    }
}

/* Two-way quasi-likelihood dispersion over the members' day cells. For proportions the cell
 * variance is n p (1-p); for counts per spend (CPA) it is the Poisson mean. Returns phi >= 1,
 * or 1 with *fallback when there are too few degrees of freedom. */
static double dispersion(const hl_units *us, const hl_family *fm, const int *use, int W,
                         hl_counter num, hl_counter den, int poisson, int *fallback, double *dfout)
{
    double X = 0, N = 0;
    for (size_t k = 0; k < fm->n; k++) {
        if (!use[k])
            continue;
        const hl_unit *u = &us->u[fm->members[k]];
        X += u->tot[num];
        N += u->tot[den];
    }
    *fallback = 1;
    *dfout = 0;
    if (X <= 0 || N <= 0)
        return 1;
    const double P = X / N;
    double chi = 0;
    long cells = 0, params = 0, days = 0;
    for (int d = 0; d < W; d++) {
        double xd = 0, nd = 0;
        for (size_t k = 0; k < fm->n; k++) {
            if (!use[k])
                continue;
            const hl_unit *u = &us->u[fm->members[k]];
            xd += hl_cell(u, d, num);
            nd += hl_cell(u, d, den);
        }
        if (nd <= 0)
            continue;
        double r = (xd / nd) / P; /* the day's rate relative to the family's */
        int used = 0;
        for (size_t k = 0; k < fm->n; k++) {
            if (!use[k])
                continue;
            const hl_unit *u = &us->u[fm->members[k]];
            double n = hl_cell(u, d, den), x = hl_cell(u, d, num);
            if (n <= 0 || u->tot[den] <= 0)
                continue;
            double p = u->tot[num] / u->tot[den];
            if (p <= 0 || (!poisson && p >= 1))
                continue;
            double e = n * p * r;
            if (poisson) {
                if (e <= 0)
                    continue;
                chi += (x - e) * (x - e) / e;
            } else {
                double pe = p * r;
                if (pe <= 0 || pe >= 1)
                    continue;
                chi += (x - e) * (x - e) / (n * pe * (1 - pe));
            }
            cells++;
            used = 1;
        }
        days += used;
    }
    for (size_t k = 0; k < fm->n; k++) {
        if (!use[k])
            continue;
        const hl_unit *u = &us->u[fm->members[k]];
        if (u->tot[den] > 0 && u->tot[num] > 0)
            params++;
    }
    long df = cells - params - days + 1;
    *dfout = df > 0 ? (double)df : 0;
    if (df < 3)
        return 1;
    *fallback = 0;
    double phi = chi / (double)df;
    return phi > 1 ? phi : 1;
}

/* The dispersion is estimated from a finite number of day cells, so a z statistic built on it
 * is really a t with the dispersion's degrees of freedom; with few days the difference matters.
 * Returns the factor to widen phi by so that, near the decision boundary, the normal-based
 * tests behave like the t test (evaluated at min(|z|, 5), where decisions are made). */
double hl__t_widen(double z, double df)
{
    if (!(df > 0) || !isfinite(z))
        return 1;
    double zc = fabs(z) < 5 ? fabs(z) : 5;
    if (zc < 0.5)
        zc = 0.5;
    double p = gsl_cdf_tdist_Q(zc, df);
    double ze = gsl_cdf_ugaussian_Qinv(p);
    if (!(ze > 0) || ze >= zc)
        return 1;
    return (zc / ze) * (zc / ze);
}

/* Sample still needed for a proportion comparison to detect a relative mde. */
static void needed_prop(const hl_config *cfg, hl_comparison *c, double p2, double pace1,
                        double pace2)
{
    hl_stats_power_opts po = {cfg->alpha, cfg->power, c->n > 0 ? c->n_ref / c->n : 1,
                              c->phi, HL_STATS_TWO_SIDED};
    double diff = p2 * cfg->mde;
    if (p2 + diff >= 1)
        diff = -p2 * cfg->mde;
    hl_stats_needed nd;
    if (p2 <= 0 || po.ratio <= 0 ||
        hl_stats_power_needed(p2, diff, c->n, c->n_ref, pace1, pace2, &po, &nd) != HL_STATS_OK) {
        c->needed_per_arm = hl_undef("reference rate is 0");
        c->needed_remaining = hl_undef("reference rate is 0");
        c->needed_days = hl_undef("reference rate is 0");
        return;
    }
    c->needed_per_arm = hl_v(nd.n_per_arm);
    c->needed_remaining = hl_v(nd.remaining1);
    c->needed_days = nd.days.status == HL_STATS_OK ? hl_v(nd.days.value) : hl_undef("no delivery pace");
}

static void set_interval_from_seq(hl_comparison *c, const hl_stats_seq_result *s)
{
    c->lift = hl_v(s->estimate);
    c->ci_low = hl_v(s->low);
    c->ci_high = hl_v(s->high);
    c->p_value = hl_v(s->p_value);
}

static void prop_compare(hl_findings *f, hl_comparison *c, const hl_unit *u, double x1, double n1,
                         double x2, double n2, double rest_days)
{
    const hl_config *cfg = &f->cfg;
    const hl_metric_def *md = hl_metric_info(c->metric);
    c->method = c->phi > 1 ? (cfg->mode == HL_MODE_SEQUENTIAL ? "z quasi-binomial, sequential"
                              : cfg->mode == HL_MODE_FIXED   ? "z quasi-binomial, fixed"
                                                             : "normal quasi-binomial, bayes")
                           : (cfg->mode == HL_MODE_SEQUENTIAL ? "z binomial, sequential"
                              : cfg->mode == HL_MODE_FIXED   ? "z binomial, fixed"
                                                             : "normal binomial, bayes");
    c->x = x1;
    c->n = n1;
    c->x_ref = x2;
    c->n_ref = n2;
    c->value = n1 > 0 ? hl_v(x1 / n1) : hl_undef("zero_denominator");
    c->reference = n2 > 0 ? hl_v(x2 / n2) : hl_undef("zero_denominator");
    /* Gates: enough trials, and for CVR enough conversions expected at the reference rate. */
    if (c->metric == HL_M_CVR) {
        double p2 = n2 > 0 ? x2 / n2 : 0;
        c->gated = x2 < cfg->min_conversions || n1 * p2 < cfg->min_conversions;
    } else {
        c->gated = n1 < cfg->min_impressions || n2 < cfg->min_impressions;
    }
    if (n1 <= 0 || n2 <= 0 || x1 > n1 || x2 > n2) {
        /* no trials, or more successes than trials (inconsistent input, e.g. 6 s views above
         * 2 s views): nothing to test */
        const char *why = n1 <= 0 || n2 <= 0 ? "zero_denominator"
                                             : "inconsistent counts (numerator above denominator)";
        c->gated = 1;
        c->lift = c->ci_low = c->ci_high = c->p_value = hl_undef(why);
        c->needed_per_arm = c->needed_remaining = c->needed_days = hl_undef(why);
        c->needed_unit = hl_counter_name(md->den);
        return;
    }
    if (x2 <= 0) {
        c->lift = c->ci_low = c->ci_high = hl_undef("zero_control");
    }
    /* An arm with no successes (or all) has no variance of its own; half a count (Haldane)
     * keeps the test defined without moving any real comparison. */
    if (x1 <= 0 || x1 >= n1 || x2 <= 0 || x2 >= n2) {
        x1 = x1 <= 0 ? 0.5 : x1 >= n1 ? n1 - 0.5 : x1;
        x2 = x2 <= 0 ? 0.5 : x2 >= n2 ? n2 - 0.5 : x2;
    }
    /* Widen phi for the uncertainty of its own estimate (t with the dispersion's df). */
    double phi = c->phi;
    if (c->phi > 1 && !c->phi_fallback && x2 > 0) {
        hl_stats_lift l0;
        if (hl_stats_prop_lift(x1, n1, x2, n2, cfg->alpha, c->phi, 0, &l0) == HL_STATS_OK &&
            l0.se > 0)
            phi *= hl__t_widen(l0.lift / l0.se, c->phi_df);
    }
    hl_stats_status st = HL_STATS_OK;
    if (cfg->mode == HL_MODE_SEQUENTIAL) {
        hl_stats_seq_opts so = {cfg->alpha, tuning_for(cfg, c->metric), 0};
        if (f->prev_p) {
            char key[300];
            so.prev_p = f->prev_p(f->prev_ud, hl_comparison_key(c, key, sizeof key));
        }
        hl_stats_seq_result s;
        st = hl_stats_seq_prop_lift(x1, n1, x2, n2, phi, &so, &s);
        if (st == HL_STATS_OK)
            set_interval_from_seq(c, &s);
    } else if (cfg->mode == HL_MODE_FIXED) {
        hl_stats_lift l;
        double z, p;
        st = hl_stats_ztest(x1, n1, x2, n2, HL_STATS_TWO_SIDED, phi, &z, &p);
        if (st == HL_STATS_OK)
            c->p_value = hl_v(p);
        if (hl_stats_prop_lift(x1, n1, x2, n2, cfg->alpha, phi, 0, &l) == HL_STATS_OK) {
            c->lift = hl_v(l.lift);
            c->ci_low = hl_v(l.low);
            c->ci_high = hl_v(l.high);
        }
    } else {
        hl_stats_bayes b;
        st = hl_stats_bayes_prop(x1, n1, x2, n2, NULL, cfg->alpha, phi, &b);
        if (st == HL_STATS_OK) {
            c->lift = hl_v(b.mean);
            c->ci_low = hl_v(b.low);
            c->ci_high = hl_v(b.high);
            c->chance_to_beat = hl_v(b.chance_to_win);
            c->expected_loss = hl_v(b.risk_treatment);
        }
    }
    if (st != HL_STATS_OK) {
        const char *why = hl_stats_status_name(st);
        if (!c->lift.ok && !c->lift.why)
            c->lift = hl_undef(why);
        if (!c->ci_low.ok && !c->ci_low.why)
            c->ci_low = c->ci_high = hl_undef(why);
        if (!c->p_value.ok)
            c->p_value = hl_undef(why);
        if (cfg->mode == HL_MODE_BAYES)
            c->chance_to_beat = c->expected_loss = hl_undef(why);
    }
    /* The reported lift is always the exact one from the real counts; with an empty (or full)
     * arm the interval came from half-count-corrected counts and is widened to hold it. */
    if (c->x_ref > 0)
        c->lift = hl_v((c->x / n1 - c->x_ref / n2) / (c->x_ref / n2));
    else
        c->lift = hl_undef("zero_control");
    if (c->lift.ok && c->ci_low.ok && c->ci_high.ok) {
        if (c->lift.v < c->ci_low.v)
            c->ci_low.v = c->lift.v;
        if (c->lift.v > c->ci_high.v)
            c->ci_high.v = c->lift.v;
    }
    double p2 = x2 / n2;
    needed_prop(cfg, c, p2, u->delivering_days > 0 ? n1 / u->delivering_days : 0,
                rest_days > 0 ? n2 / rest_days : 0);
    c->needed_unit = hl_counter_name(md->den);
}

/* CPA: conversions per unit of spend, compared on the log rate ratio; the CPA lift is its
 * mirror (a higher conversion rate per dollar is a lower CPA). */
static void cpa_compare(hl_findings *f, hl_comparison *c, const hl_unit *u, double k1, double e1,
                        double k2, double e2)
{
    const hl_config *cfg = &f->cfg;
    c->x = k1;
    c->n = e1;
    c->x_ref = k2;
    c->n_ref = e2;
    c->needed_unit = "conversions";
    c->method = cfg->mode == HL_MODE_SEQUENTIAL
                    ? (c->phi > 1 ? "log rate ratio quasi-Poisson, sequential"
                                  : "log rate ratio Poisson, sequential")
                : cfg->mode == HL_MODE_FIXED
                    ? (c->phi > 1 ? "rate score quasi-Poisson, fixed" : "rate exact conditional, fixed")
                    : "log rate ratio normal, bayes";
    c->value = k1 > 0 ? hl_v(e1 / k1) : hl_undef("no conversions");
    c->reference = k2 > 0 ? hl_v(e2 / k2) : hl_undef("no conversions");
    double rate2 = e2 > 0 ? k2 / e2 : 0;
    c->gated = k2 < cfg->min_conversions || e1 * rate2 < cfg->min_conversions;
    if (e1 <= 0 || e2 <= 0 || k1 + k2 <= 0) {
        c->gated = 1;
        c->lift = c->ci_low = c->ci_high = c->p_value = hl_undef("insufficient_data");
        c->needed_per_arm = c->needed_remaining = c->needed_days =
            hl_undef(k1 + k2 <= 0 ? "no conversions in either arm" : "no spend");
        return;
    }
    /* Haldane's half count keeps the log ratio finite when one arm has no conversion. */
    double a = k1 > 0 ? k1 : 0.5, b = k2 > 0 ? k2 : 0.5;
    double L = log((a / e1) / (b / e2));
    double phi = c->phi;
    if (phi > 1 && !c->phi_fallback)
        phi *= hl__t_widen(L / sqrt(phi * (1 / a + 1 / b)), c->phi_df);
    double se = sqrt(phi * (1 / a + 1 / b));
    if (k1 > 0 && k2 > 0)
        c->lift = hl_v((e1 / k1) / (e2 / k2) - 1);
    else
        c->lift = hl_undef(k1 > 0 ? "zero_control" : "no conversions");
    hl_stats_status st;
    if (cfg->mode == HL_MODE_SEQUENTIAL) {
        hl_stats_seq_opts so = {cfg->alpha, tuning_for(cfg, c->metric), 0};
        if (f->prev_p) {
            char key[300];
            so.prev_p = f->prev_p(f->prev_ud, hl_comparison_key(c, key, sizeof key));
        }
        hl_stats_seq_result s;
        st = hl_stats_seq_test(L, se, k1 + k2, &so, &s);
        if (st == HL_STATS_OK) {
            c->p_value = hl_v(s.p_value);
            c->ci_low = hl_v(exp(-s.high) - 1);
            c->ci_high = hl_v(exp(-s.low) - 1);
        }
    } else if (cfg->mode == HL_MODE_FIXED) {
        hl_stats_rate_result r;
        /* Exact conditional test when the counts are plain Poisson; with overdispersion the
         * score test on dispersion-deflated counts. */
        if (phi <= 1)
            st = hl_stats_rate_test(k1, e1, k2, e2, HL_STATS_RATE_EXACT, HL_STATS_TWO_SIDED,
                                    cfg->alpha, &r);
        else
            st = hl_stats_rate_test(k1 / phi, e1 / phi, k2 / phi, e2 / phi, HL_STATS_RATE_SCORE,
                                    HL_STATS_TWO_SIDED, cfg->alpha, &r);
        if (st == HL_STATS_OK) {
            c->p_value = hl_v(r.p_value.value);
            if (r.cpa_ratio_low.status == HL_STATS_OK)
                c->ci_low = hl_v(r.cpa_ratio_low.value - 1);
            else
                c->ci_low = hl_undef(hl_stats_status_name(r.cpa_ratio_low.status));
            if (r.cpa_ratio_high.status == HL_STATS_OK)
                c->ci_high = hl_v(r.cpa_ratio_high.value - 1);
            else
                c->ci_high = hl_undef(hl_stats_status_name(r.cpa_ratio_high.status));
        }
    } else {
        hl_stats_bayes bz;
        st = hl_stats_bayes_normal(L, se, NULL, cfg->alpha, 0, &bz);
        if (st == HL_STATS_OK) {
            c->chance_to_beat = hl_v(bz.chance_to_win);
            c->expected_loss = hl_v(bz.risk_treatment);
            c->ci_low = hl_v(exp(-bz.high) - 1);
            c->ci_high = hl_v(exp(-bz.low) - 1);
        }
    }
    if (st != HL_STATS_OK) {
        const char *why = hl_stats_status_name(st);
        c->p_value = hl_undef(why);
        if (!c->ci_low.ok)
            c->ci_low = c->ci_high = hl_undef(why);
        if (cfg->mode == HL_MODE_BAYES)
            c->chance_to_beat = c->expected_loss = hl_undef(why);
    }
    /* Conversions needed in the subject to see a CPA change of mde. */
    double za = hl_stats_z_crit(cfg->alpha);
    double zb = gsl_cdf_ugaussian_Pinv(cfg->power);
    double ratio = k2 > 0 && k1 > 0 ? k2 / k1 : 1;
    double need = phi * (za + zb) * (za + zb) * (1 + 1 / ratio) / pow(log(1 + cfg->mde), 2);
    c->needed_per_arm = hl_v(need);
    c->needed_remaining = hl_v(need > k1 ? need - k1 : 0);
    double pace = u->delivering_days > 0 ? (k1 > 0 ? k1 : e1 * rate2) / u->delivering_days : 0;
    c->needed_days = pace > 0 ? hl_v(c->needed_remaining.v / pace) : hl_undef("no delivery pace");
}

/* ROAS: purchase value per spend with days as units (delta method), so day-to-day wander is in
 * the variance by construction. */
static void roas_compare(hl_findings *f, hl_comparison *c, const hl_unit *u, const hl_family *fm,
                         int W)
{
    const hl_config *cfg = &f->cfg;
    double num1[4096], den1[4096], num2[4096], den2[4096];
    size_t n1 = 0, n2 = 0;
    int Wc = W < 4096 ? W : 4096;
    for (int d = 0; d < Wc; d++) {
        double s1 = hl_cell(u, d, HL_C_SPEND), v1 = hl_cell(u, d, HL_C_PURCHASE_VALUE);
        double s2 = fm->day[(size_t)d * HL_NCOUNTERS + HL_C_SPEND] - s1;
        double v2 = fm->day[(size_t)d * HL_NCOUNTERS + HL_C_PURCHASE_VALUE] - v1;
        if (s1 > 0) {
            num1[n1] = v1;
            den1[n1++] = s1;
        }
        if (s2 > 1e-9) {
            num2[n2] = v2 > 0 ? v2 : 0;
            den2[n2++] = s2;
        }
    }
    double k1 = u->tot[HL_C_PURCHASES], k2 = fm->tot[HL_C_PURCHASES] - k1;
    double e1 = u->tot[HL_C_SPEND], e2 = fm->tot[HL_C_SPEND] - e1;
    c->x = u->tot[HL_C_PURCHASE_VALUE];
    c->n = e1;
    c->x_ref = fm->tot[HL_C_PURCHASE_VALUE] - c->x;
    c->n_ref = e2;
    c->days = (int)n1;
    c->days_ref = (int)n2;
    c->needed_unit = "days";
    c->value = e1 > 0 ? hl_v(c->x / e1) : hl_undef("zero_denominator");
    c->reference = e2 > 0 ? hl_v(c->x_ref / e2) : hl_undef("zero_denominator");
    double rate2 = e2 > 0 ? k2 / e2 : 0;
    c->gated = (int)n1 < cfg->min_days || (int)n2 < cfg->min_days || k2 < cfg->min_conversions ||
               e1 * rate2 < cfg->min_conversions;
    c->method = cfg->mode == HL_MODE_SEQUENTIAL ? "delta ratio over days, sequential"
                : cfg->mode == HL_MODE_FIXED    ? "delta ratio over days, fixed"
                                                : "delta ratio over days, bayes";
    hl_stats_ratio r1, r2;
    hl_stats_ratio_compare rc;
    hl_stats_status st = hl_stats_ratio_delta(num1, den1, n1, &r1);
    if (st == HL_STATS_OK)
        st = hl_stats_ratio_delta(num2, den2, n2, &r2);
    if (st == HL_STATS_OK)
        st = hl_stats_ratio_diff(&r1, &r2, 1, cfg->alpha, &rc);
    if (st != HL_STATS_OK) {
        const char *why = hl_stats_status_name(st);
        c->lift = c->ci_low = c->ci_high = c->p_value = hl_undef(why);
        if (cfg->mode == HL_MODE_BAYES)
            c->chance_to_beat = c->expected_loss = hl_undef(why);
        c->gated = 1;
        c->needed_per_arm = c->needed_remaining = c->needed_days = hl_undef(why);
        return;
    }
    c->lift = hl_v(rc.estimate);
    if (cfg->mode == HL_MODE_SEQUENTIAL) {
        hl_stats_seq_opts so = {cfg->alpha, tuning_for(cfg, c->metric), 0};
        if (f->prev_p) {
            char key[300];
            so.prev_p = f->prev_p(f->prev_ud, hl_comparison_key(c, key, sizeof key));
        }
        hl_stats_seq_result s;
        st = hl_stats_seq_test(rc.estimate, rc.se, (double)(n1 + n2), &so, &s);
        if (st == HL_STATS_OK) {
            c->ci_low = hl_v(s.low);
            c->ci_high = hl_v(s.high);
            c->p_value = hl_v(s.p_value);
        }
    } else if (cfg->mode == HL_MODE_FIXED) {
        c->ci_low = hl_v(rc.low);
        c->ci_high = hl_v(rc.high);
        c->p_value = hl_v(rc.p_value);
    } else {
        hl_stats_bayes bz;
        st = hl_stats_bayes_normal(rc.estimate, rc.se, NULL, cfg->alpha, 0, &bz);
        if (st == HL_STATS_OK) {
            c->ci_low = hl_v(bz.low);
            c->ci_high = hl_v(bz.high);
            c->chance_to_beat = hl_v(bz.chance_to_win);
            c->expected_loss = hl_v(bz.risk_treatment);
        }
    }
    if (st != HL_STATS_OK) {
        const char *why = hl_stats_status_name(st);
        c->ci_low = c->ci_high = c->p_value = hl_undef(why);
    }
    /* Days needed for the interval to resolve an effect of mde: se shrinks as 1/sqrt(days). */
    double za = hl_stats_z_crit(cfg->alpha), zb = gsl_cdf_ugaussian_Pinv(cfg->power);
    double target = cfg->mde / (za + zb);
    if (rc.se > 0 && n1 > 0) {
        double days_needed = (double)n1 * (rc.se / target) * (rc.se / target);
        c->needed_per_arm = hl_v(days_needed);
        c->needed_remaining = hl_v(days_needed > (double)n1 ? days_needed - (double)n1 : 0);
        c->needed_days = c->needed_remaining;
    } else {
        c->needed_per_arm = c->needed_remaining = c->needed_days = hl_undef("zero_variance");
    }
}

void hl__compare_family(hl_findings *f, hl_units *us, size_t fi, hl_metric m)
{
    hl_family *fm = &us->f[fi];
    const hl_metric_def *md = hl_metric_info(m);
    const int W = f->W;
    /* Delivering members only: an ad with no impressions is a delivery problem, not a peer. */
    int *use = calloc(fm->n ? fm->n : 1, sizeof *use);
    if (!use) {
        f->oom = 1;
        return;
    }
    size_t nuse = 0;
    for (size_t k = 0; k < fm->n; k++) {
        const hl_unit *u = &us->u[fm->members[k]];
        use[k] = u->tot[HL_C_IMPRESSIONS] > 0;
        nuse += (size_t)use[k];
    }
    /* The metric must exist in the data: both counters reported. */
    uint32_t need = (1u << md->num) | (1u << md->den);
    if (m == HL_M_ROAS)
        need |= 1u << HL_C_PURCHASES;
    if (nuse < 2 || (fm->present & need) != need) {
        free(use);
        return;
    }
    double phi = 1, phi_df = 0;
    int fallback = 0;
    mkind mk = kind_of(m);
    if (f->cfg.overdispersion && mk != MK_ROAS) {
        if (mk == MK_CPA)
            phi = dispersion(us, fm, use, W, HL_C_CONVERSIONS, HL_C_SPEND, 1, &fallback, &phi_df);
        else
            phi = dispersion(us, fm, use, W, md->num, md->den, 0, &fallback, &phi_df);
    }
    /* Rest delivering days, for the pace of the pooled rest. */
    int fam_days = 0;
    for (int d = 0; d < W; d++)
        if (fm->day[(size_t)d * HL_NCOUNTERS + HL_C_IMPRESSIONS] > 0)
            fam_days++;
    for (size_t k = 0; k < fm->n; k++) {
        if (!use[k])
            continue;
        const hl_unit *u = &us->u[fm->members[k]];
        hl_comparison *c = hl__new_comparison(f);
        if (!c)
            break;
        c->subject = u->subj;
        c->metric = m;
        c->phi = phi;
        c->phi_fallback = fallback;
        c->phi_df = phi_df;
        c->days = u->delivering_days;
        c->days_ref = fam_days;
        c->decision = HL_DEC_UNDECIDED;
        c->p_adjusted = hl_undef("not adjusted");
        if (f->cfg.mode == HL_MODE_BAYES)
            c->p_value = c->p_adjusted = hl_undef("bayes mode");
        else
            c->chance_to_beat = c->expected_loss = hl_undef("not bayes mode");
        switch (mk) {
        case MK_PROP:
            prop_compare(f, c, u, u->tot[md->num], u->tot[md->den],
                         fm->tot[md->num] - u->tot[md->num], fm->tot[md->den] - u->tot[md->den],
                         fam_days);
            break;
        case MK_CPA:
            cpa_compare(f, c, u, u->tot[HL_C_CONVERSIONS], u->tot[HL_C_SPEND],
                        fm->tot[HL_C_CONVERSIONS] - u->tot[HL_C_CONVERSIONS],
                        fm->tot[HL_C_SPEND] - u->tot[HL_C_SPEND]);
            break;
        case MK_ROAS:
            roas_compare(f, c, u, fm, W);
            break;
        }
        if (f->cfg.mode == HL_MODE_BAYES)
            c->p_value = hl_undef("bayes mode");
        /* Day-to-day wander can only be measured over days: no verdict before min_days. */
        if (u->delivering_days < f->cfg.min_days || fam_days < f->cfg.min_days)
            c->gated = 1;
    }
    free(use);
}

/* Decisions after adjustment: significant (or a confident posterior) in a direction; else "no
 * difference" when the interval rules out an effect of mde either way; else undecided. */
void hl__decide(hl_findings *f)
{
    const hl_config *cfg = &f->cfg;
    for (size_t i = 0; i < f->ncmp; i++) {
        hl_comparison *c = &f->cmp[i];
        const hl_metric_def *md = hl_metric_info(c->metric);
        int lower_better = md->lower_is_better;
        c->decision = HL_DEC_UNDECIDED;
        if (c->gated)
            continue;
        int up = 0, down = 0;
        if (cfg->mode == HL_MODE_BAYES) {
            if (c->chance_to_beat.ok) {
                /* chance_to_beat is already "subject better" for every metric */
                if (c->chance_to_beat.v >= cfg->bayes_threshold)
                    up = 1;
                else if (c->chance_to_beat.v <= 1 - cfg->bayes_threshold)
                    down = 1;
            }
            if (up || down) {
                c->decision = up ? HL_DEC_BETTER : HL_DEC_WORSE;
                continue;
            }
        } else if (c->p_adjusted.ok && c->p_adjusted.v <= cfg->alpha &&
                   (c->lift.ok || (c->ci_low.ok && c->ci_high.ok))) {
            /* direction from the lift, or from the interval when the lift is undefined (an
             * arm with no events: the CPA of an ad with no conversion) */
            int positive = c->lift.ok ? c->lift.v > 0 : c->ci_low.v + c->ci_high.v > 0;
            int better = lower_better ? !positive : positive;
            c->decision = better ? HL_DEC_BETTER : HL_DEC_WORSE;
            continue;
        }
        if (c->ci_low.ok && c->ci_high.ok && c->ci_low.v >= -cfg->mde && c->ci_high.v <= cfg->mde)
            c->decision = HL_DEC_NO_DIFFERENCE;
    }
}
