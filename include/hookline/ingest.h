/*
 * ingest.h — the first stage: read TikTok Ads Manager exports (CSV, also `;` + decimal comma)
 * and Marketing API report JSON (a saved response body or JSON lines) and hand each ad-day fact
 * row to a callback. Ingest streams: it holds one record at a time, never the file.
 *
 * The data model lives here because every later stage speaks it: a fact row is
 * (advertiser, campaign, ad group, ad, date) -> counters (DESIGN.md §3).
 */
#ifndef HOOKLINE_INGEST_H
#define HOOKLINE_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "hookline/hookline.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Core counters, additive over days (except reach: see DESIGN.md §3). */
typedef enum hl_counter {
    HL_C_SPEND,
    HL_C_IMPRESSIONS,
    HL_C_REACH,
    HL_C_CLICKS,
    HL_C_CONVERSIONS,
    HL_C_VIDEO_PLAYS,
    HL_C_VIEWS_2S,
    HL_C_VIEWS_6S,
    HL_C_VIEWS_P25,
    HL_C_VIEWS_P50,
    HL_C_VIEWS_P75,
    HL_C_VIEWS_P100,
    HL_C_LANDING_PAGE_VIEWS,
    HL_C_ADD_TO_CART,
    HL_C_PURCHASES,
    HL_C_PURCHASE_VALUE,
    HL_NCOUNTERS
} hl_counter;

/* The counter's contract name ("views_2s"); static storage. */
const char *hl_counter_name(hl_counter c);
/* Index of a contract name, or -1. */
int hl_counter_from_name(const char *name);

/* Text attributes of a row. */
typedef enum hl_field {
    HL_F_ADVERTISER_ID,
    HL_F_ADVERTISER_NAME,
    HL_F_CAMPAIGN_ID,
    HL_F_CAMPAIGN_NAME,
    HL_F_ADGROUP_ID,
    HL_F_ADGROUP_NAME,
    HL_F_AD_ID,
    HL_F_AD_NAME,
    HL_F_CURRENCY,
    HL_NFIELDS
} hl_field;

const char *hl_field_name(hl_field f); /* "adgroup_id"; static storage */

/* One ad-day fact row, valid only during the callback that receives it. */
typedef struct hl_row {
    const char *text[HL_NFIELDS]; /* NUL-terminated UTF-8, or NULL when absent. ad_id, adgroup_id
                                     and campaign_id are always set: without ID columns they are
                                     synthesized from the names ("n:" + 16 hex digits). */
    int32_t day;                  /* the account's local date, as days since 1970-01-01 */
    uint32_t present;             /* bit (1u << c) set when counter c has a value */
    double v[HL_NCOUNTERS];       /* counter values; v[c] is 0 when not present */
    size_t nextra;                /* other numeric columns present in this row: */
    const uint32_t *extra_idx;    /*   index into the session's extra-column names */
    const double *extra_v;        /*   and value */
    const char *file;             /* where the row starts */
    uint32_t file_index;          /* 0-based order of the file in this session */
    unsigned long line, col;
} hl_row;

/* Receives each row. Return HL_OK to go on; any other status stops ingest and is returned by
 * hl_ingest_file (fill err to explain). */
typedef hl_status (*hl_row_fn)(void *ud, const hl_row *row, hl_error *err);

typedef struct hl_ingest_opts {
    int strict;            /* funnel inconsistencies are errors instead of warnings */
    size_t max_record;     /* longest CSV record / JSON line in bytes; 0 = HL_INGEST_MAX_RECORD */
} hl_ingest_opts;

#define HL_INGEST_MAX_RECORD (1u << 20)  /* 1 MiB: far beyond any real export row */
#define HL_INGEST_MAX_COLUMNS 4096

typedef struct hl_ingest hl_ingest;

/* A session reads any number of files, CSV or JSON in any mix. Returns NULL on OOM; the caller
 * owns it and frees it with hl_ingest_free. opts may be NULL. */
hl_ingest *hl_ingest_new(const hl_ingest_opts *opts);
void hl_ingest_free(hl_ingest *ing);

/* Reads one file, detecting its format from its content, calling fn for each fact row.
 * Returns HL_OK, HL_EINPUT (err says file:line:col and what), HL_EEXTERNAL (cannot read the
 * file) or HL_EINTERNAL (out of memory). */
hl_status hl_ingest_file(hl_ingest *ing, const char *path, hl_row_fn fn, void *ud, hl_error *err);

/* Names (normalised: lowercase, non-alphanumerics as '_') of extra numeric columns seen so
 * far; borrowed, valid until hl_ingest_free. */
size_t hl_ingest_extra_count(const hl_ingest *ing);
const char *hl_ingest_extra_name(const hl_ingest *ing, size_t i);

/* Warnings gathered so far (missing-ID keys, "<5" cells, funnel inconsistencies with their
 * first locations, skipped totals rows, ignored columns). Borrowed strings. */
size_t hl_ingest_warning_count(const hl_ingest *ing);
const char *hl_ingest_warning(const hl_ingest *ing, size_t i);

/* The shop's own conversions by date (`--backend-conversions`): a CSV with a date column,
 * conversions, and optionally revenue and campaign_id, for the tracking check. */
typedef struct hl_backend_row {
    int32_t day;
    double conversions;
    double revenue;          /* < 0 when the file has no revenue */
    const char *campaign_id; /* NULL: account-wide */
} hl_backend_row;

typedef struct hl_backend hl_backend;

/* Reads the file; *out is owned by the caller (hl_backend_free). HL_EINPUT with file:line:col
 * on bad input. */
hl_status hl_ingest_backend(const char *path, hl_backend **out, hl_error *err);
const hl_backend_row *hl_backend_rows(const hl_backend *b, size_t *n); /* borrowed */
void hl_backend_free(hl_backend *b);

/* Numbers and dates as exports write them; exposed for tests and for the stage that reads
 * backend conversions. */
typedef enum hl_cell_kind {
    HL_CELL_NUMBER,   /* *out holds the value */
    HL_CELL_MISSING,  /* "", "-", "--", "N/A", ... */
    HL_CELL_LT5,      /* "<5": TikTok hides small counts; missing, with a note */
    HL_CELL_BAD       /* *why says what is wrong */
} hl_cell_kind;

/* Parses a numeric cell: surrounding spaces/NBSP, sign, currency symbols, thousands separators
 * (validated in groups of three), percent sign (the number is returned as written: "1.18%" ->
 * 1.18; *percent set), decimal comma when decimal_comma is set, exponents. Never returns a
 * non-finite number. why and percent may be NULL. */
hl_cell_kind hl_parse_number(const char *s, size_t len, int decimal_comma, double *out,
                             int *percent, const char **why);

/* Parses "YYYY-MM-DD" with an optional " 00:00:00" / "T00:00:00" and "YYYY/MM/DD". Returns 0
 * and days since 1970-01-01, or -1 with *why. */
int hl_parse_date(const char *s, size_t len, int32_t *day, const char **why);
/* Writes "YYYY-MM-DD" (11 bytes with the NUL) into buf. */
void hl_format_date(int32_t day, char buf[11]);

#ifdef __cplusplus
}
#endif

#endif
