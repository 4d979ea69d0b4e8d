/*
 * columns.h — mapping a column header (Ads Manager label or API field name) to what hookline
 * stores: a text field, a counter, the date, a derived metric hookline recomputes itself, or an
 * extra numeric column kept by its normalised name. Private to engine/ingest.
 */
#ifndef HL_INGEST_COLUMNS_H
#define HL_INGEST_COLUMNS_H

#include <stddef.h>

#include "hookline/ingest.h"

typedef enum hl_coltype {
    HL_COL_EXTRA,   /* unknown: an extra numeric column, if its cells are numbers */
    HL_COL_DATE,
    HL_COL_FIELD,   /* index = hl_field */
    HL_COL_COUNTER, /* index = hl_counter */
    HL_COL_DERIVED  /* a ratio TikTok computed (CTR, CPA, ...): ignored, hookline recomputes */
} hl_coltype;

typedef struct hl_colmap {
    hl_coltype type;
    int index;
    int priority; /* lower wins when two headers map to the same target */
} hl_colmap;

/* Folds a header for matching: NBSP and runs of whitespace to one space, trimmed, ASCII
 * lowercase. Writes at most cap-1 bytes and a NUL; returns the length. */
size_t hl_col_fold(const char *s, size_t len, char *out, size_t cap);

/* Normalised name for extra columns: lowercase ASCII alphanumerics, other runs as one '_'. */
size_t hl_col_normalise(const char *s, size_t len, char *out, size_t cap);

/* Maps a folded header. */
hl_colmap hl_col_lookup(const char *folded);

/* Whether a normalised extra-column name is a ratio or an average that must not be summed over
 * days (rate, cost per, average, frequency, ...). */
int hl_col_is_nonadditive(const char *normalised);

#endif
