/*
 * bench_rules.c — throughput of the rules stage: hl_rules_run with the default pack
 * (hl_rules_default_dir(), scripts/rules) on a synthetic account of N ads (default 100,000).
 * Prints the median of several runs, ads/s and diagnoses/s, and the setup costs. Issue 5's
 * target: 100 k ads x the default pack in under 2 s on one core (printed, not a timed test).
 * Run on a Release build:
 *   cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release && cmake --build build-release -j
 *   ./build-release/bench/bench_rules [--ads N] [--repeats R] [--rules DIR] [--json]
 *                                     [--write-findings FILE] [--findings FILE]
 *
 * The account: examples/tiktok-export.csv (7 ad groups, 24 ads, 28 days) replicated with fresh
 * ids (each copy its own campaigns, ad groups and ads) up to N ads, and analysed by
 * hl_compare_run exactly as `hookline analyze` does, so the diagnoses (about 1.4 per ad: weak
 * hook, hold, CTA, landing page, fatigue, winner, loser, kit-bash, no delivery), their evidence
 * and everything the rules read through the views are real. The rules run on those findings as
 * analyze hands them over.
 * --json goes through findings.json instead (hl_output_findings_json, then
 * hl_findings_from_json, as `hookline rules test` reads fixtures), after giving every ad the
 * analysis left without a diagnosis a weak_hook one (its hook-rate comparison as evidence), so
 * that every ad reaches a brief rule; --write-findings FILE saves that findings.json and
 * --findings FILE reads one back. findings.json is about 15 kB per ad: use --json with --ads
 * 10000 or so.
 *
 * Results (2026-11-29, Release, gcc 12, the shared 2-core dev box under load, so CPU seconds
 * are the figure to read; 100,008 ads, 137,511 diagnoses, 137,511 briefs, no rule error):
 *   before 1839642      149 s wall (load ~10, CPU not measured): brief.c's pace_of/phi_for
 *                       scanned every ad per brief
 *   1839642 (index)     12.05 CPU s: views.c still scans every comparison for ctx.comparisons
 *                       and every ad for ctx.currency on each ad-group diagnosis
 *   + those two indexed  3.2 CPU s (~31k ads/s, linear from 5k to 100k ads)
 *   Where that went (callgrind, 5k ads, 127k instructions per diagnosis): the rules' Lua code
 *   ~37 %; view lookups 27 % (a third of it two registry lookups by name per access,
 *   hl__rules_from_state and luaL_checkudata, 5 % strcmp key dispatch, 4 % a new userdata per
 *   sub-view); snprintf 24 % (success criteria in hl_brief_complete, hl.pct/money/num); the
 *   allocator wrapper 7 %.
 *   + host through lua_getextraspace, views by metatable identity, Lua's small blocks from
 *     free lists (sandbox.c), hl_fmt_fixed instead of printf: 1.80 CPU s (55k ads/s): met.
 *   Left (perf): strcmp key dispatch in the views 6 %, utf8_dup of rule strings 4 %, malloc
 *   and free of the briefs' strings ~10 %, the snprintf of brief and recipe id keys 3 %.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "hookline/brief.h"
#include "hookline/compare.h"
#include "hookline/config.h"
#include "hookline/ingest.h"
#include "hookline/output.h"
#include "hookline/rules.h"
#include "hookline/table.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU time of this thread: on a shared machine the wall clock also counts other processes. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void die(const char *what, const hl_error *err)
{
    fprintf(stderr, "bench_rules: %s%s%s\n", what, err ? ": " : "", err ? err->msg : "");
    exit(1);
}

/* ------------------------------------------------------------------ the example's rows */

typedef struct row {
    char *text[HL_NFIELDS];
    int32_t day;
    uint32_t present;
    double v[HL_NCOUNTERS];
} row;

typedef struct rows {
    row *r;
    size_t n, cap;
} rows;

static hl_status keep_row(void *ud, const hl_row *in, hl_error *err)
{
    (void)err;
    rows *rs = ud;
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 1024;
        rs->r = realloc(rs->r, rs->cap * sizeof *rs->r);
        if (!rs->r)
            die("out of memory", NULL);
    }
    row *r = &rs->r[rs->n++];
    for (int i = 0; i < HL_NFIELDS; i++)
        r->text[i] = in->text[i] ? strdup(in->text[i]) : NULL;
    r->day = in->day;
    r->present = in->present;
    memcpy(r->v, in->v, sizeof r->v);
    return HL_OK;
}

/* The example's rows, copied `copies` times into a table; copy k's ids and names end in "-k". */
static hl_table *replicated_table(const rows *rs, size_t copies)
{
    hl_table *t = hl_table_new();
    if (!t)
        die("out of memory", NULL);
    static const hl_field renamed[] = {HL_F_CAMPAIGN_ID, HL_F_CAMPAIGN_NAME, HL_F_ADGROUP_ID,
                                       HL_F_ADGROUP_NAME, HL_F_AD_ID, HL_F_AD_NAME};
    char buf[6][320];
    for (size_t k = 0; k < copies; k++) {
        for (size_t i = 0; i < rs->n; i++) {
            const row *r = &rs->r[i];
            hl_row out;
            memset(&out, 0, sizeof out);
            for (int f = 0; f < HL_NFIELDS; f++)
                out.text[f] = r->text[f];
            for (int j = 0; j < 6; j++) {
                const char *s = r->text[renamed[j]];
                if (!s)
                    continue;
                snprintf(buf[j], sizeof buf[j], "%.290s-%zu", s, k);
                out.text[renamed[j]] = buf[j];
            }
            out.day = r->day;
            out.present = r->present;
            memcpy(out.v, r->v, sizeof out.v);
            out.file = "bench";
            out.file_index = 0;
            out.line = k * rs->n + i + 1;
            hl_error err;
            if (hl_table_add(t, &out, &err) != HL_OK)
                die("hl_table_add", &err);
        }
    }
    return t;
}

/* ------------------------------------------------------------------ findings.json */

static char *findings_json(const hl_findings *f, size_t *len)
{
    char *text = NULL;
    size_t n = 0;
    FILE *mem = open_memstream(&text, &n);
    if (!mem || hl_output_findings_json(mem, f) < 0 || fclose(mem) != 0)
        die("writing findings.json", NULL);
    *len = n;
    return text;
}

typedef struct idref {
    const char *id;
    int ad;       /* index in "ads" */
    int hook_cmp; /* index of its hook-rate comparison, or -1 */
    int has_diag;
    const cJSON *cmp; /* that comparison */
} idref;

static int cmp_idref(const void *a, const void *b)
{
    return strcmp(((const idref *)a)->id, ((const idref *)b)->id);
}

static idref *find_id(idref *ix, size_t n, const char *id)
{
    idref key = {id, 0, 0, 0, NULL};
    return bsearch(&key, ix, n, sizeof *ix, cmp_idref);
}

static const char *str_of(const cJSON *obj, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void add_str(cJSON *o, const char *k, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

/* Gives every ad without a diagnosis a weak_hook one (its hook-rate comparison as evidence).
 * Returns how many were added. */
static size_t add_weak_hooks(cJSON *doc)
{
    cJSON *ads = cJSON_GetObjectItemCaseSensitive(doc, "ads");
    cJSON *cmps = cJSON_GetObjectItemCaseSensitive(doc, "comparisons");
    cJSON *dx = cJSON_GetObjectItemCaseSensitive(doc, "diagnoses");
    size_t nads = (size_t)cJSON_GetArraySize(ads);
    idref *ix = calloc(nads + 1, sizeof *ix);
    cJSON **adobj = calloc(nads + 1, sizeof *adobj);
    if (!ix || !adobj || !cmps || !dx)
        die("out of memory (or no ads/comparisons/diagnoses in the findings)", NULL);
    size_t i = 0;
    cJSON *it;
    cJSON_ArrayForEach(it, ads)
    {
        const char *id = str_of(it, "ad_id");
        ix[i] = (idref){id ? id : "", (int)i, -1, 0, NULL};
        adobj[i] = it;
        i++;
    }
    qsort(ix, nads, sizeof *ix, cmp_idref);
    int k = 0;
    cJSON_ArrayForEach(it, cmps)
    {
        const cJSON *subj = cJSON_GetObjectItemCaseSensitive(it, "subject");
        const char *level = str_of(subj, "level"), *metric = str_of(it, "metric");
        const char *id = str_of(subj, "ad_id");
        if (level && id && metric && strcmp(level, "ad") == 0 && strcmp(metric, "hook_rate") == 0) {
            idref *r = find_id(ix, nads, id);
            if (r) {
                r->hook_cmp = k;
                r->cmp = it;
            }
        }
        k++;
    }
    cJSON_ArrayForEach(it, dx)
    {
        const char *level = str_of(it, "level"), *id = str_of(it, "ad_id");
        if (level && id && strcmp(level, "ad") == 0) {
            idref *r = find_id(ix, nads, id);
            if (r)
                r->has_diag = 1;
        }
    }
    size_t added = 0;
    for (i = 0; i < nads; i++) {
        if (ix[i].has_diag || ix[i].hook_cmp < 0)
            continue;
        const cJSON *ad = adobj[ix[i].ad];
        const cJSON *c = ix[i].cmp;
        const cJSON *lift = cJSON_GetObjectItemCaseSensitive(c, "lift");
        const cJSON *counters = cJSON_GetObjectItemCaseSensitive(ad, "counters");
        const cJSON *spend = cJSON_GetObjectItemCaseSensitive(counters, "spend");
        double effect = cJSON_IsNumber(lift) ? lift->valuedouble : -0.3;
        double sp = cJSON_IsNumber(spend) ? spend->valuedouble : 0;
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "code", "weak_hook");
        cJSON_AddStringToObject(d, "level", "ad");
        static const char *const keys[] = {"ad_id", "ad_name", "adgroup_id", "adgroup_name",
                                           "campaign_id", "campaign_name", "advertiser_id"};
        for (int j = 0; j < 7; j++)
            add_str(d, keys[j], str_of(ad, keys[j]));
        cJSON_AddItemToObject(d, "related_ad_ids", cJSON_CreateArray());
        cJSON *ev = cJSON_AddArrayToObject(d, "evidence");
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "comparison", ix[i].hook_cmp);
        cJSON_AddItemToArray(ev, e);
        cJSON_AddNumberToObject(d, "priority", sp * fabs(effect));
        cJSON_AddNumberToObject(d, "spend_at_stake", sp);
        cJSON_AddNumberToObject(d, "effect", effect);
        cJSON_AddStringToObject(d, "summary", "Weak hook (synthetic, for the benchmark).");
        cJSON_AddItemToArray(dx, d);
        added++;
    }
    free(ix);
    free(adobj);
    return added;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0, got;
    char *buf = malloc(cap + 1);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(buf, 2 * cap + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

/* ------------------------------------------------------------------ main */

static void usage(void)
{
    fprintf(stderr, "usage: bench_rules [--ads N] [--repeats R] [--rules DIR] "
                    "[--json] [--write-findings FILE] [--findings FILE]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    size_t want = 100000;
    int repeats = 5;
    const char *rules_dir = hl_rules_default_dir(), *write_path = NULL, *read_path = NULL;
    int via_json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            via_json = 1;
            continue;
        }
        if (i + 1 >= argc)
            usage();
        if (strcmp(argv[i], "--ads") == 0)
            want = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--repeats") == 0)
            repeats = atoi(argv[++i]);
        else if (strcmp(argv[i], "--rules") == 0)
            rules_dir = argv[++i];
        else if (strcmp(argv[i], "--write-findings") == 0)
            write_path = argv[++i], via_json = 1;
        else if (strcmp(argv[i], "--findings") == 0)
            read_path = argv[++i];
        else
            usage();
    }
    if (want < 1 || repeats < 1 || repeats > 100)
        usage();
    hl_error err;
    char *json = NULL;
    size_t jlen = 0;
    double t0;
    hl_findings *f = NULL;
    hl_table *keep_table = NULL; /* the findings' strings point into it */

    if (read_path) {
        json = slurp(read_path, &jlen);
        if (!json)
            die("cannot read --findings", NULL);
    } else {
        /* 1. the example's rows, replicated */
        const char *example = HL_SOURCE_DIR "/examples/tiktok-export.csv";
        rows rs = {0};
        hl_ingest *ing = hl_ingest_new(NULL);
        if (!ing || hl_ingest_file(ing, example, keep_row, &rs, &err) != HL_OK)
            die(example, &err);
        hl_ingest_free(ing);
        hl_table *probe = replicated_table(&rs, 1);
        size_t per_copy = hl_table_ad_count(probe);
        hl_table_free(probe);
        size_t copies = (want + per_copy - 1) / per_copy;
        t0 = now();
        hl_table *t = replicated_table(&rs, copies);
        int32_t first, last;
        if (hl_table_date_range(t, &first, &last) < 0)
            die("empty table", NULL);
        printf("table: %zu ads (%zu copies of the example's %zu), %zu ad-days, built in %.2f s\n",
               hl_table_ad_count(t), copies, per_copy, hl_table_cell_count(t), now() - t0);
        fflush(stdout);
        /* 2. the analysis, as `hookline analyze` runs it */
        hl_config cfg;
        hl_config_defaults(&cfg);
        hl_findings *fd = NULL;
        t0 = now();
        if (hl_compare_run(t, &cfg, last, NULL, 0, NULL, NULL, &fd, &err) != HL_OK)
            die("hl_compare_run", &err);
        size_t nd, nc;
        hl_findings_diagnoses(fd, &nd);
        hl_findings_comparisons(fd, &nc);
        printf("analysis: %zu comparisons, %zu diagnoses in %.2f s\n", nc, nd, now() - t0);
        fflush(stdout);
        if (!via_json) {
            f = fd; /* what `hookline analyze` hands to the rules */
            keep_table = t;
        } else {
            /* 3. through findings.json, with a weak_hook for every ad left without one */
            t0 = now();
            size_t len;
            char *text = findings_json(fd, &len);
            cJSON *doc = cJSON_ParseWithLength(text, len);
            free(text);
            if (!doc)
                die("findings.json does not parse", NULL);
            size_t added = add_weak_hooks(doc);
            json = cJSON_PrintUnformatted(doc);
            cJSON_Delete(doc);
            if (!json)
                die("out of memory", NULL);
            jlen = strlen(json);
            printf("findings.json: %.1f MB, %zu weak_hook diagnoses added, in %.2f s\n",
                   (double)jlen / 1e6, added, now() - t0);
            hl_findings_free(fd);
            hl_table_free(t);
            if (write_path) {
                FILE *wf = fopen(write_path, "wb");
                if (!wf || fwrite(json, 1, jlen, wf) != jlen || fclose(wf) != 0)
                    die("cannot write --write-findings", NULL);
                printf("findings written to %s\n", write_path);
            }
        }
        for (size_t i = 0; i < rs.n; i++)
            for (int k = 0; k < HL_NFIELDS; k++)
                free(rs.r[i].text[k]);
        free(rs.r);
    }
    if (!f) {
        t0 = now();
        if (hl_findings_from_json(json, jlen, read_path ? read_path : "bench", &f, &err) !=
            HL_OK)
            die("hl_findings_from_json", &err);
        free(json);
        printf("findings loaded (hl_findings_from_json) in %.2f s\n", now() - t0);
    }
    size_t nads, ndiag;
    hl_findings_ads(f, &nads);
    hl_findings_diagnoses(f, &ndiag);

    /* 4. the rules */
    hl_rules *r = NULL;
    t0 = now();
    if (hl_rules_load(rules_dir, NULL, &r, &err) != HL_OK)
        die(rules_dir, &err);
    printf("rules: %zu rules, %zu problems in %s, loaded in %.3f s\n", hl_rules_count(r),
           hl_rules_problem_count(r), rules_dir, now() - t0);
    fflush(stdout);
    double *secs = calloc((size_t)repeats, sizeof *secs);
    double *cpus = calloc((size_t)repeats, sizeof *cpus);
    size_t nbriefs = 0, nerrors = 0;
    for (int k = 0; k < repeats; k++) {
        hl_briefs *b = NULL;
        t0 = now();
        double c0 = cpu_now();
        if (hl_rules_run(r, f, &b, &err) != HL_OK)
            die("hl_rules_run", &err);
        secs[k] = now() - t0;
        cpus[k] = cpu_now() - c0;
        hl_briefs_list(b, &nbriefs);
        nerrors = hl_briefs_error_count(b);
        if (k == 0 && nerrors) {
            size_t ne;
            const hl_rule_error *e = hl_briefs_errors(b, &ne);
            for (size_t i = 0; i < ne && i < 5; i++)
                fprintf(stderr, "  rule error: %s\n", e[i].message);
        }
        hl_briefs_free(b);
        printf("  run %d: %.3f s (CPU %.3f s)\n", k + 1, secs[k], cpus[k]);
        fflush(stdout);
    }
    qsort(secs, (size_t)repeats, sizeof *secs, cmp_double);
    qsort(cpus, (size_t)repeats, sizeof *cpus, cmp_double);
    double med = repeats % 2 ? secs[repeats / 2] : 0.5 * (secs[repeats / 2 - 1] + secs[repeats / 2]);
    double cmed = repeats % 2 ? cpus[repeats / 2] : 0.5 * (cpus[repeats / 2 - 1] + cpus[repeats / 2]);
    printf("hl_rules_run: %zu ads, %zu diagnoses -> %zu briefs, %zu rule errors\n", nads, ndiag,
           nbriefs, nerrors);
    printf("median of %d: %.3f s total (CPU %.3f s), %.0f ads/s, %.0f diagnoses/s\n", repeats,
           med, cmed, (double)nads / med, (double)ndiag / med);
    printf("target, 100k ads in < 2 s on one core: %s (%.2f CPU s per 100k ads at this size)\n",
           cmed * 100000.0 / (double)nads < 2.0 ? "met" : "missed", cmed * 100000.0 / (double)nads);
    free(secs);
    free(cpus);
    hl_rules_free(r);
    hl_findings_free(f);
    hl_table_free(keep_table);
    return 0;
}
