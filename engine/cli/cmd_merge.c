/*
 * cmd_merge.c — `hookline merge OUT1 OUT2 ... --out OUT`: joins the outputs of sharded runs
 * (each shard ran `hookline run --shard K/N` on its own advertisers and its own store) into one
 * set: findings (evidence indices renumbered), briefs by priority, recipes in their briefs'
 * order, and the Markdown and HTML reports rendered again from the merged data. Every shard
 * must be for the same as-of. Streamed (merge.h): memory holds one JSON element at a time plus
 * the models the reports need, not the shards' documents.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/merge.h"
#include "hookline/brief.h"
#include "hookline/compare.h"
#include "hookline/output.h"

static const hl_cli_opt opts[] = {
    {"out", 'o', HL_ARG_VALUE, "DIR", "where the merged outputs go"},
};

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

enum { NOUT = 5 };
static const char *const out_names[NOUT] = {"findings.json", "briefs.json", "briefs.md",
                                            "recipes.json", "report.html"};
enum { O_FINDINGS, O_BRIEFS, O_MD, O_RECIPES, O_HTML };
static const char *const shard_files[HL_MF_N] = {"findings.json", "briefs.json",
                                                 "recipes.json"};

static hl_status open_shard(hl_merge_shard *sh, const char *arg, hl_error *err)
{
    char dir[4200];
    resolve(arg, dir, sizeof dir);
    sh->arg = arg;
    for (int j = 0; j < HL_MF_N; j++) {
        hl_merge_file *mf = &sh->file[j];
        snprintf(mf->path, sizeof mf->path, "%.4100s/%s", dir, shard_files[j]);
        if (!(mf->fp = hl_jstream_fopen(mf->path, err)))
            return err->status;
    }
    return HL_OK;
}

/* The text of an "as_of" member for a message: its quotes off. */
static const char *date_text(const char *raw, char *buf, size_t cap)
{
    size_t n = strlen(raw);
    if (n >= 2 && raw[0] == '"' && raw[n - 1] == '"')
        snprintf(buf, cap, "%.*s", (int)(n - 2), raw + 1);
    else
        snprintf(buf, cap, "%s", *raw ? raw : "?");
    return buf;
}

/* Every file of every shard must be for the first shard's as-of (`files` of each checked). */
static int same_as_of(const hl_merge_shard *sh, size_t n, int files)
{
    const char *want = sh[0].file[HL_MF_FINDINGS].as_of;
    if (!*want) {
        hl_cli_errorf("merge: %s has no \"as_of\"", sh[0].file[HL_MF_FINDINGS].path);
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < HL_MF_N; j++) {
            const char *got = sh[i].file[j].as_of;
            if (!(files & (1 << j)) || (*got && strcmp(got, want) == 0))
                continue;
            char a[80], b[80];
            hl_cli_errorf("merge: %s is for %s, the first shard for %s",
                          j == HL_MF_FINDINGS ? sh[i].arg : sh[i].file[j].path,
                          date_text(got, a, sizeof a), date_text(want, b, sizeof b));
            return 0;
        }
    return 1;
}

/* Ends the writing of one output: a stream error becomes the file's error (and its temporary
 * file goes). */
static hl_status written(hl_atomic_file **af, hl_status st, hl_error *err)
{
    FILE *f = hl_atomic_stream(*af);
    if (st == HL_OK && (fflush(f) != 0 || ferror(f))) {
        st = hl_atomic_fail(*af, errno, err);
        *af = NULL;
    }
    return st;
}

/* The merged findings.json and briefs.json read back (from their temporary files) as the
 * models briefs.md and report.html are rendered from. */
static hl_status load_models(hl_atomic_file *const *af, const char *outdir, hl_findings **fd,
                             hl_briefs **briefs, hl_error *err)
{
    hl_status st = hl_findings_load_file(hl_atomic_temp_path(af[O_FINDINGS]), fd, err);
    int which = O_FINDINGS;
    if (st == HL_OK) {
        st = hl_briefs_load_file(hl_atomic_temp_path(af[O_BRIEFS]), *fd, briefs, err);
        which = O_BRIEFS;
    }
    if (st != HL_OK) /* name the file the user knows, not its temporary name */
        snprintf(err->file, sizeof err->file, "%.400s/%s (merged)", outdir, out_names[which]);
    return st;
}

static hl_status write_all(hl_merge_shard *sh, size_t n, hl_merge_findings *mf,
                           hl_merge_briefs *mb, const char *outdir, hl_error *err)
{
    hl_atomic_file *af[NOUT] = {NULL};
    hl_findings *fd = NULL;
    hl_briefs *briefs = NULL;
    hl_status st = HL_OK;
    for (int i = 0; st == HL_OK && i < NOUT; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%.4000s/%s", outdir, out_names[i]);
        if (!(af[i] = hl_atomic_open(p, err)))
            st = err->status;
    }
    if (st == HL_OK)
        st = written(&af[O_FINDINGS],
                     hl_merge_findings_write(mf, sh, n, hl_atomic_stream(af[O_FINDINGS]), err),
                     err);
    if (st == HL_OK)
        st = written(&af[O_BRIEFS],
                     hl_merge_briefs_write(mb, sh, n, hl_atomic_stream(af[O_BRIEFS]), err), err);
    if (st == HL_OK)
        st = written(&af[O_RECIPES],
                     hl_merge_recipes_write(mb, sh, hl_atomic_stream(af[O_RECIPES]), err), err);
    if (st == HL_OK)
        st = load_models(af, outdir, &fd, &briefs, err);
    if (st == HL_OK)
        st = written(&af[O_MD],
                     hl_output_briefs_md(hl_atomic_stream(af[O_MD]), briefs) < 0 ? HL_EEXTERNAL
                                                                                : HL_OK, err);
    if (st == HL_OK)
        st = written(&af[O_HTML],
                     hl_output_report_html(hl_atomic_stream(af[O_HTML]), briefs) < 0
                         ? HL_EEXTERNAL : HL_OK, err);
    /* only now, every file complete, does anything replace what OUT held */
    for (int i = 0; st == HL_OK && i < NOUT; i++) {
        st = hl_atomic_commit(af[i], err);
        af[i] = NULL;
    }
    if (st == HL_OK)
        st = hl_output_manifest(outdir, out_names, NOUT, hl_findings_as_of(fd), err);
    for (int i = 0; i < NOUT; i++)
        hl_atomic_abort(af[i]);
    hl_briefs_free(briefs);
    hl_findings_free(fd);
    return st;
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
    hl_merge_shard *sh = calloc(a.npos ? a.npos : 1, sizeof *sh);
    hl_merge_findings *mf = NULL;
    hl_merge_briefs *mb = NULL;
    hl_error err;
    rc = HL_EINPUT;
    if (!sh) {
        hl_cli_errorf("merge: out of memory");
        rc = HL_EINTERNAL;
        goto out;
    }
    if (!outdir || a.npos < 1) {
        hl_cli_errorf("merge: give the shard output directories and --out DIR");
        goto out;
    }
    /* every shard read through once, and found consistent, before anything is written */
    for (size_t i = 0; i < a.npos; i++)
        if (open_shard(&sh[i], a.pos[i], &err) != HL_OK) {
            rc = hl_cli_report(&err);
            goto out;
        }
    if (hl_merge_findings_scan(sh, a.npos, &mf, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    if (!same_as_of(sh, a.npos, 1 << HL_MF_FINDINGS))
        goto out;
    if (hl_merge_briefs_scan(sh, a.npos, &mb, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    if (!same_as_of(sh, a.npos, (1 << HL_MF_BRIEFS) | (1 << HL_MF_RECIPES)))
        goto out;
    struct stat sb;
    if (stat(outdir, &sb) != 0 && mkdir(outdir, 0777) != 0) {
        hl_cli_errorf("merge: cannot create %s: %s", outdir, strerror(errno));
        rc = HL_EEXTERNAL;
        goto out;
    }
    if (write_all(sh, a.npos, mf, mb, outdir, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    if (hl_cli_verbosity >= 1)
        fprintf(stderr, "hookline: merged %zu shard%s, %zu briefs -> %s\n", a.npos,
                a.npos == 1 ? "" : "s", hl_merge_briefs_count(mb), outdir);
    rc = 0;
out:
    hl_merge_findings_free(mf);
    hl_merge_briefs_free(mb);
    for (size_t i = 0; sh && i < a.npos; i++)
        for (int j = 0; j < HL_MF_N; j++)
            if (sh[i].file[j].fp)
                fclose(sh[i].file[j].fp);
    free(sh);
    hl_cli_args_free(&a);
    return rc;
}
