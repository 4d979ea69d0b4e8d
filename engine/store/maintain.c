/*
 * maintain.c — keeping the store small and backed up: pruning old days and runs, and exporting
 * every table as JSON lines (one object per row, with its table name), a format any tool reads.
 */
#include <stdio.h>
#include <string.h>

#include "common/jsonw.h"
#include "store/internal.h"

hl_status hl_store_prune(hl_store *s, int keep_days, size_t *removed, hl_error *err)
{
    *removed = 0;
    hl__store_forget_names(s); /* a pruned ad takes its names with it */
    int32_t first, last;
    if (hl_store_date_range(s, &first, &last) < 0)
        return HL_OK;
    int32_t cut = last - keep_days + 1;
    char sql[1024];
    hl_status st = hl__store_exec(s, "BEGIN IMMEDIATE", err);
    if (st != HL_OK)
        return st;
    /* An experiment still open needs its variant's and parent's days since the link: those
     * rows stay, whatever keep_days says (the verdict would otherwise change under it). */
    snprintf(sql, sizeof sql,
             "DELETE FROM daily WHERE day < %d AND NOT EXISTS (SELECT 1 FROM lineage l"
             " LEFT JOIN outcomes o ON o.variant_ad_id = l.variant_ad_id"
             " WHERE (o.final IS NULL OR o.final = 0) AND daily.day >= l.linked_day"
             " AND (daily.ad_id = l.variant_ad_id OR daily.ad_id = l.parent_ad_id))",
             (int)cut);
    if ((st = hl__store_exec(s, sql, err)) != HL_OK)
        goto fail;
    *removed = (size_t)sqlite3_changes(s->db);
    snprintf(sql, sizeof sql,
             "DELETE FROM seq_p WHERE as_of < %d; DELETE FROM diagnoses WHERE as_of < %d;"
             "DELETE FROM runs WHERE as_of < %d AND run_id NOT IN (SELECT run_id FROM briefs"
             " WHERE run_id IS NOT NULL) AND run_id NOT IN (SELECT run_id FROM diagnoses WHERE"
             " run_id IS NOT NULL);",
             (int)cut, (int)cut, (int)cut);
    if ((st = hl__store_exec(s, sql, err)) != HL_OK)
        goto fail;
    return hl__store_exec(s, "COMMIT", err);
fail:
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

hl_status hl_store_export(hl_store *s, FILE *f, hl_error *err)
{
    static const char *const tables[] = {"ads",        "ad_names", "daily",     "runs",
                                         "seq_p",      "diagnoses", "briefs",   "recipes",
                                         "deliveries", "lineage",  "outcomes"};
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT * FROM %s", tables[t]);
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
            return hl_error_set(err, HL_EEXTERNAL, s->path, 0, 0, "%s", sqlite3_errmsg(s->db));
        int cols = sqlite3_column_count(st);
        while (sqlite3_step(st) == SQLITE_ROW) {
            fputs("{\"table\": ", f);
            hl_json_string(f, tables[t]);
            for (int c = 0; c < cols; c++) {
                fputs(", ", f);
                hl_json_string(f, sqlite3_column_name(st, c));
                fputs(": ", f);
                switch (sqlite3_column_type(st, c)) {
                case SQLITE_INTEGER:
                    fprintf(f, "%lld", (long long)sqlite3_column_int64(st, c));
                    break;
                case SQLITE_FLOAT:
                    hl_json_number(f, sqlite3_column_double(st, c));
                    break;
                case SQLITE_NULL:
                    fputs("null", f);
                    break;
                default:
                    hl_json_string(f, (const char *)sqlite3_column_text(st, c));
                }
            }
            fputs("}\n", f);
        }
        sqlite3_finalize(st);
    }
    return ferror(f) ? hl_error_set(err, HL_EEXTERNAL, NULL, 0, 0, "write error") : HL_OK;
}
