/*
 * cmd_merge.c — `hookline merge OUT1 OUT2 ... --out OUT`: joins the outputs of sharded runs
 * (each shard ran `hookline run --shard K/N` on its own advertisers and its own store) into one
 * set: findings (evidence indices renumbered), briefs by priority, recipes, and the Markdown and
 * HTML reports rendered again from the merged data. Every shard must be for the same as-of.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "common/jsonw.h"
#include "hookline/brief.h"
#include "hookline/compare.h"
#include "hookline/output.h"

static const hl_cli_opt opts[] = {
    {"out", 'o', HL_ARG_VALUE, "DIR", "where the merged outputs go"},
};

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *b = malloc(cap + 1);
    while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = cap < (1u << 30) ? realloc(b, cap * 2 + 1) : NULL;
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (b) {
        b[n] = '\0';
        *len = n;
    }
    return b;
}

static cJSON *load(const char *dir, const char *name)
{
    char p[4200];
    snprintf(p, sizeof p, "%.4000s/%s", dir, name);
    size_t len;
    char *t = slurp(p, &len);
    cJSON *d = t ? cJSON_ParseWithLength(t, len) : NULL;
    free(t);
    if (!d)
        hl_cli_errorf("merge: cannot read %s", p);
    return d;
}

/* A run directory: DIR itself when it has a manifest, else DIR/latest. */
static void resolve(const char *in, char *out, size_t cap)
{
    struct stat sb;
    char m[4200];
    snprintf(m, sizeof m, "%.4000s/manifest.json", in);
    if (stat(m, &sb) == 0)
        snprintf(out, cap, "%s", in);
    else
        snprintf(out, cap, "%.4000s/latest", in);
}

static void append_all(cJSON *dst, const cJSON *src, const char *key)
{
    cJSON *to = cJSON_GetObjectItemCaseSensitive(dst, key);
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(src, key))
    {
        cJSON_AddItemToArray(to, cJSON_Duplicate(it, 1));
    }
}

static int by_priority(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    double px = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(x, "priority"));
    double py = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(y, "priority"));
    if (px != py)
        return px > py ? -1 : 1;
    return strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "id")),
                  cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(y, "id")));
}

static hl_status write_json(const char *dir, const char *name, const cJSON *doc, hl_error *err)
{
    char p[4200];
    snprintf(p, sizeof p, "%.4000s/%s", dir, name);
    hl_atomic_file *af = hl_atomic_open(p, err);
    if (!af)
        return err->status;
    /* every number in its shortest exact form: cJSON's printer drops digits (15 significant),
     * and a merged night must say exactly what its shards said */
    char *t = hl_json_print_exact(doc);
    if (!t) {
        hl_atomic_abort(af);
        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
    }
    fputs(t, hl_atomic_stream(af));
    fputc('\n', hl_atomic_stream(af));
    free(t);
    return hl_atomic_commit(af, err);
}

int hl_cli_merge(int argc, char **argv)
{
    hl_cli_args a;
    int rc = hl_cli_parse(argc, argv, "merge",
                          "OUT1 OUT2 ... --out OUT\n\nJoins the outputs of sharded runs (each a "
                          "run directory, or an output root whose latest is used). Shards split by "
                          "advertiser decide as one run would: multiplicity is adjusted per "
                          "advertiser (analysis.adjust_per_advertiser).",
                          opts, 1, &a);
    if (rc == 1)
        return 0;
    if (rc)
        return rc;
    const char *outdir = hl_cli_get(&a, "out");
    cJSON *F = NULL, *B = NULL, *R = NULL;
    hl_findings *fd = NULL;
    hl_briefs *briefs = NULL;
    char *ftxt = NULL, *btxt = NULL;
    hl_error err;
    rc = HL_EINPUT;
    if (!outdir || a.npos < 1) {
        hl_cli_errorf("merge: give the shard output directories and --out DIR");
        goto out;
    }
    for (size_t i = 0; i < a.npos; i++) {
        char dir[4200];
        resolve(a.pos[i], dir, sizeof dir);
        cJSON *f = load(dir, "findings.json"), *b = load(dir, "briefs.json"),
              *r = load(dir, "recipes.json");
        if (!f || !b || !r) {
            cJSON_Delete(f);
            cJSON_Delete(b);
            cJSON_Delete(r);
            goto out;
        }
        if (!F) {
            F = f;
            B = b;
            R = r;
            continue;
        }
        const char *a0 = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(F, "as_of"));
        const char *a1 = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "as_of"));
        if (!a0 || !a1 || strcmp(a0, a1) != 0) {
            hl_cli_errorf("merge: %s is for %s, the first shard for %s", a.pos[i], a1 ? a1 : "?",
                          a0 ? a0 : "?");
            cJSON_Delete(f);
            cJSON_Delete(b);
            cJSON_Delete(r);
            goto out;
        }
        /* evidence indices point into this shard's arrays: shift them */
        int nc = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(F, "comparisons"));
        int nt = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(F, "trends"));
        cJSON *d;
        cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(f, "diagnoses"))
        {
            cJSON *e;
            cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(d, "evidence"))
            {
                cJSON *ci = cJSON_GetObjectItemCaseSensitive(e, "comparison");
                cJSON *ti = cJSON_GetObjectItemCaseSensitive(e, "trend");
                if (cJSON_IsNumber(ci))
                    cJSON_SetNumberValue(ci, ci->valuedouble + nc);
                if (cJSON_IsNumber(ti))
                    cJSON_SetNumberValue(ti, ti->valuedouble + nt);
            }
        }
        append_all(F, f, "ads");
        append_all(F, f, "comparisons");
        append_all(F, f, "trends");
        append_all(F, f, "diagnoses");
        cJSON *notes = cJSON_GetObjectItemCaseSensitive(F, "notes");
        cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(f, "notes"))
        {
            int dup = 0;
            cJSON *x;
            cJSON_ArrayForEach(x, notes)
            {
                if (cJSON_IsString(x) && cJSON_IsString(d) && strcmp(x->valuestring, d->valuestring) == 0)
                    dup = 1;
            }
            if (!dup)
                cJSON_AddItemToArray(notes, cJSON_Duplicate(d, 1));
        }
        append_all(B, b, "briefs");
        append_all(B, b, "suppressed");
        append_all(B, b, "rule_errors");
        append_all(R, r, "recipes");
        cJSON_Delete(f);
        cJSON_Delete(b);
        cJSON_Delete(r);
    }
    /* briefs by priority, as one run orders them */
    cJSON *bl = cJSON_GetObjectItemCaseSensitive(B, "briefs");
    int n = cJSON_GetArraySize(bl);
    cJSON **arr = calloc(n > 0 ? (size_t)n : 1, sizeof *arr);
    for (int i = 0; arr && i < n; i++)
        arr[i] = cJSON_DetachItemFromArray(bl, 0);
    if (arr) {
        qsort(arr, (size_t)n, sizeof *arr, by_priority);
        for (int i = 0; i < n; i++)
            cJSON_AddItemToArray(bl, arr[i]);
        free(arr);
    }
    struct stat sb;
    if (stat(outdir, &sb) != 0 && mkdir(outdir, 0777) != 0) {
        hl_cli_errorf("merge: cannot create %s", outdir);
        rc = HL_EEXTERNAL;
        goto out;
    }
    ftxt = hl_json_print_exact(F);
    btxt = hl_json_print_exact(B);
    if (!ftxt || !btxt || hl_findings_from_json(ftxt, strlen(ftxt), "merged findings", &fd, &err) != HL_OK ||
        hl_briefs_from_json(btxt, strlen(btxt), fd, &briefs, &err) != HL_OK) {
        rc = ftxt && btxt ? hl_cli_report(&err) : HL_EINTERNAL;
        goto out;
    }
    if (write_json(outdir, "findings.json", F, &err) != HL_OK ||
        write_json(outdir, "briefs.json", B, &err) != HL_OK ||
        write_json(outdir, "recipes.json", R, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    static const char *const rendered[] = {"briefs.md", "report.html"};
    for (int i = 0; i < 2; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%.4000s/%s", outdir, rendered[i]);
        hl_atomic_file *af = hl_atomic_open(p, &err);
        if (!af) {
            rc = hl_cli_report(&err);
            goto out;
        }
        int w = i == 0 ? hl_output_briefs_md(hl_atomic_stream(af), briefs)
                       : hl_output_report_html(hl_atomic_stream(af), briefs);
        if (w < 0) {
            hl_atomic_fail(af, errno, &err);
            rc = hl_cli_report(&err);
            goto out;
        }
        if (hl_atomic_commit(af, &err) != HL_OK) {
            rc = hl_cli_report(&err);
            goto out;
        }
    }
    const char *names[] = {"findings.json", "briefs.json", "briefs.md", "recipes.json",
                           "report.html"};
    if (hl_output_manifest(outdir, names, 5, hl_findings_as_of(fd), &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    if (hl_cli_verbosity >= 1)
        fprintf(stderr, "hookline: merged %zu shard%s, %d briefs -> %s\n", a.npos,
                a.npos == 1 ? "" : "s", n, outdir);
    rc = 0;
out:
    free(ftxt);
    free(btxt);
    hl_briefs_free(briefs);
    hl_findings_free(fd);
    cJSON_Delete(F);
    cJSON_Delete(B);
    cJSON_Delete(R);
    hl_cli_args_free(&a);
    return rc;
}
