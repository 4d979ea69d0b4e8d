/*
 * table.h — the second stage: the ad-day fact table built from ingest rows, and its
 * aggregation to ad, ad group, campaign or advertiser level over a window of dates, in total or
 * by day. Duplicate rules (DESIGN.md §3) are enforced here: the same (ad, date) twice inside
 * one file must be identical; a later file replaces an earlier one and the replacement is
 * counted. Memory grows with the (ad, day) cells kept, never with the input's size in bytes.
 */
#ifndef HOOKLINE_TABLE_H
#define HOOKLINE_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "hookline/hookline.h"
#include "hookline/ingest.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hl_table hl_table;

/* A new, empty table (NULL on OOM). The caller owns it: hl_table_free. */
hl_table *hl_table_new(void);
void hl_table_free(hl_table *t);

/* Adds one ingest row (copies what it keeps). HL_EINPUT when the same (ad, date) already came
 * from the same file with different values (err names both lines); HL_EINTERNAL on OOM. */
hl_status hl_table_add(hl_table *t, const hl_row *row, hl_error *err);

/* Matches hl_row_fn, so a table can be the ingest callback directly (ud = the table). */
hl_status hl_table_add_cb(void *table, const hl_row *row, hl_error *err);

/* Rows dated before `day` are not needed (an analysis window starts there): from now on
 * hl_table_add takes their entities (order of first appearance, names, parents) and dates (the
 * date range) but not their values, and the cells already kept before `day` are dropped
 * (compacted away once they are a quarter of the cells), so memory follows the ads and the window,
 * not the length of the history. Such rows are not checked for duplicates nor counted as
 * overrides. The floor only rises; aggregations must stay at or after it. */
void hl_table_set_floor(hl_table *t, int32_t day);

/* Drops every value kept (the cells), keeping the entities and their strings, which
 * aggregations and findings borrow: for once the last aggregation is done. */
void hl_table_drop_cells(hl_table *t);

/* How many rows so far replaced a row from an earlier file, and resets the count. */
size_t hl_table_take_overrides(hl_table *t);

size_t hl_table_ad_count(const hl_table *t);
size_t hl_table_cell_count(const hl_table *t);
/* First and last date of the rows added, including those below a floor (days since
 * 1970-01-01); returns -1 when no row was added. */
int hl_table_date_range(const hl_table *t, int32_t *first, int32_t *last);

/* Names of extra numeric columns, in the order of their indices (copied from the ingest
 * session by the caller: hl_table_set_extra_names takes borrowed strings and copies them). */
hl_status hl_table_set_extra_names(hl_table *t, const char *const *names, size_t n);
size_t hl_table_extra_count(const hl_table *t);
const char *hl_table_extra_name(const hl_table *t, size_t i);

typedef enum hl_level {
    HL_LEVEL_AD,
    HL_LEVEL_ADGROUP,
    HL_LEVEL_CAMPAIGN,
    HL_LEVEL_ADVERTISER
} hl_level;

const char *hl_level_name(hl_level l);         /* "ad", "adgroup", ... */
int hl_level_from_name(const char *s, hl_level *out); /* 0 ok, -1 unknown */

/* One aggregated row. Strings are borrowed from the table (valid until hl_table_free). Names
 * are the most recent ones seen (by date) for that entity. */
typedef struct hl_agg_row {
    const char *text[HL_NFIELDS]; /* fields that do not apply to the level are NULL */
    int32_t day;                  /* with by_day; otherwise -1 */
    uint32_t days;                /* dates with data in the window */
    uint32_t present;             /* bit c: counter c had a value on at least one day */
    double v[HL_NCOUNTERS];       /* sums over the days where present */
    const double *extra;          /* hl_table_extra_count values */
    const unsigned char *extra_present;
} hl_agg_row;

typedef struct hl_agg hl_agg;

/* Aggregates the cells with from <= day <= to to the given level, one row per entity (and per
 * day with by_day). Rows come ordered by entity first appearance, then day. *out is owned by
 * the caller: hl_agg_free. */
hl_status hl_table_aggregate(const hl_table *t, hl_level level, int32_t from, int32_t to,
                             int by_day, hl_agg **out, hl_error *err);
/* The ad-level rows of a window by day exactly as hl_table_aggregate(t, HL_LEVEL_AD, from, to,
 * 1, ...) gives them (ads in order of first appearance, days ascending, the same values and
 * names), handed to fn one at a time instead of gathered, so nothing is allocated: a million
 * gathered rows were the largest transient of an analysis. extra and extra_present are NULL.
 * The row is valid during the call only; fn returns nonzero to stop. */
typedef int (*hl_agg_row_fn)(void *ud, const hl_agg_row *row);
void hl_table_each_ad_day(const hl_table *t, int32_t from, int32_t to, hl_agg_row_fn fn, void *ud);

size_t hl_agg_count(const hl_agg *a);
const hl_agg_row *hl_agg_row_at(const hl_agg *a, size_t i);
hl_level hl_agg_level(const hl_agg *a);
void hl_agg_free(hl_agg *a);

#ifdef __cplusplus
}
#endif

#endif
