/*
 * csv.h — a streaming RFC 4180 reader: quoted cells with commas, quotes and newlines inside,
 * LF, CRLF and lone CR line ends, any one-byte separator. Each field carries the physical line
 * and character column where it starts, so every later error can point at the cell.
 * Private to engine/ingest.
 */
#ifndef HL_INGEST_CSV_H
#define HL_INGEST_CSV_H

#include <stdio.h>

#include "hookline/hookline.h"

typedef struct hl_csv_field {
    const char *p; /* unescaped bytes, NUL-terminated; valid until the next hl_csv_next */
    size_t len;
    unsigned long line, col;
    int quoted;
    int inplace; /* p points into the read buffer (else into the unescaped copy); internal */
} hl_csv_field;

typedef struct hl_csv hl_csv;

/* Reads from f (not closed by the reader). path is used in messages. max_record bounds one
 * record in bytes. Returns NULL on OOM; free with hl_csv_close. */
hl_csv *hl_csv_open(FILE *f, const char *path, size_t max_record);
void hl_csv_close(hl_csv *c);

/* Looks at the first line (after a UTF-8 BOM, which is skipped) and picks the separator that
 * occurs most often outside quotes among ',', ';' and tab. Call before the first record. */
hl_status hl_csv_detect(hl_csv *c, char *sep, hl_error *err);
void hl_csv_set_sep(hl_csv *c, char sep);

/* Reads the next non-empty record. Returns 1 with fields and n set, 0 at end of input, or -1 with
 * err filled (HL_EINPUT for malformed input, HL_EEXTERNAL for a read error, HL_EINTERNAL OOM). */
int hl_csv_next(hl_csv *c, const hl_csv_field **fields, size_t *n, hl_error *err);

/* Physical line where the last record returned starts. */
unsigned long hl_csv_record_line(const hl_csv *c);

#endif
