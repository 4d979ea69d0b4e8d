/*
 * config.h — hookline's settings: every threshold the analysis and the diagnoses use, with its
 * documented default, loadable from a Lua config file (hookline.lua) that returns a table:
 *
 *     return { analysis = { alpha = 0.05, mode = "sequential" },
 *              diagnose = { weak_hook = { max_lift = -0.15 } } }
 *
 * Unknown keys are errors that name the nearest valid key; wrong types and out-of-range values
 * are errors naming the key. `hookline config defaults` prints every key with its default.
 */
#ifndef HOOKLINE_CONFIG_H
#define HOOKLINE_CONFIG_H

#include <stdio.h>

#include "hookline/hookline.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hl_mode { HL_MODE_SEQUENTIAL, HL_MODE_FIXED, HL_MODE_BAYES } hl_mode;
const char *hl_mode_name(hl_mode m);
int hl_mode_from_name(const char *s, hl_mode *out); /* 0 ok, -1 unknown */

typedef struct hl_config {
    /* analysis.* */
    double alpha;               /* significance level; 0.05 */
    hl_mode mode;               /* sequential (nightly default) | fixed | bayes */
    int adjust;                 /* hl_stats_adjust_method: "bh" (default), "holm", "bonferroni" */
    int adjust_per_advertiser;  /* each advertiser's tests one family (default true); false:
                                   every test of the run in one family */
    int overdispersion;         /* quasi-binomial/quasi-Poisson variance from day cells; true */
    int window_days;            /* days up to as-of that comparisons use; 28 */
    double min_impressions;     /* per arm, for view and click rates (denominator); 1000 */
    double min_conversions;     /* per arm, for CVR, CPA and ROAS; 25 */
    int min_days;               /* delivering days per arm before any comparison is decided:
                                   the day-to-day wander needs days to be measured; 7 */
    double mde;                 /* relative effect that matters: "no difference" means the
                                   interval lies within +-mde; "needed" sizes for it; 0.10 */
    double power;               /* for "needed"; 0.8 */
    double bayes_threshold;     /* chance to beat for a bayes decision; 0.95 */
    double tuning_impressions;  /* sequential N* for impression/view-based rates; 200000 */
    double tuning_clicks;       /* N* for CVR (clicks); 5000 */
    double tuning_conversions;  /* N* for CPA (conversions); 500 */
    double tuning_days;         /* N* for ROAS (days); 28 */
    /* trends.* */
    int trend_days;             /* window of the fatigue trends; 14 */
    int trend_min_days;         /* fewer delivering days: no trend; 6 */
    /* diagnose.* */
    double weak_hook_max_lift;      /* hook rate lift at or below: weak hook; -0.10 */
    double weak_hold_max_lift;      /* hold rate lift: weak hold; -0.10 */
    double weak_cta_max_lift;       /* CTR lift: weak CTA; -0.10 */
    double lp_min_ctr_lift;         /* landing-page mismatch: CTR significantly better, or a
                                       lift at least this; 0.10 */
    double lp_max_cvr_lift;         /* ... and CVR lift at most; -0.15 */
    double winner_min_lift;         /* goal-metric improvement for winner; 0.10 */
    double loser_min_lift;          /* goal-metric worsening for loser; 0.10 */
    double fatigue_max_ctr_change;  /* CTR change recent vs prior at most; -0.20 */
    double fatigue_min_cpm_change;  /* CPM (relative to the account) change at least; 0.10 */
    double fatigue_min_frequency_change; /* or frequency change at least; 0.10 */
    int no_delivery_min_days;       /* zero-impression days in a row up to as-of; 1 */
    double audience_max_frequency;  /* mean daily frequency of an ad group over the last 7
                                       days above which its audience is too narrow; 3.0 */
    double pacing_max_change;       /* ad group spend last 3 days vs the 7 before at most:
                                       a pacing drop; -0.5 */
    double tracking_tolerance;      /* platform vs backend conversions gap that is normal; 0.20 */
    /* recipes.* */
    int recipes_max_variants;       /* recipes per creative action at most; 5 */
    double recipes_duration_s;      /* target length of a generated variant; 20 */
    /* store.*, run.*: the nightly job (`hookline run`) */
    char store_db[1024];            /* SQLite history file; "hookline.db" */
    char run_out[1024];             /* output root: OUT/<as-of>/ and OUT/latest; "out" */
    char run_inputs[4096];          /* export/report files to ingest, comma-separated */
    int repull_days;                /* the last days re-pulled every night; 3 */
    char tiktok_advertisers[2048];  /* advertiser ids to pull, comma-separated */
    char tiktok_api_base[512];      /* "" = https://business-api.tiktok.com */
    char tiktok_token_file[1024];   /* "" = HOOKLINE_TIKTOK_TOKEN */
    char deliver_webhook[1024];     /* recipes go there when set */
    char deliver_adapter[256];      /* "generic" */
    char mail_smtp[512];            /* the report is mailed when set */
    char net_ca_file[1024];         /* PEM CA bundle trusted instead of the system's ("" = system) */
    char mail_from[256];
    char mail_to[1024];             /* comma-separated */
    int mail_allow_plain;
    int experiments_max_days;       /* a variant's evaluation window; 28 */
    int experiments_min_days;       /* days both arms delivered before a verdict; 7 */
    int experiments_randomized;     /* variant/parent splits declared randomized: SRM check */
    /* rules.* */
    char rules_dir[1024];           /* the rule pack; "" = the bundled scripts/rules */
    double rules_instructions;      /* VM instructions per rule call; 10 million */
    double rules_memory_mb;         /* memory of the rule state; 64 MiB */
    /* columns.*, reports.* */
    char columns_file[1024];        /* custom columns; "" = the bundled scripts/columns.lua */
    char reports_dir[1024];         /* user report templates, beside the bundled ones; "" */
} hl_config;

/* Fills cfg with the documented defaults. */
void hl_config_defaults(hl_config *cfg);

/* Loads a config file over the defaults already in cfg (sandboxed Lua, text only, bounded in
 * time and memory). HL_EINPUT with file, line (for Lua errors) and message on any problem;
 * cfg is unchanged then. */
hl_status hl_config_load(hl_config *cfg, const char *path, hl_error *err);

/* Prints every key with its value in cfg and its meaning, as a Lua table (a valid config). */
void hl_config_print(FILE *f, const hl_config *cfg);

#ifdef __cplusplus
}
#endif

#endif
