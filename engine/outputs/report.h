/*
 * report.h — private to the HTML report: report_html.c lays out the page, report_svg.c draws its
 * inline SVG charts. Both print through the helpers here, so every user string is HTML-escaped
 * and every number that is undefined or non-finite prints as "–", never NaN.
 */
#ifndef HL_OUTPUTS_REPORT_H
#define HL_OUTPUTS_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hookline/compare.h"
#include "hookline/config.h"
#include "hookline/metrics.h"

#define HL_RH_DASH "\xe2\x80\x93" /* "–": an undefined number */

/* Colour of a mark: the decision it shows. Only better and worse get colour; the rest is grey. */
typedef enum hl_rh_tone {
    HL_RH_NEUTRAL,   /* no comparison behind it */
    HL_RH_GOOD,      /* decided better */
    HL_RH_BAD,       /* decided worse */
    HL_RH_SAME,      /* decided: no difference that matters */
    HL_RH_UNDECIDED  /* undecided or below the minimum-data gate */
} hl_rh_tone;

hl_rh_tone hl_rh_tone_of(const hl_comparison *c); /* NULL: neutral */
const char *hl_rh_colour(hl_rh_tone t);           /* stroke/fill of a mark */

/* Text for HTML and SVG: & < > " ' become entities, control characters spaces. NULL prints
 * nothing. The _n form stops after max code points and adds "…" (UTF-8 aware). */
void hl_rh_esc(FILE *f, const char *s);
void hl_rh_esc_n(FILE *f, const char *s, size_t max);

/* Numbers into buf (returned): thousands separators, a fixed number of decimals. */
const char *hl_rh_num(char *buf, size_t cap, double v, int decimals);
/* A share as a percentage ("39.8%", "1.02%"): two decimals below 10 %. */
const char *hl_rh_pct(char *buf, size_t cap, double share);
/* A relative change with its sign ("+40.4%", "−48.2%", "+134%"). */
const char *hl_rh_lift(char *buf, size_t cap, double rel);

/* One step of an ad's funnel: the count, the step's rate, a bar (0..1) and the rest of the ad
 * group's rate as a tick on the same scale. */
typedef struct hl_rh_step {
    const char *label;     /* "2 s views" */
    hl_val count;
    hl_val rate;
    const char *rate_name; /* "hook" */
    hl_val bar, tick;      /* fractions of the bar's full length */
    hl_rh_tone tone;
} hl_rh_step;

#define HL_RH_NSTEPS 5
#define HL_RH_NRET 6 /* 2 s, 6 s, 25, 50, 75, 100 % */

/* One row of a forest plot: an ad's relative lift with its interval. */
typedef struct hl_rh_forest_row {
    const char *name;
    hl_val lift, lo, hi;
    hl_rh_tone tone;
    const char *why; /* shown when the lift is undefined */
} hl_rh_forest_row;

/* A daily series: y[d] defined where ok[d]. */
typedef struct hl_rh_series {
    const char *label;    /* "CTR" */
    const double *y;
    const unsigned char *ok;
    int n;
    const char *summary;  /* already formatted: "1.21% → 0.72%" */
    hl_rh_tone tone;
} hl_rh_series;

/* The charts, each one <svg> with its class ("funnel", "retention", "forest", "sparkline") and a
 * viewBox, so it scales to its container. */
void hl_rh_svg_funnel(FILE *f, const hl_rh_step steps[HL_RH_NSTEPS]);
void hl_rh_svg_retention(FILE *f, const hl_val ad[HL_RH_NRET], const hl_val group[HL_RH_NRET]);
void hl_rh_svg_forest(FILE *f, const hl_rh_forest_row *rows, size_t n, const char *axis_title);
/* shade_from: index of the first day of the trend window (shaded), or -1. */
void hl_rh_svg_sparklines(FILE *f, const hl_rh_series *s, size_t n, int shade_from);

/* ---- the page's state, shared by report_html.c and report_groups.c ---- */

/* A page, not a database: the biggest ad groups and ads get charts, the rest are counted and
 * left to findings.json. */
#define HL_RH_MAX_GROUPS 40
#define HL_RH_MAX_ADS 20

typedef struct hl_rh_group {
    size_t first, n; /* run in order[] */
    double spend;
    int goal_cpa;    /* the campaign tracks conversions: the goal metric is CPA, else CTR */
} hl_rh_group;

typedef struct hl_rh_report {
    FILE *f;
    const hl_findings *fd;
    const hl_config *cfg;
    const hl_ad_view *ads;
    size_t nads;
    const hl_comparison *cmp;
    const hl_diagnosis *dx;
    size_t ndx;
    size_t *order;        /* ads by ad group, biggest spend first within it */
    hl_rh_group *groups;  /* biggest spend first */
    size_t ngroups;
    int *goal_cpa;        /* per ad, from its campaign */
    size_t *shown;        /* per ad: 1 + rank of its ad group when it has charts, else 0 */
    size_t ncampaigns;
    const char *currency; /* of every ad, or "mixed currencies" */
    char level[16];       /* of the intervals: "95%" */
} hl_rh_report;

/* Small writers (report_html.c). */
const char *hl_rh_name(const hl_subject *s);            /* display name of a subject */
int hl_rh_same(const char *a, const char *b);           /* equal strings, NULL only to NULL */
void hl_rh_badge(FILE *f, const char *code);            /* a diagnosis code as a badge */
void hl_rh_metric(const double *v, uint32_t present, hl_metric m, hl_val *out);
/* v as a percentage (pct) or a number with decimals; "–" when undefined. */
const char *hl_rh_val(char *buf, size_t cap, hl_val v, int pct, int decimals);

/* The ad-group section (report_groups.c). Returns 0, or -1 when out of memory. */
int hl_rh_groups(hl_rh_report *r);

#endif
