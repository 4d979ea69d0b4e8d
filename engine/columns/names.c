/*
 * names.c — the built-in column names (the level's ids and names, days, date, the counters of
 * DESIGN.md §3 and the metrics of §4), their kinds and their labels for people, and which text
 * fields apply at each level. Custom columns may not take these names.
 */
#include <stdlib.h>
#include <string.h>

#include "columns/internal.h"
#include "hookline/metrics.h"

static const char *const field_labels[HL_NFIELDS] = {
    "Advertiser ID", "Advertiser", "Campaign ID", "Campaign", "Ad group ID",
    "Ad group",      "Ad ID",      "Ad",          "Currency"};

static const char *const counter_labels[HL_NCOUNTERS] = {
    "Spend",          "Impressions",    "Reach",          "Clicks",
    "Conversions",    "Video plays",    "2-second views", "6-second views",
    "Views at 25%",   "Views at 50%",   "Views at 75%",   "Views at 100%",
    "Landing page views", "Adds to cart", "Purchases",    "Purchase value"};

static const char *const metric_labels[HL_NMETRICS] = {
    "CTR",
    "CPC",
    "CPM",
    "CVR",
    "CPA",
    "ROAS",
    "Hook rate",
    "6-second view rate",
    "Hold rate",
    "Play rate",
    "Completion rate",
    "View rate at 25%",
    "View rate at 50%",
    "View rate at 75%",
    "View rate at 100%",
    "Frequency",
    "Cost per landing page view",
    "Cost per add to cart"};

const char *hl_column_kind_name(hl_column_kind k)
{
    static const char *const names[] = {"text", "count", "money", "proportion", "ratio", "number"};
    return (unsigned)k < 6 ? names[k] : "?";
}

int hl__builtin_resolve(const char *name, hl__colref *out)
{
    for (int f = 0; f < HL_NFIELDS; f++)
        if (strcmp(name, hl_field_name((hl_field)f)) == 0) {
            *out = (hl__colref){HL__SRC_TEXT, f, HL_COLUMN_TEXT, field_labels[f]};
            return 0;
        }
    if (strcmp(name, "days") == 0) {
        *out = (hl__colref){HL__SRC_DAYS, 0, HL_COLUMN_COUNT, "Days"};
        return 0;
    }
    if (strcmp(name, "date") == 0) {
        *out = (hl__colref){HL__SRC_DATE, 0, HL_COLUMN_TEXT, "Date"};
        return 0;
    }
    int c = hl_counter_from_name(name);
    if (c >= 0 && c < HL_NCOUNTERS && strcmp(hl_counter_name((hl_counter)c), name) == 0) {
        *out = (hl__colref){HL__SRC_COUNTER, c,
                            c == HL_C_SPEND || c == HL_C_PURCHASE_VALUE ? HL_COLUMN_MONEY
                                                                        : HL_COLUMN_COUNT,
                            counter_labels[c]};
        return 0;
    }
    int m = hl_metric_from_name(name);
    if (m >= 0 && m < HL_NMETRICS) {
        const hl_metric_def *d = hl_metric_info((hl_metric)m);
        hl_column_kind k = d->kind == HL_MK_PROPORTION ? HL_COLUMN_PROPORTION
                           : d->kind == HL_MK_MONEY    ? HL_COLUMN_MONEY
                                                       : HL_COLUMN_RATIO;
        *out = (hl__colref){HL__SRC_METRIC, m, k, metric_labels[m]};
        return 0;
    }
    return -1;
}

const char *hl_columns_builtin(const char *name)
{
    hl__colref r;
    if (hl__builtin_resolve(name, &r) < 0)
        return strcmp(name, "level") == 0 ? "field" : NULL;
    switch (r.src) {
    case HL__SRC_COUNTER:
        return "counter";
    case HL__SRC_METRIC:
        return "metric";
    default:
        return "field";
    }
}

int hl__field_at_level(hl_field f, hl_level l)
{
    switch (f) {
    case HL_F_AD_ID:
    case HL_F_AD_NAME:
        return l == HL_LEVEL_AD;
    case HL_F_ADGROUP_ID:
    case HL_F_ADGROUP_NAME:
        return l == HL_LEVEL_AD || l == HL_LEVEL_ADGROUP;
    case HL_F_CAMPAIGN_ID:
    case HL_F_CAMPAIGN_NAME:
        return l != HL_LEVEL_ADVERTISER;
    default:
        return 1;
    }
}

const char **hl__known_names(const hl_columns *c, hl_level level, size_t *n)
{
    size_t nc = c ? hl_columns_count(c) : 0;
    const char **v = malloc((HL_NFIELDS + 2 + HL_NCOUNTERS + HL_NMETRICS + nc) * sizeof *v);
    if (!v)
        return NULL;
    size_t k = 0;
    for (int f = 0; f < HL_NFIELDS; f++)
        if (hl__field_at_level((hl_field)f, level))
            v[k++] = hl_field_name((hl_field)f);
    v[k++] = "days";
    for (int i = 0; i < HL_NCOUNTERS; i++)
        v[k++] = hl_counter_name((hl_counter)i);
    for (int i = 0; i < HL_NMETRICS; i++)
        v[k++] = hl_metric_info((hl_metric)i)->name;
    for (size_t i = 0; i < nc; i++)
        v[k++] = hl_columns_info(c, i)->name;
    *n = k;
    return v;
}
