/*
 * compare.h — the compare-and-diagnose stage: from the fact table to findings. Every night it
 * compares each ad with the pooled rest of its ad group (leave-one-out) and each ad group with
 * the rest of its campaign on every funnel metric, tests per-ad trends for fatigue, checks
 * delivery and tracking, adjusts for multiplicity, decides, and derives the diagnosis codes of
 * DESIGN.md §6 with the numbers behind each. Observational: ads in one ad group are not a
 * randomized test, and the findings say so.
 *
 * Everything an hl_findings holds is owned by it and borrowed by callers until
 * hl_findings_free; id and name strings point into the table, which must outlive it.
 */
#ifndef HOOKLINE_COMPARE_H
#define HOOKLINE_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#include "hookline/config.h"
#include "hookline/hookline.h"
#include "hookline/metrics.h"
#include "hookline/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A number that may be undefined; when undefined, why says so ("zero_control", ...). */
typedef struct hl_val {
    double v;
    int ok;
    const char *why; /* static string, NULL when ok */
} hl_val;

static inline hl_val hl_v(double v)
{
    hl_val r = {v, 1, NULL};
    return r;
}

static inline hl_val hl_undef(const char *why)
{
    hl_val r = {0, 0, why};
    return r;
}

typedef enum hl_decision {
    HL_DEC_BETTER,
    HL_DEC_WORSE,
    HL_DEC_NO_DIFFERENCE,
    HL_DEC_UNDECIDED
} hl_decision;
const char *hl_decision_name(hl_decision d); /* "better", ... */

/* Who a finding is about: an ad, an ad group, a campaign or the account. Borrowed strings. */
typedef struct hl_subject {
    hl_level level;
    const char *ad_id, *ad_name, *adgroup_id, *adgroup_name, *campaign_id, *campaign_name,
        *advertiser_id;
} hl_subject;

/* One comparison: subject vs the pooled rest of its parent, on one metric. */
typedef struct hl_comparison {
    hl_subject subject;
    hl_metric metric;
    hl_val value, reference;  /* the metric for the subject and for the pooled rest */
    hl_val lift;              /* relative: (value - reference) / reference */
    hl_val ci_low, ci_high;   /* interval of the lift (confidence sequence in sequential mode) */
    hl_val p_value, p_adjusted;
    hl_val chance_to_beat;    /* bayes mode: P(subject better than the rest) */
    hl_val expected_loss;     /* bayes mode: expected relative loss if the subject is chosen */
    const char *method;       /* e.g. "z quasi-binomial, sequential normal-mixture" */
    hl_decision decision;
    int gated;                /* below the minimum-data gate */
    /* evidence counts */
    double x, n, x_ref, n_ref;   /* numerator/denominator counts (spend for CPA exposure) */
    int days, days_ref;
    double phi;                  /* dispersion applied (1 = binomial / Poisson) */
    int phi_fallback;            /* too few day cells to estimate it */
    double phi_df;               /* degrees of freedom of the dispersion estimate */
    /* sample still needed for an undecided comparison */
    hl_val needed_per_arm, needed_remaining, needed_days;
    const char *needed_unit;     /* "impressions", "clicks", "conversions", "days", ... */
} hl_comparison;

typedef enum hl_trend_dir { HL_TREND_RISING, HL_TREND_FALLING, HL_TREND_FLAT, HL_TREND_UNDECIDED } hl_trend_dir;
const char *hl_trend_dir_name(hl_trend_dir d);

/* A per-entity trend over the trend window. */
typedef struct hl_trend {
    hl_subject subject;
    const char *metric;      /* "ctr", "cpm", "cpm_vs_account", "frequency", "spend" */
    const char *method;      /* "recent-vs-prior quasi-binomial t", "log-linear slope t", ... */
    int32_t from, to;        /* window */
    int days;                /* days with data used */
    hl_val prior, recent;    /* mean level in the first and second half */
    hl_val change;           /* relative change over the window (recent/prior - 1, or the
                                slope's total change) */
    hl_val ci_low, ci_high;  /* of change */
    hl_val slope_per_day;    /* log-linear slope, relative per day */
    hl_val p_value, p_adjusted;
    double phi;
    hl_trend_dir direction;
    const char *note;        /* e.g. "account-wide CPM rising too (auction pressure)" */
} hl_trend;

/* What a diagnosis rests on: comparisons and trends, by index into their arrays. */
typedef struct hl_diagnosis {
    const char *code;        /* DESIGN.md §6 codes */
    hl_subject subject;
    const char **related_ad_ids;  /* borrowed strings */
    size_t nrelated;
    size_t *comparisons;     /* indices */
    size_t ncomparisons;
    size_t *trends;
    size_t ntrends;
    double priority;         /* spend at stake x effect size */
    double spend_at_stake;
    double effect;           /* the key relative effect (e.g. hook-rate lift), 0 if none */
    char *summary;           /* one readable sentence with the numbers */
} hl_diagnosis;

/* An ad of the run as later stages see it: window totals and where its findings are. */
typedef struct hl_ad_view {
    hl_subject subject;
    const char *currency;
    double v[HL_NCOUNTERS];  /* window sums */
    uint32_t present;        /* bit c: counter c reported */
    int days;                /* delivering days in the window */
    size_t group;            /* ads with equal group are peers (one ad group) */
    /* Day series over the window (NULL for findings read back from JSON): day[d *
     * HL_NCOUNTERS + c] is counter c on day hl_findings_from(f) + d, 0 where missing;
     * day_mask[d] is non-zero when the ad had a row that day. */
    const double *day;
    const uint32_t *day_mask;
    int ndays;
    size_t *cmp, ncmp;       /* indices of its comparisons, trends and diagnoses */
    size_t *tr, ntr;
    size_t *dx, ndx;
} hl_ad_view;

typedef struct hl_findings hl_findings;

/* Runs every comparison, trend and check on the table's data up to as_of, decides, adjusts
 * and diagnoses. backend may be NULL. prev_p (may be NULL) looks up a comparison's stored
 * running-minimum sequential p by a stable key (see hl_comparison_key); it returns a value in
 * (0,1] or 0 for none. On success *out is owned by the caller (hl_findings_free). */
typedef double (*hl_prev_p_fn)(void *ud, const char *key);
hl_status hl_compare_run(const hl_table *t, const hl_config *cfg, int32_t as_of,
                         const hl_backend_row *backend, size_t nbackend, hl_prev_p_fn prev_p,
                         void *prev_ud, hl_findings **out, hl_error *err);
void hl_findings_free(hl_findings *f);

/* The first date of the comparison window for as_of: analysis.window_days back, or the table's
 * first date when the data start later (hl_findings_from of the findings of that run). */
int32_t hl_compare_window_from(const hl_table *t, const hl_config *cfg, int32_t as_of);

/* hl_compare_run for a caller that needs no more aggregations: the table's cells are dropped
 * (hl_table_drop_cells) as soon as the window is read, so the comparisons never share memory
 * with the fact rows. Names stay: the findings borrow them from the table. */
hl_status hl_compare_run_dropping(hl_table *t, const hl_config *cfg, int32_t as_of,
                                  const hl_backend_row *backend, size_t nbackend,
                                  hl_prev_p_fn prev_p, void *prev_ud, hl_findings **out,
                                  hl_error *err);

int32_t hl_findings_as_of(const hl_findings *f);
int32_t hl_findings_from(const hl_findings *f); /* first date of the comparison window */
/* CPU seconds hl_compare_run spent in each stage (for --timings): building the units from the
 * table (the aggregation), the comparisons, the trends, and the rest (multiplicity adjustment,
 * decisions, diagnoses). Zero for findings loaded from JSON. */
typedef struct hl_compare_times {
    double units, tests, trends, decide;
} hl_compare_times;
hl_compare_times hl_findings_times(const hl_findings *f);
const hl_config *hl_findings_config(const hl_findings *f);
const hl_comparison *hl_findings_comparisons(const hl_findings *f, size_t *n);
const hl_trend *hl_findings_trends(const hl_findings *f, size_t *n);
const hl_diagnosis *hl_findings_diagnoses(const hl_findings *f, size_t *n);
/* Notes about the run as a whole (e.g. "auction pressure: account CPM +12 % over 14 days").
 * Borrowed strings. */
const char *const *hl_findings_notes(const hl_findings *f, size_t *n);
/* Adds a note about the run (copied), e.g. what the account has learned. 0, or -1 on OOM. */
int hl_findings_add_note(hl_findings *f, const char *text);

/* Every ad of the window, in the order of the data. */
const hl_ad_view *hl_findings_ads(const hl_findings *f, size_t *n);

/* Reads a findings.json document back (as hl_output_findings_json writes it, or any subset with
 * the keys the rules need: ads, comparisons, trends, diagnoses), e.g. for rule tests. All
 * strings are owned by the result. HL_EINPUT with the path and what is wrong. *out is owned by
 * the caller (hl_findings_free). */
hl_status hl_findings_from_json(const char *text, size_t len, const char *path,
                                hl_findings **out, hl_error *err);
/* The same from the file at path, read one array element at a time: memory holds the findings
 * and one element, not the document (a 10^6-row night's findings.json is hundreds of MB).
 * Stricter than hl_findings_from_json about the document itself (nothing may follow it; an
 * array given twice is an error). HL_EINPUT (file missing, malformed: file and byte offset),
 * HL_EEXTERNAL (read error). *out is owned by the caller (hl_findings_free). */
hl_status hl_findings_load_file(const char *path, hl_findings **out, hl_error *err);

/* A stable key for a comparison ("ad:<id>:hook_rate"), for storing sequential state. Writes
 * into buf and returns it. */
const char *hl_comparison_key(const hl_comparison *c, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
