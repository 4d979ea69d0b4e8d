/*
 * cmd_report.c — `hookline report`: apply a report template (the Lua files of scripts/reports/
 * plus the user's directory) to exports and API reports, and print it as an aligned table, CSV
 * (formula injection neutralised), Markdown, a self-contained HTML page or JSON. `--list` lists
 * the templates. Templates and custom columns are validated before any input is read; nothing
 * is written unless the whole report could be built.
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
#include "hookline/output.h"
#include "hookline/table.h"

static const hl_cli_opt opts[] = {
    {"template", 't', HL_ARG_VALUE, "NAME", "the report template (see --list)"},
    {"input", 'i', HL_ARG_LIST, "FILE", "TikTok export (CSV) or API report (JSON, JSON lines)"},
    {"templates", 0, HL_ARG_VALUE, "DIR", "your templates, beside the bundled scripts/reports"},
    {"columns-file", 0, HL_ARG_VALUE, "FILE", "custom columns (default: scripts/columns.lua)"},
    {"config", 'c', HL_ARG_VALUE, "FILE", "hookline.lua (columns.file, reports.dir)"},
    {"from", 0, HL_ARG_VALUE, "DATE", "first date of the window (YYYY-MM-DD)"},
    {"to", 0, HL_ARG_VALUE, "DATE", "last date of the window"},
    {"last", 0, HL_ARG_VALUE, "N", "the last N days up to --as-of"},
    {"as-of", 0, HL_ARG_VALUE, "DATE", "end of --last (default: the last date in the data)"},
    {"format", 'f', HL_ARG_VALUE, "FMT", "table (default), csv, md, html or json"},
    {"output", 'o', HL_ARG_VALUE, "FILE", "write there (atomically) instead of stdout"},
    {"list", 0, HL_ARG_FLAG, NULL, "list the templates (name, level, title, file)"},
    {"strict", 0, HL_ARG_FLAG, NULL, "funnel inconsistencies in the input are errors"},
};
#define NOPTS (sizeof opts / sizeof opts[0])

static const char usage[] =
    "--template NAME --input FILE... [--templates DIR] [--columns-file FILE]\n"
    "       [--config FILE] [--from D --to D | --last N [--as-of D]]\n"
    "       [--format table|csv|md|html|json] [--output FILE]\n"
    "       hookline report --list [--templates DIR] [--format table|json]\n"
    "\n"
    "Applies a report template to ad performance data: the template (Lua, scripts/reports/)\n"
    "names the level, the columns (counters, metrics, names, custom columns from\n"
    "scripts/columns.lua), filters, the sort and a limit. Bundled: creative_performance (CTR,\n"
    "hook rate, completion rate, CPC per ad) and funnel_analysis (cost per landing page view,\n"
    "cost per add to cart, purchase ROAS per campaign). Your own templates: --templates DIR or\n"
    "reports.dir in the config (a template of the same name replaces the bundled one). CSV cells\n"
    "that a spreadsheet would run as a formula are prefixed with an apostrophe; Markdown and HTML\n"
    "escape every string. Undefined values (division by zero, missing data) are empty / null.\n"
    "Formats: scripts/SCRIPTING.md, \"Custom columns\" and \"Report templates\".";

typedef enum rfmt { R_TABLE, R_CSV, R_MD, R_HTML, R_JSON } rfmt;

static int rfmt_from_name(const char *s, rfmt *out)
{
    static const char *const names[] = {"table", "csv", "md", "html", "json"};
    for (int i = 0; i < 5; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (rfmt)i;
            return 0;
        }
    if (strcmp(s, "markdown") == 0) {
        *out = R_MD;
        return 0;
    }
    return -1;
}

static int parse_date_opt(const char *opt, const char *s, int32_t *day)
{
    const char *why;
    if (hl_parse_date(s, strlen(s), day, &why) < 0) {
        hl_cli_errorf("report: --%s: %s ('%s')", opt, why, s);
        return -1;
    }
    return 0;
}

typedef struct ingest_ctx {
    hl_table *table;
    int has_window;
    int32_t from, to;
} ingest_ctx;

/* Rows outside a window known in advance are dropped as they stream in. */
static hl_status keep_row(void *ud, const hl_row *row, hl_error *err)
{
    ingest_ctx *x = ud;
    if (x->has_window && (row->day < x->from || row->day > x->to))
        return HL_OK;
    return hl_table_add(x->table, row, err);
}

/* Markdown text outside a table (a heading, a paragraph): HTML-significant characters become
 * entities, inline formatting characters are escaped, and so is a first character that would
 * start a list, a heading or a quote. */
static void md_text(FILE *f, const char *s)
{
    s = s ? s : "";
    if (*s && strchr("#+-=", *s))
        fputc('\\', f);
    for (const char *p = s; *p; p++) {
        switch (*p) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '\n':
        case '\r':
        case '\t':
            fputc(' ', f);
            break;
        default:
            if (strchr("\\`*_[]|~", *p))
                fputc('\\', f);
            fputc(*p, f);
        }
    }
}

static int file_readable(const char *path)
{
    return access(path, R_OK) == 0;
}

/* `--list`: name, level, title, file:line. */
static int list_templates(const hl_templates *t, rfmt fmt)
{
    size_t n = hl_templates_count(t);
    if (fmt == R_JSON) {
        fputs("{\"templates\": [", stdout);
        for (size_t i = 0; i < n; i++) {
            const hl_template_info *ti = hl_templates_info(t, i);
            fputs(i ? ",\n  {" : "\n  {", stdout);
            fputs("\"name\": ", stdout);
            hl_json_string(stdout, ti->name);
            fputs(", \"title\": ", stdout);
            hl_json_string(stdout, ti->title);
            fputs(", \"description\": ", stdout);
            hl_json_string(stdout, ti->description);
            fputs(", \"level\": ", stdout);
            hl_json_string(stdout, hl_level_name(ti->level));
            fputs(", \"columns\": [", stdout);
            for (size_t c = 0; c < ti->ncolumns; c++) {
                if (c)
                    fputs(", ", stdout);
                hl_json_string(stdout, ti->columns[c]);
            }
            fputs("], \"file\": ", stdout);
            hl_json_string(stdout, ti->file);
            fprintf(stdout, ", \"line\": %lu}", ti->line);
        }
        fputs(n ? "\n]}\n" : "]}\n", stdout);
    } else {
        size_t wn = 4, wl = 5, wt = 5;
        for (size_t i = 0; i < n; i++) {
            const hl_template_info *ti = hl_templates_info(t, i);
            size_t l = strlen(ti->name);
            wn = l > wn ? l : wn;
            l = strlen(hl_level_name(ti->level));
            wl = l > wl ? l : wl;
            l = strlen(ti->title);
            wt = l > wt ? (l > 40 ? 40 : l) : wt;
        }
        printf("%-*s  %-*s  %-*s  %s\n", (int)wn, "name", (int)wl, "level", (int)wt, "title",
               "file");
        for (size_t i = 0; i < n; i++) {
            const hl_template_info *ti = hl_templates_info(t, i);
            printf("%-*s  %-*s  %-*.*s  %s:%lu\n", (int)wn, ti->name, (int)wl,
                   hl_level_name(ti->level), (int)wt, (int)wt, ti->title, ti->file, ti->line);
        }
    }
    return fflush(stdout) == 0 ? 0 : HL_EEXTERNAL;
}

static const char caveat_text[] =
    "reach is not additive across days: over a multi-day window 'reach' is the sum of daily "
    "reach (an upper bound of unique reach) and 'frequency' = impressions / that sum (a lower "
    "bound)";

int hl_cli_report_command(int argc, char **argv)
{
    hl_cli_args a;
    int rc = hl_cli_parse(argc, argv, "report", usage, opts, NOPTS, &a);
    if (rc == 1)
        return 0;
    if (rc)
        return rc;

    hl_columns *cols = NULL;
    hl_templates *tpl = NULL;
    hl_ingest *ing = NULL;
    hl_table *table = NULL;
    hl_agg *agg = NULL;
    hl_report *rep = NULL;
    hl_atomic_file *af = NULL;
    const char **labels = NULL;
    hl_colkind *kinds = NULL;
    const char **names = NULL;
    hl_error err;
    memset(&err, 0, sizeof err);
    rc = HL_EINPUT;

    if (a.npos > 0) {
        hl_cli_errorf("report: unexpected argument '%s' (input files go after --input)",
                      a.pos[0]);
        goto out;
    }
    const int listing = hl_cli_flag(&a, "list");
    rfmt fmt = R_TABLE;
    const char *fs = hl_cli_get(&a, "format");
    if (fs && (rfmt_from_name(fs, &fmt) < 0 || (listing && fmt != R_TABLE && fmt != R_JSON))) {
        hl_cli_errorf("report: --format: unknown format '%s' (%s)", fs,
                      listing ? "table or json with --list" : "table, csv, md, html, json");
        goto out;
    }
    size_t ninputs;
    const char *const *inputs = hl_cli_list(&a, "input", &ninputs);
    const char *tname = hl_cli_get(&a, "template");
    if (!listing && (!tname || ninputs == 0)) {
        hl_cli_errorf("report: --template NAME and --input FILE are required (or --list); see "
                      "'hookline report --help'");
        goto out;
    }

    /* Settings, custom columns, templates: all checked before any input is read. */
    hl_config cfg;
    hl_config_defaults(&cfg);
    const char *cfgpath = hl_cli_get(&a, "config");
    if (cfgpath && hl_config_load(&cfg, cfgpath, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    const char *colfile = hl_cli_get(&a, "columns-file");
    if (!colfile && cfg.columns_file[0])
        colfile = cfg.columns_file;
    if (!colfile && file_readable(hl_columns_default_file()))
        colfile = hl_columns_default_file();
    if (colfile) {
        if (hl_columns_load(colfile, NULL, &cols, &err) != HL_OK) {
            rc = hl_cli_report(&err);
            goto out;
        }
    }
    const char *dirs[2];
    size_t ndirs = 0;
    if (file_readable(hl_templates_default_dir()))
        dirs[ndirs++] = hl_templates_default_dir();
    const char *udir = hl_cli_get(&a, "templates");
    if (!udir && cfg.reports_dir[0])
        udir = cfg.reports_dir;
    if (udir)
        dirs[ndirs++] = udir;
    if (hl_templates_load(dirs, ndirs, cols, &tpl, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    if (listing) {
        rc = list_templates(tpl, fmt);
        goto out;
    }
    int ti_index = hl_templates_find(tpl, tname);
    if (ti_index < 0) {
        size_t n = hl_templates_count(tpl);
        const char **tn = malloc((n ? n : 1) * sizeof *tn);
        const char *s = NULL;
        if (tn) {
            for (size_t i = 0; i < n; i++)
                tn[i] = hl_templates_info(tpl, i)->name;
            s = hl_cli_suggest(tname, tn, n);
        }
        free(tn);
        if (s)
            hl_cli_errorf("report: --template: no template '%s' (did you mean '%s'?)", tname, s);
        else
            hl_cli_errorf("report: --template: no template '%s'; see 'hookline report --list'",
                          tname);
        goto out;
    }
    const hl_template_info *ti = hl_templates_info(tpl, (size_t)ti_index);

    /* Window. */
    const char *sfrom = hl_cli_get(&a, "from"), *sto = hl_cli_get(&a, "to");
    const char *slast = hl_cli_get(&a, "last"), *sasof = hl_cli_get(&a, "as-of");
    int32_t from = INT32_MIN, to = INT32_MAX;
    long last = 0;
    if (slast && (sfrom || sto)) {
        hl_cli_errorf("report: use either --from/--to or --last N [--as-of D], not both");
        goto out;
    }
    if (sfrom && parse_date_opt("from", sfrom, &from) < 0)
        goto out;
    if (sto && parse_date_opt("to", sto, &to) < 0)
        goto out;
    if (sfrom && sto && from > to) {
        hl_cli_errorf("report: --from %s is after --to %s", sfrom, sto);
        goto out;
    }
    int32_t asof = 0;
    if (sasof && parse_date_opt("as-of", sasof, &asof) < 0)
        goto out;
    if (slast) {
        char *end;
        last = strtol(slast, &end, 10);
        if (*end || last < 1 || last > 100000) {
            hl_cli_errorf("report: --last: expected a number of days >= 1 ('%s')", slast);
            goto out;
        }
    }
    if (sasof && !slast) {
        if (sto) {
            hl_cli_errorf("report: --as-of goes with --last N; with --from/--to use --to");
            goto out;
        }
        to = asof;
    }

    /* Input. */
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
        if (hl_ingest_file(ing, inputs[i], keep_row, &ictx, &err) != HL_OK) {
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
        if (st == HL_OK && cols)
            st = hl_columns_set_extra_names(cols, xn, nx);
        free(xn);
        if (st != HL_OK) {
            rc = HL_EINTERNAL;
            goto out;
        }
    }
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
    if (hl_table_aggregate(table, ti->level, from, to, 0, &agg, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    if (hl_report_build(ti, agg, cols, &rep, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }

    /* Output. */
    size_t nc = hl_report_column_count(rep), nr = hl_report_row_count(rep);
    labels = malloc(nc * sizeof *labels);
    names = malloc(nc * sizeof *names);
    kinds = malloc(nc * sizeof *kinds);
    if (!labels || !names || !kinds) {
        rc = HL_EINTERNAL;
        goto out;
    }
    int caveat = 0;
    for (size_t c = 0; c < nc; c++) {
        names[c] = hl_report_column_name(rep, c);
        labels[c] = hl_report_column_label(rep, c);
        kinds[c] = hl_cli_report_colkind(hl_report_column_kind(rep, c));
        if (to > from && (strcmp(names[c], "reach") == 0 || strcmp(names[c], "frequency") == 0))
            caveat = 1;
    }
    char dfrom[11] = "", dto[11] = "";
    if (have_data) {
        hl_format_date(from, dfrom);
        hl_format_date(to, dto);
    }
    char window[200];
    if (have_data)
        snprintf(window, sizeof window, "%s level, %s to %s", hl_level_name(ti->level), dfrom,
                 dto);
    else
        snprintf(window, sizeof window, "%s level, no data", hl_level_name(ti->level));
    size_t matched = hl_report_matched_count(rep);

    const char *outpath = hl_cli_get(&a, "output");
    FILE *f = stdout;
    if (outpath) {
        af = hl_atomic_open(outpath, &err);
        if (!af) {
            rc = hl_cli_report(&err);
            goto out;
        }
        f = hl_atomic_stream(af);
    }
    int werr = 0;
    switch (fmt) {
    case R_TABLE: {
        hl_tab tab = {nc, nr, labels, kinds, hl_cli_report_cell, rep};
        fprintf(f, "%s (%s", ti->title, window);
        if (matched > nr)
            fprintf(f, ", %zu of %zu rows", nr, matched);
        else
            fprintf(f, ", %zu row%s", nr, nr == 1 ? "" : "s");
        fputs(")\n\n", f);
        werr = hl_tab_write(f, &tab, HL_FMT_TABLE, outpath ? 0 : hl_terminal_width());
        if (caveat)
            fprintf(f, "\nnote: %s\n", caveat_text);
        break;
    }
    case R_CSV: {
        hl_tab tab = {nc, nr, names, kinds, hl_cli_report_cell, rep};
        werr = hl_tab_write(f, &tab, HL_FMT_CSV, 0);
        break;
    }
    case R_MD: {
        hl_tab tab = {nc, nr, labels, kinds, hl_cli_report_cell, rep};
        fputs("# ", f);
        md_text(f, ti->title);
        fputs("\n\n", f);
        if (ti->description) {
            md_text(f, ti->description);
            fputs("\n\n", f);
        }
        md_text(f, window);
        if (matched > nr)
            fprintf(f, "; %zu of %zu rows\n\n", nr, matched);
        else
            fprintf(f, "; %zu row%s\n\n", nr, nr == 1 ? "" : "s");
        werr = hl_tab_write(f, &tab, HL_FMT_MD, 0);
        if (caveat)
            fprintf(f, "\n_Note:_ %s\n", caveat_text);
        break;
    }
    case R_HTML: {
        char sub[2400];
        snprintf(sub, sizeof sub, "%s%s%s%s", window, ti->description ? " \xC2\xB7 " : "",
                 ti->description ? ti->description : "", caveat ? " \xC2\xB7 Note: " : "");
        if (caveat) {
            size_t l = strlen(sub);
            snprintf(sub + l, sizeof sub - l, "%s", caveat_text);
        }
        werr = hl_report_write_html(f, rep, ti->title, sub);
        break;
    }
    case R_JSON: {
        hl_tab tab = {nc, nr, names, kinds, hl_cli_report_cell, rep};
        fputs("{\"schema\": \"hookline.report/1\", \"template\": ", f);
        hl_json_string(f, ti->name);
        fputs(", \"title\": ", f);
        hl_json_string(f, ti->title);
        fputs(", \"description\": ", f);
        hl_json_string(f, ti->description);
        fputs(", \"level\": ", f);
        hl_json_string(f, hl_level_name(ti->level));
        fputs(", \"from\": ", f);
        hl_json_string(f, have_data ? dfrom : NULL);
        fputs(", \"to\": ", f);
        hl_json_string(f, have_data ? dto : NULL);
        fprintf(f, ", \"matched\": %zu, \"caveats\": [", matched);
        if (caveat)
            hl_json_string(f, caveat_text);
        fputs("],\n \"columns\": [", f);
        for (size_t c = 0; c < nc; c++) {
            fputs(c ? ", {\"name\": " : "{\"name\": ", f);
            hl_json_string(f, names[c]);
            fputs(", \"label\": ", f);
            hl_json_string(f, labels[c]);
            fputs(", \"kind\": ", f);
            hl_json_string(f, hl_column_kind_name(hl_report_column_kind(rep, c)));
            fputc('}', f);
        }
        fputs("],\n \"rows\": ", f);
        werr = hl_tab_write(f, &tab, HL_FMT_JSON, 0);
        fputs("}\n", f);
        break;
    }
    }
    if (werr || ferror(f)) {
        int e = errno; /* the failed write's reason (ENOSPC, EIO, ...) */
        if (af) {
            hl_atomic_fail(af, e, &err);
            af = NULL;
            rc = hl_cli_report(&err);
        } else {
            hl_cli_errorf("report: cannot write to standard output: %s", strerror(e ? e : EIO));
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
    rc = 0;
out:
    hl_atomic_abort(af);
    free(labels);
    free(names);
    free(kinds);
    hl_report_free(rep);
    hl_agg_free(agg);
    hl_table_free(table);
    hl_ingest_free(ing);
    hl_templates_free(tpl);
    hl_columns_free(cols);
    hl_cli_args_free(&a);
    return rc;
}
