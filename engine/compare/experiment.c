/*
 * experiment.c — judging a launched variant: the brief said "this change moves <metric> by
 * <expected lift>"; from the day the variant appeared, variant and parent are compared on that
 * metric with the sequential test (always-valid, so the nightly look does not inflate errors),
 * on the days both delivered, its variance widened by the day-to-day wander measured on those
 * days (two-way quasi-likelihood dispersion, t-widened for its few degrees of freedom). No
 * verdict before experiments.min_days such days: a single day cannot show how much a rate
 * wanders, and one lucky day is exactly the noise a user must not be sold as a winner.
 * Confirmed: a significant change in the hypothesised direction. Refuted: a significant change
 * the other way, or an interval that rules out even half the hypothesised effect. Otherwise
 * inconclusive, final when the evaluation window closes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/internal.h"
#include "hookline/store.h"

hl_status hl_experiment_evaluate(const hl_table *t, const hl_config *cfg, int32_t as_of,
                                 double prev_p, hl_experiment *e, double *p_today, hl_error *err)
{
    *p_today = 0;
    int m = hl_metric_from_name(e->metric);
    snprintf(e->verdict, sizeof e->verdict, "open");
    e->final = 0;
    e->lift = e->ci_low = e->ci_high = e->p_value = hl_undef("not evaluated");
    e->note[0] = '\0';
    if (m < 0 || e->expected_lift == 0) {
        snprintf(e->note, sizeof e->note, "the brief states no testable hypothesis");
        snprintf(e->verdict, sizeof e->verdict, "inconclusive");
        e->final = 1;
        e->decided_day = as_of;
        return HL_OK;
    }
    int32_t from = e->linked_day;
    int days = as_of - from + 1;
    int window_closed = days >= cfg->experiments_max_days;
    if (days > 400)
        days = 400; /* a window is at most experiments.max_days (<= 366) */
    if (days < 1) {
        snprintf(e->note, sizeof e->note, "the variant has no data yet");
        return HL_OK;
    }
    const hl_metric_def *md = hl_metric_info((hl_metric)m);
    int prop = md->kind == HL_MK_PROPORTION;
    /* the count that decides a cost's or a return's precision, against spend */
    hl_counter cnt = prop ? md->num : m == HL_M_ROAS ? HL_C_PURCHASES : md->den;
    hl_counter expo = prop ? md->den : HL_C_SPEND;
    /* per day and arm: metric numerator, denominator, precision count, its exposure */
    double (*cell)[2][4] = calloc((size_t)days, sizeof *cell);
    if (!cell)
        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "experiment: out of memory");
    hl_agg *g = NULL;
    hl_status st = hl_table_aggregate(t, HL_LEVEL_AD, from, as_of, 1, &g, err);
    if (st != HL_OK) {
        free(cell);
        return st;
    }
    int seen_var = 0, seen_par = 0;
    for (size_t i = 0; i < hl_agg_count(g); i++) {
        const hl_agg_row *r = hl_agg_row_at(g, i);
        const char *id = r->text[HL_F_AD_ID];
        int arm = !id ? -1 : strcmp(id, e->variant_ad_id) == 0 ? 0
                         : strcmp(id, e->parent_ad_id) == 0  ? 1
                                                             : -1;
        int d = r->day - from;
        if (arm < 0 || d < 0 || d >= days)
            continue;
        *(arm ? &seen_par : &seen_var) = 1;
        cell[d][arm][0] = r->v[md->num];
        cell[d][arm][1] = r->v[md->den];
        cell[d][arm][2] = r->v[cnt];
        cell[d][arm][3] = r->v[expo];
    }
    hl_agg_free(g);
    /* Only days on which both arms delivered: they share the day's audience and auction, so
     * the day's swing cancels in the comparison. */
    double x1 = 0, n1 = 0, x2 = 0, n2 = 0, c1 = 0, c2 = 0, q1 = 0, q2 = 0;
    int both = 0;
    for (int d = 0; d < days; d++) {
        if (!(cell[d][0][1] > 0 && cell[d][1][1] > 0))
            continue;
        both++;
        x1 += cell[d][0][0], n1 += cell[d][0][1], c1 += cell[d][0][2], q1 += cell[d][0][3];
        x2 += cell[d][1][0], n2 += cell[d][1][1], c2 += cell[d][1][2], q2 += cell[d][1][3];
    }
    e->n_variant = n1;
    e->n_parent = n2;
    /* Two-way dispersion (arm rate x day effect) of the precision count over those days:
     * binomial cells for a proportion, Poisson per unit of spend for costs and returns. */
    double phi = 1, df = both - 1;
    if (both >= 3 && c1 > 0 && c2 > 0 && q1 > 0 && q2 > 0) {
        double pr[2] = {c1 / q1, c2 / q2}, P = (c1 + c2) / (q1 + q2), chi = 0;
        for (int d = 0; d < days; d++) {
            if (!(cell[d][0][1] > 0 && cell[d][1][1] > 0))
                continue;
            double cd = cell[d][0][2] + cell[d][1][2], qd = cell[d][0][3] + cell[d][1][3];
            double rd = qd > 0 ? (cd / qd) / P : 1;
            for (int k = 0; k < 2; k++) {
                double q = cell[d][k][3], c = cell[d][k][2], pe = pr[k] * rd;
                if (q <= 0 || pe <= 0 || (prop && pe >= 1))
                    continue;
                double var = prop ? q * pe * (1 - pe) : q * pe;
                chi += (c - q * pe) * (c - q * pe) / var;
            }
        }
        if (isfinite(chi) && chi / df > 1)
            phi = chi / df;
    }
    free(cell);
    if (!seen_var || !seen_par || n1 <= 0 || n2 <= 0 || x2 <= 0 || both < cfg->experiments_min_days) {
        if (!seen_var)
            snprintf(e->note, sizeof e->note, "the variant has no data yet");
        else if (!seen_par)
            snprintf(e->note, sizeof e->note, "the parent has no data in the window");
        else if (both < cfg->experiments_min_days)
            snprintf(e->note, sizeof e->note,
                     "%d of %d days with both variant and parent delivering; no verdict before "
                     "then",
                     both, cfg->experiments_min_days);
        else
            snprintf(e->note, sizeof e->note, "not enough data yet");
        if (window_closed) {
            snprintf(e->verdict, sizeof e->verdict, "inconclusive");
            e->final = 1;
            e->decided_day = as_of;
        }
        return HL_OK;
    }
    hl_stats_seq_opts so = {cfg->alpha,
                            m == HL_M_CVR   ? cfg->tuning_clicks
                            : m == HL_M_CPA ? cfg->tuning_conversions
                                            : cfg->tuning_impressions,
                            prev_p};
    hl_stats_seq_result r;
    double dir = e->expected_lift > 0 ? 1 : -1;
    hl_stats_status ss;
    if (md->kind == HL_MK_PROPORTION) {
        if (x1 > n1 || x2 > n2) {
            snprintf(e->note, sizeof e->note, "inconsistent counts");
            return HL_OK;
        }
        double a = x1 > 0 ? x1 : 0.5;
        double se0 = sqrt(phi * (1 / a - 1 / n1 + 1 / x2 - 1 / n2));
        double phw = phi * hl__t_widen(log((a / n1) / (x2 / n2)) / se0, df);
        ss = hl_stats_seq_prop_lift(a, n1, x2, n2, phw, &so, &r);
        if (ss == HL_STATS_OK) {
            e->lift = hl_v((x1 / n1) / (x2 / n2) - 1);
            e->ci_low = hl_v(r.low < e->lift.v ? r.low : e->lift.v);
            e->ci_high = hl_v(r.high > e->lift.v ? r.high : e->lift.v);
        }
    } else {
        /* costs and returns: the log ratio of the metric, its variance from the counts behind
         * it (conversions for CPA, purchases for ROAS), like the CPA comparison */
        if (c1 <= 0 || c2 <= 0 || x1 <= 0) {
            snprintf(e->note, sizeof e->note, "no conversions yet on one side");
            if (window_closed) {
                snprintf(e->verdict, sizeof e->verdict, "inconclusive");
                e->final = 1;
                e->decided_day = as_of;
            }
            return HL_OK;
        }
        double L = log((x1 / n1) / (x2 / n2));
        double se = sqrt(phi * (1 / c1 + 1 / c2));
        se *= sqrt(hl__t_widen(L / se, df));
        ss = hl_stats_seq_test(L, se, c1 + c2, &so, &r);
        if (ss == HL_STATS_OK) {
            e->lift = hl_v(exp(L) - 1);
            e->ci_low = hl_v(exp(r.low) - 1);
            e->ci_high = hl_v(exp(r.high) - 1);
        }
    }
    if (ss != HL_STATS_OK) {
        snprintf(e->note, sizeof e->note, "%s", hl_stats_status_name(ss));
        return HL_OK;
    }
    e->p_value = hl_v(r.p_value);
    *p_today = r.p_value;
    double along = e->lift.v * dir;
    double hi_along = dir > 0 ? e->ci_high.v : -e->ci_low.v;
    if (r.p_value <= cfg->alpha && along > 0) {
        snprintf(e->verdict, sizeof e->verdict, "confirmed");
        snprintf(e->note, sizeof e->note, "%s moved %+.1f%% (hypothesis %+.1f%%)", e->metric,
                 100 * e->lift.v, 100 * e->expected_lift);
    } else if (r.p_value <= cfg->alpha && along < 0) {
        snprintf(e->verdict, sizeof e->verdict, "refuted");
        snprintf(e->note, sizeof e->note, "%s moved the other way: %+.1f%%", e->metric,
                 100 * e->lift.v);
    } else if (hi_along < fabs(e->expected_lift) / 2) {
        snprintf(e->verdict, sizeof e->verdict, "refuted");
        snprintf(e->note, sizeof e->note,
                 "the interval rules out half the hypothesised %+.0f%% (at most %+.1f%%)",
                 100 * e->expected_lift, 100 * dir * hi_along);
    } else {
        snprintf(e->verdict, sizeof e->verdict, window_closed ? "inconclusive" : "open");
        snprintf(e->note, sizeof e->note, "%s so far %+.1f%%; more data needed", e->metric,
                 100 * e->lift.v);
        if (!window_closed)
            return HL_OK;
    }
    e->final = 1;
    e->decided_day = as_of;
    return HL_OK;
}
