/*
 * backend.c — the shop's own conversion counts (`--backend-conversions FILE`), read to check
 * the platform's tracking: a CSV with a date column, conversions, and optionally revenue and a
 * campaign ID. Same reader and cell rules as exports, so the same quirks are accepted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "ingest/columns.h"
#include "ingest/csv.h"
#include "ingest/internal.h"

struct hl_backend {
    hl_backend_row *rows;
    size_t n, cap;
    hl_strpool *ids;
};

const hl_backend_row *hl_backend_rows(const hl_backend *b, size_t *n)
{
    *n = b->n;
    return b->rows;
}

void hl_backend_free(hl_backend *b)
{
    if (!b)
        return;
    free(b->rows);
    hl_strpool_free(b->ids);
    free(b);
}

static int is_header(const char *folded, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(folded, *names) == 0)
            return 1;
    return 0;
}

hl_status hl_ingest_backend(const char *path, hl_backend **out, hl_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return hl_error_set(err, HL_EINPUT, path, 0, 0, "cannot open: %s", strerror(errno));
    hl_backend *b = calloc(1, sizeof *b);
    hl_csv *csv = hl_csv_open(f, path, 0);
    hl_status st = HL_OK;
    if (!b || !csv || !(b->ids = hl_strpool_new())) {
        st = hl_error_set(err, HL_EINTERNAL, path, 0, 0, "out of memory");
        goto done;
    }
    char sep;
    st = hl_csv_detect(csv, &sep, err);
    if (st != HL_OK)
        goto done;
    const hl_csv_field *fl;
    size_t n;
    int r = hl_csv_next(csv, &fl, &n, err);
    if (r <= 0) {
        st = r < 0 ? err->status
                   : hl_error_set(err, HL_EINPUT, path, 0, 0, "empty file: expected a header "
                                                             "with date and conversions");
        goto done;
    }
    static const char *const date_names[] = {"date", "day", "by day", NULL};
    static const char *const conv_names[] = {"conversions", "orders", "purchases", NULL};
    static const char *const rev_names[] = {"revenue", "sales", "value", NULL};
    static const char *const camp_names[] = {"campaign_id", "campaign id", NULL};
    int cdate = -1, cconv = -1, crev = -1, ccamp = -1;
    for (size_t i = 0; i < n; i++) {
        char folded[128];
        hl_col_fold(fl[i].p, fl[i].len, folded, sizeof folded);
        if (is_header(folded, date_names))
            cdate = (int)i;
        else if (is_header(folded, conv_names))
            cconv = (int)i;
        else if (is_header(folded, rev_names))
            crev = (int)i;
        else if (is_header(folded, camp_names))
            ccamp = (int)i;
    }
    if (cdate < 0 || cconv < 0) {
        st = hl_error_set(err, HL_EINPUT, path, 1, 1,
                          "backend conversions need a 'date' and a 'conversions' column "
                          "(optional: 'revenue', 'campaign_id')");
        goto done;
    }
    const int dc = sep == ';';
    size_t ncols = n;
    while ((r = hl_csv_next(csv, &fl, &n, err)) > 0) {
        if (n != ncols) {
            st = hl_error_set(err, HL_EINPUT, path, hl_csv_record_line(csv), 1,
                              "row has %zu cells but the header has %zu", n, ncols);
            goto done;
        }
        hl_backend_row row = {0, 0, -1, NULL};
        const char *why;
        if (hl_parse_date(fl[cdate].p, fl[cdate].len, &row.day, &why) < 0) {
            st = hl_error_set(err, HL_EINPUT, path, fl[cdate].line, fl[cdate].col,
                              "column 'date': %s ('%.40s')", why, fl[cdate].p);
            goto done;
        }
        double v;
        hl_cell_kind k = hl_parse_number(fl[cconv].p, fl[cconv].len, dc, &v, NULL, &why);
        if (k == HL_CELL_MISSING || k == HL_CELL_LT5)
            continue; /* a day the shop did not report */
        if (k == HL_CELL_BAD || v < 0) {
            st = hl_error_set(err, HL_EINPUT, path, fl[cconv].line, fl[cconv].col,
                              "column 'conversions': %s ('%.40s')",
                              k == HL_CELL_BAD ? why : "negative count", fl[cconv].p);
            goto done;
        }
        row.conversions = v;
        if (crev >= 0) {
            k = hl_parse_number(fl[crev].p, fl[crev].len, dc, &v, NULL, &why);
            if (k == HL_CELL_BAD) {
                st = hl_error_set(err, HL_EINPUT, path, fl[crev].line, fl[crev].col,
                                  "column 'revenue': %s ('%.40s')", why, fl[crev].p);
                goto done;
            }
            if (k == HL_CELL_NUMBER)
                row.revenue = v;
        }
        if (ccamp >= 0 && fl[ccamp].len > 0) {
            if (!hl__utf8_valid(fl[ccamp].p, fl[ccamp].len)) {
                st = hl_error_set(err, HL_EINPUT, path, fl[ccamp].line, fl[ccamp].col,
                                  "column 'campaign_id': invalid UTF-8");
                goto done;
            }
            uint32_t idx = hl_strpool_intern(b->ids, fl[ccamp].p, fl[ccamp].len, NULL);
            if (idx == HL_NONE) {
                st = hl_error_set(err, HL_EINTERNAL, path, 0, 0, "out of memory");
                goto done;
            }
            row.campaign_id = hl_strpool_get(b->ids, idx);
        }
        if (b->n == b->cap) {
            size_t nc = b->cap ? b->cap * 2 : 64;
            hl_backend_row *nr = realloc(b->rows, nc * sizeof *nr);
            if (!nr) {
                st = hl_error_set(err, HL_EINTERNAL, path, 0, 0, "out of memory");
                goto done;
            }
            b->rows = nr;
            b->cap = nc;
        }
        b->rows[b->n++] = row;
    }
    if (r < 0)
        st = err->status;
done:
    hl_csv_close(csv);
    fclose(f);
    if (st != HL_OK) {
        hl_backend_free(b);
        return st;
    }
    *out = b;
    return HL_OK;
}
