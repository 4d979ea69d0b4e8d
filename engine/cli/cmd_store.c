/*
 * cmd_store.c — the store's own commands: `hookline ingest --db FILE --input ...` (load exports
 * and API rows), `hookline store prune|export|check`, and `hookline experiments` (launched
 * variants with their evidence).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "hookline/ingest.h"
#include "hookline/output.h"
#include "hookline/store.h"

static const hl_cli_opt ingest_opts[] = {
    {"db", 0, HL_ARG_VALUE, "FILE", "history store (default hookline.db)"},
    {"input", 'i', HL_ARG_LIST, "FILE", "exports or API reports"},
    {"strict", 0, HL_ARG_FLAG, NULL, "funnel inconsistencies are errors"},
};

int hl_cli_ingest(int argc, char **argv)
{
    hl_cli_args a;
    int rc = hl_cli_parse(argc, argv, "ingest", "--db FILE --input FILE...\n\nLoads exports and "
                          "API rows into the store; a day already stored is replaced when its "
                          "values changed (late conversions), and the replacements are counted.",
                          ingest_opts, 3, &a);
    if (rc == 1)
        return 0;
    if (rc)
        return rc;
    const char *db = hl_cli_get(&a, "db");
    size_t n;
    const char *const *in = hl_cli_list(&a, "input", &n);
    hl_store *s = NULL;
    hl_ingest *ing = NULL;
    hl_error err;
    rc = HL_EINPUT;
    if (!n) {
        hl_cli_errorf("ingest: --input FILE is required");
        goto out;
    }
    if (hl_store_open(db ? db : "hookline.db", &s, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    hl_ingest_opts io = {hl_cli_flag(&a, "strict"), 0};
    ing = hl_ingest_new(&io);
    for (size_t i = 0; ing && i < n; i++) {
        /* one transaction per file: a bad file leaves the store as it was */
        if (hl_store_begin(s, &err) != HL_OK) {
            rc = hl_cli_report(&err);
            goto out;
        }
        if (hl_ingest_file(ing, in[i], hl_store_put_row, s, &err) != HL_OK) {
            hl_store_rollback(s);
            rc = hl_cli_report(&err);
            goto out;
        }
        if (hl_store_commit(s, &err) != HL_OK) {
            rc = hl_cli_report(&err);
            goto out;
        }
        size_t ins = hl_store_take_inserted(s), rep = hl_store_take_replaced(s);
        if (hl_cli_verbosity >= 1)
            fprintf(stderr, "hookline: %s: %zu new days, %zu replaced\n", in[i], ins, rep);
    }
    for (size_t i = 0; ing && i < hl_ingest_warning_count(ing); i++)
        hl_cli_warnf("%s", hl_ingest_warning(ing, i));
    rc = ing ? 0 : HL_EINTERNAL;
out:
    hl_ingest_free(ing);
    hl_store_close(s);
    hl_cli_args_free(&a);
    return rc;
}

static const hl_cli_opt store_opts[] = {
    {"db", 0, HL_ARG_VALUE, "FILE", "history store (default hookline.db)"},
    {"keep-days", 0, HL_ARG_VALUE, "N", "prune: days to keep before the last one"},
    {"output", 'o', HL_ARG_VALUE, "FILE", "export: write there instead of stdout"},
};

int hl_cli_store(int argc, char **argv)
{
    hl_cli_args a;
    int rc = hl_cli_parse(argc, argv, "store",
                          "prune --keep-days N | export [--output FILE] | check  [--db FILE]\n\n"
                          "prune: delete rows and records older than N days before the last "
                          "day\n  (an open experiment's variant and parent keep their days since "
                          "the link)\nexport: every table as JSON lines (a backup)\ncheck: "
                          "SQLite's integrity check",
                          store_opts, 3, &a);
    if (rc == 1)
        return 0;
    if (rc)
        return rc;
    hl_store *s = NULL;
    hl_error err;
    rc = HL_EINPUT;
    const char *db = hl_cli_get(&a, "db");
    if (a.npos != 1) {
        hl_cli_errorf("store: expected prune, export or check");
        goto out;
    }
    if (hl_store_open(db ? db : "hookline.db", &s, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    if (strcmp(a.pos[0], "prune") == 0) {
        const char *k = hl_cli_get(&a, "keep-days");
        char *end = NULL;
        long keep = k ? strtol(k, &end, 10) : -1;
        if (!k || *end || keep < 1 || keep > 100000) {
            hl_cli_errorf("store: prune needs --keep-days N (N >= 1)");
            goto out;
        }
        size_t removed;
        if (hl_store_prune(s, (int)keep, &removed, &err) != HL_OK) {
            rc = hl_cli_report(&err);
            goto out;
        }
        if (hl_cli_verbosity >= 1)
            fprintf(stderr, "hookline: pruned %zu ad-days\n", removed);
        rc = 0;
    } else if (strcmp(a.pos[0], "export") == 0) {
        /* A backup is written whole or not at all: temp file + rename, like every output. */
        const char *o = hl_cli_get(&a, "output");
        hl_atomic_file *af = NULL;
        if (o && !(af = hl_atomic_open(o, &err))) {
            rc = hl_cli_report(&err);
            goto out;
        }
        FILE *f = af ? hl_atomic_stream(af) : stdout;
        hl_status st = hl_store_export(s, f, &err);
        if (st != HL_OK) {
            int e = errno;
            if (af && ferror(f))
                hl_atomic_fail(af, e, &err); /* names the file and the reason */
            else
                hl_atomic_abort(af);
            rc = hl_cli_report(&err);
            goto out;
        }
        if (af ? hl_atomic_commit(af, &err) != HL_OK : fflush(stdout) != 0) {
            if (!af)
                hl_error_set(&err, HL_EEXTERNAL, NULL, 0, 0,
                             "cannot write to standard output: %s", strerror(errno));
            rc = hl_cli_report(&err);
            goto out;
        }
        rc = 0;
    } else if (strcmp(a.pos[0], "check") == 0) {
        int ok = hl_store_integrity_ok(s);
        printf("%s\n", ok ? "ok" : "integrity check failed");
        rc = ok ? 0 : HL_EEXTERNAL;
    } else {
        hl_cli_errorf("store: unknown subcommand '%s' (prune, export, check)", a.pos[0]);
    }
out:
    hl_store_close(s);
    hl_cli_args_free(&a);
    return rc;
}

static const hl_cli_opt exp_opts[] = {
    {"db", 0, HL_ARG_VALUE, "FILE", "history store (default hookline.db)"},
    {"status", 0, HL_ARG_VALUE, "open|decided", "only open or only decided experiments"},
};

int hl_cli_experiments(int argc, char **argv)
{
    hl_cli_args a;
    int rc = hl_cli_parse(argc, argv, "experiments",
                          "[--db FILE] [--status open|decided]\n\nLaunched variants (ads named "
                          "with a recipe's lineage tag) and the test of their brief's hypothesis "
                          "against the parent ad.",
                          exp_opts, 2, &a);
    if (rc == 1)
        return 0;
    if (rc)
        return rc;
    const char *status = hl_cli_get(&a, "status");
    hl_store *s = NULL;
    hl_experiment *e = NULL;
    size_t n = 0;
    hl_error err;
    rc = HL_EINPUT;
    if (status && strcmp(status, "open") != 0 && strcmp(status, "decided") != 0) {
        hl_cli_errorf("experiments: --status open or decided");
        goto out;
    }
    const char *db = hl_cli_get(&a, "db");
    if (hl_store_open(db ? db : "hookline.db", &s, &err) != HL_OK ||
        hl_store_experiments(s, &e, &n, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    printf("%-20s %-20s %-18s %-22s %-14s %-12s %9s  %s\n", "variant", "parent", "action", "code",
           "metric", "verdict", "lift", "evidence");
    for (size_t i = 0; i < n; i++) {
        int decided = e[i].final;
        if (status && ((strcmp(status, "open") == 0) == decided))
            continue;
        char lift[32] = "-";
        if (e[i].lift.ok)
            snprintf(lift, sizeof lift, "%+.1f%%", 100 * e[i].lift.v);
        printf("%-20s %-20s %-18s %-22.22s %-14s %-12s %9s  %s\n", e[i].variant_ad_id,
               e[i].parent_ad_id, e[i].action, e[i].code, e[i].metric, e[i].verdict, lift,
               e[i].note);
    }
    rc = 0;
out:
    free(e);
    hl_store_close(s);
    hl_cli_args_free(&a);
    return rc;
}
