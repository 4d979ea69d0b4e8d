/*
 * output.h — writing files the way every hookline output must be written: to a temporary file
 * in the same directory, then renamed into place, so a reader never sees half a file and a
 * failed run leaves the previous file untouched (DESIGN.md §9–10).
 */
#ifndef HOOKLINE_OUTPUT_H
#define HOOKLINE_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "hookline/brief.h"
#include "hookline/compare.h"
#include "hookline/hookline.h"
#include "hookline/recipe.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hl_atomic_file hl_atomic_file;

/* Opens a temporary file beside path for writing. Returns NULL and fills err (HL_EEXTERNAL:
 * directory missing or not writable) on failure. The caller must end with hl_atomic_commit or
 * hl_atomic_abort, which free the handle. */
hl_atomic_file *hl_atomic_open(const char *path, hl_error *err);
/* The stream to write to; borrowed. */
FILE *hl_atomic_stream(hl_atomic_file *f);
/* The temporary file's name; borrowed, valid until commit or abort. What was written can be
 * read back from it after fflush(hl_atomic_stream(f)): `hookline merge` renders its reports
 * from the merged JSON before it renames anything into place. */
const char *hl_atomic_temp_path(const hl_atomic_file *f);
/* Flushes, syncs and renames into place. On any failure (a write error earlier, disk full)
 * removes the temporary file, leaves path untouched and returns HL_EEXTERNAL. */
hl_status hl_atomic_commit(hl_atomic_file *f, hl_error *err);
/* Removes the temporary file. Accepts NULL. */
void hl_atomic_abort(hl_atomic_file *f);
/* A writer saw its stream fail: removes the temporary file, frees the handle and fills err
 * with HL_EEXTERNAL naming the final path and errnum's reason (EIO when errnum is 0).
 * Returns HL_EEXTERNAL. */
hl_status hl_atomic_fail(hl_atomic_file *f, int errnum, hl_error *err);

/* findings.json (schema "hookline.findings/1", the contract of the compare issue), streamed
 * to f as it is produced. Returns 0, or -1 on a write error. */
int hl_output_findings_json(FILE *f, const hl_findings *fd);

/* briefs.json (schema "hookline.briefs/1") and briefs.md. rules_dir is recorded (may be NULL).
 * Return 0, or -1 on a write error. */
int hl_output_briefs_json(FILE *f, const hl_briefs *b, const char *rules_dir);
int hl_output_briefs_md(FILE *f, const hl_briefs *b);

/* report.html: one self-contained static page (inline CSS and SVG, no script, nothing fetched)
 * with the account summary, the briefs by priority and, per ad group, each ad's funnel,
 * retention curve, goal-metric lift (forest plot) and daily CTR/CPM sparklines; the findings
 * come from hl_briefs_findings(b). Every user string is HTML-escaped; undefined numbers print as
 * "–". Deterministic: the as-of date is its only date. Returns 0, or -1 on a write error or out
 * of memory. */
int hl_output_report_html(FILE *f, const hl_briefs *b);

/* DIR/manifest.json (schema "hookline.manifest/1"): each of names (files in dir) with its size
 * and SHA-256, written atomically and last, so a reader who sees it knows the run completed. */
hl_status hl_output_manifest(const char *dir, const char *const *names, size_t n, int32_t as_of,
                             hl_error *err);

/* A run's output directory: findings.json, briefs.json, briefs.md, recipes.json, report.html
 * (and one extra file when extra is set, and the `more` files), written to temporary names,
 * renamed once all are complete, then manifest.json. dir must exist. */
typedef struct hl_run_outputs {
    const hl_findings *findings;
    const hl_briefs *briefs;
    const hl_recipes *recipes;
    const char *rules_dir;
    const char *extra_name;                 /* e.g. "experiments.json", or NULL */
    int (*extra)(FILE *f, void *ud);        /* 0, or -1 on a write error */
    void *extra_ud;
    const struct hl_run_file *more;         /* further files (template reports), or NULL */
    size_t nmore;                           /* at most HL_RUN_MAX_MORE */
} hl_run_outputs;

/* A further file of a run directory: a plain name (no '/') and its writer. */
typedef struct hl_run_file {
    const char *name;
    int (*write)(FILE *f, void *ud); /* 0, or -1 on a write error */
    void *ud;
} hl_run_file;
#define HL_RUN_MAX_MORE 48

hl_status hl_output_run_dir(const char *dir, const hl_run_outputs *o, hl_error *err);

/* recipes.json (schema "hookline.recipes/1"). Returns 0, or -1 on a write error. */
int hl_output_recipes_json(FILE *f, const hl_recipes *r);

#ifdef __cplusplus
}
#endif

#endif
