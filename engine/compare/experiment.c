/*
 * experiment.c — judging a launched variant: the brief said "this change moves <metric> by
 * <expected lift>"; from the day the variant appeared, variant and parent are compared on that
 * metric with the sequential test (always-valid, so the nightly look does not inflate errors).
 * Confirmed: a significant change in the hypothesised direction. Refuted: a significant change
 * the other way, or an interval that rules out even half the hypothesised effect. Otherwise
 * inconclusive, final when the evaluation window closes.
 */
#include <math.h>
#include <stdio.h>
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
    hl_agg *g = NULL;
    hl_status st = hl_table_aggregate(t, HL_LEVEL_AD, from, as_of, 0, &g, err);
    if (st != HL_OK)
        return st;
    const hl_agg_row *var = NULL, *par = NULL;
    for (size_t i = 0; i < hl_agg_count(g); i++) {
        const hl_agg_row *r = hl_agg_row_at(g, i);
        if (r->text[HL_F_AD_ID] && strcmp(r->text[HL_F_AD_ID], e->variant_ad_id) == 0)
            var = r;
        if (r->text[HL_F_AD_ID] && strcmp(r->text[HL_F_AD_ID], e->parent_ad_id) == 0)
            par = r;
    }
    const hl_metric_def *md = hl_metric_info((hl_metric)m);
    int days = as_of - from + 1;
    double x1 = 0, n1 = 0, x2 = 0, n2 = 0, c1 = 0, c2 = 0;
    if (var && par) {
        x1 = var->v[md->num];
        n1 = var->v[md->den];
        x2 = par->v[md->num];
        n2 = par->v[md->den];
        /* the count that decides a cost's or a return's precision */
        hl_counter cnt = m == HL_M_ROAS ? HL_C_PURCHASES : md->den;
        c1 = var->v[cnt];
        c2 = par->v[cnt];
    }
    e->n_variant = n1;
    e->n_parent = n2;
    hl_agg_free(g);
    int window_closed = days >= cfg->experiments_max_days;
    if (!var || !par || n1 <= 0 || n2 <= 0 || x2 <= 0) {
        snprintf(e->note, sizeof e->note, "%s", !var   ? "the variant has no data yet"
                                                : !par ? "the parent has no data in the window"
                                                       : "not enough data yet");
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
        ss = hl_stats_seq_prop_lift(x1 > 0 ? x1 : 0.5, n1, x2, n2, 1, &so, &r);
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
        double se = sqrt(1 / c1 + 1 / c2);
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
