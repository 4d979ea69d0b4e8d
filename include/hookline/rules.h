/*
 * rules.h — the rules stage: a pack of Lua rule files (untrusted, sandboxed) that add or
 * suppress diagnoses and turn diagnoses into creative briefs. See scripts/SCRIPTING.md for the
 * rule API. One failing rule never stops a run: its error is recorded with file:line and the
 * other rules and ads go on.
 */
#ifndef HOOKLINE_RULES_H
#define HOOKLINE_RULES_H

#include <stddef.h>
#include <stdio.h>

#include "hookline/brief.h"
#include "hookline/compare.h"
#include "hookline/hookline.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hl_rules_limits {
    size_t memory;     /* bytes for the whole rule state; 0 = 64 MiB */
    long instructions; /* per call of a rule; 0 = 10 million */
} hl_rules_limits;

typedef enum hl_rule_kind { HL_RULE_BRIEF, HL_RULE_DIAGNOSE, HL_RULE_SUPPRESS } hl_rule_kind;

typedef struct hl_rule_info {
    const char *name;
    const char *file;
    unsigned long line;
    hl_rule_kind kind;
    const char *const *codes; /* brief rules: the codes in `on` */
    size_t ncodes;
    int has_when;
} hl_rule_info;

/* A problem found while loading or linting a pack: file:line and what. */
typedef struct hl_rule_problem {
    const char *file;
    unsigned long line;
    const char *message;
} hl_rule_problem;

typedef struct hl_rules hl_rules;

/* Loads every *.lua file of dir (name order). Files that fail to load are recorded as problems
 * and their rules are missing; the rest load. HL_EINPUT only when dir cannot be read or holds no
 * rule file. *out is owned by the caller (hl_rules_free). lim may be NULL. */
hl_status hl_rules_load(const char *dir, const hl_rules_limits *lim, hl_rules **out,
                        hl_error *err);
void hl_rules_free(hl_rules *r);

size_t hl_rules_count(const hl_rules *r);
const hl_rule_info *hl_rules_info(const hl_rules *r, size_t i);
size_t hl_rules_problem_count(const hl_rules *r);
const hl_rule_problem *hl_rules_problem(const hl_rules *r, size_t i);
const char *hl_rules_dir(const hl_rules *r);

/* Runs the pack on a run's findings: diagnose rules per ad, suppress rules per ad, then the
 * brief rules of every remaining diagnosis. Load problems are copied into the result's rule
 * errors. *out is owned by the caller (hl_briefs_free); the findings must outlive it. HL_OK
 * unless out of memory: rule failures are in hl_briefs_errors. */
hl_status hl_rules_run(hl_rules *r, const hl_findings *f, hl_briefs **out, hl_error *err);

/* What the account has learned from launched variants, shown to rules as ctx.learnings
 * [action][code] = {tried, confirmed, refuted, inconclusive, median_lift}. Copied. */
typedef struct hl_rule_learning {
    const char *action, *code;
    int tried, confirmed, refuted, inconclusive;
    double median_lift;
    int has_median;
} hl_rule_learning;
void hl_rules_set_learnings(hl_rules *r, const hl_rule_learning *l, size_t n);

/* Custom columns (scripts/columns.lua and the user's) readable by rules as ad.metrics.<name>,
 * over the ad's window totals. Borrowed: cols must outlive the runs (NULL: none). */
struct hl_columns;
void hl_rules_set_columns(hl_rules *r, struct hl_columns *cols);

/* Log lines from hl.log go here (NULL: dropped). */
void hl_rules_set_log(hl_rules *r, void (*fn)(void *ud, const char *line), void *ud);

/* Runs the data-driven tests in dir/tests (JSON files; see scripts/SCRIPTING.md), printing "ok name"
 * or "FAIL name: why" lines to out. Returns -1 when dir/tests cannot be read. */
int hl_rules_test_dir(hl_rules *r, const char *dir, FILE *out, int verbose, int *passed,
                      int *failed);

/* Generator adapters: scripts/adapters/NAME.lua returns function(recipe, options) -> request
 * body, run in the same sandbox as rules. The recipe and the options go in as JSON text and the
 * body comes back as JSON text (*body owned by the caller: free()). */
typedef struct hl_adapter hl_adapter;
hl_status hl_adapter_load(const char *path, const hl_rules_limits *lim, hl_adapter **out,
                          hl_error *err);
hl_status hl_adapter_apply(hl_adapter *a, const char *recipe_json, const char *options_json,
                           char **body, hl_error *err);
void hl_adapter_free(hl_adapter *a);
const char *hl_adapters_default_dir(void);

/* The default rule pack's directory for this build (scripts/rules of the source tree or the
 * installed share/hookline/rules); static storage. */
const char *hl_rules_default_dir(void);

#ifdef __cplusplus
}
#endif

#endif
