/*
 * views.c — what rules see: read-only userdata views of the findings (wrk's pattern: C data
 * behind named metatables, fields computed on access). A view holds indices, not pointers, and
 * the generation of the call that made it: a view kept past its call (in a file-level table)
 * raises an error instead of reading freed or foreign data. Nothing is copied into Lua tables,
 * so a run over 100,000 ads costs only the fields the rules actually read.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "common/suggest.h"
#include "hookline/columns.h"
#include "hookline/metrics.h"
#include "rules/internal.h"

enum vkind {
    V_CTX, V_AD, V_COUNTERS, V_METRICS, V_CMP, V_TREND, V_CMPMAP, V_TRENDMAP, V_DIAG,
    V_DIAGLIST, V_PEERS, V_ADS, V_EVIDENCE, V_RELATED, V_SUBJECT
};

/* What each kind of view is called in messages, in enum vkind's order. */
static const char *const view_names[] = {"ctx",         "ad",        "counters", "metrics",
                                         "comparison",  "trend",     "comparisons",
                                         "trends",      "diagnosis", "diagnoses", "peers",
                                         "ads",         "evidence",  "related_ad_ids",
                                         "subject"};

typedef struct view {
    int kind;
    size_t a;
    unsigned long gen;
} view;

#define VIEW_MT "hookline.view"

static hl_lstate *lstate(lua_State *L)
{
    return *(hl_lstate **)lua_getextraspace(L);
}

static void push_view(lua_State *L, int kind, size_t a)
{
    hl_lstate *ls = lstate(L);
    view *v = lua_newuserdatauv(L, sizeof *v, 0);
    v->kind = kind;
    v->a = a;
    v->gen = ls->r->call.gen;
    lua_rawgeti(L, LUA_REGISTRYINDEX, ls->view_mt_ref);
    lua_setmetatable(L, -2);
}

/* The view at index 1, or NULL: its metatable compared by identity (luaL_checkudata looks the
 * metatable up by name in the registry on every call). */
static view *test_view(lua_State *L)
{
    view *v = lua_touserdata(L, 1);
    if (!v || lua_type(L, 1) != LUA_TUSERDATA || !lua_getmetatable(L, 1))
        return NULL;
    int same = lua_topointer(L, -1) == lstate(L)->view_mt;
    lua_pop(L, 1);
    return same ? v : NULL;
}

void hl__push_ctx(lua_State *L, hl_rules *r)
{
    (void)r;
    push_view(L, V_CTX, 0);
}

void hl__push_ad(lua_State *L, size_t ad)
{
    push_view(L, V_AD, ad);
}

static view *check_view(lua_State *L, hl_rules *r)
{
    view *v = test_view(L);
    if (!v)
        v = luaL_checkudata(L, 1, VIEW_MT); /* raises the usual "view expected" error */
    if (v->gen != r->call.gen || !r->call.f)
        luaL_error(L, "a view from an earlier call was used (views are valid only during the "
                      "call that received them; copy the values you need)");
    return v;
}

static void push_str(lua_State *L, const char *s)
{
    if (s)
        lua_pushstring(L, s);
    else
        lua_pushnil(L);
}

static void push_val(lua_State *L, hl_val v)
{
    if (v.ok && isfinite(v.v))
        lua_pushnumber(L, v.v);
    else
        lua_pushnil(L);
}

static void push_subject_field(lua_State *L, const hl_subject *s, const char *k, int *found)
{
    *found = 1;
    if (strcmp(k, "level") == 0)
        lua_pushstring(L, hl_level_name(s->level));
    else if (strcmp(k, "ad_id") == 0)
        push_str(L, s->ad_id);
    else if (strcmp(k, "ad_name") == 0)
        push_str(L, s->ad_name);
    else if (strcmp(k, "adgroup_id") == 0)
        push_str(L, s->adgroup_id);
    else if (strcmp(k, "adgroup_name") == 0)
        push_str(L, s->adgroup_name);
    else if (strcmp(k, "campaign_id") == 0)
        push_str(L, s->campaign_id);
    else if (strcmp(k, "campaign_name") == 0)
        push_str(L, s->campaign_name);
    else if (strcmp(k, "advertiser_id") == 0)
        push_str(L, s->advertiser_id);
    else
        *found = 0;
}

static const hl_ad_view *ad_at(hl_rules *r, size_t i)
{
    size_t n;
    const hl_ad_view *ads = hl_findings_ads(r->call.f, &n);
    return i < n ? &ads[i] : NULL;
}

/* A custom column over the ad's window totals: a number, or nil when undefined (a division
 * by zero, a missing input). A broken formula is the user's column file: the rule fails with
 * the column's own message. Returns 0 when no column has that name. */
static int push_custom(lua_State *L, hl_rules *r, const hl_ad_view *a, const char *k)
{
    int ci = hl_columns_find(r->columns, k);
    if (ci < 0)
        return 0;
    hl_agg_row row;
    memset(&row, 0, sizeof row);
    row.text[HL_F_AD_ID] = a->subject.ad_id;
    row.text[HL_F_AD_NAME] = a->subject.ad_name;
    row.text[HL_F_ADGROUP_ID] = a->subject.adgroup_id;
    row.text[HL_F_ADGROUP_NAME] = a->subject.adgroup_name;
    row.text[HL_F_CAMPAIGN_ID] = a->subject.campaign_id;
    row.text[HL_F_CAMPAIGN_NAME] = a->subject.campaign_name;
    row.text[HL_F_ADVERTISER_ID] = a->subject.advertiser_id;
    row.text[HL_F_CURRENCY] = a->currency;
    row.day = -1;
    row.days = (uint32_t)(a->days > 0 ? a->days : 0);
    row.present = a->present;
    memcpy(row.v, a->v, sizeof row.v);
    hl_val out;
    hl_error err;
    memset(&err, 0, sizeof err);
    if (hl_columns_eval(r->columns, (size_t)ci, &row, &out, &err) != HL_OK) {
        char where[600];
        snprintf(where, sizeof where, "%.500s:%lu", err.file, err.line);
        return luaL_error(L, "custom column '%s' (%s): %s", k, where, err.msg);
    }
    if (out.ok && isfinite(out.v))
        lua_pushnumber(L, out.v);
    else
        lua_pushnil(L);
    return 1;
}

static int idx_ad(lua_State *L, hl_rules *r, size_t ai, const char *k)
{
    const hl_ad_view *a = ad_at(r, ai);
    if (!a)
        return 0;
    int found;
    if (strcmp(k, "id") == 0)
        push_str(L, a->subject.ad_id);
    else if (strcmp(k, "name") == 0)
        push_str(L, a->subject.ad_name);
    else if (strcmp(k, "currency") == 0)
        push_str(L, a->currency);
    else if (strcmp(k, "days") == 0)
        lua_pushinteger(L, a->days);
    else if (strcmp(k, "counters") == 0)
        push_view(L, V_COUNTERS, ai);
    else if (strcmp(k, "metrics") == 0)
        push_view(L, V_METRICS, ai);
    else if (strcmp(k, "comparisons") == 0)
        push_view(L, V_CMPMAP, ai);
    else if (strcmp(k, "trends") == 0)
        push_view(L, V_TRENDMAP, ai);
    else {
        push_subject_field(L, &a->subject, k, &found);
        if (!found)
            return 0;
    }
    return 1;
}

/* A finding's subject as a read-only table of the subject fields. */
static void push_subject_table(lua_State *L, const hl_subject *s)
{
    static const char *const keys[] = {"level",        "ad_id",       "ad_name",
                                       "adgroup_id",   "adgroup_name", "campaign_id",
                                       "campaign_name", "advertiser_id"};
    int found;
    lua_createtable(L, 0, 8);
    for (int i = 0; i < 8; i++) {
        push_subject_field(L, s, keys[i], &found);
        lua_setfield(L, -2, keys[i]);
    }
    hl__make_readonly(L);
}

static int idx_cmp(lua_State *L, hl_rules *r, size_t ci, const char *k)
{
    size_t n;
    const hl_comparison *c = hl_findings_comparisons(r->call.f, &n);
    if (ci >= n)
        return 0;
    c += ci;
    if (strcmp(k, "metric") == 0)
        lua_pushstring(L, hl_metric_info(c->metric)->name);
    else if (strcmp(k, "value") == 0)
        push_val(L, c->value);
    else if (strcmp(k, "reference") == 0)
        push_val(L, c->reference);
    else if (strcmp(k, "lift") == 0)
        push_val(L, c->lift);
    else if (strcmp(k, "ci_low") == 0)
        push_val(L, c->ci_low);
    else if (strcmp(k, "ci_high") == 0)
        push_val(L, c->ci_high);
    else if (strcmp(k, "p_value") == 0)
        push_val(L, c->p_value);
    else if (strcmp(k, "p_adjusted") == 0)
        push_val(L, c->p_adjusted);
    else if (strcmp(k, "chance_to_beat") == 0)
        push_val(L, c->chance_to_beat);
    else if (strcmp(k, "decision") == 0)
        lua_pushstring(L, hl_decision_name(c->decision));
    else if (strcmp(k, "method") == 0)
        push_str(L, c->method);
    else if (strcmp(k, "x") == 0)
        lua_pushnumber(L, c->x);
    else if (strcmp(k, "n") == 0)
        lua_pushnumber(L, c->n);
    else if (strcmp(k, "x_ref") == 0)
        lua_pushnumber(L, c->x_ref);
    else if (strcmp(k, "n_ref") == 0)
        lua_pushnumber(L, c->n_ref);
    else if (strcmp(k, "needed_remaining") == 0)
        push_val(L, c->needed_remaining);
    else if (strcmp(k, "needed_days") == 0)
        push_val(L, c->needed_days);
    else if (strcmp(k, "needed_unit") == 0)
        push_str(L, c->needed_unit);
    else if (strcmp(k, "subject") == 0)
        push_subject_table(L, &c->subject); /* the ad or ad group it is about */
    else
        return 0;
    return 1;
}

static int idx_trend(lua_State *L, hl_rules *r, size_t ti, const char *k)
{
    size_t n;
    const hl_trend *t = hl_findings_trends(r->call.f, &n);
    if (ti >= n)
        return 0;
    t += ti;
    if (strcmp(k, "metric") == 0)
        push_str(L, t->metric);
    else if (strcmp(k, "prior") == 0)
        push_val(L, t->prior);
    else if (strcmp(k, "recent") == 0)
        push_val(L, t->recent);
    else if (strcmp(k, "change") == 0)
        push_val(L, t->change);
    else if (strcmp(k, "ci_low") == 0)
        push_val(L, t->ci_low);
    else if (strcmp(k, "ci_high") == 0)
        push_val(L, t->ci_high);
    else if (strcmp(k, "p_value") == 0)
        push_val(L, t->p_value);
    else if (strcmp(k, "p_adjusted") == 0)
        push_val(L, t->p_adjusted);
    else if (strcmp(k, "direction") == 0)
        lua_pushstring(L, hl_trend_dir_name(t->direction));
    else if (strcmp(k, "days") == 0)
        lua_pushinteger(L, t->days);
    else if (strcmp(k, "method") == 0)
        push_str(L, t->method);
    else if (strcmp(k, "note") == 0)
        push_str(L, t->note);
    else if (strcmp(k, "subject") == 0)
        push_subject_table(L, &t->subject); /* the ad, ad group or account it is about */
    else
        return 0;
    return 1;
}

static const hl_brief_diag *diag_at(hl_rules *r, size_t i)
{
    size_t n;
    const hl_brief_diag *d = hl_briefs_diagnoses(r->call.briefs, &n);
    return i < n ? &d[i] : NULL;
}

static int idx_diag(lua_State *L, hl_rules *r, size_t di, const char *k)
{
    const hl_brief_diag *d = diag_at(r, di);
    if (!d)
        return 0;
    int found;
    if (strcmp(k, "code") == 0)
        push_str(L, d->code);
    else if (strcmp(k, "summary") == 0)
        push_str(L, d->summary);
    else if (strcmp(k, "effect") == 0)
        lua_pushnumber(L, d->effect);
    else if (strcmp(k, "priority") == 0)
        lua_pushnumber(L, d->priority);
    else if (strcmp(k, "spend_at_stake") == 0)
        lua_pushnumber(L, d->spend_at_stake);
    else if (strcmp(k, "related_ad_ids") == 0)
        push_view(L, V_RELATED, di);
    else if (strcmp(k, "evidence") == 0)
        push_view(L, V_EVIDENCE, di);
    else if (strcmp(k, "subject") == 0)
        push_view(L, V_SUBJECT, di);
    else if (strcmp(k, "builtin") == 0)
        lua_pushboolean(L, d->builtin != NULL);
    else {
        push_subject_field(L, &d->subject, k, &found);
        if (!found)
            return 0;
    }
    return 1;
}

static const hl_brief_diag *diag_at(hl_rules *r, size_t i);

/* Index of the ad's comparison on a metric, or SIZE_MAX. Without an ad (an ad-group
 * diagnosis), the comparison of the diagnosis' ad group with the rest of its campaign. */
void hl__views_reset(hl_rules *r)
{
    if (r->lk_built) {
        hl_u64map_destroy(&r->lk_grp_cmp);
        hl_u64map_destroy(&r->lk_grp_cur);
        hl_u64map_destroy(&r->lk_camp_cur);
    }
    r->lk_built = 0;
}

static uint64_t ptr_key(const void *p, unsigned tag)
{
    return ((uint64_t)(uintptr_t)p << 6) | tag;
}

static void put_first(hl_u64map *m, uint64_t key, size_t v)
{
    int found;
    uint32_t *slot = hl_u64map_upsert(m, key, &found);
    if (slot && !found)
        *slot = (uint32_t)v;
}

/* An ad-group diagnosis asks for its group's comparison or currency: a scan over every
 * comparison or ad per question made a run quadratic in the account's size. One pass each,
 * on first use. */
static void build_lookups(hl_rules *r)
{
    if (r->lk_built)
        return;
    hl_u64map_init(&r->lk_grp_cmp);
    hl_u64map_init(&r->lk_grp_cur);
    hl_u64map_init(&r->lk_camp_cur);
    r->lk_acct_cur = HL_NONE;
    r->lk_built = 1;
    size_t n;
    const hl_comparison *c = hl_findings_comparisons(r->call.f, &n);
    for (size_t i = 0; i < n && i < HL_NONE; i++)
        if (c[i].subject.level == HL_LEVEL_ADGROUP && c[i].subject.adgroup_id)
            put_first(&r->lk_grp_cmp, ptr_key(c[i].subject.adgroup_id, (unsigned)c[i].metric), i);
    const hl_ad_view *ads = hl_findings_ads(r->call.f, &n);
    for (size_t i = 0; i < n && i < HL_NONE; i++) {
        if (!ads[i].currency)
            continue;
        if (ads[i].subject.adgroup_id)
            put_first(&r->lk_grp_cur, ptr_key(ads[i].subject.adgroup_id, 0), i);
        if (ads[i].subject.campaign_id)
            put_first(&r->lk_camp_cur, ptr_key(ads[i].subject.campaign_id, 0), i);
        if (r->lk_acct_cur == HL_NONE)
            r->lk_acct_cur = (uint32_t)i;
    }
}

static size_t find_cmp(hl_rules *r, size_t ai, const char *metric)
{
    const hl_ad_view *a = ad_at(r, ai);
    int m = hl_metric_from_name(metric);
    if (m < 0)
        return SIZE_MAX;
    size_t n;
    const hl_comparison *c = hl_findings_comparisons(r->call.f, &n);
    if (!a) {
        const hl_brief_diag *d =
            r->call.diag != SIZE_MAX ? diag_at(r, r->call.diag) : NULL;
        if (!d || d->subject.level != HL_LEVEL_ADGROUP || !d->subject.adgroup_id)
            return SIZE_MAX;
        build_lookups(r);
        uint32_t i = hl_u64map_get(&r->lk_grp_cmp, ptr_key(d->subject.adgroup_id, (unsigned)m));
        return i == HL_NONE || i >= n ? SIZE_MAX : i;
    }
    for (size_t i = 0; i < a->ncmp; i++)
        if (a->cmp[i] < n && (int)c[a->cmp[i]].metric == m)
            return a->cmp[i];
    return SIZE_MAX;
}

static size_t find_trend(hl_rules *r, size_t ai, const char *metric)
{
    const hl_ad_view *a = ad_at(r, ai);
    if (!a)
        return SIZE_MAX;
    size_t n;
    const hl_trend *t = hl_findings_trends(r->call.f, &n);
    for (size_t i = 0; i < a->ntr; i++)
        if (a->tr[i] < n && t[a->tr[i]].metric && strcmp(t[a->tr[i]].metric, metric) == 0)
            return a->tr[i];
    return SIZE_MAX;
}

static int idx_ctx(lua_State *L, hl_rules *r, const char *k)
{
    const hl_call *c = &r->call;
    const hl_brief_diag *d = c->diag != SIZE_MAX ? diag_at(r, c->diag) : NULL;
    if (strcmp(k, "ad") == 0) {
        if (c->ad == SIZE_MAX)
            lua_pushnil(L);
        else
            push_view(L, V_AD, c->ad);
    } else if (strcmp(k, "diagnosis") == 0) {
        if (d)
            push_view(L, V_DIAG, c->diag);
        else
            lua_pushnil(L);
    } else if (strcmp(k, "subject") == 0) {
        if (d)
            push_view(L, V_SUBJECT, c->diag);
        else if (c->ad != SIZE_MAX)
            push_view(L, V_AD, c->ad);
        else
            lua_pushnil(L);
    } else if (strcmp(k, "comparisons") == 0) {
        push_view(L, V_CMPMAP, c->ad);
    } else if (strcmp(k, "trends") == 0) {
        push_view(L, V_TRENDMAP, c->ad);
    } else if (strcmp(k, "diagnoses") == 0) {
        push_view(L, V_DIAGLIST, c->ad);
    } else if (strcmp(k, "peers") == 0) {
        push_view(L, V_PEERS, c->ad);
    } else if (strcmp(k, "ads") == 0) {
        push_view(L, V_ADS, 0);
    } else if (strcmp(k, "learnings") == 0) {
        /* learnings[action][code] = {tried, confirmed, refuted, inconclusive, median_lift} */
        lua_newtable(L);
        for (size_t i = 0; i < r->nlearnings; i++) {
            const hl_rule_learning *l = &r->learnings[i];
            if (lua_getfield(L, -1, l->action) != LUA_TTABLE) {
                lua_pop(L, 1);
                lua_newtable(L);
                lua_pushvalue(L, -1);
                lua_setfield(L, -3, l->action);
            }
            lua_createtable(L, 0, 5);
            lua_pushinteger(L, l->tried);
            lua_setfield(L, -2, "tried");
            lua_pushinteger(L, l->confirmed);
            lua_setfield(L, -2, "confirmed");
            lua_pushinteger(L, l->refuted);
            lua_setfield(L, -2, "refuted");
            lua_pushinteger(L, l->inconclusive);
            lua_setfield(L, -2, "inconclusive");
            if (l->has_median) {
                lua_pushnumber(L, l->median_lift);
                lua_setfield(L, -2, "median_lift");
            }
            hl__make_readonly(L);
            lua_setfield(L, -2, l->code);
            lua_pop(L, 1);
        }
        /* freeze the inner tables too */
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
            hl__make_readonly(L);
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, -4);
        }
        hl__make_readonly(L);
    } else if (strcmp(k, "history") == 0) {
        lua_newtable(L);
        hl__make_readonly(L);
    } else if (strcmp(k, "as_of") == 0) {
        char date[11];
        hl_format_date(hl_findings_as_of(c->f), date);
        lua_pushstring(L, date);
    } else if (strcmp(k, "currency") == 0) {
        const hl_ad_view *a = c->ad != SIZE_MAX ? ad_at(r, c->ad) : NULL;
        if (!a && d) {
            /* an ad-group, campaign or account diagnosis: the currency of one of its ads */
            build_lookups(r);
            uint32_t i = HL_NONE;
            if (d->subject.level == HL_LEVEL_ADGROUP)
                i = hl_u64map_get(&r->lk_grp_cur, ptr_key(d->subject.adgroup_id, 0));
            else if (d->subject.level == HL_LEVEL_CAMPAIGN)
                i = hl_u64map_get(&r->lk_camp_cur, ptr_key(d->subject.campaign_id, 0));
            else if (d->subject.level == HL_LEVEL_ADVERTISER)
                i = r->lk_acct_cur;
            if (i != HL_NONE)
                a = ad_at(r, i);
        }
        push_str(L, a ? a->currency : NULL);
    } else {
        return 0;
    }
    return 1;
}

/* The fields of the fixed-shape views, for the error a misspelt name gets: a typo such as
 * ctx.comparision must not read as nil and quietly change a brief. (Maps — counters, metrics,
 * comparisons, trends, ads — stay lenient: a metric an account lacks is an ordinary nil.) */
#define SUBJECT_FIELDS "level", "ad_id", "ad_name", "adgroup_id", "adgroup_name", \
                       "campaign_id", "campaign_name", "advertiser_id"
static const char *const ctx_fields[] = {"ad", "ads", "as_of", "comparisons", "currency",
                                         "diagnoses", "diagnosis", "history", "learnings",
                                         "peers", "subject", "trends", NULL};
static const char *const ad_fields[] = {"id", "name", "currency", "days", "counters", "metrics",
                                        "comparisons", "trends", SUBJECT_FIELDS, NULL};
static const char *const cmp_fields[] = {
    "metric", "value", "reference", "lift", "ci_low", "ci_high", "p_value", "p_adjusted",
    "chance_to_beat", "decision", "method", "x", "n", "x_ref", "n_ref", "needed_remaining",
    "needed_days", "needed_unit", "subject", NULL};
static const char *const trend_fields[] = {"metric",    "prior",   "recent",  "change",
                                           "ci_low",    "ci_high", "p_value", "p_adjusted",
                                           "direction", "days",    "method",  "note",
                                           "subject",   NULL};
static const char *const diag_fields[] = {"code",           "summary",        "effect",
                                          "priority",       "spend_at_stake", "related_ad_ids",
                                          "evidence",       "subject",        "builtin",
                                          SUBJECT_FIELDS,   NULL};
static const char *const subject_fields[] = {SUBJECT_FIELDS, NULL};

static const char *const *fields_of(int kind)
{
    switch (kind) {
    case V_CTX:
        return ctx_fields;
    case V_AD:
        return ad_fields;
    case V_CMP:
        return cmp_fields;
    case V_TREND:
        return trend_fields;
    case V_DIAG:
        return diag_fields;
    case V_SUBJECT:
        return subject_fields;
    default:
        return NULL;
    }
}

static int unknown_field(lua_State *L, int kind, const char *k)
{
    const char *const *fl = fields_of(kind);
    size_t n = 0;
    while (fl[n])
        n++;
    const char *best = hl_nearest(k, fl, n);
    luaL_where(L, 1);
    if (best)
        lua_pushfstring(L, "no field '%s' in a %s view (did you mean '%s'?)", k, view_names[kind],
                        best);
    else
        lua_pushfstring(L, "no field '%s' in a %s view", k, view_names[kind]);
    lua_concat(L, 2);
    return lua_error(L);
}

static int in_list(const char *const *fl, const char *k)
{
    for (size_t i = 0; fl[i]; i++)
        if (strcmp(fl[i], k) == 0)
            return 1;
    return 0;
}

/* A diagnosis' evidence mixes comparisons and trends, and rules read them in one loop: a
 * comparison's field on a trend (or the reverse) is a nil, not an error. Only a name neither
 * has is a typo. */
static int known_field(int kind, const char *k)
{
    const char *const *fl = fields_of(kind);
    if (!fl)
        return 1;
    if (kind == V_CMP || kind == V_TREND)
        return in_list(cmp_fields, k) || in_list(trend_fields, k);
    return in_list(fl, k);
}

/* List element i (1-based) of a list view. */
static int idx_list(lua_State *L, hl_rules *r, const view *v, lua_Integer i)
{
    if (i < 1)
        return 0;
    size_t k = (size_t)(i - 1);
    switch (v->kind) {
    case V_DIAGLIST:
        if (v->a != SIZE_MAX && r->call.ad_ndiags && k < r->call.ad_ndiags[v->a]) {
            push_view(L, V_DIAG, r->call.ad_diags[v->a][k]);
            return 1;
        }
        return 0;
    case V_PEERS: {
        const hl_ad_view *a = v->a != SIZE_MAX ? ad_at(r, v->a) : NULL;
        if (!a || a->group >= r->call.ngroups)
            return 0;
        size_t seen = 0;
        for (size_t j = 0; j < r->call.group_nads[a->group]; j++) {
            size_t other = r->call.group_ads[a->group][j];
            if (other == v->a)
                continue;
            if (seen++ == k) {
                push_view(L, V_AD, other);
                return 1;
            }
        }
        return 0;
    }
    case V_EVIDENCE: {
        const hl_brief_diag *d = diag_at(r, v->a);
        if (!d || !d->builtin)
            return 0;
        if (k < d->builtin->ncomparisons) {
            push_view(L, V_CMP, d->builtin->comparisons[k]);
            return 1;
        }
        k -= d->builtin->ncomparisons;
        if (k < d->builtin->ntrends) {
            push_view(L, V_TREND, d->builtin->trends[k]);
            return 1;
        }
        return 0;
    }
    case V_RELATED: {
        const hl_brief_diag *d = diag_at(r, v->a);
        if (!d || k >= d->nrelated)
            return 0;
        push_str(L, d->related_ad_ids[k]);
        return 1;
    }
    default:
        return 0;
    }
}

static lua_Integer list_len(hl_rules *r, const view *v)
{
    switch (v->kind) {
    case V_DIAGLIST:
        return v->a != SIZE_MAX && r->call.ad_ndiags ? (lua_Integer)r->call.ad_ndiags[v->a] : 0;
    case V_PEERS: {
        const hl_ad_view *a = v->a != SIZE_MAX ? ad_at(r, v->a) : NULL;
        if (!a || a->group >= r->call.ngroups)
            return 0;
        return (lua_Integer)r->call.group_nads[a->group] - 1;
    }
    case V_EVIDENCE: {
        const hl_brief_diag *d = diag_at(r, v->a);
        return d && d->builtin ? (lua_Integer)(d->builtin->ncomparisons + d->builtin->ntrends) : 0;
    }
    case V_RELATED: {
        const hl_brief_diag *d = diag_at(r, v->a);
        return d ? (lua_Integer)d->nrelated : 0;
    }
    default:
        return 0;
    }
}

static int view_index(lua_State *L)
{
    hl_rules *r = hl__rules_from_state(L);
    view *v = check_view(L, r);
    if (v->kind == V_DIAGLIST || v->kind == V_PEERS || v->kind == V_EVIDENCE ||
        v->kind == V_RELATED) {
        if (!lua_isinteger(L, 2))
            return 0;
        return idx_list(L, r, v, lua_tointeger(L, 2)) ? 1 : 0;
    }
    if (lua_type(L, 2) != LUA_TSTRING)
        return 0;
    const char *k = lua_tostring(L, 2);
    int ok = 0;
    switch (v->kind) {
    case V_CTX:
        ok = idx_ctx(L, r, k);
        break;
    case V_AD:
        ok = idx_ad(L, r, v->a, k);
        break;
    case V_COUNTERS: {
        const hl_ad_view *a = ad_at(r, v->a);
        int c = hl_counter_from_name(k);
        if (a && c >= 0) {
            if (a->present & (1u << c))
                lua_pushnumber(L, a->v[c]);
            else
                lua_pushnil(L);
            ok = 1;
        }
        break;
    }
    case V_METRICS: {
        const hl_ad_view *a = ad_at(r, v->a);
        int m = hl_metric_from_name(k);
        double x;
        if (a && m >= 0) {
            if (hl_metric_compute((hl_metric)m, a->v, a->present, &x))
                lua_pushnumber(L, x);
            else
                lua_pushnil(L);
            ok = 1;
        } else if (a && r->columns) {
            ok = push_custom(L, r, a, k);
        }
        break;
    }
    case V_CMP:
        ok = idx_cmp(L, r, v->a, k);
        break;
    case V_TREND:
        ok = idx_trend(L, r, v->a, k);
        break;
    case V_CMPMAP: {
        size_t ci = find_cmp(r, v->a, k);
        if (ci != SIZE_MAX) {
            push_view(L, V_CMP, ci);
            ok = 1;
        }
        break;
    }
    case V_TRENDMAP: {
        size_t ti = v->a != SIZE_MAX ? find_trend(r, v->a, k) : SIZE_MAX;
        if (ti != SIZE_MAX) {
            push_view(L, V_TREND, ti);
            ok = 1;
        }
        break;
    }
    case V_DIAG:
        ok = idx_diag(L, r, v->a, k);
        break;
    case V_SUBJECT: {
        const hl_brief_diag *d = diag_at(r, v->a);
        if (d)
            push_subject_field(L, &d->subject, k, &ok);
        break;
    }
    case V_ADS: {
        if (r->ad_ids) {
            uint32_t i = hl_strpool_find(r->ad_ids, k, strlen(k));
            if (i != HL_NONE) {
                push_view(L, V_AD, i);
                ok = 1;
            }
        }
        break;
    }
    }
    if (!ok && !known_field(v->kind, k))
        return unknown_field(L, v->kind, k);
    return ok ? 1 : 0;
}

static int view_newindex(lua_State *L)
{
    luaL_where(L, 1);
    lua_pushliteral(L, "findings are read-only (copy values into a local table to change them)");
    lua_concat(L, 2);
    return lua_error(L);
}

static int view_len(lua_State *L)
{
    hl_rules *r = hl__rules_from_state(L);
    view *v = check_view(L, r);
    lua_pushinteger(L, list_len(r, v));
    return 1;
}

/* pairs(): lists yield 1..n; counter and metric maps yield their names. */
static int view_next(lua_State *L)
{
    hl_rules *r = hl__rules_from_state(L);
    view *v = check_view(L, r);
    if (v->kind == V_COUNTERS || v->kind == V_METRICS) {
        int i = -1;
        int count = v->kind == V_COUNTERS ? HL_NCOUNTERS : HL_NMETRICS;
        if (lua_type(L, 2) == LUA_TSTRING) {
            const char *k = lua_tostring(L, 2);
            i = v->kind == V_COUNTERS ? hl_counter_from_name(k) : hl_metric_from_name(k);
            if (i < 0)
                return 0;
        }
        for (i = i + 1; i < count; i++) {
            const char *name = v->kind == V_COUNTERS ? hl_counter_name((hl_counter)i)
                                                     : hl_metric_info((hl_metric)i)->name;
            lua_pushstring(L, name);
            lua_pushvalue(L, -1);
            lua_gettable(L, 1);
            if (!lua_isnil(L, -1))
                return 2;
            lua_pop(L, 2);
        }
        return 0;
    }
    lua_Integer i = lua_isinteger(L, 2) ? lua_tointeger(L, 2) : 0;
    /* compared, not incremented first: a rule may call the iterator with math.maxinteger */
    if (i < 0 || i >= list_len(r, v))
        return 0;
    lua_pushinteger(L, i + 1);
    if (!idx_list(L, r, v, i + 1))
        return 0;
    return 2;
}

static int view_pairs(lua_State *L)
{
    luaL_checkudata(L, 1, VIEW_MT);
    lua_pushcfunction(L, view_next);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static int view_tostring(lua_State *L)
{
    view *v = luaL_checkudata(L, 1, VIEW_MT);
    lua_pushfstring(L, "hookline %s view", view_names[v->kind]);
    return 1;
}

void hl__views_register(lua_State *L)
{
    luaL_newmetatable(L, VIEW_MT);
    lua_pushcfunction(L, view_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, view_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, view_len);
    lua_setfield(L, -2, "__len");
    lua_pushcfunction(L, view_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_pushcfunction(L, view_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "read-only");
    lua_setfield(L, -2, "__metatable");
    hl_lstate *ls = lstate(L);
    ls->view_mt = lua_topointer(L, -1);
    ls->view_mt_ref = luaL_ref(L, LUA_REGISTRYINDEX); /* pops it; also kept under VIEW_MT */
}
