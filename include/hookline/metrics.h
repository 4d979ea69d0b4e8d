/*
 * metrics.h — the metric layer: every rate and cost of DESIGN.md §4, with exactly those
 * formulas, computed from summed counters. A metric whose numerator or denominator is missing,
 * or whose denominator is zero, is undefined: the functions say so instead of returning NaN or
 * inf, and outputs print null / an empty cell.
 */
#ifndef HOOKLINE_METRICS_H
#define HOOKLINE_METRICS_H

#include <stdint.h>

#include "hookline/ingest.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hl_metric {
    HL_M_CTR,
    HL_M_CPC,
    HL_M_CPM,
    HL_M_CVR,
    HL_M_CPA,
    HL_M_ROAS,
    HL_M_HOOK_RATE,
    HL_M_VIEW_RATE_6S,
    HL_M_HOLD_RATE,
    HL_M_PLAY_RATE,
    HL_M_COMPLETION_RATE,
    HL_M_VIEW_RATE_P25,
    HL_M_VIEW_RATE_P50,
    HL_M_VIEW_RATE_P75,
    HL_M_VIEW_RATE_P100,
    HL_M_FREQUENCY,
    HL_M_COST_PER_LANDING_PAGE_VIEW,
    HL_M_COST_PER_ADD_TO_CART,
    HL_NMETRICS
} hl_metric;

typedef enum hl_metric_kind {
    HL_MK_PROPORTION, /* a share of trials: tested as a proportion */
    HL_MK_MONEY,      /* spend per unit: lower is better */
    HL_MK_RATIO       /* value per unit (ROAS, frequency) */
} hl_metric_kind;

typedef struct hl_metric_def {
    const char *name;        /* contract name: "hook_rate" */
    hl_counter num, den;     /* formula: scale * num / den */
    double scale;            /* 1, or 1000 for CPM */
    hl_metric_kind kind;
    int lower_is_better;
    const char *formula;     /* "views_2s / impressions", for documentation and reports */
} hl_metric_def;

const hl_metric_def *hl_metric_info(hl_metric m); /* static storage; NULL when out of range */
int hl_metric_from_name(const char *name);        /* index or -1 */

/* Computes metric m from counters v (present: bit c set when v[c] is known). Returns 1 and
 * *out when defined, 0 when undefined (missing input or zero denominator). */
int hl_metric_compute(hl_metric m, const double *v, uint32_t present, double *out);

#ifdef __cplusplus
}
#endif

#endif
