/*
 * columns.h — custom columns and report templates, both written in Lua (DESIGN.md §4, §7, §10;
 * scripts/SCRIPTING.md "Custom columns" and "Report templates").
 *
 * Custom columns are formulas over an aggregated row's counters, metrics, names and other
 * custom columns, defined in a Lua file (scripts/columns.lua by default) by `column { ... }`:
 *
 *     column { name = "cost_per_atc", label = "Cost per Add to Cart", kind = "money",
 *              formula = function(r) return r.spend / r.add_to_cart end }
 *
 * They run in the sandbox (no io/os/load, text chunks only, an instruction budget per formula
 * call, a memory cap). A formula that divides by zero, does arithmetic on a missing input, or
 * returns nil gives an undefined value with a reason, never NaN or inf. A runtime error is an
 * HL_EINPUT error at the formula's file:line, naming the column.
 *
 * Report templates are `report { ... }` calls in the *.lua files of template directories
 * (scripts/reports/ bundled, plus the user's): a level, columns (built-in or custom), filters,
 * a sort and a limit. Loading validates every name (unknown names are errors at file:line with
 * a suggestion). hl_report_build applies a template to rows aggregated at its level.
 *
 * Handles are opaque and not thread-safe (each owns a Lua state). Strings returned are owned by
 * the handle they came from; a report borrows the aggregate's strings (keep the table alive).
 */
#ifndef HOOKLINE_COLUMNS_H
#define HOOKLINE_COLUMNS_H

#include <stddef.h>
#include <stdio.h>

#include "hookline/compare.h" /* hl_val: a number or undefined with a reason */
#include "hookline/hookline.h"
#include "hookline/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- custom columns */

typedef enum hl_column_kind {
    HL_COLUMN_TEXT,       /* names and ids (built-in only) */
    HL_COLUMN_COUNT,      /* counters */
    HL_COLUMN_MONEY,      /* spend per unit: 2 decimals */
    HL_COLUMN_PROPORTION, /* a share: printed as a percentage for people */
    HL_COLUMN_RATIO,      /* value per unit (ROAS, frequency) */
    HL_COLUMN_NUMBER      /* anything else (the default for a custom column) */
} hl_column_kind;

/* "text", "count", "money", "proportion", "ratio", "number"; static storage. */
const char *hl_column_kind_name(hl_column_kind k);

typedef struct hl_columns_limits {
    size_t memory;     /* bytes of the Lua state; 0 = 32 MiB */
    long instructions; /* VM instructions per formula call; 0 = 1 million */
} hl_columns_limits;

typedef struct hl_column_info {
    const char *name;        /* "cost_per_atc": [a-z][a-z0-9_]*, never a built-in's name */
    const char *label;       /* "Cost per Add to Cart" (the name when not given) */
    const char *description; /* or NULL */
    hl_column_kind kind;     /* never HL_COLUMN_TEXT */
    const char *file;        /* where column{} was called */
    unsigned long line;
    unsigned long formula_line; /* first line of the formula function */
} hl_column_info;

typedef struct hl_columns hl_columns;

/* An empty set of custom columns (its own sandboxed state). HL_EINTERNAL on OOM. */
hl_status hl_columns_new(const hl_columns_limits *lim, hl_columns **out, hl_error *err);
/* Runs a columns file: every column{} it calls is added. On any problem (syntax, a bad or
 * duplicate definition, a global assignment, a runtime error at load) returns HL_EINPUT with
 * file:line and adds none of the file's columns. */
hl_status hl_columns_load_file(hl_columns *c, const char *path, hl_error *err);
/* hl_columns_new + hl_columns_load_file. */
hl_status hl_columns_load(const char *path, const hl_columns_limits *lim, hl_columns **out,
                          hl_error *err);
void hl_columns_free(hl_columns *c);

/* The bundled file: <source>/scripts/columns.lua (static storage). */
const char *hl_columns_default_file(void);

size_t hl_columns_count(const hl_columns *c);
const hl_column_info *hl_columns_info(const hl_columns *c, size_t i); /* NULL out of range */
int hl_columns_find(const hl_columns *c, const char *name);           /* index or -1 */

/* What a built-in name is ("counter", "metric", "field", ...) or NULL when name is free. */
const char *hl_columns_builtin(const char *name);

/* Names of the table's extra numeric columns (hl_table_extra_name order), so formulas can read
 * them as r.<name> (copied). */
hl_status hl_columns_set_extra_names(hl_columns *c, const char *const *names, size_t n);

/* Evaluates column i for one aggregated row. HL_OK with *out defined, or undefined with why =
 * "division_by_zero" (the result was inf or NaN), "missing_input" (arithmetic on a missing
 * counter or an undefined metric) or "no_value" (the formula returned nil). HL_EINPUT on a
 * runtime error, a non-number result or an exhausted budget or memory: err has the formula's
 * file and the line of the error (or of the formula) and the message names the column. */
hl_status hl_columns_eval(hl_columns *c, size_t i, const hl_agg_row *row, hl_val *out,
                          hl_error *err);

/* ---------------------------------------------------------------- report templates */

typedef enum hl_filter_op {
    HL_OP_GE,
    HL_OP_GT,
    HL_OP_LE,
    HL_OP_LT,
    HL_OP_EQ,
    HL_OP_NE,
    HL_OP_CONTAINS /* text columns: substring */
} hl_filter_op;

const char *hl_filter_op_name(hl_filter_op op); /* ">=", ..., "contains" */

typedef struct hl_template_filter {
    const char *column;
    hl_filter_op op;
    int is_text;      /* compare with text (text columns) or num */
    const char *text;
    double num;
} hl_template_filter;

typedef struct hl_template_sort {
    const char *column;
    int desc;
} hl_template_sort;

typedef struct hl_template_info {
    const char *name;        /* "creative_performance" */
    const char *title;       /* "Creative Performance" (the name when not given) */
    const char *description; /* or NULL */
    hl_level level;
    size_t ncolumns;
    const char *const *columns; /* column names */
    const char *const *labels;  /* headers for people: the template's, a custom column's, or a
                                   built-in's ("CTR") */
    size_t nfilters;
    const hl_template_filter *filters; /* all must hold; an undefined value never passes */
    size_t nsort;
    const hl_template_sort *sort;      /* keys in order; nulls last; ties keep row order */
    size_t limit;                      /* 0 = every row */
    const char *file;
    unsigned long line;
} hl_template_info;

typedef struct hl_templates hl_templates;

/* Loads every *.lua file (name order) of each directory in turn. A later directory's template
 * replaces an earlier one of the same name (user templates override the bundled ones); the same
 * name twice in one directory is an error. cols (may be NULL) supplies the custom column names
 * templates may use. Any problem: HL_EINPUT with file:line and a suggestion for unknown names. */
hl_status hl_templates_load(const char *const *dirs, size_t ndirs, const hl_columns *cols,
                            hl_templates **out, hl_error *err);
void hl_templates_free(hl_templates *t);

/* The bundled directory: <source>/scripts/reports (static storage). */
const char *hl_templates_default_dir(void);

size_t hl_templates_count(const hl_templates *t);
const hl_template_info *hl_templates_info(const hl_templates *t, size_t i); /* name order */
int hl_templates_find(const hl_templates *t, const char *name);            /* index or -1 */

/* A template applied to aggregated rows. */
typedef struct hl_report hl_report;

typedef struct hl_report_cell {
    const char *text; /* text columns: the text, or NULL when absent */
    hl_val val;       /* other columns */
} hl_report_cell;

/* Filters, evaluates, sorts and limits. agg must be aggregated at the template's level (else
 * HL_EINPUT); cols is needed when the template uses custom columns (may be NULL otherwise).
 * A formula error is returned as hl_columns_eval reports it. */
hl_status hl_report_build(const hl_template_info *t, const hl_agg *agg, hl_columns *cols,
                          hl_report **out, hl_error *err);
void hl_report_free(hl_report *r);
size_t hl_report_row_count(const hl_report *r);
size_t hl_report_column_count(const hl_report *r);
const char *hl_report_column_name(const hl_report *r, size_t col);
const char *hl_report_column_label(const hl_report *r, size_t col);
hl_column_kind hl_report_column_kind(const hl_report *r, size_t col);
/* rows that passed the filters before the limit cut */
size_t hl_report_matched_count(const hl_report *r);
void hl_report_cell_at(const hl_report *r, size_t row, size_t col, hl_report_cell *out);

/* A self-contained HTML page of the report: inline CSS, no script, no network, every string
 * escaped. title and subtitle (may be NULL) head the page. Returns 0, or -1 on a write error. */
int hl_report_write_html(FILE *f, const hl_report *r, const char *title, const char *subtitle);

#ifdef __cplusplus
}
#endif

#endif
