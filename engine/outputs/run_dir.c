/*
 * run_dir.c — writing a run's whole output directory: every file to a temporary name first,
 * all renamed into place only once all are complete, and manifest.json last, so a reader never
 * sees a mix of two runs and a failed run leaves the previous files as they were.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hookline/output.h"

#define MAX_FILES (8 + HL_RUN_MAX_MORE)

hl_status hl_output_run_dir(const char *dir, const hl_run_outputs *o, hl_error *err)
{
    const char *names[MAX_FILES] = {"findings.json", "briefs.json", "briefs.md", "recipes.json",
                                    "report.html"};
    size_t n = 5;
    if (o->extra_name && o->extra)
        names[n++] = o->extra_name;
    const size_t nfixed = n;
    size_t nmore = o->more ? o->nmore : 0;
    if (nmore > HL_RUN_MAX_MORE)
        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "too many output files (%zu)", nmore);
    for (size_t i = 0; i < nmore; i++) {
        if (!o->more[i].name || strchr(o->more[i].name, '/') || !o->more[i].write)
            return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "bad output file name");
        names[n++] = o->more[i].name;
    }
    hl_atomic_file *af[MAX_FILES] = {NULL};
    hl_status st = HL_OK;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        af[i] = hl_atomic_open(path, err);
        if (!af[i]) {
            st = err ? err->status : HL_EEXTERNAL;
            goto fail;
        }
    }
    if (hl_output_findings_json(hl_atomic_stream(af[0]), o->findings) < 0 ||
        hl_output_briefs_json(hl_atomic_stream(af[1]), o->briefs, o->rules_dir) < 0 ||
        hl_output_briefs_md(hl_atomic_stream(af[2]), o->briefs) < 0 ||
        hl_output_recipes_json(hl_atomic_stream(af[3]), o->recipes) < 0 ||
        hl_output_report_html(hl_atomic_stream(af[4]), o->briefs) < 0 ||
        (nfixed > 5 && o->extra(hl_atomic_stream(af[5]), o->extra_ud) < 0)) {
        st = hl_error_set(err, HL_EEXTERNAL, dir, 0, 0, "write error (disk full?)");
        goto fail;
    }
    for (size_t i = 0; i < nmore; i++) {
        if (o->more[i].write(hl_atomic_stream(af[nfixed + i]), o->more[i].ud) < 0) {
            st = hl_error_set(err, HL_EEXTERNAL, dir, 0, 0, "%s: write error (disk full?)",
                              o->more[i].name);
            goto fail;
        }
    }
    for (size_t i = 0; i < n; i++) {
        hl_status cs = hl_atomic_commit(af[i], err);
        af[i] = NULL;
        if (cs != HL_OK) {
            st = cs;
            goto fail;
        }
    }
    /* The manifest last: its presence says every file it lists is complete. */
    return hl_output_manifest(dir, names, n, hl_findings_as_of(o->findings), err);
fail:
    for (size_t i = 0; i < n; i++)
        hl_atomic_abort(af[i]);
    return st;
}
