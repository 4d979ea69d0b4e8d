/*
 * merge.h — the parts of `hookline merge` (cmd_merge.c) that join the shards' JSON files:
 * merge_scan.c reads each shard file once, validating it and noting where its arrays are;
 * merge_findings.c and merge_briefs.c then write the joined files, copying every element's
 * bytes as the shard wrote them (numbers included) and holding one element at a time.
 */
#ifndef HL_CLI_MERGE_H
#define HL_CLI_MERGE_H

#include <stdint.h>
#include <stdio.h>

#include "common/jsonstream.h"
#include "hookline/hookline.h"

/* hl_error_set (line and column 0) for the callbacks here, which answer 0 or -1: returns -1. */
int hl_merge_fail(hl_error *err, hl_status st, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

enum { HL_MF_FINDINGS, HL_MF_BRIEFS, HL_MF_RECIPES, HL_MF_N };

/* The top-level members of a document that are not merged arrays, as the first shard wrote
 * them (key decoded, value raw), in order: they are written once, before the arrays. */
typedef struct hl_merge_header {
    char **keys, **vals;
    size_t n;
} hl_merge_header;

#define HL_MERGE_MAX_ARRAYS 8

/* One shard file: its path and stream, and where each array named to hl_merge_scan starts
 * (at[k] valid when bit k of has is set). */
typedef struct hl_merge_file {
    char path[4300];
    FILE *fp;
    char as_of[64];    /* the "as_of" member's raw text ("" when absent) */
    uint64_t at[HL_MERGE_MAX_ARRAYS];
    unsigned has;
} hl_merge_file;

typedef struct hl_merge_shard {
    const char *arg; /* as given on the command line */
    hl_merge_file file[HL_MF_N];
} hl_merge_shard;

/* Called by hl_merge_scan for each named array with the stream before the array: it must
 * consume the value (hl_jstream_enter and its elements, or hl_jstream_skip). 0, or -1 with
 * err filled. */
typedef int (*hl_merge_array_fn)(void *ud, size_t which, hl_jstream *s, hl_error *err);

/* Reads the file from its start to its end: records the arrays' offsets (arrays[k] gives bit
 * k), hands each array to fn (NULL: skipped), and keeps the other members in hdr (NULL: not
 * kept). An array given twice is an error. HL_OK, or the error. */
hl_status hl_merge_scan(hl_merge_file *mf, const char *const *arrays, size_t narrays,
                        hl_merge_header *hdr, hl_merge_array_fn fn, void *ud, hl_error *err);
void hl_merge_header_free(hl_merge_header *h);

/* Enters the pending array of s and hands each element to fn with its raw text and its
 * offset in the file. 0, or -1 with err filled. */
typedef int (*hl_merge_elem_fn)(void *ud, const char *text, size_t len, uint64_t at,
                                hl_error *err);
int hl_merge_elements(hl_jstream *s, hl_merge_elem_fn fn, void *ud, hl_error *err);
/* The same for array k of mf (hl_merge_scan found it), read again from the file. Nothing when
 * the shard had no such array. */
hl_status hl_merge_each(hl_merge_file *mf, size_t k, hl_merge_elem_fn fn, void *ud,
                        hl_error *err);

/* Writing the joined document in hookline's own layout: "{" and the header members, then each
 * array as `"name": [` (the caller writes the separator before it, as hookline's writers do)
 * with its elements one per line, or inline separated by ", ". */
void hl_merge_write_header(FILE *out, const hl_merge_header *h);
typedef struct hl_merge_array {
    FILE *out;
    size_t n;
    int inline_;
} hl_merge_array;
void hl_merge_array_open(hl_merge_array *a, FILE *out, const char *name, int inline_);
void hl_merge_array_add(hl_merge_array *a, const char *text, size_t len);
void hl_merge_array_close(hl_merge_array *a);

/* The joined findings.json of the shards (the first one's header, notes without repeats, the
 * arrays in shard order, evidence indices shifted) to out. Pass 1 (hl_merge_findings_scan)
 * reads each shard's file once; the caller then checks that all are for one as-of (the files'
 * as_of). *out is owned by the caller (hl_merge_findings_free), set even when the scan fails. */
typedef struct hl_merge_findings hl_merge_findings;
hl_status hl_merge_findings_scan(hl_merge_shard *sh, size_t n, hl_merge_findings **out,
                                 hl_error *err);
hl_status hl_merge_findings_write(hl_merge_findings *m, hl_merge_shard *sh, size_t n, FILE *out,
                                  hl_error *err);
void hl_merge_findings_free(hl_merge_findings *m);

/* briefs.json in one run's order (priority descending, ties by id) and recipes.json in their
 * briefs' order, from an index of where each element is: pass 1 reads each shard's files
 * once, pass 2 copies the elements' bytes in the new order. *out is owned by the caller
 * (hl_merge_briefs_free), set even when the scan fails. */
typedef struct hl_merge_briefs hl_merge_briefs;
hl_status hl_merge_briefs_scan(hl_merge_shard *sh, size_t n, hl_merge_briefs **out,
                               hl_error *err);
hl_status hl_merge_briefs_write(hl_merge_briefs *m, hl_merge_shard *sh, size_t n, FILE *out,
                                hl_error *err);
hl_status hl_merge_recipes_write(hl_merge_briefs *m, hl_merge_shard *sh, FILE *out,
                                 hl_error *err);
size_t hl_merge_briefs_count(const hl_merge_briefs *m);
void hl_merge_briefs_free(hl_merge_briefs *m);

#endif
