/*
 * load.h — the pieces of reading findings.json back that its two readers share: load.c takes a
 * document held in memory (fixtures, rule tests), load_file.c streams a file one array element
 * at a time (`hookline merge` on 10^6-row nights). Both feed the same per-element loaders, so
 * a finding reads back the same either way. Private to the compare stage.
 */
#ifndef HL_COMPARE_LOAD_H
#define HL_COMPARE_LOAD_H

#include "common/hash.h"
#include "compare/internal.h"

struct cJSON;

typedef struct hl_loader {
    hl_findings *f;
    const char *path;
    hl_error *err;
    hl_u64map groups; /* adgroup id pointer -> group index */
    size_t ngroups;
    hl_u64map ads;    /* ad id pointer -> ad view index */
    size_t capadv;
} hl_loader;

/* An element loader: the i-th element of its array. */
typedef hl_status (*hl_load_elem_fn)(hl_loader *L, const struct cJSON *it, size_t i);

/* The arrays of a findings document, in the order hookline writes them; NULL-terminated. */
typedef struct hl_load_section {
    const char *name;
    hl_load_elem_fn load;
} hl_load_section;
extern const hl_load_section hl__load_sections[];

/* Starts an empty hl_findings owned by L. HL_OK, or HL_EINTERNAL on OOM. */
hl_status hl__load_begin(hl_loader *L, const char *path, hl_error *err);
/* The run's settings and dates from the document's top-level members (obj may hold only
 * those). May come before or after the elements. */
hl_status hl__load_header(hl_loader *L, const struct cJSON *obj);
/* Checks what needs every element (evidence indices in range), fills the defaults that need
 * the header, indexes the ads. On HL_OK *out owns the findings; on failure they are freed.
 * L is emptied either way. */
hl_status hl__load_end(hl_loader *L, hl_status st, hl_findings **out);

#endif
