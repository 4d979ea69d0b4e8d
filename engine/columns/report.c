/*
 * report.c — applying a report template to aggregated rows: evaluate the filter columns of each
 * row first (a row that fails is not evaluated further), then the shown and sort columns, sort
 * stably (undefined values last in either direction, ties in row order), cut at the limit.
 * Custom columns are evaluated once per row and column.
 */
#include <stdlib.h>
#include <string.h>

#include "columns/internal.h"
#include "hookline/metrics.h"

struct hl_report {
    size_t ncols;  /* shown */
    size_t nneed;  /* shown, then filter and sort columns not shown */
    hl__colref *refs;
    const char **names, **labels;
    hl_report_cell *cells; /* nrows x nneed */
    size_t nrows, cap, matched;
};

size_t hl_report_row_count(const hl_report *r)
{
    return r ? r->nrows : 0;
}

size_t hl_report_column_count(const hl_report *r)
{
    return r ? r->ncols : 0;
}

size_t hl_report_matched_count(const hl_report *r)
{
    return r ? r->matched : 0;
}

const char *hl_report_column_name(const hl_report *r, size_t col)
{
    return col < r->ncols ? r->names[col] : NULL;
}

const char *hl_report_column_label(const hl_report *r, size_t col)
{
    return col < r->ncols ? r->labels[col] : NULL;
}

hl_column_kind hl_report_column_kind(const hl_report *r, size_t col)
{
    return col < r->ncols ? r->refs[col].kind : HL_COLUMN_NUMBER;
}

void hl_report_cell_at(const hl_report *r, size_t row, size_t col, hl_report_cell *out)
{
    if (row >= r->nrows || col >= r->ncols) {
        out->text = NULL;
        out->val = hl_undef("out_of_range");
        return;
    }
    *out = r->cells[row * r->nneed + col];
}

void hl_report_free(hl_report *r)
{
    if (!r)
        return;
    free(r->refs);
    free(r->names);
    free(r->labels);
    free(r->cells);
    free(r);
}

/* Index of name among the needed columns, adding it (resolved) when absent; -1 on error. */
static int need(hl_report *r, const hl_template_info *t, const char *name, hl_columns *cols,
                hl_error *err)
{
    for (size_t i = 0; i < r->nneed; i++)
        if (strcmp(r->names[i], name) == 0)
            return (int)i;
    hl__colref ref;
    if (hl__builtin_resolve(name, &ref) < 0 || ref.src == HL__SRC_DATE) {
        int k = hl_columns_find(cols, name);
        if (k < 0) {
            hl_error_set(err, HL_EINPUT, t->file, t->line, 0,
                         "report '%s': column '%s' is not a built-in column and no custom "
                         "column of that name is loaded",
                         t->name, name);
            return -1;
        }
        const hl_column_info *ci = hl_columns_info(cols, (size_t)k);
        ref = (hl__colref){HL__SRC_CUSTOM, k, ci->kind, ci->label};
    }
    r->refs[r->nneed] = ref;
    r->names[r->nneed] = name;
    return (int)r->nneed++;
}

static hl_status compute(const hl__colref *ref, const hl_agg_row *row, hl_columns *cols,
                         hl_report_cell *out, hl_error *err)
{
    out->text = NULL;
    out->val = hl_undef("missing");
    switch (ref->src) {
    case HL__SRC_TEXT:
        out->text = row->text[ref->index];
        break;
    case HL__SRC_DAYS:
        out->val = hl_v((double)row->days);
        break;
    case HL__SRC_COUNTER:
        if (row->present & (1u << ref->index))
            out->val = hl_v(row->v[ref->index]);
        break;
    case HL__SRC_METRIC: {
        double v;
        if (hl_metric_compute((hl_metric)ref->index, row->v, row->present, &v))
            out->val = hl_v(v);
        else
            out->val = hl_undef("undefined");
        break;
    }
    case HL__SRC_CUSTOM:
        return hl_columns_eval(cols, (size_t)ref->index, row, &out->val, err);
    case HL__SRC_DATE:
    case HL__SRC_EXTRA:
        break;
    }
    return HL_OK;
}

static int passes(const hl_template_filter *f, const hl_report_cell *c)
{
    if (f->is_text) {
        if (!c->text)
            return 0;
        switch (f->op) {
        case HL_OP_EQ:
            return strcmp(c->text, f->text) == 0;
        case HL_OP_NE:
            return strcmp(c->text, f->text) != 0;
        case HL_OP_CONTAINS:
            return strstr(c->text, f->text) != NULL;
        default:
            return 0;
        }
    }
    if (!c->val.ok)
        return 0;
    double v = c->val.v;
    switch (f->op) {
    case HL_OP_GE:
        return v >= f->num;
    case HL_OP_GT:
        return v > f->num;
    case HL_OP_LE:
        return v <= f->num;
    case HL_OP_LT:
        return v < f->num;
    case HL_OP_EQ:
        return v == f->num;
    case HL_OP_NE:
        return v != f->num;
    case HL_OP_CONTAINS:
        return 0;
    }
    return 0;
}

typedef struct sort_ctx {
    const hl_report *r;
    const int *keys; /* needed-column indices */
    const int *desc;
    size_t nkeys;
} sort_ctx;

static int cmp_rows(const sort_ctx *s, size_t a, size_t b)
{
    for (size_t k = 0; k < s->nkeys; k++) {
        const hl_report_cell *x = &s->r->cells[a * s->r->nneed + (size_t)s->keys[k]];
        const hl_report_cell *y = &s->r->cells[b * s->r->nneed + (size_t)s->keys[k]];
        int text = s->r->refs[s->keys[k]].kind == HL_COLUMN_TEXT;
        int xn = text ? x->text == NULL : !x->val.ok;
        int yn = text ? y->text == NULL : !y->val.ok;
        if (xn != yn)
            return xn ? 1 : -1; /* undefined last, whatever the direction */
        if (xn)
            continue;
        int c = text ? strcmp(x->text, y->text)
                     : (x->val.v < y->val.v ? -1 : x->val.v > y->val.v ? 1 : 0);
        if (c)
            return s->desc[k] ? -c : c;
    }
    return a < b ? -1 : a > b ? 1 : 0;
}

/* Stable merge sort of row indices (qsort has no context argument and is not stable). */
static void merge_sort(size_t *v, size_t *tmp, size_t n, const sort_ctx *s)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    merge_sort(v, tmp, h, s);
    merge_sort(v + h, tmp, n - h, s);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = cmp_rows(s, v[j], v[i]) < 0 ? v[j++] : v[i++];
    while (i < h)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

hl_status hl_report_build(const hl_template_info *t, const hl_agg *agg, hl_columns *cols,
                          hl_report **out, hl_error *err)
{
    *out = NULL;
    if (hl_agg_level(agg) != t->level)
        return hl_error_set(err, HL_EINPUT, t->file, t->line, 0,
                            "report '%s' is at level '%s' but the rows are at level '%s'",
                            t->name, hl_level_name(t->level), hl_level_name(hl_agg_level(agg)));
    hl_report *r = calloc(1, sizeof *r);
    size_t maxneed = t->ncolumns + t->nfilters + t->nsort;
    int *fidx = calloc(t->nfilters + 1, sizeof *fidx);
    int *sidx = calloc(t->nsort + 1, sizeof *sidx);
    int *sdesc = calloc(t->nsort + 1, sizeof *sdesc);
    unsigned char *done = calloc(maxneed + 1, 1);
    size_t *order = NULL, *tmp = NULL;
    hl_report_cell *rowbuf = calloc(maxneed + 1, sizeof *rowbuf);
    hl_status st = HL_OK;
    if (!r || !fidx || !sidx || !sdesc || !done || !rowbuf ||
        !(r->refs = calloc(maxneed, sizeof *r->refs)) ||
        !(r->names = calloc(maxneed, sizeof *r->names)) ||
        !(r->labels = calloc(t->ncolumns, sizeof *r->labels))) {
        st = hl_error_set(err, HL_EINTERNAL, t->file, 0, 0, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < t->ncolumns; i++) {
        if (need(r, t, t->columns[i], cols, err) < 0) {
            st = HL_EINPUT;
            goto out;
        }
        r->labels[i] = t->labels[i];
    }
    r->ncols = r->nneed;
    for (size_t i = 0; i < t->nfilters; i++)
        if ((fidx[i] = need(r, t, t->filters[i].column, cols, err)) < 0) {
            st = HL_EINPUT;
            goto out;
        }
    for (size_t i = 0; i < t->nsort; i++) {
        if ((sidx[i] = need(r, t, t->sort[i].column, cols, err)) < 0) {
            st = HL_EINPUT;
            goto out;
        }
        sdesc[i] = t->sort[i].desc;
    }
    size_t n = hl_agg_count(agg);
    for (size_t i = 0; i < n; i++) {
        const hl_agg_row *row = hl_agg_row_at(agg, i);
        memset(done, 0, r->nneed);
        int ok = 1;
        for (size_t f = 0; f < t->nfilters && ok; f++) {
            size_t k = (size_t)fidx[f];
            if (!done[k]) {
                if ((st = compute(&r->refs[k], row, cols, &rowbuf[k], err)) != HL_OK)
                    goto out;
                done[k] = 1;
            }
            ok = passes(&t->filters[f], &rowbuf[k]);
        }
        if (!ok)
            continue;
        for (size_t k = 0; k < r->nneed; k++)
            if (!done[k] && (st = compute(&r->refs[k], row, cols, &rowbuf[k], err)) != HL_OK)
                goto out;
        if (r->nrows == r->cap) {
            size_t nc = r->cap ? r->cap * 2 : 64;
            hl_report_cell *ncells = realloc(r->cells, nc * r->nneed * sizeof *ncells);
            if (!ncells) {
                st = hl_error_set(err, HL_EINTERNAL, t->file, 0, 0, "out of memory");
                goto out;
            }
            r->cells = ncells;
            r->cap = nc;
        }
        memcpy(&r->cells[r->nrows * r->nneed], rowbuf, r->nneed * sizeof *rowbuf);
        r->nrows++;
    }
    r->matched = r->nrows;

    if (t->nsort && r->nrows > 1) {
        order = malloc(r->nrows * sizeof *order);
        tmp = malloc(r->nrows * sizeof *tmp);
        hl_report_cell *sorted = malloc(r->nrows * r->nneed * sizeof *sorted);
        if (!order || !tmp || !sorted) {
            free(sorted);
            st = hl_error_set(err, HL_EINTERNAL, t->file, 0, 0, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < r->nrows; i++)
            order[i] = i;
        sort_ctx sc = {r, sidx, sdesc, t->nsort};
        merge_sort(order, tmp, r->nrows, &sc);
        for (size_t i = 0; i < r->nrows; i++)
            memcpy(&sorted[i * r->nneed], &r->cells[order[i] * r->nneed],
                   r->nneed * sizeof *sorted);
        free(r->cells);
        r->cells = sorted;
        r->cap = r->nrows;
    }
    if (t->limit && r->nrows > t->limit)
        r->nrows = t->limit;
out:
    free(fidx);
    free(sidx);
    free(sdesc);
    free(done);
    free(rowbuf);
    free(order);
    free(tmp);
    if (st != HL_OK) {
        hl_report_free(r);
        return st;
    }
    *out = r;
    return HL_OK;
}
