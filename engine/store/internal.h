/*
 * internal.h — the store's handle, shared by store.c (schema, rows, runs), outputs.c (briefs,
 * recipes, lineage, outcomes, learnings) and maintain.c (prune, export). Private.
 */
#ifndef HL_STORE_INTERNAL_H
#define HL_STORE_INTERNAL_H

#include <sqlite3.h>

#include "common/hash.h"
#include "hookline/store.h"

struct hl_store {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *ins_ad, *upd_ad, *ins_name, *ins_day, *upd_day, *prev_p, *save_p;
    size_t replaced, inserted;
    /* (ad id, name) pairs this session stored in ad_names, with the first_day it holds at
     * most: a row whose name is already there from an earlier day needs no upsert (it would
     * change nothing). Cleared on a rollback and a prune, which can undo what it remembers. */
    hl_strpool *names_seen;
    int32_t *names_day;
    size_t names_cap;
};

hl_status hl__store_exec(hl_store *s, const char *sql, hl_error *err);
/* Forgets the ad names remembered as stored (after anything that may have removed some). */
void hl__store_forget_names(hl_store *s);

#endif
