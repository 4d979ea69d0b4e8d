/*
 * internal.h — the store's handle, shared by store.c (schema, rows, runs), outputs.c (briefs,
 * recipes, lineage, outcomes, learnings) and maintain.c (prune, export). Private.
 */
#ifndef HL_STORE_INTERNAL_H
#define HL_STORE_INTERNAL_H

#include <sqlite3.h>

#include "hookline/store.h"

struct hl_store {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *ins_ad, *upd_ad, *ins_name, *ins_day, *upd_day, *prev_p, *save_p;
    size_t replaced, inserted;
};

hl_status hl__store_exec(hl_store *s, const char *sql, hl_error *err);

#endif
