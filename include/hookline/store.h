/*
 * store.h — the history store (SQLite, one file): every night's rows (upserted by ad and day, a
 * re-pulled day replacing the old values), runs, the sequential evidence of every comparison,
 * briefs, recipes, deliveries, the lineage of variants back to the recipes that made them, and
 * the outcomes of those variants. Schema versioned with migrations, WAL, foreign keys on; each
 * stage of a run commits in its own transaction, so a run killed at any instant leaves the
 * database consistent and the next run completes the work.
 */
#ifndef HOOKLINE_STORE_H
#define HOOKLINE_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hookline/brief.h"
#include "hookline/compare.h"
#include "hookline/config.h"
#include "hookline/hookline.h"
#include "hookline/ingest.h"
#include "hookline/recipe.h"
#include "hookline/table.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HL_STORE_SCHEMA_VERSION 1

typedef struct hl_store hl_store;

/* Opens (creating and migrating) the database at path. *out is owned by the caller
 * (hl_store_close). HL_EEXTERNAL when the file cannot be opened or is not a hookline store. */
hl_status hl_store_open(const char *path, hl_store **out, hl_error *err);
void hl_store_close(hl_store *s);

hl_status hl_store_begin(hl_store *s, hl_error *err);
hl_status hl_store_commit(hl_store *s, hl_error *err);
void hl_store_rollback(hl_store *s);

/* Rows: an hl_row_fn (ud = the store) that upserts each row inside the caller's transaction,
 * counting replaced days. Extra columns are not stored. */
hl_status hl_store_put_row(void *store, const hl_row *row, hl_error *err);
size_t hl_store_take_replaced(hl_store *s);
size_t hl_store_take_inserted(hl_store *s);
/* First and last day with rows (-1 when empty). */
int hl_store_date_range(hl_store *s, int32_t *first, int32_t *last);
/* Days in [from, to] with no row at all (for pulling the missing days). */
hl_status hl_store_missing_days(hl_store *s, int32_t from, int32_t to, int32_t **days, size_t *n,
                                hl_error *err);
/* Loads the rows of [from, to] into t (as ingest rows, file index 0). advertiser_filter (may be
 * NULL) keeps only rows whose advertiser passes it. */
hl_status hl_store_load_table(hl_store *s, int32_t from, int32_t to, hl_table *t,
                              int (*keep)(void *ud, const char *advertiser_id), void *keep_ud,
                              hl_error *err);

/* Sequential evidence: the smallest always-valid p stored for key on nights before as_of (0 when
 * none), and today's look. */
double hl_store_prev_p(hl_store *s, const char *key, int32_t as_of);
hl_status hl_store_save_p(hl_store *s, const char *key, int32_t as_of, double p, hl_error *err);

/* Runs. run_begin marks runs left 'running' (killed) as 'interrupted': call it under the
 * run lock. */
hl_status hl_store_run_begin(hl_store *s, int32_t as_of, const char *config_hash, int64_t *run_id,
                             hl_error *err);
hl_status hl_store_run_end(hl_store *s, int64_t run_id, const char *status, const char *timings,
                           hl_error *err);

/* Findings' diagnoses, briefs and recipes of a run (replacing those of an earlier run for the
 * same as-of date). */
hl_status hl_store_save_outputs(hl_store *s, int64_t run_id, const hl_findings *f,
                                const hl_briefs *b, const hl_recipes *r, hl_error *err);

/* Deliveries: whether a recipe was delivered, and recording an outcome. */
int hl_store_delivered(hl_store *s, const char *recipe_id);
hl_status hl_store_record_delivery(hl_store *s, const char *recipe_id, int delivered,
                                   long http_status, int attempts, const char *error,
                                   hl_error *err);

/* Lineage: ads whose names carry a known recipe's lineage tag are linked to that recipe, its
 * brief and its parent ad the first time they appear. *linked counts new links. */
hl_status hl_store_link_variants(hl_store *s, int32_t as_of, size_t *linked, hl_error *err);

/* A launched variant and the test of its brief's hypothesis against its parent. */
typedef struct hl_experiment {
    char variant_ad_id[40];
    char parent_ad_id[40];
    char recipe_id[24];
    char brief_id[24];
    char action[32];
    char code[72];           /* the diagnosis the brief answered */
    char metric[48];
    double baseline, expected_lift;
    int32_t linked_day;
    /* evaluation (filled by the compare stage, persisted here) */
    char verdict[16];        /* "open", "confirmed", "refuted", "inconclusive" */
    int final;
    hl_val lift, ci_low, ci_high, p_value;
    double n_variant, n_parent;
    int32_t decided_day;
    char note[200];
} hl_experiment;

hl_status hl_store_experiments(hl_store *s, hl_experiment **out, size_t *n, hl_error *err);

/* Evaluates e (not final) on the table's rows since the variant appeared, with the sequential
 * test carrying prev_p (the smallest p of earlier nights, 0 for none); *p_today is tonight's p
 * to store. Fills verdict, final, lift, interval, p and note. (Implemented by the compare
 * stage: engine/compare/experiment.c.) */
hl_status hl_experiment_evaluate(const hl_table *t, const hl_config *cfg, int32_t as_of,
                                 double prev_p, hl_experiment *e, double *p_today, hl_error *err);
hl_status hl_store_save_outcome(hl_store *s, const hl_experiment *e, hl_error *err);

/* What the account has learned: per action type and diagnosis code. */
typedef struct hl_learning {
    char action[32];
    char code[72];
    int tried, confirmed, refuted, inconclusive, open;
    hl_val median_lift, lift_low, lift_high; /* over decided outcomes */
} hl_learning;

hl_status hl_store_learnings(hl_store *s, hl_learning **out, size_t *n, hl_error *err);

/* Maintenance: delete rows and run records older than keep_days before the last day; export
 * everything as JSON lines (one object per row, typed by "table"). */
hl_status hl_store_prune(hl_store *s, int keep_days, size_t *removed, hl_error *err);
hl_status hl_store_export(hl_store *s, FILE *f, hl_error *err);
/* PRAGMA integrity_check == "ok". */
int hl_store_integrity_ok(hl_store *s);

#ifdef __cplusplus
}
#endif

#endif
