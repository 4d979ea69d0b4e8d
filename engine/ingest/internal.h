/*
 * internal.h — what the ingest readers (export.c for CSV, apijson.c for API JSON) share with the
 * session in ingest.c: building a row, checking it, and gathering warnings. Private.
 */
#ifndef HL_INGEST_INTERNAL_H
#define HL_INGEST_INTERNAL_H

#include "common/hash.h"
#include "hookline/ingest.h"

/* Per-file state for warnings that are counted and reported once per file. */
enum { HL_FUNNEL_KINDS = 8, HL_FIRST_LOCS = 3 };

typedef struct hl_file_state {
    const char *path;
    uint32_t file_index;
    unsigned long lt5_count, lt5_line, lt5_col;
    unsigned long funnel_count[HL_FUNNEL_KINDS];
    unsigned long funnel_total;
    unsigned long funnel_loc[HL_FIRST_LOCS][2];
    size_t funnel_nloc;
    unsigned long rows;
} hl_file_state;

struct hl_ingest {
    hl_ingest_opts opts;
    hl_strpool *extras;   /* extra numeric column names */
    char **warnings;
    size_t nwarn, capwarn;
    uint32_t nfiles;
};

/* A row under construction: text cells are copied so they outlive the reader's buffer only
 * for the duration of the callback. */
typedef struct hl_row_builder {
    hl_row row;
    uint32_t *extra_idx;
    double *extra_v;
    size_t extra_cap;
    char synth[3][24]; /* synthesized ad/ad group/campaign ids */
} hl_row_builder;

void hl__builder_reset(hl_row_builder *b);
int hl__builder_add_extra(hl_row_builder *b, uint32_t idx, double v); /* -1 on OOM */
void hl__builder_free(hl_row_builder *b);

/* Completes the row (synthesized ids when ID columns are absent), runs the funnel checks
 * (warnings, or an error under strict) and hands it to fn. */
hl_status hl__emit(hl_ingest *ing, hl_file_state *fs, hl_row_builder *b, hl_row_fn fn, void *ud,
                   hl_error *err);

/* Appends a printf-formatted warning. */
void hl__warn(hl_ingest *ing, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds the per-file summary warnings (counts, first locations). */
void hl__finish_file(hl_ingest *ing, hl_file_state *fs);

/* Whether s[0..n) is valid UTF-8 without NUL bytes. */
int hl__utf8_valid(const char *s, size_t n);

/* Readers. Each fills err with file:line:col on bad input. */
hl_status hl__ingest_csv(hl_ingest *ing, hl_file_state *fs, FILE *f, hl_row_fn fn, void *ud,
                         hl_error *err);
hl_status hl__ingest_json(hl_ingest *ing, hl_file_state *fs, FILE *f, hl_row_fn fn, void *ud,
                          hl_error *err);

#endif
