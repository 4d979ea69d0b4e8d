/*
 * cmd_pull.c — `hookline pull`: daily ad rows for one or more advertisers from TikTok's
 * Marketing API into JSON lines that `analyze --input` reads. The token comes from
 * HOOKLINE_TIKTOK_TOKEN or --token-file and is never printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "hookline/ingest.h"
#include "hookline/net.h"

static const hl_cli_opt opts[] = {
    {"advertiser", 'a', HL_ARG_LIST, "ID[,ID...]", "advertiser ids (comma-separated or repeated)"},
    {"from", 0, HL_ARG_VALUE, "DATE", "first day (account time zone)"},
    {"to", 0, HL_ARG_VALUE, "DATE", "last day, inclusive"},
    {"api-base", 0, HL_ARG_VALUE, "URL", "API base (default https://business-api.tiktok.com)"},
    {"out", 'o', HL_ARG_VALUE, "FILE", "JSON lines to write (default pull.jsonl)"},
    {"token-file", 0, HL_ARG_VALUE, "FILE", "file holding the access token"},
    {"rate", 0, HL_ARG_VALUE, "R", "requests per second across advertisers (default 5)"},
    {"concurrency", 0, HL_ARG_VALUE, "N", "requests in flight (default 4)"},
    {"timeout-ms", 0, HL_ARG_VALUE, "MS", "per request (default 60000)"},
    {"retry-base-ms", 0, HL_ARG_VALUE, "MS", "first retry wait (default 1000)"},
    {"retry-budget-s", 0, HL_ARG_VALUE, "S", "total waiting on retries (default 1800)"},
    {"window-days", 0, HL_ARG_VALUE, "N", "days per request window, at most 30"},
    {"keep-partial", 0, HL_ARG_FLAG, NULL, "write complete windows even if others failed"},
    HL_CLI_CA_FILE_OPT,
};
#define NOPTS (sizeof opts / sizeof opts[0])

static const char usage[] =
    "--advertiser ID[,ID...] --from D --to D [--api-base URL] [--out FILE.jsonl]\n"
    "       [--token-file FILE] [--rate R] [--concurrency N] [--keep-partial]\n"
    "\n"
    "Pulls daily ad-level rows (report_type BASIC, data_level AUCTION_AD, every ad status) in\n"
    "windows of at most 30 days, handling throttles, server errors and changing pagination.\n"
    "Token: HOOKLINE_TIKTOK_TOKEN or --token-file. Exit 3 (and no output) when a window cannot\n"
    "be completed.";

static void on_info(void *ud, const char *line)
{
    (void)ud;
    hl_cli_infof("%s", line);
}

static void on_progress(void *ud, const char *line)
{
    (void)ud;
    if (line)
        fprintf(stderr, "\r%-78.78s", line);
    else
        fputs("\r\033[K", stderr);
}

static int num_opt(const hl_cli_args *a, const char *name, double lo, double hi, double *out)
{
    const char *s = hl_cli_get(a, name);
    if (!s)
        return 0;
    char *end;
    double v = strtod(s, &end);
    if (*end || !(v >= lo && v <= hi)) {
        hl_cli_errorf("pull: --%s: expected a number in [%g, %g] ('%s')", name, lo, hi, s);
        return -1;
    }
    *out = v;
    return 1;
}

/* The token, from a file: the first line, surrounding whitespace removed. */
static char *read_token(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *s = buf;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t l = strcspn(s, "\r\n");
    while (l && (s[l - 1] == ' ' || s[l - 1] == '\t'))
        l--;
    s[l] = '\0';
    char *t = strdup(s);
    memset(buf, 0, sizeof buf);
    return t;
}

int hl_cli_pull(int argc, char **argv)
{
    hl_cli_args a;
    int rc = hl_cli_parse(argc, argv, "pull", usage, opts, NOPTS, &a);
    if (rc == 1)
        return 0;
    if (rc)
        return rc;
    if ((rc = hl_cli_ca_file(&a, NULL)) != 0) {
        hl_cli_args_free(&a);
        return rc;
    }
    rc = HL_EINPUT;
    char *token = NULL;
    char **ids = NULL;
    size_t nids = 0;
    hl_pull_opts o;
    memset(&o, 0, sizeof o);
    size_t nraw;
    const char *const *raw = hl_cli_list(&a, "advertiser", &nraw);
    for (size_t i = 0; i < nraw; i++) {
        char *copy = strdup(raw[i]), *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            char **ni = realloc(ids, (nids + 1) * sizeof *ni);
            if (!ni)
                break;
            ids = ni;
            ids[nids++] = strdup(t);
        }
        free(copy);
    }
    const char *sfrom = hl_cli_get(&a, "from"), *sto = hl_cli_get(&a, "to");
    if (!nids || !sfrom || !sto) {
        hl_cli_errorf("pull: --advertiser, --from and --to are required; see 'hookline pull --help'");
        goto out;
    }
    const char *why;
    if (hl_parse_date(sfrom, strlen(sfrom), &o.from, &why) < 0 ||
        hl_parse_date(sto, strlen(sto), &o.to, &why) < 0) {
        hl_cli_errorf("pull: --from/--to: %s", why);
        goto out;
    }
    const char *tf = hl_cli_get(&a, "token-file");
    if (tf) {
        token = read_token(tf);
        if (!token) {
            hl_cli_errorf("pull: cannot read the token file %s", tf);
            goto out;
        }
    } else if (getenv("HOOKLINE_TIKTOK_TOKEN")) {
        token = strdup(getenv("HOOKLINE_TIKTOK_TOKEN"));
    }
    double v = 0;
    if (num_opt(&a, "rate", 0.01, 1000, &v) < 0)
        goto out;
    o.rate = v > 0 ? v : 0;
    v = 0;
    if (num_opt(&a, "concurrency", 1, 64, &v) < 0)
        goto out;
    o.concurrency = (int)v;
    v = 0;
    if (num_opt(&a, "timeout-ms", 100, 600000, &v) < 0)
        goto out;
    o.timeout_ms = (long)v;
    v = 0;
    if (num_opt(&a, "retry-base-ms", 1, 600000, &v) < 0)
        goto out;
    o.retry_base_ms = v;
    v = 0;
    if (num_opt(&a, "retry-budget-s", 0.001, 86400, &v) < 0)
        goto out;
    o.retry_budget_s = v;
    v = 0;
    if (num_opt(&a, "window-days", 1, 30, &v) < 0)
        goto out;
    o.window_days = (int)v;
    o.api_base = hl_cli_get(&a, "api-base");
    o.token = token;
    o.advertisers = (const char *const *)ids;
    o.nadvertisers = nids;
    o.keep_partial = hl_cli_flag(&a, "keep-partial");
    o.log.info = on_info;
    if (isatty(STDERR_FILENO) && hl_cli_verbosity >= 1)
        o.log.progress = on_progress;
    const char *outp = hl_cli_get(&a, "out");
    if (!outp)
        outp = "pull.jsonl";
    hl_pull_report rep;
    hl_error err;
    memset(&err, 0, sizeof err);
    hl_net_init();
    hl_status st = hl_pull(&o, outp, &rep, &err);
    if (st != HL_OK) {
        rc = hl_cli_report(&err);
        if (o.keep_partial && rep.windows_failed) {
            fprintf(stderr, "hookline: wrote the complete windows to %s; missing: %s\n", outp,
                    rep.missing);
        } else if (st == HL_EEXTERNAL) {
            fprintf(stderr, "hookline: nothing written (%zu of %zu windows failed; "
                            "--keep-partial writes the complete ones)\n",
                    rep.windows_failed, rep.windows);
        }
        goto out;
    }
    if (hl_cli_verbosity >= 1)
        fprintf(stderr, "hookline: %zu rows from %zu advertiser%s (%zu requests, %zu retries, "
                        "%zu restarts, %zu splits) -> %s\n",
                rep.rows, nids, nids == 1 ? "" : "s", rep.requests, rep.retries, rep.restarts,
                rep.splits, outp);
    rc = 0;
out:
    if (token) {
        memset(token, 0, strlen(token));
        free(token);
    }
    for (size_t i = 0; i < nids; i++)
        free(ids[i]);
    free(ids);
    hl_cli_args_free(&a);
    return rc;
}
