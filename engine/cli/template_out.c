/*
 * template_out.c — the seed's report templates (Creative Performance, Funnel Analysis) and the
 * user's, rendered into the run's output directory beside report.html, so the morning's
 * standard views arrive with the briefs: report-<name>.html for people, report-<name>.csv
 * (formula injection neutralised) for spreadsheets. Built before anything is written, so a
 * broken template fails the run without touching the previous outputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/template_out.h"

hl_colkind hl_cli_report_colkind(hl_column_kind k)
{
    switch (k) {
    case HL_COLUMN_TEXT:
        return HL_CK_TEXT;
    case HL_COLUMN_COUNT:
        return HL_CK_COUNT;
    case HL_COLUMN_MONEY:
        return HL_CK_MONEY;
    case HL_COLUMN_PROPORTION:
        return HL_CK_PROPORTION;
    case HL_COLUMN_RATIO:
        return HL_CK_RATIO;
    default:
        return HL_CK_NUMBER;
    }
}

void hl_cli_report_cell(void *ud, size_t row, size_t col, hl_cellval *out)
{
    const hl_report *r = ud;
    hl_report_cell c;
    hl_report_cell_at(r, row, col, &c);
    if (hl_report_column_kind(r, col) == HL_COLUMN_TEXT) {
        out->text = c.text;
        out->is_null = c.text == NULL;
        out->num = 0;
    } else {
        out->text = NULL;
        out->is_null = !c.val.ok;
        out->num = c.val.ok ? c.val.v : 0;
    }
}

/* One rendered template: what its two writers need. */
typedef struct tpl_out {
    const hl_template_info *ti;
    hl_report *rep;
    char window[200];
    char html_name[160], csv_name[160];
    const char **names;
    hl_colkind *kinds;
} tpl_out;

struct hl_cli_tplout {
    hl_columns *cols;
    hl_templates *tpl;
    hl_agg *agg[HL_LEVEL_ADVERTISER + 1];
    tpl_out *t;
    size_t n;
    hl_run_file files[HL_RUN_MAX_MORE];
    size_t nfiles;
};

static int write_html(FILE *f, void *ud)
{
    const tpl_out *o = ud;
    char sub[2400];
    snprintf(sub, sizeof sub, "%s%s%s", o->window, o->ti->description ? " \xC2\xB7 " : "",
             o->ti->description ? o->ti->description : "");
    return hl_report_write_html(f, o->rep, o->ti->title, sub) ? -1 : 0;
}

static int write_csv(FILE *f, void *ud)
{
    const tpl_out *o = ud;
    hl_tab tab = {hl_report_column_count(o->rep), hl_report_row_count(o->rep), o->names,
                  o->kinds, hl_cli_report_cell, o->rep};
    return hl_tab_write(f, &tab, HL_FMT_CSV, 0) ? -1 : 0;
}

static int readable(const char *path)
{
    return path && access(path, R_OK) == 0;
}

void hl_cli_tplout_free(hl_cli_tplout *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n; i++) {
        hl_report_free(o->t[i].rep);
        free(o->t[i].names);
        free(o->t[i].kinds);
    }
    free(o->t);
    for (int l = 0; l <= HL_LEVEL_ADVERTISER; l++)
        hl_agg_free(o->agg[l]);
    hl_templates_free(o->tpl);
    hl_columns_free(o->cols);
    free(o);
}

hl_columns *hl_cli_tplout_columns(const hl_cli_tplout *o)
{
    return o ? o->cols : NULL;
}

const hl_run_file *hl_cli_tplout_files(const hl_cli_tplout *o, size_t *n)
{
    *n = o ? o->nfiles : 0;
    return o ? o->files : NULL;
}

hl_status hl_cli_tplout_build(hl_table *t, const hl_ingest *ing, const hl_config *cfg,
                              int32_t from, int32_t to, hl_cli_tplout **out, hl_error *err)
{
    *out = NULL;
    hl_cli_tplout *o = calloc(1, sizeof *o);
    if (!o)
        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
    hl_status st = HL_OK;
    const char *colfile = cfg->columns_file[0] ? cfg->columns_file : NULL;
    if (!colfile && readable(hl_columns_default_file()))
        colfile = hl_columns_default_file();
    if (colfile && (st = hl_columns_load(colfile, NULL, &o->cols, err)) != HL_OK)
        goto fail;
    const char *dirs[2];
    size_t ndirs = 0;
    if (readable(hl_templates_default_dir()))
        dirs[ndirs++] = hl_templates_default_dir();
    if (cfg->reports_dir[0])
        dirs[ndirs++] = cfg->reports_dir;
    if ((st = hl_templates_load(dirs, ndirs, o->cols, &o->tpl, err)) != HL_OK)
        goto fail;
    /* the input's own columns (not TikTok's), for templates and columns that name them */
    size_t nx = ing ? hl_ingest_extra_count(ing) : 0;
    const char **xn = malloc((nx ? nx : 1) * sizeof *xn);
    if (!xn) {
        st = hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < nx; i++)
        xn[i] = hl_ingest_extra_name(ing, i);
    st = hl_table_extra_count(t) ? HL_OK : hl_table_set_extra_names(t, xn, nx);
    if (st == HL_OK && o->cols)
        st = hl_columns_set_extra_names(o->cols, xn, nx);
    free(xn);
    if (st != HL_OK) {
        st = hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
        goto fail;
    }
    size_t nt = hl_templates_count(o->tpl);
    if (nt > HL_RUN_MAX_MORE / 2)
        nt = HL_RUN_MAX_MORE / 2; /* name order: the first ones */
    o->t = calloc(nt ? nt : 1, sizeof *o->t);
    if (!o->t) {
        st = hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
        goto fail;
    }
    char dfrom[11], dto[11];
    hl_format_date(from, dfrom);
    hl_format_date(to, dto);
    for (size_t i = 0; i < nt; i++) {
        tpl_out *x = &o->t[o->n];
        x->ti = hl_templates_info(o->tpl, i);
        hl_level lv = x->ti->level;
        if (!o->agg[lv] &&
            (st = hl_table_aggregate(t, lv, from, to, 0, &o->agg[lv], err)) != HL_OK)
            goto fail;
        if ((st = hl_report_build(x->ti, o->agg[lv], o->cols, &x->rep, err)) != HL_OK)
            goto fail;
        o->n++;
        size_t nc = hl_report_column_count(x->rep);
        x->names = malloc((nc ? nc : 1) * sizeof *x->names);
        x->kinds = malloc((nc ? nc : 1) * sizeof *x->kinds);
        if (!x->names || !x->kinds) {
            st = hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
            goto fail;
        }
        for (size_t c = 0; c < nc; c++) {
            x->names[c] = hl_report_column_name(x->rep, c);
            x->kinds[c] = hl_cli_report_colkind(hl_report_column_kind(x->rep, c));
        }
        snprintf(x->window, sizeof x->window, "%s level, %s to %s", hl_level_name(lv), dfrom,
                 dto);
        /* template names are checked identifiers; the file name is safe */
        snprintf(x->html_name, sizeof x->html_name, "report-%.100s.html", x->ti->name);
        snprintf(x->csv_name, sizeof x->csv_name, "report-%.100s.csv", x->ti->name);
        o->files[o->nfiles++] = (hl_run_file){x->html_name, write_html, x};
        o->files[o->nfiles++] = (hl_run_file){x->csv_name, write_csv, x};
    }
    *out = o;
    return HL_OK;
fail:
    hl_cli_tplout_free(o);
    return st;
}
