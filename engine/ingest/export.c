/*
 * export.c — TikTok Ads Manager exports (CSV as downloaded, or re-saved by Excel with `;` and a
 * decimal comma). Columns are found by header name, never by position; each record becomes one
 * ad-day row. Every problem is reported at the cell: file:line:column, the column's header and
 * the offending value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/columns.h"
#include "ingest/csv.h"
#include "ingest/internal.h"

typedef struct col {
    hl_colmap map;
    uint32_t extra;   /* extra-name index for HL_COL_EXTRA */
    int extra_state;  /* 0 undecided, 1 numeric, -1 text (ignored) */
    unsigned long extra_bad;
    char header[128]; /* as written, for messages */
} col;

/* Quotes at most 60 bytes of a value for a message, replacing control bytes. */
static const char *show(const char *s, size_t n, char *buf, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 4 < cap && i < 60; i++)
        buf[o++] = ((unsigned char)s[i] < 0x20) ? '?' : s[i];
    if (n > 60 && o + 4 < cap) {
        buf[o++] = '.';
        buf[o++] = '.';
        buf[o++] = '.';
    }
    buf[o] = '\0';
    return buf;
}

static hl_status cell_error(hl_error *err, const hl_file_state *fs, const hl_csv_field *f,
                            const col *c, const char *what)
{
    char v[80];
    return hl_error_set(err, HL_EINPUT, fs->path, f->line, f->col, "column '%s': %s ('%s')",
                        c->header, what, show(f->p, f->len, v, sizeof v));
}

/* A trimmed view of a text cell. */
static const char *trim(const hl_csv_field *f, size_t *len)
{
    const char *p = f->p;
    size_t n = f->len;
    while (n && (*p == ' ' || *p == '\t')) {
        p++;
        n--;
    }
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    *len = n;
    return p;
}

static int starts_with_total(const char *s, size_t n)
{
    return n >= 5 && (s[0] == 'T' || s[0] == 't') && strncmp(s + 1, "otal", 4) == 0;
}

/* Maps the header record; fills cols and checks the required columns. */
static hl_status map_header(hl_ingest *ing, const hl_file_state *fs, const hl_csv_field *fields,
                            size_t n, col *cols, int *date_col, int *have, hl_error *err)
{
    int target_col[5 + HL_NFIELDS + HL_NCOUNTERS];
    for (size_t k = 0; k < sizeof target_col / sizeof *target_col; k++)
        target_col[k] = -1;
    *date_col = -1;
    memset(have, 0, sizeof(int) * (HL_NFIELDS + HL_NCOUNTERS));

    for (size_t i = 0; i < n; i++) {
        col *c = &cols[i];
        memset(c, 0, sizeof *c);
        show(fields[i].p, fields[i].len, c->header, sizeof c->header);
        char folded[256];
        hl_col_fold(fields[i].p, fields[i].len, folded, sizeof folded);
        c->map = hl_col_lookup(folded);
        int slot = -1;
        if (c->map.type == HL_COL_DATE)
            slot = 0;
        else if (c->map.type == HL_COL_FIELD)
            slot = 5 + c->map.index;
        else if (c->map.type == HL_COL_COUNTER)
            slot = 5 + HL_NFIELDS + c->map.index;
        if (slot >= 0 && target_col[slot] >= 0) {
            col *prev = &cols[target_col[slot]];
            if (prev->map.priority == c->map.priority)
                return hl_error_set(err, HL_EINPUT, fs->path, fields[i].line, fields[i].col,
                                    "duplicate column '%s' (also column %d)", c->header,
                                    target_col[slot] + 1);
            /* Two labels for one thing ("Clicks (destination)" and "Clicks"): the preferred
             * one wins and the other is kept as an extra column under its own name. */
            col *loser = prev->map.priority < c->map.priority ? c : prev;
            if (loser == prev)
                target_col[slot] = (int)i;
            loser->map.type = HL_COL_EXTRA;
        } else if (slot >= 0) {
            target_col[slot] = (int)i;
        }
    }
    for (size_t i = 0; i < n; i++) {
        col *c = &cols[i];
        if (c->map.type == HL_COL_DATE)
            *date_col = (int)i;
        else if (c->map.type == HL_COL_FIELD)
            have[c->map.index] = 1;
        else if (c->map.type == HL_COL_COUNTER)
            have[HL_NFIELDS + c->map.index] = 1;
        else if (c->map.type == HL_COL_EXTRA) {
            char norm[128];
            size_t nl = hl_col_normalise(fields[i].p, fields[i].len, norm, sizeof norm);
            if (nl == 0 || hl_col_is_nonadditive(norm) || hl_counter_from_name(norm) >= 0) {
                c->map.type = HL_COL_DERIVED; /* ratios and averages cannot be summed */
                continue;
            }
            c->extra = hl_strpool_intern(ing->extras, norm, nl, NULL);
            if (c->extra == HL_NONE)
                return hl_error_set(err, HL_EINTERNAL, fs->path, 0, 0, "out of memory");
        }
    }

    char missing[512] = "";
    size_t ml = 0;
    if (*date_col < 0)
        ml += (size_t)snprintf(missing + ml, sizeof missing - ml, "'By Day' (or 'Date', 'Day')");
    if (!have[HL_F_AD_ID] && !have[HL_F_AD_NAME])
        ml += (size_t)snprintf(missing + ml, sizeof missing - ml, "%s'Ad ID' (or 'Ad name')",
                               ml ? ", " : "");
    if (!have[HL_NFIELDS + HL_C_IMPRESSIONS])
        ml += (size_t)snprintf(missing + ml, sizeof missing - ml, "%s'Impressions'",
                               ml ? ", " : "");
    if (ml) {
        char found[600] = "";
        size_t fl = 0;
        for (size_t i = 0; i < n && fl + 80 < sizeof found; i++)
            fl += (size_t)snprintf(found + fl, sizeof found - fl, "%s'%s'", i ? ", " : "",
                                   cols[i].header);
        if (n > 0 && fl + 80 >= sizeof found)
            snprintf(found + fl, sizeof found - fl, ", ...");
        return hl_error_set(err, HL_EINPUT, fs->path, 0, 0,
                            "not a TikTok export or report: missing column(s) %s; found: %s",
                            missing, n ? found : "(none)");
    }
    if (!have[HL_F_AD_ID])
        hl__warn(ing,
                 "%s: no 'Ad ID' column: ads are keyed by campaign + ad group + ad name, "
                 "and names are not unique; export with IDs for reliable results",
                 fs->path);
    return HL_OK;
}

/* An ID cell a spreadsheet turned into a number ("1.80000E+18") lost its digits for good. */
static int mangled_id(const char *s, size_t n)
{
    for (const char *q = n > 1 ? memchr(s + 1, '+', n - 1) : NULL; q;
         q = q + 1 < s + n ? memchr(q + 1, '+', (size_t)(s + n - q - 1)) : NULL)
        if (q[-1] == 'E' || q[-1] == 'e')
            return 1;
    return 0;
}

hl_status hl__ingest_csv(hl_ingest *ing, hl_file_state *fs, FILE *f, hl_row_fn fn, void *ud,
                         hl_error *err)
{
    hl_status st = HL_OK;
    hl_csv *csv = hl_csv_open(f, fs->path, ing->opts.max_record);
    col *cols = NULL;
    hl_row_builder b;
    memset(&b, 0, sizeof b);
    if (!csv)
        return hl_error_set(err, HL_EINTERNAL, fs->path, 0, 0, "out of memory");

    char sep;
    st = hl_csv_detect(csv, &sep, err);
    if (st != HL_OK)
        goto done;
    const int decimal_comma = sep == ';';

    const hl_csv_field *fields;
    size_t n;
    int r = hl_csv_next(csv, &fields, &n, err);
    if (r < 0) {
        st = err ? err->status : HL_EINPUT;
        goto done;
    }
    if (r == 0) {
        st = hl_error_set(err, HL_EINPUT, fs->path, 0, 0, "empty file: not a TikTok export or report");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (!hl__utf8_valid(fields[i].p, fields[i].len)) {
            st = hl_error_set(err, HL_EINPUT, fs->path, fields[i].line, fields[i].col,
                              "header is not valid UTF-8 text (binary file?)");
            goto done;
        }
    }
    const size_t ncols = n;
    cols = calloc(ncols ? ncols : 1, sizeof *cols);
    if (!cols) {
        st = hl_error_set(err, HL_EINTERNAL, fs->path, 0, 0, "out of memory");
        goto done;
    }
    int date_col, have[HL_NFIELDS + HL_NCOUNTERS];
    st = map_header(ing, fs, fields, n, cols, &date_col, have, err);
    if (st != HL_OK)
        goto done;
    const unsigned long header_line = hl_csv_record_line(csv);

    unsigned long totals_line = 0;
    for (;;) {
        r = hl_csv_next(csv, &fields, &n, err);
        if (r < 0) {
            st = err ? err->status : HL_EINPUT;
            goto done;
        }
        if (r == 0)
            break;
        const unsigned long line = hl_csv_record_line(csv);
        /* The closing "Total of N results" row: its first cells hold the label. */
        size_t l0, ld;
        const char *t0 = trim(&fields[0], &l0);
        const char *td = date_col < (int)n ? trim(&fields[date_col], &ld) : (ld = l0, t0);
        if (starts_with_total(t0, l0) || starts_with_total(td, ld)) {
            if (totals_line == 0)
                totals_line = line;
            continue;
        }
        if (totals_line) {
            hl__warn(ing, "%s:%lu:1: a totals row stands before more data; it was skipped",
                     fs->path, totals_line);
            totals_line = 0;
        }
        if (n != ncols) {
            st = hl_error_set(err, HL_EINPUT, fs->path, line, n > ncols ? fields[ncols].col : 1,
                              "row has %zu cells but the header (line %lu) has %zu", n,
                              header_line, ncols);
            goto done;
        }
        hl__builder_reset(&b);
        b.row.line = line;
        b.row.col = 1;
        for (size_t i = 0; i < n; i++) {
            const hl_csv_field *fd = &fields[i];
            col *c = &cols[i];
            switch (c->map.type) {
            case HL_COL_DERIVED:
                break;
            case HL_COL_DATE: {
                size_t len;
                const char *s = trim(fd, &len);
                const char *why;
                if (len == 0) {
                    st = cell_error(err, fs, fd, c, "missing date");
                    goto done;
                }
                if (hl_parse_date(s, len, &b.row.day, &why) < 0) {
                    st = cell_error(err, fs, fd, c, why);
                    goto done;
                }
                break;
            }
            case HL_COL_FIELD: {
                size_t len;
                const char *s = trim(fd, &len);
                if (!hl__utf8_valid(fd->p, fd->len)) {
                    st = cell_error(err, fs, fd, c, "invalid UTF-8");
                    goto done;
                }
                int is_id = c->map.index == HL_F_AD_ID || c->map.index == HL_F_ADGROUP_ID ||
                            c->map.index == HL_F_CAMPAIGN_ID || c->map.index == HL_F_ADVERTISER_ID;
                if (len == 0 || (is_id && (len == 1 && (s[0] == '-')))) {
                    if (c->map.index == HL_F_AD_ID) {
                        st = cell_error(err, fs, fd, c, "missing ad ID");
                        goto done;
                    }
                    break;
                }
                if (is_id && mangled_id(s, len)) {
                    st = cell_error(err, fs, fd, c,
                                    "ID was turned into a number by a spreadsheet and lost its "
                                    "digits; re-export with IDs as text");
                    goto done;
                }
                /* Trimmed in place: the reader's buffer is ours until the next record. */
                ((char *)(uintptr_t)s)[len] = '\0';
                b.row.text[c->map.index] = s;
                break;
            }
            case HL_COL_COUNTER:
            case HL_COL_EXTRA: {
                if (c->map.type == HL_COL_EXTRA && c->extra_state < 0)
                    break;
                double v;
                const char *why = NULL;
                hl_cell_kind k = hl_parse_number(fd->p, fd->len, decimal_comma, &v, NULL, &why);
                if (c->map.type == HL_COL_EXTRA) {
                    /* An unknown column is numeric if its first value is; text columns (status,
                     * ad text) are ignored, and odd cells in a numeric one read as missing. */
                    if (k == HL_CELL_BAD && c->extra_state == 0) {
                        c->extra_state = -1;
                        break;
                    }
                    if (k == HL_CELL_BAD) {
                        c->extra_bad++;
                        break;
                    }
                    if (k == HL_CELL_NUMBER) {
                        c->extra_state = 1;
                        if (hl__builder_add_extra(&b, c->extra, v) < 0) {
                            st = hl_error_set(err, HL_EINTERNAL, fs->path, 0, 0, "out of memory");
                            goto done;
                        }
                    }
                    break;
                }
                if (k == HL_CELL_BAD) {
                    st = cell_error(err, fs, fd, c, why);
                    goto done;
                }
                if (k == HL_CELL_LT5) {
                    if (fs->lt5_count++ == 0) {
                        fs->lt5_line = fd->line;
                        fs->lt5_col = fd->col;
                    }
                    break;
                }
                if (k == HL_CELL_MISSING)
                    break;
                if (v < 0) {
                    st = cell_error(err, fs, fd, c,
                                    c->map.index == HL_C_SPEND || c->map.index == HL_C_PURCHASE_VALUE
                                        ? "negative amount"
                                        : "negative count");
                    goto done;
                }
                b.row.v[c->map.index] = v;
                b.row.present |= 1u << c->map.index;
                break;
            }
            }
        }
        if (!b.row.text[HL_F_AD_ID] && !b.row.text[HL_F_AD_NAME]) {
            const hl_csv_field *fd = &fields[0];
            st = hl_error_set(err, HL_EINPUT, fs->path, line, fd->col,
                              "row has neither an ad ID nor an ad name");
            goto done;
        }
        st = hl__emit(ing, fs, &b, fn, ud, err);
        if (st != HL_OK)
            goto done;
    }
    for (size_t i = 0; i < ncols; i++)
        if (cols[i].extra_bad)
            hl__warn(ing, "%s: column '%s': %lu cell(s) are not numbers and were read as missing",
                     fs->path, cols[i].header, cols[i].extra_bad);
done:
    free(cols);
    hl__builder_free(&b);
    hl_csv_close(csv);
    return st;
}
