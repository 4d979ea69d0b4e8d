/*
 * tabular.h — printing a table of rows in the formats every table-printing command offers
 * (--format table|csv|json|md): aligned text that fits the terminal, RFC 4180 CSV that is safe
 * to open in a spreadsheet, JSON objects, Markdown with every user string escaped.
 */
#ifndef HL_CLI_TABULAR_H
#define HL_CLI_TABULAR_H

#include <stdio.h>

typedef enum hl_fmt { HL_FMT_TABLE, HL_FMT_CSV, HL_FMT_JSON, HL_FMT_MD } hl_fmt;
int hl_fmt_from_name(const char *s, hl_fmt *out); /* 0 ok, -1 unknown */

typedef enum hl_colkind {
    HL_CK_TEXT,
    HL_CK_COUNT,      /* counter: integer when integral */
    HL_CK_MONEY,      /* 2 decimals in a table */
    HL_CK_PROPORTION, /* percent in a table */
    HL_CK_RATIO,      /* 2 decimals in a table */
    HL_CK_NUMBER      /* anything else */
} hl_colkind;

typedef struct hl_cellval {
    int is_null;
    const char *text; /* for HL_CK_TEXT */
    double num;
} hl_cellval;

typedef struct hl_tab {
    size_t ncols, nrows;
    const char *const *names;
    const hl_colkind *kinds;
    /* fills *out for (row, col) */
    void (*get)(void *ud, size_t row, size_t col, hl_cellval *out);
    void *ud;
} hl_tab;

/* Writes the rows; for JSON an array of objects (the caller writes any envelope). width is
 * the terminal width for HL_FMT_TABLE (0 = unlimited). Returns 0, or -1 on a write error. */
int hl_tab_write(FILE *f, const hl_tab *t, hl_fmt fmt, int width);

#include "common/jsonw.h" /* hl_json_string, hl_json_number for envelopes */

/* The terminal width of stdout: its window size when a terminal, else $COLUMNS, else 0. */
int hl_terminal_width(void);

#endif
