/*
 * store.c — the SQLite history store: schema and migrations, row upserts, the sequential
 * evidence, runs, outputs and deliveries. Statements on the hot path (one per row) are
 * prepared once; everything else is prepared where it is used. Errors carry SQLite's message.
 */
#include "hookline/store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/internal.h"

static const char *const migrations[] = {
    /* version 1 */
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS ads ("
    "  ad_id TEXT PRIMARY KEY, advertiser_id TEXT, advertiser_name TEXT, campaign_id TEXT,"
    "  campaign_name TEXT, adgroup_id TEXT, adgroup_name TEXT, ad_name TEXT, currency TEXT,"
    "  first_day INTEGER, last_day INTEGER, name_day INTEGER);"
    "CREATE TABLE IF NOT EXISTS ad_names (ad_id TEXT NOT NULL REFERENCES ads(ad_id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL, first_day INTEGER NOT NULL, PRIMARY KEY (ad_id, name)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS daily (ad_id TEXT NOT NULL REFERENCES ads(ad_id) ON DELETE CASCADE,"
    "  day INTEGER NOT NULL, present INTEGER NOT NULL,"
    "  c0 REAL, c1 REAL, c2 REAL, c3 REAL, c4 REAL, c5 REAL, c6 REAL, c7 REAL,"
    "  c8 REAL, c9 REAL, c10 REAL, c11 REAL, c12 REAL, c13 REAL, c14 REAL, c15 REAL,"
    "  PRIMARY KEY (ad_id, day)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS daily_day ON daily(day);"
    "CREATE TABLE IF NOT EXISTS runs (run_id INTEGER PRIMARY KEY, as_of INTEGER NOT NULL,"
    "  started TEXT NOT NULL, finished TEXT, status TEXT NOT NULL, config_hash TEXT,"
    "  timings TEXT);"
    "CREATE TABLE IF NOT EXISTS seq_p (key TEXT NOT NULL, as_of INTEGER NOT NULL, p REAL NOT NULL,"
    "  PRIMARY KEY (key, as_of)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS diagnoses (as_of INTEGER NOT NULL, code TEXT NOT NULL,"
    "  level TEXT NOT NULL, subject_id TEXT, summary TEXT, effect REAL, priority REAL,"
    "  run_id INTEGER REFERENCES runs(run_id));"
    "CREATE INDEX IF NOT EXISTS diagnoses_as_of ON diagnoses(as_of);"
    "CREATE TABLE IF NOT EXISTS briefs (brief_id TEXT PRIMARY KEY, as_of INTEGER NOT NULL,"
    "  run_id INTEGER REFERENCES runs(run_id), level TEXT, subject_id TEXT, code TEXT, rule TEXT,"
    "  title TEXT, priority REAL, metric TEXT, baseline REAL, expected_lift REAL);"
    "CREATE TABLE IF NOT EXISTS recipes (recipe_id TEXT PRIMARY KEY,"
    "  brief_id TEXT NOT NULL REFERENCES briefs(brief_id) ON DELETE CASCADE,"
    "  as_of INTEGER NOT NULL, action TEXT NOT NULL, variant INTEGER, lineage_tag TEXT NOT NULL UNIQUE,"
    "  parent_ad_id TEXT, metric TEXT, baseline REAL, expected_lift REAL);"
    "CREATE TABLE IF NOT EXISTS deliveries (recipe_id TEXT PRIMARY KEY, status TEXT NOT NULL,"
    "  http_status INTEGER, attempts INTEGER, error TEXT, updated TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS lineage (variant_ad_id TEXT PRIMARY KEY,"
    "  recipe_id TEXT NOT NULL, brief_id TEXT NOT NULL, parent_ad_id TEXT, linked_day INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS outcomes (variant_ad_id TEXT PRIMARY KEY"
    "  REFERENCES lineage(variant_ad_id) ON DELETE CASCADE, verdict TEXT NOT NULL, final INTEGER NOT NULL,"
    "  lift REAL, ci_low REAL, ci_high REAL, p REAL, n_variant REAL, n_parent REAL,"
    "  decided_day INTEGER, note TEXT);",
};

static hl_status sqlerr(hl_store *s, hl_error *err, const char *what)
{
    return hl_error_set(err, HL_EEXTERNAL, s->path, 0, 0, "%s: %s", what, sqlite3_errmsg(s->db));
}

hl_status hl__store_exec(hl_store *s, const char *sql, hl_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        hl_error_set(err, HL_EEXTERNAL, s->path, 0, 0, "%s", msg ? msg : "SQLite error");
        sqlite3_free(msg);
        return HL_EEXTERNAL;
    }
    return HL_OK;
}

static int user_version(hl_store *s)
{
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

hl_status hl_store_open(const char *path, hl_store **out, hl_error *err)
{
    *out = NULL;
    hl_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return hl_error_set(err, HL_EINTERNAL, path, 0, 0, "out of memory");
    }
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        hl_status st = sqlerr(s, err, "cannot open the store");
        hl_store_close(s);
        return st;
    }
    sqlite3_busy_timeout(s->db, 10000);
    sqlite3_extended_result_codes(s->db, 1);
    /* WAL: readers never block the nightly writer, and a killed writer leaves the last
     * committed state intact. synchronous=NORMAL is durable across process crashes in WAL. */
    hl_status st = hl__store_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                                     "PRAGMA foreign_keys=ON;",
                                  err);
    if (st != HL_OK) {
        hl_store_close(s);
        return st;
    }
    int v = user_version(s);
    if (v < 0 || v > HL_STORE_SCHEMA_VERSION) {
        hl_store_close(s);
        return hl_error_set(err, HL_EEXTERNAL, path, 0, 0,
                            v < 0 ? "not a SQLite database"
                                  : "made by a newer hookline (schema version %d)",
                            v);
    }
    for (int m = v; m < HL_STORE_SCHEMA_VERSION; m++) {
        char sql[64];
        if ((st = hl__store_exec(s, "BEGIN IMMEDIATE", err)) != HL_OK ||
            (st = hl__store_exec(s, migrations[m], err)) != HL_OK) {
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            hl_store_close(s);
            return st;
        }
        snprintf(sql, sizeof sql, "PRAGMA user_version=%d; COMMIT;", m + 1);
        if ((st = hl__store_exec(s, sql, err)) != HL_OK) {
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            hl_store_close(s);
            return st;
        }
    }
    *out = s;
    return HL_OK;
}

void hl_store_close(hl_store *s)
{
    if (!s)
        return;
    hl_strpool_free(s->names_seen);
    free(s->names_day);
    sqlite3_finalize(s->ins_ad);
    sqlite3_finalize(s->upd_ad);
    sqlite3_finalize(s->ins_name);
    sqlite3_finalize(s->ins_day);
    sqlite3_finalize(s->upd_day);
    sqlite3_finalize(s->prev_p);
    sqlite3_finalize(s->save_p);
    sqlite3_close(s->db);
    free(s->path);
    free(s);
}

hl_status hl_store_begin(hl_store *s, hl_error *err)
{
    return hl__store_exec(s, "BEGIN IMMEDIATE", err);
}

hl_status hl_store_commit(hl_store *s, hl_error *err)
{
    return hl__store_exec(s, "COMMIT", err);
}

void hl__store_forget_names(hl_store *s)
{
    hl_strpool_free(s->names_seen);
    s->names_seen = NULL;
}

void hl_store_rollback(hl_store *s)
{
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    hl__store_forget_names(s);
}

/* Whether ad_names already holds (ad, name) with a first_day <= day from this session; else
 * remembers that it will after the caller's upsert. -1 on OOM (the caller upserts). */
static int name_stored(hl_store *s, const char *ad, const char *name, int32_t day)
{
    size_t la = strlen(ad), ln = strlen(name);
    char small[256], *key = la + ln + 1 <= sizeof small ? small : malloc(la + ln + 1);
    if (!key)
        return -1;
    memcpy(key, ad, la);
    key[la] = '\0'; /* ids never hold a NUL: ingest refuses them */
    memcpy(key + la + 1, name, ln);
    if (!s->names_seen && !(s->names_seen = hl_strpool_new())) {
        if (key != small)
            free(key);
        return -1;
    }
    int added = 0;
    uint32_t idx = hl_strpool_intern(s->names_seen, key, la + 1 + ln, &added);
    if (key != small)
        free(key);
    if (idx == HL_NONE)
        return -1;
    if (idx >= s->names_cap) {
        size_t nc = s->names_cap ? s->names_cap * 2 : 1024;
        while (nc <= idx)
            nc *= 2;
        int32_t *nd = realloc(s->names_day, nc * sizeof *nd);
        if (!nd)
            return -1;
        s->names_day = nd;
        s->names_cap = nc;
    }
    if (!added && s->names_day[idx] <= day)
        return 1;
    if (added || day < s->names_day[idx])
        s->names_day[idx] = day;
    return 0;
}

static int prep(hl_store *s, sqlite3_stmt **st, const char *sql)
{
    if (*st) {
        sqlite3_reset(*st);
        sqlite3_clear_bindings(*st);
        return 0;
    }
    return sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK
               ? 0
               : -1;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

hl_status hl_store_put_row(void *store, const hl_row *row, hl_error *err)
{
    hl_store *s = store;
    const char *const *t = row->text;
    /* the ad, its names as of the most recent day seen */
    if (prep(s, &s->ins_ad,
             "INSERT INTO ads (ad_id, advertiser_id, advertiser_name, campaign_id, campaign_name,"
             " adgroup_id, adgroup_name, ad_name, currency, first_day, last_day, name_day)"
             " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?10,?10)"
             " ON CONFLICT(ad_id) DO UPDATE SET"
             "  first_day = min(first_day, excluded.first_day),"
             "  last_day = max(last_day, excluded.last_day),"
             "  advertiser_id = CASE WHEN excluded.name_day >= name_day THEN coalesce(excluded.advertiser_id, advertiser_id) ELSE advertiser_id END,"
             "  advertiser_name = CASE WHEN excluded.name_day >= name_day THEN coalesce(excluded.advertiser_name, advertiser_name) ELSE advertiser_name END,"
             "  campaign_id = CASE WHEN excluded.name_day >= name_day THEN coalesce(excluded.campaign_id, campaign_id) ELSE campaign_id END,"
             "  campaign_name = CASE WHEN excluded.name_day >= name_day THEN coalesce(excluded.campaign_name, campaign_name) ELSE campaign_name END,"
             "  adgroup_id = CASE WHEN excluded.name_day >= name_day THEN coalesce(excluded.adgroup_id, adgroup_id) ELSE adgroup_id END,"
             "  adgroup_name = CASE WHEN excluded.name_day >= name_day THEN coalesce(excluded.adgroup_name, adgroup_name) ELSE adgroup_name END,"
             "  ad_name = CASE WHEN excluded.name_day >= name_day THEN coalesce(excluded.ad_name, ad_name) ELSE ad_name END,"
             "  currency = coalesce(excluded.currency, currency),"
             "  name_day = max(name_day, excluded.name_day)") < 0)
        return sqlerr(s, err, "prepare");
    int i = 1;
    static const hl_field order[] = {HL_F_AD_ID,      HL_F_ADVERTISER_ID, HL_F_ADVERTISER_NAME,
                                     HL_F_CAMPAIGN_ID, HL_F_CAMPAIGN_NAME, HL_F_ADGROUP_ID,
                                     HL_F_ADGROUP_NAME, HL_F_AD_NAME,      HL_F_CURRENCY};
    for (size_t k = 0; k < sizeof order / sizeof *order; k++)
        bind_text(s->ins_ad, i++, t[order[k]]);
    sqlite3_bind_int(s->ins_ad, 10, row->day);
    if (sqlite3_step(s->ins_ad) != SQLITE_DONE)
        return sqlerr(s, err, "store an ad");
    if (t[HL_F_AD_NAME] && name_stored(s, t[HL_F_AD_ID], t[HL_F_AD_NAME], row->day) != 1) {
        if (prep(s, &s->ins_name,
                 "INSERT INTO ad_names (ad_id, name, first_day) VALUES (?1, ?2, ?3)"
                 " ON CONFLICT(ad_id, name) DO UPDATE SET first_day = min(first_day, excluded.first_day)") < 0)
            return sqlerr(s, err, "prepare");
        bind_text(s->ins_name, 1, t[HL_F_AD_ID]);
        bind_text(s->ins_name, 2, t[HL_F_AD_NAME]);
        sqlite3_bind_int(s->ins_name, 3, row->day);
        if (sqlite3_step(s->ins_name) != SQLITE_DONE)
            return sqlerr(s, err, "store an ad name");
    }
    /* the day: insert, or replace when the values changed (a re-pulled day) */
    if (prep(s, &s->ins_day,
             "INSERT OR IGNORE INTO daily (ad_id, day, present, c0, c1, c2, c3, c4, c5, c6, c7,"
             " c8, c9, c10, c11, c12, c13, c14, c15) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,"
             "?12,?13,?14,?15,?16,?17,?18,?19)") < 0)
        return sqlerr(s, err, "prepare");
    sqlite3_stmt *st = s->ins_day;
    bind_text(st, 1, t[HL_F_AD_ID]);
    sqlite3_bind_int(st, 2, row->day);
    sqlite3_bind_int64(st, 3, row->present);
    for (int c = 0; c < HL_NCOUNTERS; c++)
        if (row->present & (1u << c))
            sqlite3_bind_double(st, 4 + c, row->v[c]);
        else
            sqlite3_bind_null(st, 4 + c);
    if (sqlite3_step(st) != SQLITE_DONE)
        return sqlerr(s, err, "store a day");
    if (sqlite3_changes(s->db) == 1) {
        s->inserted++;
        return HL_OK;
    }
    if (prep(s, &s->upd_day,
             "UPDATE daily SET present=?3, c0=?4, c1=?5, c2=?6, c3=?7, c4=?8, c5=?9, c6=?10,"
             " c7=?11, c8=?12, c9=?13, c10=?14, c11=?15, c12=?16, c13=?17, c14=?18, c15=?19"
             " WHERE ad_id=?1 AND day=?2 AND NOT (present IS ?3 AND c0 IS ?4 AND c1 IS ?5 AND"
             " c2 IS ?6 AND c3 IS ?7 AND c4 IS ?8 AND c5 IS ?9 AND c6 IS ?10 AND c7 IS ?11 AND"
             " c8 IS ?12 AND c9 IS ?13 AND c10 IS ?14 AND c11 IS ?15 AND c12 IS ?16 AND"
             " c13 IS ?17 AND c14 IS ?18 AND c15 IS ?19)") < 0)
        return sqlerr(s, err, "prepare");
    st = s->upd_day;
    bind_text(st, 1, t[HL_F_AD_ID]);
    sqlite3_bind_int(st, 2, row->day);
    sqlite3_bind_int64(st, 3, row->present);
    for (int c = 0; c < HL_NCOUNTERS; c++)
        if (row->present & (1u << c))
            sqlite3_bind_double(st, 4 + c, row->v[c]);
        else
            sqlite3_bind_null(st, 4 + c);
    if (sqlite3_step(st) != SQLITE_DONE)
        return sqlerr(s, err, "replace a day");
    s->replaced += (size_t)sqlite3_changes(s->db);
    return HL_OK;
}

size_t hl_store_take_replaced(hl_store *s)
{
    size_t n = s->replaced;
    s->replaced = 0;
    return n;
}

size_t hl_store_take_inserted(hl_store *s)
{
    size_t n = s->inserted;
    s->inserted = 0;
    return n;
}

int hl_store_date_range(hl_store *s, int32_t *first, int32_t *last)
{
    sqlite3_stmt *st;
    int rc = -1;
    if (sqlite3_prepare_v2(s->db, "SELECT min(day), max(day) FROM daily", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        *first = sqlite3_column_int(st, 0);
        *last = sqlite3_column_int(st, 1);
        rc = 0;
    }
    sqlite3_finalize(st);
    return rc;
}

hl_status hl_store_missing_days(hl_store *s, int32_t from, int32_t to, int32_t **days, size_t *n,
                                hl_error *err)
{
    *days = NULL;
    *n = 0;
    if (to < from)
        return HL_OK;
    size_t span = (size_t)(to - from + 1);
    unsigned char *have = calloc(span, 1);
    int32_t *out = malloc(span * sizeof *out);
    sqlite3_stmt *st = NULL;
    if (!have || !out) {
        free(have);
        free(out);
        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
    }
    if (sqlite3_prepare_v2(s->db, "SELECT DISTINCT day FROM daily WHERE day BETWEEN ?1 AND ?2",
                           -1, &st, NULL) != SQLITE_OK) {
        free(have);
        free(out);
        return sqlerr(s, err, "prepare");
    }
    sqlite3_bind_int(st, 1, from);
    sqlite3_bind_int(st, 2, to);
    while (sqlite3_step(st) == SQLITE_ROW)
        have[sqlite3_column_int(st, 0) - from] = 1;
    sqlite3_finalize(st);
    for (size_t i = 0; i < span; i++)
        if (!have[i])
            out[(*n)++] = from + (int32_t)i;
    free(have);
    *days = out;
    return HL_OK;
}

hl_status hl_store_load_table(hl_store *s, int32_t from, int32_t to, hl_table *t,
                              int (*keep)(void *ud, const char *advertiser_id), void *keep_ud,
                              hl_error *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT d.ad_id, d.day, d.present, d.c0, d.c1, d.c2, d.c3, d.c4, d.c5,"
                           " d.c6, d.c7, d.c8, d.c9, d.c10, d.c11, d.c12, d.c13, d.c14, d.c15,"
                           " a.advertiser_id, a.advertiser_name, a.campaign_id, a.campaign_name,"
                           " a.adgroup_id, a.adgroup_name, a.ad_name, a.currency"
                           " FROM daily d JOIN ads a ON a.ad_id = d.ad_id"
                           " WHERE d.day BETWEEN ?1 AND ?2 ORDER BY a.rowid, d.day",
                           -1, &st, NULL) != SQLITE_OK)
        return sqlerr(s, err, "prepare");
    sqlite3_bind_int(st, 1, from);
    sqlite3_bind_int(st, 2, to);
    hl_status rc = HL_OK;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        hl_row row;
        memset(&row, 0, sizeof row);
        row.text[HL_F_AD_ID] = (const char *)sqlite3_column_text(st, 0);
        row.day = sqlite3_column_int(st, 1);
        row.present = (uint32_t)sqlite3_column_int64(st, 2);
        for (int c = 0; c < HL_NCOUNTERS; c++)
            row.v[c] = sqlite3_column_double(st, 3 + c);
        static const hl_field names[] = {HL_F_ADVERTISER_ID, HL_F_ADVERTISER_NAME,
                                         HL_F_CAMPAIGN_ID,   HL_F_CAMPAIGN_NAME,
                                         HL_F_ADGROUP_ID,    HL_F_ADGROUP_NAME,
                                         HL_F_AD_NAME,       HL_F_CURRENCY};
        for (int k = 0; k < 8; k++)
            row.text[names[k]] = (const char *)sqlite3_column_text(st, 19 + k);
        if (keep && !keep(keep_ud, row.text[HL_F_ADVERTISER_ID]))
            continue;
        row.file = s->path;
        row.line = 0;
        if ((rc = hl_table_add(t, &row, err)) != HL_OK)
            break;
    }
    if (rc == HL_OK && step != SQLITE_DONE)
        rc = sqlerr(s, err, "read the rows");
    sqlite3_finalize(st);
    return rc;
}

double hl_store_prev_p(hl_store *s, const char *key, int32_t as_of)
{
    if (prep(s, &s->prev_p, "SELECT min(p) FROM seq_p WHERE key = ?1 AND as_of < ?2") < 0)
        return 0;
    sqlite3_bind_text(s->prev_p, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s->prev_p, 2, as_of);
    double p = 0;
    if (sqlite3_step(s->prev_p) == SQLITE_ROW && sqlite3_column_type(s->prev_p, 0) != SQLITE_NULL)
        p = sqlite3_column_double(s->prev_p, 0);
    sqlite3_reset(s->prev_p);
    return p > 0 && p <= 1 ? p : 0;
}

hl_status hl_store_save_p(hl_store *s, const char *key, int32_t as_of, double p, hl_error *err)
{
    if (!(p >= 0 && p <= 1))
        return HL_OK;
    if (prep(s, &s->save_p, "INSERT INTO seq_p (key, as_of, p) VALUES (?1, ?2, ?3)"
                            " ON CONFLICT(key, as_of) DO UPDATE SET p = excluded.p") < 0)
        return sqlerr(s, err, "prepare");
    sqlite3_bind_text(s->save_p, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s->save_p, 2, as_of);
    sqlite3_bind_double(s->save_p, 3, p);
    if (sqlite3_step(s->save_p) != SQLITE_DONE)
        return sqlerr(s, err, "store sequential evidence");
    return HL_OK;
}

hl_status hl_store_run_begin(hl_store *s, int32_t as_of, const char *config_hash, int64_t *run_id,
                             hl_error *err)
{
    /* The caller holds the store's run lock: a run still 'running' was killed. */
    hl_status xs = hl__store_exec(
        s, "UPDATE runs SET status = 'interrupted' WHERE status = 'running'", err);
    if (xs != HL_OK)
        return xs;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "INSERT INTO runs (as_of, started, status, config_hash)"
                                  " VALUES (?1, datetime('now'), 'running', ?2)",
                           -1, &st, NULL) != SQLITE_OK)
        return sqlerr(s, err, "prepare");
    sqlite3_bind_int(st, 1, as_of);
    bind_text(st, 2, config_hash);
    int ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    if (!ok)
        return sqlerr(s, err, "record the run");
    *run_id = sqlite3_last_insert_rowid(s->db);
    return HL_OK;
}

hl_status hl_store_run_end(hl_store *s, int64_t run_id, const char *status, const char *timings,
                           hl_error *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "UPDATE runs SET finished = datetime('now'), status = ?2,"
                                  " timings = ?3 WHERE run_id = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return sqlerr(s, err, "prepare");
    sqlite3_bind_int64(st, 1, run_id);
    bind_text(st, 2, status);
    bind_text(st, 3, timings);
    int ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? HL_OK : sqlerr(s, err, "record the run's end");
}

int hl_store_delivered(hl_store *s, const char *recipe_id)
{
    sqlite3_stmt *st;
    int yes = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM deliveries WHERE recipe_id = ?1 AND"
                                  " status = 'delivered'",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, recipe_id, -1, SQLITE_TRANSIENT);
        yes = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return yes;
}

hl_status hl_store_record_delivery(hl_store *s, const char *recipe_id, int delivered,
                                   long http_status, int attempts, const char *error,
                                   hl_error *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO deliveries (recipe_id, status, http_status, attempts, error,"
                           " updated) VALUES (?1, ?2, ?3, ?4, ?5, datetime('now'))"
                           " ON CONFLICT(recipe_id) DO UPDATE SET status = excluded.status,"
                           " http_status = excluded.http_status,"
                           " attempts = deliveries.attempts + excluded.attempts,"
                           " error = excluded.error, updated = excluded.updated"
                           " WHERE deliveries.status <> 'delivered'",
                           -1, &st, NULL) != SQLITE_OK)
        return sqlerr(s, err, "prepare");
    sqlite3_bind_text(st, 1, recipe_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, delivered ? "delivered" : "failed", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, http_status);
    sqlite3_bind_int(st, 4, attempts);
    bind_text(st, 5, error && *error ? error : NULL);
    int ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? HL_OK : sqlerr(s, err, "record a delivery");
}

int hl_store_integrity_ok(hl_store *s)
{
    sqlite3_stmt *st;
    int ok = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        ok = strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
    sqlite3_finalize(st);
    return ok;
}
