/*
 * cmd_analyze.c — `hookline analyze`: ingest exports/reports, compare every creative with its
 * peers, test trends, diagnose, and write DIR/findings.json atomically. Bad input exits 2
 * before anything is written.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/template_out.h"
#include "hookline/compare.h"
#include "hookline/config.h"
#include "hookline/ingest.h"
#include "hookline/output.h"
#include "hookline/recipe.h"
#include "hookline/rules.h"
#include "hookline/table.h"

static const hl_cli_opt opts[] = {
    {"input", 'i', HL_ARG_LIST, "FILE", "TikTok export (CSV) or API report (JSON, JSON lines)"},
    {"out", 'o', HL_ARG_VALUE, "DIR", "output directory (created if missing)"},
    {"as-of", 0, HL_ARG_VALUE, "DATE", "analyse the data up to this date (default: the last)"},
    {"config", 'c', HL_ARG_VALUE, "FILE", "hookline.lua settings"},
    {"mode", 'm', HL_ARG_VALUE, "MODE", "sequential (default), fixed or bayes"},
    {"alpha", 0, HL_ARG_VALUE, "A", "significance level (default 0.05)"},
    {"backend-conversions", 0, HL_ARG_VALUE, "FILE",
     "the shop's conversions by date (CSV: date, conversions[, revenue][, campaign_id])"},
    {"rules", 'r', HL_ARG_VALUE, "DIR", "rule pack (default: the bundled scripts/rules)"},
    {"strict", 0, HL_ARG_FLAG, NULL, "funnel inconsistencies in the input are errors"},
    {"timings", 0, HL_ARG_FLAG, NULL, "print each stage's wall and CPU time on stderr"},
};
#define NOPTS (sizeof opts / sizeof opts[0])

static const char usage[] =
    "--input FILE... --out DIR [--as-of D] [--config FILE] [--mode sequential|fixed|bayes]\n"
    "       [--alpha A] [--backend-conversions FILE] [--rules DIR] [--strict] [--timings]\n"
    "\n"
    "Compares every ad with the pooled rest of its ad group, and every ad group with the rest\n"
    "of its campaign, on play rate, hook rate, 6 s view rate, hold rate, CTR, CVR, CPA, ROAS and\n"
    "completion rate (overdispersion-aware, Benjamini-Hochberg over the run); tests fatigue\n"
    "trends; checks delivery and tracking; and writes DIR/findings.json with the diagnoses\n"
    "(winner, loser, weak_hook, weak_hold, weak_cta, landing_page_mismatch, fatigue,\n"
    "no_delivery, audience_too_narrow, tracking_discrepancy, insufficient_data,\n"
    "kitbash_candidate). Lua rules then turn the diagnoses into creative briefs:\n"
    "DIR/briefs.json and DIR/briefs.md. DIR/report.html shows it all on one static page\n"
    "(no script, opens offline and on a phone). Settings: `hookline config defaults`.\n"
    "Exit 1 when a rule failed (the run completes; see rule_errors in briefs.json).";

typedef struct keep_ctx {
    hl_table *t;
    int has_asof;
    int32_t asof;
    int32_t window;  /* analysis.window_days */
    int32_t maxday;  /* latest date so far (the as-of date when none is given) */
} keep_ctx;

/* Only the analysis window (window_days up to as-of) is analysed, so days after as-of are not
 * kept, and days before the window are not either: the table's floor follows the window's
 * start (known from --as-of, else from the latest date so far), and memory follows the
 * window and the ads, not the length of the history in the files. */
static hl_status keep(void *ud, const hl_row *row, hl_error *err)
{
    keep_ctx *k = ud;
    if (k->has_asof && row->day > k->asof)
        return HL_OK;
    if (!k->has_asof && row->day > k->maxday) {
        k->maxday = row->day;
        hl_table_set_floor(k->t, row->day - k->window + 1);
    }
    return hl_table_add(k->t, row, err);
}

static void log_line(void *ud, const char *line)
{
    (void)ud;
    hl_cli_infof("%s", line);
}

static int make_dir(const char *dir)
{
    struct stat sb;
    if (stat(dir, &sb) == 0)
        return S_ISDIR(sb.st_mode) ? 0 : -1;
    return mkdir(dir, 0777);
}

int hl_cli_analyze(int argc, char **argv)
{
    hl_cli_args a;
    int rc = hl_cli_parse(argc, argv, "analyze", usage, opts, NOPTS, &a);
    if (rc == 1)
        return 0;
    if (rc)
        return rc;
    hl_ingest *ing = NULL;
    hl_table *table = NULL;
    hl_backend *backend = NULL;
    hl_findings *fd = NULL;
    hl_rules *rules = NULL;
    hl_briefs *briefs = NULL;
    hl_recipes *recipes = NULL;
    hl_cli_tplout *tpl = NULL;
    hl_error err;
    memset(&err, 0, sizeof err);
    rc = HL_EINPUT;

    size_t ninputs;
    const char *const *inputs = hl_cli_list(&a, "input", &ninputs);
    const char *outdir = hl_cli_get(&a, "out");
    if (a.npos) {
        hl_cli_errorf("analyze: unexpected argument '%s' (input files go after --input)", a.pos[0]);
        goto out;
    }
    if (!ninputs || !outdir) {
        hl_cli_errorf("analyze: --input FILE and --out DIR are required; see 'hookline analyze "
                      "--help'");
        goto out;
    }
    hl_config cfg;
    hl_config_defaults(&cfg);
    const char *cfgpath = hl_cli_get(&a, "config");
    if (cfgpath && hl_config_load(&cfg, cfgpath, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    const char *mode = hl_cli_get(&a, "mode");
    if (mode && hl_mode_from_name(mode, &cfg.mode) < 0) {
        hl_cli_errorf("analyze: --mode: unknown mode '%s' (sequential, fixed, bayes)", mode);
        goto out;
    }
    const char *alpha = hl_cli_get(&a, "alpha");
    if (alpha) {
        char *end;
        double v = strtod(alpha, &end);
        if (*end || !(v > 0 && v < 1)) {
            hl_cli_errorf("analyze: --alpha: expected a number between 0 and 1 ('%s')", alpha);
            goto out;
        }
        cfg.alpha = v;
    }
    keep_ctx kc = {NULL, 0, 0, cfg.window_days, INT32_MIN};
    const char *asof = hl_cli_get(&a, "as-of");
    if (asof) {
        const char *why;
        if (hl_parse_date(asof, strlen(asof), &kc.asof, &why) < 0) {
            hl_cli_errorf("analyze: --as-of: %s ('%s')", why, asof);
            goto out;
        }
        kc.has_asof = 1;
    }

    hl_cli_timer tm;
    hl_cli_timer_start(&tm, hl_cli_flag(&a, "timings"));
    hl_ingest_opts io = {hl_cli_flag(&a, "strict"), 0};
    ing = hl_ingest_new(&io);
    table = hl_table_new();
    if (!ing || !table) {
        rc = HL_EINTERNAL;
        goto out;
    }
    kc.t = table;
    if (kc.has_asof)
        hl_table_set_floor(table, kc.asof - kc.window + 1);
    for (size_t i = 0; i < ninputs; i++) {
        if (hl_ingest_file(ing, inputs[i], keep, &kc, &err) != HL_OK) {
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
    const char *bpath = hl_cli_get(&a, "backend-conversions");
    if (bpath && hl_ingest_backend(bpath, &backend, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    hl_cli_timer_lap(&tm, "ingest");
    int32_t first, last;
    if (hl_table_date_range(table, &first, &last) < 0) {
        hl_cli_errorf("analyze: no rows%s in the input", kc.has_asof ? " up to --as-of" : "");
        goto out;
    }
    int32_t day = kc.has_asof ? kc.asof : last;
    size_t nb = 0;
    const hl_backend_row *brows = backend ? hl_backend_rows(backend, &nb) : NULL;
    /* The custom columns and report templates (report-<name>.html and .csv over the comparison
     * window): the last aggregation of the table, so the comparison can then drop its rows. */
    if (hl_cli_tplout_build(table, ing, &cfg, hl_compare_window_from(table, &cfg, day), day, &tpl,
                            &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    hl_cli_timer_lap(&tm, "templates");
    if (hl_compare_run_dropping(table, &cfg, day, brows, nb, NULL, NULL, &fd, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    hl_cli_timer_lap(&tm, "compare");
    hl_compare_times ct = hl_findings_times(fd);
    hl_cli_timer_part(&tm, "aggregate", ct.units);
    hl_cli_timer_part(&tm, "tests", ct.tests);
    hl_cli_timer_part(&tm, "trends", ct.trends);
    hl_cli_timer_part(&tm, "diagnose", ct.decide);

    /* Rules: the pack turns diagnoses into briefs. */
    const char *rdir = hl_cli_get(&a, "rules");
    if (!rdir)
        rdir = cfg.rules_dir[0] ? cfg.rules_dir : hl_rules_default_dir();
    hl_rules_limits lim = {(size_t)(cfg.rules_memory_mb * 1024 * 1024),
                           (long)cfg.rules_instructions};
    if (hl_rules_load(rdir, &lim, &rules, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    hl_rules_set_log(rules, log_line, NULL);
    hl_rules_set_columns(rules, hl_cli_tplout_columns(tpl));
    if (hl_rules_run(rules, fd, &briefs, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    hl_cli_timer_lap(&tm, "rules");

    if (make_dir(outdir) < 0) {
        hl_cli_errorf("analyze: cannot create output directory '%s': %s", outdir,
                      strerror(errno ? errno : ENOTDIR));
        rc = HL_EEXTERNAL;
        goto out;
    }
    hl_recipe_opts ro = {cfg.recipes_max_variants, cfg.recipes_duration_s};
    if (hl_recipes_build(briefs, &ro, &recipes, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    hl_cli_timer_lap(&tm, "recipes");
    size_t nmore;
    const hl_run_file *more = hl_cli_tplout_files(tpl, &nmore);
    hl_run_outputs ro_ = {fd, briefs, recipes, rdir, NULL, NULL, NULL, more, nmore};
    if (hl_output_run_dir(outdir, &ro_, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    hl_cli_timer_lap(&tm, "outputs");
    hl_cli_timer_end(&tm);
    size_t nerr;
    const hl_rule_error *errs = hl_briefs_errors(briefs, &nerr);
    for (size_t i = 0; i < nerr; i++) {
        fprintf(stderr, "%s\n", errs[i].message);
        if (errs[i].repeats)
            fprintf(stderr, "  (%zu more failures of this rule not shown)\n", errs[i].repeats);
    }
    if (hl_cli_verbosity >= 1) {
        size_t nd, nc, nbr;
        hl_findings_diagnoses(fd, &nd);
        hl_findings_comparisons(fd, &nc);
        hl_briefs_list(briefs, &nbr);
        fprintf(stderr, "hookline: %zu comparisons, %zu diagnoses, %zu briefs -> %s/\n", nc, nd,
                nbr, outdir);
    }
    if (hl_briefs_error_count(briefs)) {
        hl_cli_errorf("analyze: %zu rule failure%s (the run completed; see rule_errors in "
                      "briefs.json)",
                      hl_briefs_error_count(briefs), hl_briefs_error_count(briefs) == 1 ? "" : "s");
        rc = HL_ATTENTION;
        goto out;
    }
    rc = 0;
out:
    hl_cli_tplout_free(tpl);
    hl_recipes_free(recipes);
    hl_briefs_free(briefs);
    hl_rules_free(rules);
    hl_findings_free(fd);
    hl_backend_free(backend);
    hl_table_free(table);
    hl_ingest_free(ing);
    hl_cli_args_free(&a);
    return rc;
}
