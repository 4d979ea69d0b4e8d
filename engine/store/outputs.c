/*
 * outputs.c — what a run leaves in the store beyond the rows: its diagnoses, briefs and recipes
 * (a re-run of a date replaces them), the lineage of launched variants (an ad whose name carries
 * a recipe's lineage tag), the outcomes of their experiments, and the learnings aggregated from
 * those outcomes per action type and diagnosis.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

static hl_status sqlerr(hl_store *s, hl_error *err, const char *what)
{
    return hl_error_set(err, HL_EEXTERNAL, s->path, 0, 0, "%s: %s", what, sqlite3_errmsg(s->db));
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static void bind_val(sqlite3_stmt *st, int i, hl_val v)
{
    if (v.ok && isfinite(v.v))
        sqlite3_bind_double(st, i, v.v);
    else
        sqlite3_bind_null(st, i);
}

static const char *sid(const hl_subject *s)
{
    switch (s->level) {
    case HL_LEVEL_AD:
        return s->ad_id;
    case HL_LEVEL_ADGROUP:
        return s->adgroup_id;
    case HL_LEVEL_CAMPAIGN:
        return s->campaign_id;
    default:
        return s->advertiser_id;
    }
}

hl_status hl_store_save_outputs(hl_store *s, int64_t run_id, const hl_findings *f,
                                const hl_briefs *b, const hl_recipes *r, hl_error *err)
{
    int32_t as_of = hl_findings_as_of(f);
    sqlite3_stmt *del = NULL, *dx = NULL, *br = NULL, *rc = NULL;
    hl_status st = HL_OK;
    /* Recipes already delivered stay (they may have launched); the rest of the date's outputs
     * are replaced by this run's. */
    const char *clear[] = {
        "DELETE FROM diagnoses WHERE as_of = ?1",
        ("DELETE FROM recipes WHERE as_of = ?1 AND recipe_id NOT IN"
         " (SELECT recipe_id FROM deliveries WHERE status = 'delivered')"),
        "DELETE FROM briefs WHERE as_of = ?1 AND brief_id NOT IN (SELECT brief_id FROM recipes)"};
    for (int i = 0; i < 3; i++) {
        if (sqlite3_prepare_v2(s->db, clear[i], -1, &del, NULL) != SQLITE_OK)
            return sqlerr(s, err, "prepare");
        sqlite3_bind_int(del, 1, as_of);
        int ok = sqlite3_step(del) == SQLITE_DONE;
        sqlite3_finalize(del);
        if (!ok)
            return sqlerr(s, err, "replace the date's outputs");
    }
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO diagnoses (as_of, code, level, subject_id, summary, effect,"
                           " priority, run_id) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
                           -1, &dx, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "INSERT INTO briefs (brief_id, as_of, run_id, level, subject_id, code, rule,"
                           " title, priority, metric, baseline, expected_lift)"
                           " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"
                           " ON CONFLICT(brief_id) DO UPDATE SET run_id = excluded.run_id,"
                           " title = excluded.title, priority = excluded.priority",
                           -1, &br, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "INSERT INTO recipes (recipe_id, brief_id, as_of, action, variant,"
                           " lineage_tag, parent_ad_id, metric, baseline, expected_lift)"
                           " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)"
                           " ON CONFLICT(recipe_id) DO NOTHING",
                           -1, &rc, NULL) != SQLITE_OK) {
        st = sqlerr(s, err, "prepare");
        goto done;
    }
    size_t n;
    const hl_diagnosis *d = hl_findings_diagnoses(f, &n);
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(dx);
        sqlite3_bind_int(dx, 1, as_of);
        bind_text(dx, 2, d[i].code);
        bind_text(dx, 3, hl_level_name(d[i].subject.level));
        bind_text(dx, 4, sid(&d[i].subject));
        bind_text(dx, 5, d[i].summary);
        sqlite3_bind_double(dx, 6, d[i].effect);
        sqlite3_bind_double(dx, 7, d[i].priority);
        sqlite3_bind_int64(dx, 8, run_id);
        if (sqlite3_step(dx) != SQLITE_DONE) {
            st = sqlerr(s, err, "store a diagnosis");
            goto done;
        }
    }
    size_t nd;
    const hl_brief_diag *bd = hl_briefs_diagnoses(b, &nd);
    const hl_brief *bl = hl_briefs_list(b, &n);
    for (size_t i = 0; i < n; i++) {
        const hl_hypothesis *h = &bl[i].hypothesis;
        sqlite3_reset(br);
        bind_text(br, 1, bl[i].id);
        sqlite3_bind_int(br, 2, as_of);
        sqlite3_bind_int64(br, 3, run_id);
        bind_text(br, 4, hl_level_name(bl[i].subject.level));
        bind_text(br, 5, sid(&bl[i].subject));
        bind_text(br, 6, bd[bl[i].diag].code);
        bind_text(br, 7, bl[i].rule);
        bind_text(br, 8, bl[i].title);
        sqlite3_bind_double(br, 9, bl[i].priority);
        bind_text(br, 10, h->set ? h->metric : NULL);
        bind_val(br, 11, h->set ? h->baseline : hl_undef(""));
        bind_val(br, 12, h->set ? h->expected_lift : hl_undef(""));
        if (sqlite3_step(br) != SQLITE_DONE) {
            st = sqlerr(s, err, "store a brief");
            goto done;
        }
    }
    const hl_recipe *rl = hl_recipes_list(r, &n);
    for (size_t i = 0; i < n; i++) {
        const hl_action *a = &rl[i].brief->actions[rl[i].action];
        const hl_hypothesis *h = a->hypothesis.set ? &a->hypothesis : &rl[i].brief->hypothesis;
        sqlite3_reset(rc);
        bind_text(rc, 1, rl[i].id);
        bind_text(rc, 2, rl[i].brief->id);
        sqlite3_bind_int(rc, 3, as_of);
        bind_text(rc, 4, hl_action_type_name(a->type));
        sqlite3_bind_int(rc, 5, rl[i].variant);
        bind_text(rc, 6, rl[i].lineage_tag);
        bind_text(rc, 7, rl[i].nparents ? rl[i].parents[0] : NULL);
        bind_text(rc, 8, h->set ? h->metric : NULL);
        bind_val(rc, 9, h->set ? h->baseline : hl_undef(""));
        bind_val(rc, 10, h->set ? h->expected_lift : hl_undef(""));
        if (sqlite3_step(rc) != SQLITE_DONE) {
            st = sqlerr(s, err, "store a recipe");
            goto done;
        }
    }
done:
    sqlite3_finalize(dx);
    sqlite3_finalize(br);
    sqlite3_finalize(rc);
    return st;
}

/* The next "hl-" and ten base32 characters at or after *pos in the name; *pos moves past it. */
static void col_str(sqlite3_stmt *st, int i, char *dst, size_t cap);

static int next_tag(const char **pos, char tag[16])
{
    for (const char *p = *pos; p && (p = strstr(p, "hl-")) != NULL; p++) {
        int ok = 1;
        for (int i = 0; i < 10; i++) {
            char c = p[3 + i];
            if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))) {
                ok = 0;
                break;
            }
        }
        if (ok) {
            memcpy(tag, p, 13);
            tag[13] = '\0';
            *pos = p + 13;
            return 1;
        }
    }
    return 0;
}

hl_status hl_store_link_variants(hl_store *s, int32_t as_of, size_t *linked, hl_error *err)
{
    *linked = 0;
    sqlite3_stmt *q = NULL, *rq = NULL, *ins = NULL;
    hl_status st = HL_OK;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT n.ad_id, n.name, n.first_day FROM ad_names n"
                           " WHERE n.name LIKE '%hl-%' AND n.first_day <= ?1"
                           " AND n.ad_id NOT IN (SELECT variant_ad_id FROM lineage)",
                           -1, &q, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "SELECT recipe_id, brief_id, parent_ad_id FROM recipes"
                                  " WHERE lineage_tag = ?1",
                           -1, &rq, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "INSERT OR IGNORE INTO lineage (variant_ad_id, recipe_id, brief_id,"
                           " parent_ad_id, linked_day) VALUES (?1,?2,?3,?4,?5)",
                           -1, &ins, NULL) != SQLITE_OK) {
        st = sqlerr(s, err, "prepare");
        goto done;
    }
    sqlite3_bind_int(q, 1, as_of);
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *ad = (const char *)sqlite3_column_text(q, 0);
        const char *name = (const char *)sqlite3_column_text(q, 1);
        /* A variant of a variant carries its parent's tag and its own (generators append):
         * the last tag whose recipe belongs to another ad is the one it was launched with. */
        char tag[16], rid[128] = "", bid[128] = "", par[512] = "";
        const char *pos = name;
        while (next_tag(&pos, tag)) {
            sqlite3_reset(rq);
            sqlite3_bind_text(rq, 1, tag, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(rq) != SQLITE_ROW)
                continue;
            const char *parent = (const char *)sqlite3_column_text(rq, 2);
            if (parent && strcmp(parent, ad) == 0)
                continue; /* the parent itself renamed: not a new variant */
            col_str(rq, 0, rid, sizeof rid);
            col_str(rq, 1, bid, sizeof bid);
            col_str(rq, 2, par, sizeof par);
        }
        if (!rid[0])
            continue;
        sqlite3_reset(ins);
        bind_text(ins, 1, ad);
        bind_text(ins, 2, rid);
        bind_text(ins, 3, bid);
        bind_text(ins, 4, par[0] ? par : NULL);
        sqlite3_bind_int(ins, 5, sqlite3_column_int(q, 2));
        if (sqlite3_step(ins) != SQLITE_DONE) {
            st = sqlerr(s, err, "link a variant");
            goto done;
        }
        *linked += (size_t)sqlite3_changes(s->db);
    }
done:
    sqlite3_finalize(q);
    sqlite3_finalize(rq);
    sqlite3_finalize(ins);
    return st;
}

static void col_str(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    snprintf(dst, cap, "%s", v ? (const char *)v : "");
}

static hl_val col_val(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? hl_undef("none")
                                                     : hl_v(sqlite3_column_double(st, i));
}

hl_status hl_store_experiments(hl_store *s, hl_experiment **out, size_t *n, hl_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(
            s->db,
            "SELECT l.variant_ad_id, l.parent_ad_id, l.recipe_id, l.brief_id, r.action, b.code,"
            " coalesce(r.metric, b.metric), coalesce(r.baseline, b.baseline),"
            " coalesce(r.expected_lift, b.expected_lift), l.linked_day,"
            " o.verdict, o.final, o.lift, o.ci_low, o.ci_high, o.p, o.n_variant, o.n_parent,"
            " o.decided_day, o.note"
            " FROM lineage l JOIN recipes r ON r.recipe_id = l.recipe_id"
            " JOIN briefs b ON b.brief_id = l.brief_id"
            " LEFT JOIN outcomes o ON o.variant_ad_id = l.variant_ad_id ORDER BY l.linked_day, l.variant_ad_id",
            -1, &q, NULL) != SQLITE_OK)
        return sqlerr(s, err, "prepare");
    size_t cap = 0;
    hl_experiment *arr = NULL;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            hl_experiment *na = realloc(arr, cap * sizeof *na);
            if (!na) {
                free(arr);
                sqlite3_finalize(q);
                return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
            }
            arr = na;
        }
        hl_experiment *e = &arr[(*n)++];
        memset(e, 0, sizeof *e);
        col_str(q, 0, e->variant_ad_id, sizeof e->variant_ad_id);
        col_str(q, 1, e->parent_ad_id, sizeof e->parent_ad_id);
        col_str(q, 2, e->recipe_id, sizeof e->recipe_id);
        col_str(q, 3, e->brief_id, sizeof e->brief_id);
        col_str(q, 4, e->action, sizeof e->action);
        col_str(q, 5, e->code, sizeof e->code);
        col_str(q, 6, e->metric, sizeof e->metric);
        e->baseline = sqlite3_column_double(q, 7);
        e->expected_lift = sqlite3_column_double(q, 8);
        e->linked_day = sqlite3_column_int(q, 9);
        if (sqlite3_column_type(q, 10) != SQLITE_NULL)
            col_str(q, 10, e->verdict, sizeof e->verdict);
        else
            snprintf(e->verdict, sizeof e->verdict, "open");
        e->final = sqlite3_column_int(q, 11);
        e->lift = col_val(q, 12);
        e->ci_low = col_val(q, 13);
        e->ci_high = col_val(q, 14);
        e->p_value = col_val(q, 15);
        e->n_variant = sqlite3_column_double(q, 16);
        e->n_parent = sqlite3_column_double(q, 17);
        e->decided_day = sqlite3_column_int(q, 18);
        col_str(q, 19, e->note, sizeof e->note);
    }
    sqlite3_finalize(q);
    *out = arr;
    return HL_OK;
}

hl_status hl_store_save_outcome(hl_store *s, const hl_experiment *e, hl_error *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO outcomes (variant_ad_id, verdict, final, lift, ci_low,"
                           " ci_high, p, n_variant, n_parent, decided_day, note)"
                           " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)"
                           " ON CONFLICT(variant_ad_id) DO UPDATE SET verdict = excluded.verdict,"
                           " final = excluded.final, lift = excluded.lift, ci_low = excluded.ci_low,"
                           " ci_high = excluded.ci_high, p = excluded.p, n_variant = excluded.n_variant,"
                           " n_parent = excluded.n_parent, decided_day = excluded.decided_day,"
                           " note = excluded.note WHERE outcomes.final = 0",
                           -1, &st, NULL) != SQLITE_OK)
        return sqlerr(s, err, "prepare");
    bind_text(st, 1, e->variant_ad_id);
    bind_text(st, 2, e->verdict);
    sqlite3_bind_int(st, 3, e->final);
    bind_val(st, 4, e->lift);
    bind_val(st, 5, e->ci_low);
    bind_val(st, 6, e->ci_high);
    bind_val(st, 7, e->p_value);
    sqlite3_bind_double(st, 8, e->n_variant);
    sqlite3_bind_double(st, 9, e->n_parent);
    sqlite3_bind_int(st, 10, e->decided_day);
    bind_text(st, 11, e->note);
    int ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? HL_OK : sqlerr(s, err, "store an outcome");
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

hl_status hl_store_learnings(hl_store *s, hl_learning **out, size_t *n, hl_error *err)
{
    *out = NULL;
    *n = 0;
    hl_experiment *ex;
    size_t ne;
    hl_status st = hl_store_experiments(s, &ex, &ne, err);
    if (st != HL_OK)
        return st;
    hl_learning *ls = NULL;
    size_t nl = 0;
    double *lifts = malloc((ne ? ne : 1) * sizeof *lifts);
    if (!lifts) {
        free(ex);
        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
    }
    for (size_t i = 0; i < ne; i++) {
        hl_learning *l = NULL;
        for (size_t k = 0; k < nl; k++)
            if (strcmp(ls[k].action, ex[i].action) == 0 && strcmp(ls[k].code, ex[i].code) == 0)
                l = &ls[k];
        if (!l) {
            hl_learning *nls = realloc(ls, (nl + 1) * sizeof *nls);
            if (!nls)
                break;
            ls = nls;
            l = &ls[nl++];
            memset(l, 0, sizeof *l);
            snprintf(l->action, sizeof l->action, "%s", ex[i].action);
            snprintf(l->code, sizeof l->code, "%s", ex[i].code);
        }
        l->tried++;
        if (strcmp(ex[i].verdict, "confirmed") == 0)
            l->confirmed++;
        else if (strcmp(ex[i].verdict, "refuted") == 0)
            l->refuted++;
        else if (strcmp(ex[i].verdict, "inconclusive") == 0)
            l->inconclusive++;
        else
            l->open++;
    }
    /* median lift over decided outcomes, with a distribution-free interval from order
     * statistics (about 95 % for n >= 6; the full range below that) */
    for (size_t k = 0; k < nl; k++) {
        size_t m = 0;
        for (size_t i = 0; i < ne; i++)
            if (strcmp(ex[i].action, ls[k].action) == 0 && strcmp(ex[i].code, ls[k].code) == 0 &&
                ex[i].lift.ok && (strcmp(ex[i].verdict, "confirmed") == 0 ||
                                  strcmp(ex[i].verdict, "refuted") == 0))
                lifts[m++] = ex[i].lift.v;
        ls[k].median_lift = ls[k].lift_low = ls[k].lift_high = hl_undef("no decided outcome");
        if (!m)
            continue;
        qsort(lifts, m, sizeof *lifts, cmp_double);
        ls[k].median_lift = hl_v(m % 2 ? lifts[m / 2] : (lifts[m / 2 - 1] + lifts[m / 2]) / 2);
        double half = 0.98 * sqrt((double)m);
        long lo = (long)floor((double)m / 2 - half), hi = (long)ceil((double)m / 2 + half);
        if (lo < 0)
            lo = 0;
        if (hi > (long)m - 1)
            hi = (long)m - 1;
        ls[k].lift_low = hl_v(lifts[lo]);
        ls[k].lift_high = hl_v(lifts[hi]);
    }
    free(lifts);
    free(ex);
    *out = ls;
    *n = nl;
    return HL_OK;
}
