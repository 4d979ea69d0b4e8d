/*
 * metrics.c — the formulas of DESIGN.md §4 as one table, so the CLI, the reports and the
 * comparison stage all read the same definitions, and division by zero is undefined, not inf.
 */
#include "hookline/metrics.h"

#include <math.h>
#include <string.h>

static const hl_metric_def defs[HL_NMETRICS] = {
    {"ctr", HL_C_CLICKS, HL_C_IMPRESSIONS, 1, HL_MK_PROPORTION, 0, "clicks / impressions"},
    {"cpc", HL_C_SPEND, HL_C_CLICKS, 1, HL_MK_MONEY, 1, "spend / clicks"},
    {"cpm", HL_C_SPEND, HL_C_IMPRESSIONS, 1000, HL_MK_MONEY, 1, "1000 * spend / impressions"},
    {"cvr", HL_C_CONVERSIONS, HL_C_CLICKS, 1, HL_MK_PROPORTION, 0, "conversions / clicks"},
    {"cpa", HL_C_SPEND, HL_C_CONVERSIONS, 1, HL_MK_MONEY, 1, "spend / conversions"},
    {"roas", HL_C_PURCHASE_VALUE, HL_C_SPEND, 1, HL_MK_RATIO, 0, "purchase_value / spend"},
    {"hook_rate", HL_C_VIEWS_2S, HL_C_IMPRESSIONS, 1, HL_MK_PROPORTION, 0,
     "views_2s / impressions"},
    {"view_rate_6s", HL_C_VIEWS_6S, HL_C_IMPRESSIONS, 1, HL_MK_PROPORTION, 0,
     "views_6s / impressions"},
    {"hold_rate", HL_C_VIEWS_6S, HL_C_VIEWS_2S, 1, HL_MK_PROPORTION, 0, "views_6s / views_2s"},
    {"play_rate", HL_C_VIDEO_PLAYS, HL_C_IMPRESSIONS, 1, HL_MK_PROPORTION, 0,
     "video_plays / impressions"},
    {"completion_rate", HL_C_VIEWS_P100, HL_C_VIDEO_PLAYS, 1, HL_MK_PROPORTION, 0,
     "views_p100 / video_plays"},
    {"view_rate_p25", HL_C_VIEWS_P25, HL_C_VIDEO_PLAYS, 1, HL_MK_PROPORTION, 0,
     "views_p25 / video_plays"},
    {"view_rate_p50", HL_C_VIEWS_P50, HL_C_VIDEO_PLAYS, 1, HL_MK_PROPORTION, 0,
     "views_p50 / video_plays"},
    {"view_rate_p75", HL_C_VIEWS_P75, HL_C_VIDEO_PLAYS, 1, HL_MK_PROPORTION, 0,
     "views_p75 / video_plays"},
    {"view_rate_p100", HL_C_VIEWS_P100, HL_C_VIDEO_PLAYS, 1, HL_MK_PROPORTION, 0,
     "views_p100 / video_plays"},
    {"frequency", HL_C_IMPRESSIONS, HL_C_REACH, 1, HL_MK_RATIO, 0, "impressions / reach"},
    {"cost_per_landing_page_view", HL_C_SPEND, HL_C_LANDING_PAGE_VIEWS, 1, HL_MK_MONEY, 1,
     "spend / landing_page_views"},
    {"cost_per_add_to_cart", HL_C_SPEND, HL_C_ADD_TO_CART, 1, HL_MK_MONEY, 1,
     "spend / add_to_cart"},
};

const hl_metric_def *hl_metric_info(hl_metric m)
{
    return (unsigned)m < HL_NMETRICS ? &defs[m] : NULL;
}

int hl_metric_from_name(const char *name)
{
    for (int i = 0; i < HL_NMETRICS; i++)
        if (strcmp(defs[i].name, name) == 0)
            return i;
    return -1;
}

int hl_metric_compute(hl_metric m, const double *v, uint32_t present, double *out)
{
    if ((unsigned)m >= HL_NMETRICS)
        return 0;
    const hl_metric_def *d = &defs[m];
    if (!(present & (1u << d->num)) || !(present & (1u << d->den)))
        return 0;
    double den = v[d->den];
    if (!(den > 0))
        return 0;
    double r = d->scale * v[d->num] / den;
    if (!isfinite(r))
        return 0;
    *out = r;
    return 1;
}
