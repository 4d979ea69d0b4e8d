/*
 * cmd_metrics.c — `hookline metrics`: ingest any mix of exports and API reports, aggregate to a
 * level over a window, and print counters and metrics (DESIGN.md §4) as a table, CSV, JSON or
 * Markdown. Nothing is written unless everything was read: bad input exits 2 before --output
 * is touched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/tabular.h"
#include "cli/template_out.h"
#include "hookline/columns.h"
#include "hookline/config.h"
#include "hookline/ingest.h"
#include "hookline/metrics.h"
#include "hookline/output.h"
#include "hookline/table.h"

static const hl_cli_opt opts[] = {
    {"input", 'i', HL_ARG_LIST, "FILE", "TikTok export (CSV) or API report (JSON, JSON lines)"},
    {"level", 'l', HL_ARG_VALUE, "LEVEL", "ad (default), adgroup, campaign or advertiser"},
    {"by-day", 0, HL_ARG_FLAG, NULL, "one row per entity and date"},
    {"from", 0, HL_ARG_VALUE, "DATE", "first date of the window (YYYY-MM-DD)"},
    {"to", 0, HL_ARG_VALUE, "DATE", "last date of the window"},
    {"last", 0, HL_ARG_VALUE, "N", "the last N days up to --as-of"},
    {"as-of", 0, HL_ARG_VALUE, "DATE", "end of --last (default: the last date in the data)"},
    {"columns", 'c', HL_ARG_VALUE, "A,B,...", "columns after the level's ids and names"},
    {"sort", 's', HL_ARG_VALUE, "COL[:desc]", "sort rows by a column (nulls last)"},
    {"format", 'f', HL_ARG_VALUE, "FMT", "table (default), csv, json or md"},
    {"output", 'o', HL_ARG_VALUE, "FILE", "write there (atomically) instead of stdout"},
    {"strict", 0, HL_ARG_FLAG, NULL, "funnel inconsistencies are errors, not warnings"},
    {"columns-file", 0, HL_ARG_VALUE, "FILE", "custom columns (default: scripts/columns.lua)"},
    {"config", 0, HL_ARG_VALUE, "FILE", "hookline.lua (columns.file)"},
    {"timings", 0, HL_ARG_FLAG, NULL, "print each stage's wall and CPU time on stderr"},
};
#define NOPTS (sizeof opts / sizeof opts[0])

static const char usage[] =
    "--input FILE... [--level ad|adgroup|campaign|advertiser] [--by-day]\n"
    "       [--from D --to D | --last N [--as-of D]] [--columns a,b,c] [--sort COL[:desc]]\n"
    "       [--format table|csv|json|md] [--output FILE] [--strict]\n"
    "       [--columns-file FILE] [--config FILE] [--timings]\n"
    "\n"
    "Reads TikTok Ads Manager exports and Marketing API reports (any mix; a later file replaces\n"
    "the same ad and date from an earlier one) and prints counters and metrics per ad, ad group,\n"
    "campaign or advertiser. Metrics: ctr = clicks/impressions, cpc, cpm, cvr = conversions/clicks,\n"
    "cpa, roas, hook_rate = views_2s/impressions, view_rate_6s, hold_rate = views_6s/views_2s,\n"
    "play_rate, completion_rate, view_rate_p25..p100, frequency, cost_per_landing_page_view,\n"
    "cost_per_add_to_cart. Undefined values (division by zero, missing data) print empty/null.\n"
    "Custom columns (Lua formulas, scripts/columns.lua or --columns-file or columns.file in the\n"
    "config; see scripts/SCRIPTING.md) can be named in --columns and --sort.";

/* Output columns. */
typedef enum colsrc {
    SRC_TEXT,
    SRC_DATE,
    SRC_DAYS,
    SRC_COUNTER,
    SRC_METRIC,
    SRC_EXTRA,
    SRC_CUSTOM
} colsrc;

typedef struct outcol {
    const char *name;
    colsrc src;
    int index;
    hl_colkind kind;
} outcol;

typedef struct view {
    const hl_agg *agg;
    const outcol *cols;
    size_t *order; /* row order after --sort */
    char (*dates)[11];
    const hl_val *custom; /* per aggregated row: ncustom custom column values */
    size_t ncustom;
} view;

static void get_cell(void *ud, size_t r, size_t c, hl_cellval *out)
{
    const view *v = ud;
    const hl_agg_row *row = hl_agg_row_at(v->agg, v->order[r]);
    const outcol *oc = &v->cols[c];
    out->is_null = 0;
    out->text = NULL;
    out->num = 0;
    switch (oc->src) {
    case SRC_TEXT:
        out->text = row->text[oc->index];
        out->is_null = out->text == NULL;
        break;
    case SRC_DATE:
        out->text = v->dates[v->order[r]];
        out->is_null = row->day < 0;
        break;
    case SRC_DAYS:
        out->num = row->days;
        break;
    case SRC_COUNTER:
        out->is_null = !(row->present & (1u << oc->index));
        out->num = row->v[oc->index];
        break;
    case SRC_METRIC:
        out->is_null = !hl_metric_compute((hl_metric)oc->index, row->v, row->present, &out->num);
        break;
    case SRC_EXTRA:
        out->is_null = !row->extra_present[oc->index];
        out->num = row->extra[oc->index];
        break;
    case SRC_CUSTOM: {
        const hl_val *cv = &v->custom[v->order[r] * v->ncustom + (size_t)oc->index];
        out->is_null = !cv->ok;
        out->num = cv->ok ? cv->v : 0;
        break;
    }
    }
}

/* Does a --columns or --sort spec name something that is not built in (nor an extra column)? */
static int names_custom(const char *spec, const hl_table *t)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", spec ? spec : "");
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        while (*tok == ' ')
            tok++;
        char *end = tok + strcspn(tok, ": ");
        *end = '\0';
        if (!*tok || hl_columns_builtin(tok))
            continue;
        int extra = 0;
        for (size_t i = 0; i < hl_table_extra_count(t) && !extra; i++)
            extra = strcmp(hl_table_extra_name(t, i), tok) == 0;
        if (!extra)
            return 1;
    }
    return 0;
}

/* Evaluates the custom columns shown or sorted on, for every row, before anything is printed:
 * a formula error exits 2 with nothing written. */
static hl_status eval_custom(hl_columns *cc, const hl_agg *agg, const outcol *cols, size_t ncols,
                             const char *sortname, hl_val **out, hl_error *err)
{
    size_t nc = hl_columns_count(cc), nr = hl_agg_count(agg);
    hl_val *m = malloc((nr * nc > 0 ? nr * nc : 1) * sizeof *m);
    unsigned char *need = calloc(nc ? nc : 1, 1);
    if (!m || !need) {
        free(m);
        free(need);
        return hl_error_set(err, HL_EINTERNAL, "", 0, 0, "out of memory");
    }
    for (size_t i = 0; i < ncols; i++)
        if (cols[i].src == SRC_CUSTOM)
            need[cols[i].index] = 1;
    int si = sortname ? hl_columns_find(cc, sortname) : -1;
    if (si >= 0)
        need[si] = 1;
    hl_status st = HL_OK;
    for (size_t r = 0; r < nr && st == HL_OK; r++)
        for (size_t k = 0; k < nc && st == HL_OK; k++) {
            m[r * nc + k] = hl_undef("not_evaluated");
            if (need[k])
                st = hl_columns_eval(cc, k, hl_agg_row_at(agg, r), &m[r * nc + k], err);
        }
    free(need);
    if (st != HL_OK) {
        free(m);
        return st;
    }
    *out = m;
    return HL_OK;
}

static hl_colkind metric_kind(hl_metric m)
{
    switch (hl_metric_info(m)->kind) {
    case HL_MK_PROPORTION:
        return HL_CK_PROPORTION;
    case HL_MK_MONEY:
        return HL_CK_MONEY;
    default:
        return HL_CK_RATIO;
    }
}

/* The level's id and name columns, in the order of the JSON contract. */
static size_t level_columns(hl_level level, outcol *cols)
{
    static const hl_field order[4][9] = {
        {HL_F_AD_ID, HL_F_AD_NAME, HL_F_ADGROUP_ID, HL_F_ADGROUP_NAME, HL_F_CAMPAIGN_ID,
         HL_F_CAMPAIGN_NAME, HL_F_ADVERTISER_ID, HL_F_ADVERTISER_NAME, HL_F_CURRENCY},
        {HL_F_ADGROUP_ID, HL_F_ADGROUP_NAME, HL_F_CAMPAIGN_ID, HL_F_CAMPAIGN_NAME,
         HL_F_ADVERTISER_ID, HL_F_ADVERTISER_NAME, HL_F_CURRENCY, HL_NFIELDS, HL_NFIELDS},
        {HL_F_CAMPAIGN_ID, HL_F_CAMPAIGN_NAME, HL_F_ADVERTISER_ID, HL_F_ADVERTISER_NAME,
         HL_F_CURRENCY, HL_NFIELDS, HL_NFIELDS, HL_NFIELDS, HL_NFIELDS},
        {HL_F_ADVERTISER_ID, HL_F_ADVERTISER_NAME, HL_F_CURRENCY, HL_NFIELDS, HL_NFIELDS,
         HL_NFIELDS, HL_NFIELDS, HL_NFIELDS, HL_NFIELDS},
    };
    size_t n = 0;
    for (int i = 0; i < 9 && order[level][i] != HL_NFIELDS; i++) {
        cols[n].name = hl_field_name(order[level][i]);
        cols[n].src = SRC_TEXT;
        cols[n].index = order[level][i];
        cols[n].kind = HL_CK_TEXT;
        n++;
    }
    return n;
}

/* Every column a row can have after the level's own, in contract order. */
static size_t value_columns(const hl_table *t, int by_day, outcol *cols)
{
    size_t n = 0;
    if (by_day)
        cols[n++] = (outcol){"date", SRC_DATE, 0, HL_CK_TEXT};
    cols[n++] = (outcol){"days", SRC_DAYS, 0, HL_CK_COUNT};
    for (int c = 0; c < HL_NCOUNTERS; c++)
        cols[n++] = (outcol){hl_counter_name((hl_counter)c), SRC_COUNTER, c,
                             c == HL_C_SPEND || c == HL_C_PURCHASE_VALUE ? HL_CK_MONEY
                                                                         : HL_CK_COUNT};
    for (int m = 0; m < HL_NMETRICS; m++)
        cols[n++] = (outcol){hl_metric_info((hl_metric)m)->name, SRC_METRIC, m,
                             metric_kind((hl_metric)m)};
    for (size_t x = 0; x < hl_table_extra_count(t); x++)
        cols[n++] = (outcol){hl_table_extra_name(t, x), SRC_EXTRA, (int)x, HL_CK_NUMBER};
    return n;
}

static int parse_date_opt(const char *opt, const char *s, int32_t *day)
{
    const char *why;
    if (hl_parse_date(s, strlen(s), day, &why) < 0) {
        hl_cli_errorf("metrics: --%s: %s ('%s')", opt, why, s);
        return -1;
    }
    return 0;
}

/* Sorting: by one column, nulls last in either direction, ties in natural order. */
typedef struct sort_item {
    size_t row;
    int is_null;
    double num;
    const char *text;
} sort_item;

static int sort_desc;
static int cmp_items(const void *a, const void *b)
{
    const sort_item *x = a, *y = b;
    if (x->is_null != y->is_null)
        return x->is_null ? 1 : -1;
    int c = 0;
    if (!x->is_null) {
        if (x->text || y->text)
            c = strcmp(x->text ? x->text : "", y->text ? y->text : "");
        else
            c = x->num < y->num ? -1 : x->num > y->num ? 1 : 0;
        if (sort_desc)
            c = -c;
    }
    if (c == 0)
        c = x->row < y->row ? -1 : x->row > y->row ? 1 : 0;
    return c;
}

static int find_col(const outcol *cols, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(cols[i].name, name) == 0)
            return (int)i;
    return -1;
}

static void unknown_column(const char *what, const char *name, const outcol *cols, size_t n)
{
    const char *names[128];
    size_t k = n < 128 ? n : 128;
    for (size_t i = 0; i < k; i++)
        names[i] = cols[i].name;
    const char *s = hl_cli_suggest(name, names, k);
    if (s)
        hl_cli_errorf("metrics: %s: unknown column '%s' (did you mean '%s'?)", what, name, s);
    else
        hl_cli_errorf("metrics: %s: unknown column '%s'; see 'hookline metrics --help'", what,
                      name);
}

typedef struct ingest_ctx {
    hl_table *table;
    int has_window;
    int32_t from, to;
} ingest_ctx;

/* Rows outside a window known in advance are dropped as they stream in, so memory follows the
 * window, not the file. */
static hl_status keep_row(void *ud, const hl_row *row, hl_error *err)
{
    ingest_ctx *x = ud;
    if (x->has_window && (row->day < x->from || row->day > x->to))
        return HL_OK;
    return hl_table_add(x->table, row, err);
}

int hl_cli_metrics(int argc, char **argv)
{
    hl_cli_args a;
    int rc = hl_cli_parse(argc, argv, "metrics", usage, opts, NOPTS, &a);
    if (rc == 1)
        return 0;
    if (rc)
        return rc;

    hl_ingest *ing = NULL;
    hl_table *table = NULL;
    hl_agg *agg = NULL;
    outcol *cols = NULL, *allcols = NULL;
    size_t *order = NULL;
    sort_item *items = NULL;
    char(*dates)[11] = NULL;
    hl_atomic_file *af = NULL;
    hl_columns *custom = NULL;
    hl_val *cvals = NULL;
    hl_error err;
    memset(&err, 0, sizeof err);
    rc = HL_EINPUT;

    size_t ninputs;
    const char *const *inputs = hl_cli_list(&a, "input", &ninputs);
    if (a.npos > 0) {
        hl_cli_errorf("metrics: unexpected argument '%s' (input files go after --input)", a.pos[0]);
        goto out;
    }
    if (ninputs == 0) {
        hl_cli_errorf("metrics: --input FILE is required; see 'hookline metrics --help'");
        goto out;
    }
    hl_level level = HL_LEVEL_AD;
    const char *lv = hl_cli_get(&a, "level");
    if (lv && hl_level_from_name(lv, &level) < 0) {
        hl_cli_errorf("metrics: --level: unknown level '%s' (ad, adgroup, campaign, advertiser)", lv);
        goto out;
    }
    hl_fmt fmt = HL_FMT_TABLE;
    const char *fs = hl_cli_get(&a, "format");
    if (fs && hl_fmt_from_name(fs, &fmt) < 0) {
        hl_cli_errorf("metrics: --format: unknown format '%s' (table, csv, json, md)", fs);
        goto out;
    }
    const int by_day = hl_cli_flag(&a, "by-day");
    hl_config cfg;
    hl_config_defaults(&cfg);
    const char *cfgpath = hl_cli_get(&a, "config");
    if (cfgpath && hl_config_load(&cfg, cfgpath, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }

    /* Window. */
    const char *sfrom = hl_cli_get(&a, "from"), *sto = hl_cli_get(&a, "to");
    const char *slast = hl_cli_get(&a, "last"), *sasof = hl_cli_get(&a, "as-of");
    int32_t from = INT32_MIN, to = INT32_MAX;
    long last = 0;
    if (slast && (sfrom || sto)) {
        hl_cli_errorf("metrics: use either --from/--to or --last N [--as-of D], not both");
        goto out;
    }
    if (sfrom && parse_date_opt("from", sfrom, &from) < 0)
        goto out;
    if (sto && parse_date_opt("to", sto, &to) < 0)
        goto out;
    if (sfrom && sto && from > to) {
        hl_cli_errorf("metrics: --from %s is after --to %s", sfrom, sto);
        goto out;
    }
    int32_t asof = 0;
    if (sasof && parse_date_opt("as-of", sasof, &asof) < 0)
        goto out;
    if (slast) {
        char *end;
        last = strtol(slast, &end, 10);
        if (*end || last < 1 || last > 100000) {
            hl_cli_errorf("metrics: --last: expected a number of days >= 1 ('%s')", slast);
            goto out;
        }
    }
    if (sasof && !slast) {
        if (sto) {
            hl_cli_errorf("metrics: --as-of goes with --last N; with --from/--to use --to");
            goto out;
        }
        to = asof;
    }

    hl_cli_timer tm;
    hl_cli_timer_start(&tm, hl_cli_flag(&a, "timings"));
    hl_ingest_opts iopts = {.strict = hl_cli_flag(&a, "strict"), .max_record = 0};
    ing = hl_ingest_new(&iopts);
    table = hl_table_new();
    if (!ing || !table) {
        hl_cli_errorf("out of memory");
        rc = HL_EINTERNAL;
        goto out;
    }
    ingest_ctx ictx = {table, 0, from, to};
    if (slast && sasof) {
        ictx.has_window = 1;
        ictx.to = asof;
        ictx.from = asof - (int32_t)last + 1;
    } else if (!slast) {
        ictx.has_window = sfrom || sto || sasof;
    }
    for (size_t i = 0; i < ninputs; i++) {
        hl_status st = hl_ingest_file(ing, inputs[i], keep_row, &ictx, &err);
        if (st != HL_OK) {
            rc = hl_cli_report(&err);
            goto out;
        }
        size_t ov = hl_table_take_overrides(table);
        if (ov)
            hl_cli_warnf("%zu (ad, date) row%s of %s override earlier files", ov,
                         ov == 1 ? "" : "s", inputs[i]);
    }
    for (size_t i = 0; i < hl_ingest_warning_count(ing); i++)
        hl_cli_warnf("%s", hl_ingest_warning(ing, i));
    {
        size_t nx = hl_ingest_extra_count(ing);
        const char **xn = malloc((nx ? nx : 1) * sizeof *xn);
        if (!xn) {
            rc = HL_EINTERNAL;
            goto out;
        }
        for (size_t i = 0; i < nx; i++)
            xn[i] = hl_ingest_extra_name(ing, i);
        hl_status st = hl_table_set_extra_names(table, xn, nx);
        free(xn);
        if (st != HL_OK) {
            rc = HL_EINTERNAL;
            goto out;
        }
    }

    hl_cli_timer_lap(&tm, "ingest");

    /* Resolve the window against the data. */
    int32_t first, lastday;
    int have_data = hl_table_date_range(table, &first, &lastday) == 0;
    if (slast) {
        int32_t end = sasof ? asof : (have_data ? lastday : 0);
        to = end;
        from = end - (int32_t)last + 1;
    } else {
        if (from == INT32_MIN)
            from = have_data ? first : 0;
        if (to == INT32_MAX)
            to = have_data ? lastday : 0;
    }

    if (hl_table_aggregate(table, level, from, to, by_day, &agg, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    hl_cli_timer_lap(&tm, "aggregate");

    /* Custom columns: the file given (--columns-file, columns.file), else the bundled one when
     * --columns or --sort name a column that is not built in. */
    {
        const char *cf = hl_cli_get(&a, "columns-file");
        if (!cf && cfg.columns_file[0])
            cf = cfg.columns_file;
        if (!cf && (names_custom(hl_cli_get(&a, "columns"), table) ||
                    names_custom(hl_cli_get(&a, "sort"), table)) &&
            access(hl_columns_default_file(), R_OK) == 0)
            cf = hl_columns_default_file();
        if (cf && hl_columns_load(cf, NULL, &custom, &err) != HL_OK) {
            rc = hl_cli_report(&err);
            goto out;
        }
        size_t nx = hl_table_extra_count(table);
        const char **xn = malloc((nx ? nx : 1) * sizeof *xn);
        if (!xn) {
            rc = HL_EINTERNAL;
            goto out;
        }
        for (size_t i = 0; i < nx; i++)
            xn[i] = hl_table_extra_name(table, i);
        hl_status st = custom ? hl_columns_set_extra_names(custom, xn, nx) : HL_OK;
        free(xn);
        if (st != HL_OK) {
            rc = HL_EINTERNAL;
            goto out;
        }
    }

    /* Columns. */
    size_t maxcols = 16 + HL_NCOUNTERS + HL_NMETRICS + hl_table_extra_count(table) +
                     hl_columns_count(custom);
    allcols = calloc(maxcols, sizeof *allcols);
    cols = calloc(maxcols, sizeof *cols);
    if (!allcols || !cols) {
        rc = HL_EINTERNAL;
        goto out;
    }
    size_t nlevel = level_columns(level, allcols);
    size_t nall = nlevel + value_columns(table, by_day, allcols + nlevel);
    for (size_t k = 0; k < hl_columns_count(custom); k++) {
        const hl_column_info *ci = hl_columns_info(custom, k);
        if (find_col(allcols, nall, ci->name) < 0)
            allcols[nall++] = (outcol){ci->name, SRC_CUSTOM, (int)k, hl_cli_report_colkind(ci->kind)};
    }
    size_t ncols = 0;
    const char *colspec = hl_cli_get(&a, "columns");
    if (colspec || fmt == HL_FMT_TABLE) {
        /* A table shows the entity's own id and name (and the date), then the chosen columns. */
        if (fmt == HL_FMT_TABLE && !colspec) {
            cols[ncols++] = allcols[1];
            cols[ncols++] = allcols[0];
        } else {
            for (size_t i = 0; i < nlevel; i++)
                cols[ncols++] = allcols[i];
        }
        if (by_day)
            cols[ncols++] = allcols[nlevel];
        static const char default_spec[] =
            "spend,impressions,clicks,conversions,ctr,cvr,cpa,roas,hook_rate,hold_rate";
        char *spec = strdup(colspec ? colspec : default_spec);
        if (!spec) {
            rc = HL_EINTERNAL;
            goto out;
        }
        for (char *tok = strtok(spec, ","); tok; tok = strtok(NULL, ",")) {
            while (*tok == ' ')
                tok++;
            size_t tl = strlen(tok);
            while (tl && tok[tl - 1] == ' ')
                tok[--tl] = '\0';
            if (!*tok)
                continue;
            int k = find_col(allcols, nall, tok);
            if (k < 0) {
                unknown_column("--columns", tok, allcols, nall);
                free(spec);
                goto out;
            }
            if (find_col(cols, ncols, tok) < 0 && ncols < maxcols)
                cols[ncols++] = allcols[k];
        }
        free(spec);
    } else {
        memcpy(cols, allcols, nall * sizeof *cols);
        ncols = nall;
    }

    /* Rows and order. */
    size_t nrows = hl_agg_count(agg);
    order = malloc((nrows ? nrows : 1) * sizeof *order);
    dates = malloc((nrows ? nrows : 1) * sizeof *dates);
    if (!order || !dates) {
        rc = HL_EINTERNAL;
        goto out;
    }
    for (size_t i = 0; i < nrows; i++) {
        order[i] = i;
        const hl_agg_row *r = hl_agg_row_at(agg, i);
        if (r->day >= 0)
            hl_format_date(r->day, dates[i]);
        else
            dates[i][0] = '\0';
    }
    view vw = {agg, allcols, order, dates, NULL, hl_columns_count(custom)};
    const char *sortspec = hl_cli_get(&a, "sort");
    if (custom) {
        char sname[128];
        snprintf(sname, sizeof sname, "%s", sortspec ? sortspec : "");
        sname[strcspn(sname, ":")] = '\0';
        if (eval_custom(custom, agg, cols, ncols, sname, &cvals, &err) != HL_OK) {
            rc = hl_cli_report(&err);
            goto out;
        }
        vw.custom = cvals;
    }
    if (sortspec) {
        char sname[128];
        snprintf(sname, sizeof sname, "%s", sortspec);
        char *colon = strchr(sname, ':');
        sort_desc = 0;
        if (colon) {
            *colon = '\0';
            if (strcmp(colon + 1, "desc") == 0)
                sort_desc = 1;
            else if (strcmp(colon + 1, "asc") != 0) {
                hl_cli_errorf("metrics: --sort: expected COL, COL:asc or COL:desc ('%s')",
                              sortspec);
                goto out;
            }
        }
        int k = find_col(allcols, nall, sname);
        if (k < 0) {
            unknown_column("--sort", sname, allcols, nall);
            goto out;
        }
        items = malloc((nrows ? nrows : 1) * sizeof *items);
        if (!items) {
            rc = HL_EINTERNAL;
            goto out;
        }
        for (size_t i = 0; i < nrows; i++) {
            hl_cellval cv;
            get_cell(&vw, i, (size_t)k, &cv);
            items[i].row = i;
            items[i].is_null = cv.is_null;
            items[i].num = cv.num;
            items[i].text = allcols[k].kind == HL_CK_TEXT ? cv.text : NULL;
        }
        qsort(items, nrows, sizeof *items, cmp_items);
        for (size_t i = 0; i < nrows; i++)
            order[i] = items[i].row;
    }

    /* Print. */
    const char **names = malloc(ncols * sizeof *names);
    hl_colkind *kinds = malloc(ncols * sizeof *kinds);
    if (!names || !kinds) {
        free(names);
        free(kinds);
        rc = HL_EINTERNAL;
        goto out;
    }
    for (size_t i = 0; i < ncols; i++) {
        names[i] = cols[i].name;
        kinds[i] = cols[i].kind;
    }
    vw.cols = cols;
    hl_tab tab = {ncols, nrows, names, kinds, get_cell, &vw};

    const char *outpath = hl_cli_get(&a, "output");
    FILE *f = stdout;
    if (outpath) {
        af = hl_atomic_open(outpath, &err);
        if (!af) {
            free(names);
            free(kinds);
            rc = hl_cli_report(&err);
            goto out;
        }
        f = hl_atomic_stream(af);
    }
    /* Reach summed over days counts a person once per day: say so wherever it is shown. */
    int caveat = (to > from) && !by_day && find_col(cols, ncols, "reach") + find_col(cols, ncols, "frequency") > -2;
    static const char caveat_text[] =
        "reach is not additive across days: over a multi-day window 'reach' is the sum of daily "
        "reach (an upper bound of unique reach) and 'frequency' = impressions / that sum (a lower "
        "bound)";
    char dfrom[11], dto[11];
    hl_format_date(from, dfrom);
    hl_format_date(to, dto);
    int werr = 0;
    if (fmt == HL_FMT_JSON) {
        fputs("{\"level\": ", f);
        hl_json_string(f, hl_level_name(level));
        fputs(", \"from\": ", f);
        if (have_data)
            hl_json_string(f, dfrom);
        else
            fputs("null", f);
        fputs(", \"to\": ", f);
        if (have_data)
            hl_json_string(f, dto);
        else
            fputs("null", f);
        fputs(", \"caveats\": [", f);
        if (caveat)
            hl_json_string(f, caveat_text);
        fputs("],\n \"rows\": ", f);
        werr = hl_tab_write(f, &tab, fmt, 0);
        fputs("}\n", f);
    } else {
        werr = hl_tab_write(f, &tab, fmt, outpath ? 0 : hl_terminal_width());
        if (caveat && (fmt == HL_FMT_TABLE || fmt == HL_FMT_MD))
            fprintf(f, "\n%s%s\n", fmt == HL_FMT_MD ? "_Note:_ " : "note: ", caveat_text);
    }
    free(names);
    free(kinds);
    if (werr || ferror(f)) {
        int e = errno; /* the failed write's reason (ENOSPC, EIO, ...) */
        if (af) {
            hl_atomic_fail(af, e, &err);
            af = NULL;
            rc = hl_cli_report(&err);
        } else {
            hl_cli_errorf("metrics: cannot write to standard output: %s", strerror(e ? e : EIO));
            rc = HL_EEXTERNAL;
        }
        goto out;
    }
    if (af) {
        hl_status st = hl_atomic_commit(af, &err);
        af = NULL;
        if (st != HL_OK) {
            rc = hl_cli_report(&err);
            goto out;
        }
    } else if (fflush(stdout) != 0) {
        rc = HL_EEXTERNAL;
        goto out;
    }
    hl_cli_timer_lap(&tm, "output");
    hl_cli_timer_end(&tm);
    rc = 0;
out:
    hl_atomic_abort(af);
    free(cvals);
    hl_columns_free(custom);
    free(items);
    free(order);
    free(dates);
    free(cols);
    free(allcols);
    hl_agg_free(agg);
    hl_table_free(table);
    hl_ingest_free(ing);
    hl_cli_args_free(&a);
    return rc;
}
