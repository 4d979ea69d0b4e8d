/*
 * load.h — what the two readers of briefs.json share: load.c takes the document in memory,
 * load_file.c streams it from its file one element at a time (`hookline merge`). Both match a
 * brief's subject and diagnosis to the findings through the hash indices here, not by scanning
 * every ad and diagnosis for every brief (30,000 briefs against 30,000 diagnoses and 50,000
 * ads would be 10^9 string compares). Private to the brief stage.
 */
#ifndef HL_BRIEF_LOAD_H
#define HL_BRIEF_LOAD_H

#include <stdint.h>

#include "common/hash.h"
#include "hookline/brief.h"

struct cJSON;

typedef struct hl_brief_loader {
    hl_briefs *b;
    const hl_findings *f;
    hl_u64map ads;     /* hash of an ad id -> its first ad view; further ones through ad_next */
    uint32_t *ad_next;
    hl_u64map dx;      /* hash of level, code and subject id -> the first diagnosis; dx_next */
    uint32_t *dx_next;
} hl_brief_loader;

/* An empty set for f with its indices. HL_OK, or HL_EINTERNAL (err filled) on OOM. */
hl_status hl__brief_load_begin(hl_brief_loader *L, const hl_findings *f, hl_error *err);
/* One element of "briefs", "rule_errors" or "suppressed". HL_OK, or HL_EINTERNAL on OOM. */
hl_status hl__brief_load_brief(hl_brief_loader *L, const struct cJSON *it, hl_error *err);
hl_status hl__brief_load_error(hl_brief_loader *L, const struct cJSON *it, hl_error *err);
hl_status hl__brief_load_suppressed(hl_brief_loader *L, const struct cJSON *it, hl_error *err);
/* Sorts the briefs and hands them over (*out owned by the caller, hl_briefs_free) when st is
 * HL_OK; frees them otherwise. Frees the indices either way. Returns st. */
hl_status hl__brief_load_end(hl_brief_loader *L, hl_status st, hl_briefs **out);

#endif
