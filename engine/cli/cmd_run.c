/*
 * cmd_run.c — `hookline run`, the nightly job: lock, pull (or ingest) into the history store,
 * analyse with the evidence of earlier nights, judge launched variants, learn, write
 * OUT/<as-of>/ atomically and move OUT/latest, deliver recipes (never twice) and mail the
 * report. Each stage commits on its own, so a run killed at any instant leaves the store
 * consistent and the next run completes the work; a re-run of a date gives the same briefs and
 * recipes and sends nothing twice.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "cli/template_out.h"
#include "common/hash.h"
#include "common/jsonw.h"
#include "hookline/compare.h"
#include "hookline/config.h"
#include "hookline/ingest.h"
#include "hookline/net.h"
#include "hookline/output.h"
#include "hookline/recipe.h"
#include "hookline/rules.h"
#include "hookline/store.h"
#include "hookline/table.h"

static const hl_cli_opt opts[] = {
    {"config", 'c', HL_ARG_VALUE, "FILE", "hookline.lua (every setting also has a flag here)"},
    {"db", 0, HL_ARG_VALUE, "FILE", "history store (store.db; default hookline.db)"},
    {"out", 'o', HL_ARG_VALUE, "DIR", "output root: DIR/<as-of>/ and DIR/latest (run.out)"},
    {"input", 'i', HL_ARG_LIST, "FILE", "exports or reports to ingest (run.inputs)"},
    {"advertiser", 'a', HL_ARG_LIST, "ID[,ID]", "advertisers to pull (tiktok.advertisers)"},
    {"api-base", 0, HL_ARG_VALUE, "URL", "Marketing API base (tiktok.api_base)"},
    {"token-file", 0, HL_ARG_VALUE, "FILE", "access token file (tiktok.token_file)"},
    {"as-of", 0, HL_ARG_VALUE, "DATE", "the night to analyse (default: last day in the store, "
                                      "or yesterday when pulling)"},
    {"rules", 'r', HL_ARG_VALUE, "DIR", "rule pack (rules.dir)"},
    {"webhook", 0, HL_ARG_VALUE, "URL", "deliver recipes there (deliver.webhook)"},
    {"adapter", 0, HL_ARG_VALUE, "NAME", "generator adapter (deliver.adapter)"},
    {"mail-to", 0, HL_ARG_LIST, "ADDR[,ADDR]", "mail the report (mail.to)"},
    {"mail-from", 0, HL_ARG_VALUE, "ADDR", "sender (mail.from)"},
    {"smtp", 0, HL_ARG_VALUE, "URL", "relay (mail.smtp)"},
    {"allow-plain", 0, HL_ARG_FLAG, NULL, "allow a loopback relay without STARTTLS"},
    {"shard", 0, HL_ARG_VALUE, "K/N", "only advertisers whose stable hash falls in shard K of N (0 <= K < N)"},
    {"mode", 'm', HL_ARG_VALUE, "MODE", "sequential (default), fixed, bayes"},
    {"retry-base-ms", 0, HL_ARG_VALUE, "MS", "first retry wait for pull and deliver"},
    {"timings", 0, HL_ARG_FLAG, NULL, "print each step's time on stderr"},
    HL_CLI_CA_FILE_OPT,
};
#define NOPTS (sizeof opts / sizeof opts[0])

static const char usage[] =
    "[--config hookline.lua] --db FILE --out DIR (--input FILE... | --advertiser IDS\n"
    "       [--api-base URL]) [--as-of D] [--rules DIR] [--webhook URL] [--mail-to ADDR --smtp URL]\n"
    "       [--shard K/N]\n"
    "\n"
    "The nightly job. Steps: lock; pull the missing days and the last run.repull_days days (or\n"
    "ingest the files) into the store; link variants named with a recipe's lineage tag; analyse\n"
    "with the sequential evidence of earlier nights; judge launched variants; rules -> briefs ->\n"
    "recipes; write DIR/<as-of>/ atomically (manifest last) and point DIR/latest at it; deliver\n"
    "recipes never twice; mail the report; record the run. Quiet unless something needs\n"
    "attention; -v tells each step. Exit 1 when a rule failed, 3 when delivery or mail failed.";

typedef struct runner {
    hl_config cfg;
    hl_store *store;
    int shard_k, shard_n;
    int timings;
    double t0;
    int32_t as_of;
} runner;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void step(runner *R, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void step(runner *R, const char *fmt, ...)
{
    double t = now_ms();
    if (hl_cli_verbosity >= 2 || R->timings) {
        char buf[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        fprintf(stderr, "hookline: [%7.0f ms] %s\n", t - R->t0, buf);
    }
}

/* Shards by a stable hash of the advertiser id (FNV-1a, the same everywhere). */
static int in_shard(void *ud, const char *advertiser)
{
    runner *R = ud;
    if (R->shard_n <= 1)
        return 1;
    const char *a = advertiser ? advertiser : "";
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)a; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return (int)(h % (uint64_t)R->shard_n) == R->shard_k;
}

typedef struct ingest_ud {
    runner *R;
} ingest_ud;

static hl_status put_row(void *ud, const hl_row *row, hl_error *err)
{
    runner *R = ud;
    if (!in_shard(R, row->text[HL_F_ADVERTISER_ID]))
        return HL_OK;
    return hl_store_put_row(R->store, row, err);
}

static hl_status ingest_file(runner *R, hl_ingest *ing, const char *path, hl_error *err)
{
    hl_status st = hl_store_begin(R->store, err);
    if (st != HL_OK)
        return st;
    st = hl_ingest_file(ing, path, put_row, R, err);
    if (st != HL_OK) {
        hl_store_rollback(R->store);
        return st;
    }
    st = hl_store_commit(R->store, err);
    size_t ins = hl_store_take_inserted(R->store), rep = hl_store_take_replaced(R->store);
    step(R, "ingested %s: %zu new days, %zu replaced", path, ins, rep);
    return st;
}

static double prev_p(void *ud, const char *key)
{
    runner *R = ud;
    return hl_store_prev_p(R->store, key, R->as_of);
}

/* rm -r for the replaced output directory (only files one level deep are ever there). */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* A killed run leaves .<date>.tmp.<pid> (outputs being written), .<date>.old.<pid> (the
 * previous outputs, moved aside for the swap) or .latest.<pid> behind. Under the lock, those of
 * dead processes are cleared; an .old whose <date> is missing is put back, so a kill between the
 * two renames never loses a day's outputs. */
static void sweep_leftovers(const char *outroot)
{
    DIR *d = opendir(outroot);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (n[0] != '.' || strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
            continue;
        const char *kind = strstr(n, ".tmp.") ? ".tmp." : strstr(n, ".old.") ? ".old." : NULL;
        int latest = strncmp(n, ".latest.", 8) == 0;
        if (!kind && !latest)
            continue;
        const char *pp = latest ? n + 8 : strstr(n, kind) + 5;
        char *end;
        long pid = strtol(pp, &end, 10);
        if (*end || pid <= 0 || (pid != (long)getpid() && kill((pid_t)pid, 0) == 0))
            continue; /* not ours to touch: a live process (another store's run) */
        char p[4400];
        snprintf(p, sizeof p, "%.4000s/%.255s", outroot, n);
        if (latest) {
            unlink(p);
            continue;
        }
        if (kind[1] == 'o') {
            size_t dl = (size_t)(strstr(n, kind) - (n + 1));
            char fin[4200];
            snprintf(fin, sizeof fin, "%.4000s/%.*s", outroot, (int)(dl < 64 ? dl : 64), n + 1);
            struct stat st;
            if (stat(fin, &st) != 0 && rename(p, fin) == 0)
                continue;
        }
        remove_dir(p);
    }
    closedir(d);
}

typedef struct expctx {
    hl_experiment *e;
    size_t ne;
    hl_learning *l;
    size_t nl;
    int32_t as_of;
} expctx;

static void jval(FILE *f, const char *k, hl_val v)
{
    fprintf(f, ", \"%s\": ", k);
    if (v.ok)
        hl_json_number(f, v.v);
    else
        fputs("null", f);
}

static int write_experiments(FILE *f, void *ud)
{
    expctx *x = ud;
    char date[11];
    hl_format_date(x->as_of, date);
    fprintf(f, "{\"schema\": \"hookline.experiments/1\", \"as_of\": \"%s\",\n \"experiments\": [", date);
    for (size_t i = 0; i < x->ne; i++) {
        const hl_experiment *e = &x->e[i];
        char ld[11];
        hl_format_date(e->linked_day, ld);
        fputs(i ? ",\n  {" : "\n  {", f);
        fputs("\"variant_ad_id\": ", f);
        hl_json_string(f, e->variant_ad_id);
        fputs(", \"parent_ad_id\": ", f);
        hl_json_string(f, e->parent_ad_id);
        fputs(", \"recipe_id\": ", f);
        hl_json_string(f, e->recipe_id);
        fputs(", \"brief_id\": ", f);
        hl_json_string(f, e->brief_id);
        fputs(", \"action\": ", f);
        hl_json_string(f, e->action);
        fputs(", \"code\": ", f);
        hl_json_string(f, e->code);
        fputs(", \"metric\": ", f);
        hl_json_string(f, e->metric);
        fputs(", \"expected_lift\": ", f);
        hl_json_number(f, e->expected_lift);
        fprintf(f, ", \"linked\": \"%s\", \"verdict\": ", ld);
        hl_json_string(f, e->verdict);
        fprintf(f, ", \"final\": %s", e->final ? "true" : "false");
        jval(f, "lift", e->lift);
        jval(f, "ci_low", e->ci_low);
        jval(f, "ci_high", e->ci_high);
        jval(f, "p_value", e->p_value);
        fputs(", \"n_variant\": ", f);
        hl_json_number(f, e->n_variant);
        fputs(", \"n_parent\": ", f);
        hl_json_number(f, e->n_parent);
        fputs(", \"note\": ", f);
        hl_json_string(f, e->note);
        fputc('}', f);
    }
    fputs(x->ne ? "\n ],\n \"learnings\": [" : "],\n \"learnings\": [", f);
    for (size_t i = 0; i < x->nl; i++) {
        const hl_learning *l = &x->l[i];
        fputs(i ? ",\n  {" : "\n  {", f);
        fputs("\"action\": ", f);
        hl_json_string(f, l->action);
        fputs(", \"code\": ", f);
        hl_json_string(f, l->code);
        fprintf(f, ", \"tried\": %d, \"confirmed\": %d, \"refuted\": %d, \"inconclusive\": %d, "
                   "\"open\": %d",
                l->tried, l->confirmed, l->refuted, l->inconclusive, l->open);
        jval(f, "median_lift", l->median_lift);
        jval(f, "lift_low", l->lift_low);
        jval(f, "lift_high", l->lift_high);
        fputc('}', f);
    }
    fputs(x->nl ? "\n ]}\n" : "]}\n", f);
    return ferror(f) ? -1 : 0;
}

static const char *cfg_or(const char *flag, const char *cfgv, const char *def)
{
    if (flag)
        return flag;
    if (cfgv && *cfgv)
        return cfgv;
    return def;
}

/* Delivers the night's recipes that the store has not seen delivered. */
typedef struct recctx {
    runner *R;
    const hl_delivery_item *items;
    int rc;
} recctx;

/* Each outcome goes to the store the moment it is known, not after the batch: a run killed
 * mid-delivery then re-sends at most the one recipe that was in flight. */
static void record_one(void *ud, size_t i, const hl_delivery_result *r)
{
    recctx *x = ud;
    hl_error e2;
    if (r->skipped)
        return;
    if (hl_store_record_delivery(x->R->store, x->items[i].id, r->delivered, r->http_status,
                                 r->attempts, r->error, &e2) != HL_OK)
        x->rc = hl_cli_report(&e2);
}

static int deliver(runner *R, const hl_recipes *recipes, const char *webhook, const char *adapter,
                   const char *outdir, double retry_base_ms)
{
    hl_error err;
    char apath[4096];
    if (strchr(adapter, '/') || strstr(adapter, ".lua"))
        snprintf(apath, sizeof apath, "%s", adapter);
    else
        snprintf(apath, sizeof apath, "%s/%s.lua", hl_adapters_default_dir(), adapter);
    hl_adapter *ad = NULL;
    if (strcmp(adapter, "generic") != 0 && hl_adapter_load(apath, NULL, &ad, &err) != HL_OK)
        return hl_cli_report(&err);
    /* the recipes as JSON, the way recipes.json has them */
    char rpath[4200];
    snprintf(rpath, sizeof rpath, "%.4000s/recipes.json", outdir);
    FILE *f = fopen(rpath, "rb");
    cJSON *doc = NULL;
    if (f) {
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        rewind(f);
        char *txt = len > 0 ? malloc((size_t)len + 1) : NULL;
        if (txt && fread(txt, 1, (size_t)len, f) == (size_t)len) {
            txt[len] = '\0';
            doc = cJSON_Parse(txt);
        }
        free(txt);
        fclose(f);
    }
    (void)recipes;
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(doc, "recipes");
    size_t n = (size_t)cJSON_GetArraySize(list), k = 0;
    hl_delivery_item *items = calloc(n ? n : 1, sizeof *items);
    hl_delivery_result *res = calloc(n ? n : 1, sizeof *res);
    unsigned char *already = calloc(n ? n : 1, 1);
    int rc = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, list)
    {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "id"));
        items[k].id = id;
        already[k] = id && hl_store_delivered(R->store, id);
        if (!already[k]) {
            char *rj = hl_json_print_exact(it), *body = NULL;
            if (!ad) {
                body = rj; /* generic: the recipe itself */
            } else if (!rj || hl_adapter_apply(ad, rj, NULL, &body, &err) != HL_OK) {
                free(rj);
                rc = hl_cli_report(&err);
                goto done;
            } else {
                free(rj);
            }
            items[k].body = body;
        }
        k++;
    }
    hl_deliver_opts o;
    memset(&o, 0, sizeof o);
    o.webhook = webhook;
    o.secret = getenv("HOOKLINE_WEBHOOK_SECRET");
    o.retry_base_ms = retry_base_ms;
    hl_net_init();
    recctx rx = {R, items, 0};
    hl_status ds = hl_deliver(&o, items, n, already, res, record_one, &rx, &err);
    if (rx.rc)
        rc = rx.rc;
    size_t sent = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (res[i].skipped)
            continue;
        if (res[i].delivered)
            sent++;
        else {
            failed++;
            fprintf(stderr, "hookline: recipe %s not delivered: %s\n", items[i].id, res[i].error);
        }
    }
    step(R, "delivered %zu recipe%s, %zu failed", sent, sent == 1 ? "" : "s", failed);
    if (ds != HL_OK && !rc)
        rc = ds == HL_EINPUT ? hl_cli_report(&err) : HL_EEXTERNAL;
done:
    for (size_t i = 0; i < k; i++)
        free((char *)(uintptr_t)items[i].body);
    free(items);
    free(res);
    free(already);
    cJSON_Delete(doc);
    hl_adapter_free(ad);
    return rc;
}

int hl_cli_run(int argc, char **argv)
{
    hl_cli_args a;
    int rc = hl_cli_parse(argc, argv, "run", usage, opts, NOPTS, &a);
    if (rc == 1)
        return 0;
    if (rc)
        return rc;
    runner R;
    memset(&R, 0, sizeof R);
    R.t0 = now_ms();
    R.timings = hl_cli_flag(&a, "timings");
    int lockfd = -1;
    hl_ingest *ing = NULL;
    hl_table *table = NULL;
    hl_findings *fd = NULL;
    hl_rules *rules = NULL;
    hl_briefs *briefs = NULL;
    hl_recipes *recipes = NULL;
    hl_cli_tplout *tpl = NULL;
    hl_experiment *ex = NULL;
    hl_learning *ls = NULL;
    size_t nex = 0, nls = 0;
    char **inputs = NULL, **advs = NULL;
    size_t ninputs = 0, nadvs = 0;
    char *token = NULL, *tmpdir = NULL, *lockpath = NULL;
    int tmp_slot = -1; /* tmpdir's cleanup slot while it exists */
    int64_t run_id = 0;
    hl_error err;
    memset(&err, 0, sizeof err);
    rc = HL_EINPUT;

    hl_config_defaults(&R.cfg);
    const char *cfgpath = hl_cli_get(&a, "config");
    if (cfgpath && hl_config_load(&R.cfg, cfgpath, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    if ((rc = hl_cli_ca_file(&a, R.cfg.net_ca_file)) != 0)
        goto out;
    rc = HL_EINPUT;
    const char *mode = hl_cli_get(&a, "mode");
    if (mode && hl_mode_from_name(mode, &R.cfg.mode) < 0) {
        hl_cli_errorf("run: --mode: unknown mode '%s'", mode);
        goto out;
    }
    const char *db = cfg_or(hl_cli_get(&a, "db"), R.cfg.store_db, "hookline.db");
    const char *outroot = cfg_or(hl_cli_get(&a, "out"), R.cfg.run_out, "out");
    const char *shard = hl_cli_get(&a, "shard");
    R.shard_n = 1;
    if (shard) {
        char slash;
        if (sscanf(shard, "%d%c%d", &R.shard_k, &slash, &R.shard_n) != 3 || slash != '/' ||
            R.shard_n < 1 || R.shard_k < 0 || R.shard_k >= R.shard_n) {
            hl_cli_errorf("run: --shard: expected K/N with 0 <= K < N ('%s')", shard);
            goto out;
        }
    }
    size_t nl;
    const char *const *li = hl_cli_list(&a, "input", &nl);
    for (size_t i = 0; i < nl; i++) {
        char **part;
        size_t np = hl_cli_split(li[i], &part);
        for (size_t k = 0; k < np; k++) {
            char **ni = realloc(inputs, (ninputs + 1) * sizeof *ni);
            if (ni) {
                inputs = ni;
                inputs[ninputs++] = part[k];
            } else
                free(part[k]);
        }
        free(part);
    }
    if (!nl && R.cfg.run_inputs[0])
        ninputs = hl_cli_split(R.cfg.run_inputs, &inputs);
    const char *const *la = hl_cli_list(&a, "advertiser", &nl);
    for (size_t i = 0; i < nl; i++) {
        char **part;
        size_t np = hl_cli_split(la[i], &part);
        for (size_t k = 0; k < np; k++) {
            char **na = realloc(advs, (nadvs + 1) * sizeof *na);
            if (na) {
                advs = na;
                advs[nadvs++] = part[k];
            } else
                free(part[k]);
        }
        free(part);
    }
    if (!nl && R.cfg.tiktok_advertisers[0])
        nadvs = hl_cli_split(R.cfg.tiktok_advertisers, &advs);
    if (!ninputs && !nadvs) {
        hl_cli_errorf("run: nothing to read: give --input FILE... or --advertiser IDS (or "
                      "run.inputs / tiktok.advertisers in the config)");
        goto out;
    }
    const char *webhook = cfg_or(hl_cli_get(&a, "webhook"), R.cfg.deliver_webhook, NULL);
    const char *smtp = cfg_or(hl_cli_get(&a, "smtp"), R.cfg.mail_smtp, NULL);
    const char *api = cfg_or(hl_cli_get(&a, "api-base"), R.cfg.tiktok_api_base, NULL);
    if ((webhook && hl_net_check_url(webhook, "http", &err) != HL_OK) ||
        (smtp && hl_net_check_url(smtp, "smtp", &err) != HL_OK) ||
        (api && hl_net_check_url(api, "http", &err) != HL_OK)) {
        rc = hl_cli_report(&err);
        goto out;
    }
    const char *asof_s = hl_cli_get(&a, "as-of");
    int have_asof = 0;
    if (asof_s) {
        const char *why;
        if (hl_parse_date(asof_s, strlen(asof_s), &R.as_of, &why) < 0) {
            hl_cli_errorf("run: --as-of: %s ('%s')", why, asof_s);
            goto out;
        }
        have_asof = 1;
    }
    double retry_base = 0;
    const char *rb = hl_cli_get(&a, "retry-base-ms");
    if (rb)
        retry_base = strtod(rb, NULL);

    /* 1. the lock: a second concurrent run leaves at once */
    if (mkdir(outroot, 0777) < 0 && errno != EEXIST) {
        hl_cli_errorf("run: cannot create %s: %s", outroot, strerror(errno));
        rc = HL_EEXTERNAL;
        goto out;
    }
    size_t ll = strlen(db) + 8;
    lockpath = malloc(ll);
    snprintf(lockpath, ll, "%s.lock", db);
    lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lockfd < 0) {
        hl_cli_errorf("run: cannot open the lock file %s: %s", lockpath, strerror(errno));
        rc = HL_EEXTERNAL;
        goto out;
    }
    if (flock(lockfd, LOCK_EX | LOCK_NB) < 0) {
        /* The holder writes its pid just after it takes the lock: until then the file holds
         * nothing or the pid of an earlier run. Read until it names a live process (200 ms at
         * most), so the message names the run that really holds the lock. */
        char pid[32] = "?";
        for (int tries = 0; tries < 40; tries++) {
            char buf[32];
            ssize_t got = pread(lockfd, buf, sizeof buf - 1, 0);
            if (got > 0) {
                buf[got] = '\0';
                char *end;
                long p = strtol(buf, &end, 10);
                if (p > 0 && end != buf && kill((pid_t)p, 0) == 0) {
                    snprintf(pid, sizeof pid, "%ld", p);
                    break;
                }
            }
            struct timespec ts = {0, 5 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        hl_cli_errorf("run: another hookline run is in progress (it holds %s, pid %s); this one "
                      "stops here",
                      lockpath, pid);
        close(lockfd);
        lockfd = -1;
        rc = HL_EEXTERNAL;
        goto out;
    }
    {
        /* one write of a fixed width replaces any earlier pid whole (a reader never sees a
         * mix of two) */
        char pid[32];
        int pl = snprintf(pid, sizeof pid, "%-20ld\n", (long)getpid());
        if (pwrite(lockfd, pid, (size_t)pl, 0) < 0 || ftruncate(lockfd, pl) < 0) {
            /* the pid is only informative */
        }
    }
    step(&R, "locked %s", lockpath);

    if (hl_store_open(db, &R.store, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }

    /* 2. pull or ingest */
    hl_ingest_opts io = {0, 0};
    ing = hl_ingest_new(&io);
    if (!ing) {
        rc = HL_EINTERNAL;
        goto out;
    }
    for (size_t i = 0; i < ninputs; i++) {
        if (ingest_file(&R, ing, inputs[i], &err) != HL_OK) {
            rc = hl_cli_report(&err);
            goto out;
        }
    }
    if (nadvs) {
        if (!have_asof) {
            /* yesterday, the last complete day */
            time_t t = time(NULL) - 86400;
            struct tm tmv;
            gmtime_r(&t, &tmv);
            char d[16];
            strftime(d, sizeof d, "%Y-%m-%d", &tmv);
            hl_parse_date(d, strlen(d), &R.as_of, NULL);
            have_asof = 1;
        }
        int32_t want_from = R.as_of - R.cfg.window_days + 1;
        int32_t *miss = NULL;
        size_t nmiss = 0;
        if (hl_store_missing_days(R.store, want_from, R.as_of, &miss, &nmiss, &err) != HL_OK) {
            rc = hl_cli_report(&err);
            goto out;
        }
        int32_t from = R.as_of - R.cfg.repull_days + 1;
        if (nmiss && miss[0] < from)
            from = miss[0];
        free(miss);
        const char *tf = cfg_or(hl_cli_get(&a, "token-file"), R.cfg.tiktok_token_file, NULL);
        token = tf ? hl_cli_read_secret(tf)
                   : (getenv("HOOKLINE_TIKTOK_TOKEN") ? strdup(getenv("HOOKLINE_TIKTOK_TOKEN")) : NULL);
        hl_pull_opts po;
        memset(&po, 0, sizeof po);
        po.api_base = api;
        po.token = token;
        po.advertisers = (const char *const *)advs;
        po.nadvertisers = nadvs;
        po.from = from;
        po.to = R.as_of;
        po.retry_base_ms = retry_base;
        char pullpath[4200];
        snprintf(pullpath, sizeof pullpath, "%.4000s/.pull-%ld.jsonl", outroot, (long)getpid());
        hl_pull_report rep;
        hl_net_init();
        if (hl_pull(&po, pullpath, &rep, &err) != HL_OK) {
            rc = hl_cli_report(&err);
            goto out;
        }
        step(&R, "pulled %zu rows (%zu requests)", rep.rows, rep.requests);
        hl_status st = ingest_file(&R, ing, pullpath, &err);
        unlink(pullpath);
        if (st != HL_OK) {
            rc = hl_cli_report(&err);
            goto out;
        }
    }
    int32_t first, last;
    if (hl_store_date_range(R.store, &first, &last) < 0) {
        if (!have_asof) {
            hl_cli_errorf("run: the store holds no rows yet (a shard without advertisers needs "
                          "--as-of to write its empty outputs)");
            goto out;
        }
        first = last = R.as_of; /* an empty shard still writes its (empty) outputs */
    }
    if (!have_asof)
        R.as_of = last;
    if (R.as_of < first) {
        hl_cli_errorf("run: --as-of is before the first day in the store");
        goto out;
    }
    char date[11];
    hl_format_date(R.as_of, date);
    char cfghash[20];
    snprintf(cfghash, sizeof cfghash, "%016llx",
             (unsigned long long)hl_hash_bytes(&R.cfg, sizeof R.cfg));
    if (hl_store_run_begin(R.store, R.as_of, cfghash, &run_id, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }

    /* 3. lineage, then the analysis with history */
    size_t linked = 0;
    if (hl_store_begin(R.store, &err) != HL_OK ||
        hl_store_link_variants(R.store, R.as_of, &linked, &err) != HL_OK ||
        hl_store_commit(R.store, &err) != HL_OK) {
        hl_store_rollback(R.store);
        rc = hl_cli_report(&err);
        goto out;
    }
    if (linked)
        step(&R, "linked %zu new variant%s to their recipes", linked, linked == 1 ? "" : "s");
    int span = R.cfg.window_days > R.cfg.experiments_max_days ? R.cfg.window_days
                                                              : R.cfg.experiments_max_days;
    table = hl_table_new();
    if (!table || hl_store_load_table(R.store, R.as_of - span, R.as_of, table, in_shard, &R, &err) != HL_OK) {
        rc = table ? hl_cli_report(&err) : HL_EINTERNAL;
        goto out;
    }
    step(&R, "loaded %zu ads, %zu ad-days", hl_table_ad_count(table), hl_table_cell_count(table));
    if (hl_compare_run(table, &R.cfg, R.as_of, NULL, 0, prev_p, &R, &fd, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    {
        size_t nc;
        const hl_comparison *c = hl_findings_comparisons(fd, &nc);
        if (hl_store_begin(R.store, &err) != HL_OK) {
            rc = hl_cli_report(&err);
            goto out;
        }
        for (size_t i = 0; i < nc; i++) {
            if (!c[i].p_value.ok || R.cfg.mode != HL_MODE_SEQUENTIAL)
                continue;
            char key[300];
            if (hl_store_save_p(R.store, hl_comparison_key(&c[i], key, sizeof key), R.as_of,
                                c[i].p_value.v, &err) != HL_OK) {
                hl_store_rollback(R.store);
                rc = hl_cli_report(&err);
                goto out;
            }
        }
        if (hl_store_commit(R.store, &err) != HL_OK) {
            rc = hl_cli_report(&err);
            goto out;
        }
        step(&R, "compared: %zu comparisons", nc);
    }

    /* 4. experiments and learnings */
    if (hl_store_experiments(R.store, &ex, &nex, &err) != HL_OK ||
        hl_store_begin(R.store, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    for (size_t i = 0; i < nex; i++) {
        if (ex[i].final)
            continue;
        char key[96];
        snprintf(key, sizeof key, "exp:%s", ex[i].variant_ad_id);
        double pt;
        if (hl_experiment_evaluate(table, &R.cfg, R.as_of, hl_store_prev_p(R.store, key, R.as_of),
                                   &ex[i], &pt, &err) != HL_OK ||
            (pt > 0 && hl_store_save_p(R.store, key, R.as_of, pt, &err) != HL_OK) ||
            hl_store_save_outcome(R.store, &ex[i], &err) != HL_OK) {
            hl_store_rollback(R.store);
            rc = hl_cli_report(&err);
            goto out;
        }
    }
    if (hl_store_commit(R.store, &err) != HL_OK ||
        hl_store_learnings(R.store, &ls, &nls, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    for (size_t i = 0; i < nls; i++) {
        int decided = ls[i].confirmed + ls[i].refuted;
        if (!decided)
            continue;
        char note[400];
        if (ls[i].median_lift.ok)
            snprintf(note, sizeof note,
                     "learned: %s for %s worked in %d of %d decided tests, median %+.0f%% "
                     "(interval %+.0f%% to %+.0f%%)",
                     ls[i].action, ls[i].code, ls[i].confirmed, decided,
                     100 * ls[i].median_lift.v, 100 * ls[i].lift_low.v, 100 * ls[i].lift_high.v);
        else
            snprintf(note, sizeof note, "learned: %s for %s worked in %d of %d decided tests",
                     ls[i].action, ls[i].code, ls[i].confirmed, decided);
        hl_findings_add_note(fd, note);
    }
    step(&R, "judged %zu launched variant%s", nex, nex == 1 ? "" : "s");

    /* 5. rules, briefs, recipes */
    const char *rdir = cfg_or(hl_cli_get(&a, "rules"), R.cfg.rules_dir, hl_rules_default_dir());
    hl_rules_limits lim = {(size_t)(R.cfg.rules_memory_mb * 1024 * 1024),
                           (long)R.cfg.rules_instructions};
    if (hl_rules_load(rdir, &lim, &rules, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    {
        hl_rule_learning *rl = calloc(nls ? nls : 1, sizeof *rl);
        for (size_t i = 0; rl && i < nls; i++) {
            rl[i].action = ls[i].action;
            rl[i].code = ls[i].code;
            rl[i].tried = ls[i].tried;
            rl[i].confirmed = ls[i].confirmed;
            rl[i].refuted = ls[i].refuted;
            rl[i].inconclusive = ls[i].inconclusive;
            rl[i].has_median = ls[i].median_lift.ok;
            rl[i].median_lift = ls[i].median_lift.v;
        }
        if (rl)
            hl_rules_set_learnings(rules, rl, nls);
        free(rl);
    }
    /* custom columns and report templates, before the rules (which read the columns) */
    if (hl_cli_tplout_build(table, NULL, &R.cfg, hl_findings_from(fd), hl_findings_as_of(fd), &tpl,
                            &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    hl_rules_set_columns(rules, hl_cli_tplout_columns(tpl));
    hl_recipe_opts ro = {R.cfg.recipes_max_variants, R.cfg.recipes_duration_s};
    if (hl_rules_run(rules, fd, &briefs, &err) != HL_OK ||
        hl_recipes_build(briefs, &ro, &recipes, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    if (hl_store_begin(R.store, &err) != HL_OK ||
        hl_store_save_outputs(R.store, run_id, fd, briefs, recipes, &err) != HL_OK ||
        hl_store_commit(R.store, &err) != HL_OK) {
        hl_store_rollback(R.store);
        rc = hl_cli_report(&err);
        goto out;
    }
    step(&R, "briefs and recipes stored");

    /* 6. OUT/<as-of>/, written aside and renamed into place, then OUT/latest */
    size_t tl = strlen(outroot) + 64;
    tmpdir = malloc(tl);
    char final_dir[4200], old_dir[4200];
    snprintf(tmpdir, tl, "%s/.%s.tmp.%ld", outroot, date, (long)getpid());
    snprintf(final_dir, sizeof final_dir, "%.4000s/%s", outroot, date);
    snprintf(old_dir, sizeof old_dir, "%.4000s/.%s.old.%ld", outroot, date, (long)getpid());
    sweep_leftovers(outroot);
    remove_dir(tmpdir);
    hl_cleanup_hold();
    int mk = mkdir(tmpdir, 0777);
    int mk_errno = errno;
    if (mk == 0)
        tmp_slot = hl_cleanup_add(tmpdir, 1);
    hl_cleanup_release();
    if (mk < 0) {
        hl_cli_errorf("run: cannot create %s: %s", tmpdir, strerror(mk_errno));
        rc = HL_EEXTERNAL;
        goto out;
    }
    expctx xc = {ex, nex, ls, nls, R.as_of};
    size_t nmore;
    const hl_run_file *more = hl_cli_tplout_files(tpl, &nmore);
    hl_run_outputs outs = {fd,       briefs,   recipes,  rdir,  "experiments.json",
                           write_experiments, &xc, more, nmore};
    if (hl_output_run_dir(tmpdir, &outs, &err) != HL_OK) {
        remove_dir(tmpdir);
        hl_cleanup_remove(tmp_slot);
        rc = hl_cli_report(&err);
        goto out;
    }
    int had_old = rename(final_dir, old_dir) == 0;
    if (rename(tmpdir, final_dir) < 0) {
        if (had_old)
            rename(old_dir, final_dir);
        remove_dir(tmpdir);
        hl_cleanup_remove(tmp_slot);
        hl_cli_errorf("run: cannot move the outputs into %s: %s", final_dir, strerror(errno));
        rc = HL_EEXTERNAL;
        goto out;
    }
    hl_cleanup_remove(tmp_slot);
    if (had_old)
        remove_dir(old_dir);
    {
        char lt[4200], lf[4200];
        snprintf(lt, sizeof lt, "%.4000s/.latest.%ld", outroot, (long)getpid());
        snprintf(lf, sizeof lf, "%.4000s/latest", outroot);
        unlink(lt);
        if (symlink(date, lt) == 0 && rename(lt, lf) != 0)
            unlink(lt);
    }
    step(&R, "wrote %s", final_dir);

    /* 7. deliver and mail */
    int tail_rc = 0;
    if (webhook) {
        const char *adapter = cfg_or(hl_cli_get(&a, "adapter"), R.cfg.deliver_adapter, "generic");
        int drc = deliver(&R, recipes, webhook, adapter, final_dir, retry_base);
        if (drc)
            tail_rc = drc;
    }
    size_t nmt;
    const char *const *mt = hl_cli_list(&a, "mail-to", &nmt);
    const char *mto = nmt ? mt[0] : (R.cfg.mail_to[0] ? R.cfg.mail_to : NULL);
    if (smtp && mto) {
        const char *from = cfg_or(hl_cli_get(&a, "mail-from"), R.cfg.mail_from, NULL);
        if (!from) {
            hl_cli_errorf("run: mailing the report needs --mail-from (mail.from)");
            tail_rc = HL_EINPUT;
        } else {
            char *margv[12];
            int mc = 0;
            static char s_mail[] = "mail", s_report[] = "--report", s_smtp[] = "--smtp",
                        s_from[] = "--from", s_to[] = "--to", s_plain[] = "--allow-plain";
            margv[mc++] = s_mail;
            margv[mc++] = s_report;
            margv[mc++] = final_dir;
            margv[mc++] = s_smtp;
            margv[mc++] = (char *)(uintptr_t)smtp;
            margv[mc++] = s_from;
            margv[mc++] = (char *)(uintptr_t)from;
            margv[mc++] = s_to;
            margv[mc++] = (char *)(uintptr_t)mto;
            if (hl_cli_flag(&a, "allow-plain") || R.cfg.mail_allow_plain)
                margv[mc++] = s_plain;
            margv[mc] = NULL;
            int mrc = hl_cli_mail(mc, margv);
            if (mrc)
                tail_rc = mrc;
            step(&R, "mail %s", mrc ? "failed" : "sent");
        }
    }

    /* 8. record the run */
    size_t nerr;
    const hl_rule_error *errs = hl_briefs_errors(briefs, &nerr);
    for (size_t i = 0; i < nerr; i++)
        fprintf(stderr, "%s\n", errs[i].message);
    char timings[64];
    snprintf(timings, sizeof timings, "{\"total_ms\": %.0f}", now_ms() - R.t0);
    const char *status = tail_rc ? "incomplete" : nerr ? "rule_errors" : "ok";
    if (hl_store_run_end(R.store, run_id, status, timings, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    run_id = 0;
    step(&R, "done (%s)", status);
    rc = tail_rc ? tail_rc : nerr ? HL_ATTENTION : 0;
out:
    hl_cli_tplout_free(tpl);
    if (run_id && R.store) {
        hl_error e2;
        hl_store_run_end(R.store, run_id, "failed", NULL, &e2);
    }
    free(tmpdir);
    hl_cli_free_secret(token);
    hl_cli_free_list(inputs, ninputs);
    hl_cli_free_list(advs, nadvs);
    free(ex);
    free(ls);
    hl_recipes_free(recipes);
    hl_briefs_free(briefs);
    hl_rules_free(rules);
    hl_findings_free(fd);
    hl_table_free(table);
    hl_ingest_free(ing);
    hl_store_close(R.store);
    if (lockfd >= 0) {
        flock(lockfd, LOCK_UN);
        close(lockfd);
    }
    free(lockpath);
    hl_cli_args_free(&a);
    return rc;
}
