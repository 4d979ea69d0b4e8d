/*
 * run.c — running a pack on a run's findings: diagnose rules per ad, suppress rules per ad,
 * brief rules per diagnosis. Everything a rule returns is read with raw access and checked
 * (types, lengths, ranges, nesting) before it becomes C data, so a returned table with a
 * hostile metatable, a NaN or a function where a string belongs is that rule's error, never the
 * host's crash.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "rules/internal.h"

#define MAX_STR 4000
#define MAX_BRIEFS_PER_CALL 50
#define MAX_ACTIONS 20
#define MAX_DETAILS 32
#define MAX_NOTES 20

typedef struct runctx {
    hl_rules *r;
    hl_briefs *b;
    const hl_findings *f;
    char why[600]; /* validation error of the current result */
    unsigned char *suppressed; /* per brief diagnosis */
    size_t nsupp;
} runctx;

static int bad(runctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(runctx *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->why, sizeof x->why, fmt, ap);
    va_end(ap);
    return -1;
}

/* Field k of the table at idx, raw (no metamethods), left on the stack. */
static int rawfield(lua_State *L, int idx, const char *k)
{
    idx = lua_absindex(L, idx);
    lua_pushstring(L, k);
    return lua_rawget(L, idx);
}

/* A string field: NULL when absent; -1 via *err when present but wrong. Copies. */
/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 when it is not one (overlong,
 * surrogate, beyond U+10FFFF, truncated). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t len = c >= 0xC2 && c <= 0xDF   ? 2
                 : c >= 0xE0 && c <= 0xEF ? 3
                 : c >= 0xF0 && c <= 0xF4 ? 4
                                          : 0;
    if (!len || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) || (c == 0xF0 && s[1] < 0x90) ||
        (c == 0xF4 && s[1] > 0x8F))
        return 0;
    return len;
}

/* A rule's string as text: every byte that is not part of valid UTF-8 (a title cut with
 * string.sub in the middle of a character, any byte string) becomes U+FFFD, so briefs.json
 * stays JSON text and the report stays readable. Owned by the caller; NULL on OOM. */
static char *utf8_dup(const char *s, size_t len)
{
    char *out = malloc(len * 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t l = utf8_seq((const unsigned char *)s + i, len - i);
        if (l) {
            memcpy(out + o, s + i, l);
            o += l;
            i += l;
        } else {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    out[o] = '\0';
    return out;
}

static char *str_field(runctx *x, lua_State *L, int idx, const char *k, const char *where,
                       int required, int *err)
{
    int t = rawfield(L, idx, k);
    char *out = NULL;
    if (t == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        if (len > MAX_STR)
            *err = bad(x, "%s.%s is longer than %d bytes", where, k, MAX_STR);
        else if (memchr(s, '\0', len))
            *err = bad(x, "%s.%s contains a NUL byte", where, k);
        else if (!(out = utf8_dup(s, len)))
            *err = bad(x, "out of memory");
    } else if (t == LUA_TNIL) {
        if (required)
            *err = bad(x, "%s.%s is missing (a string)", where, k);
    } else {
        *err = bad(x, "%s.%s must be a string, not a %s", where, k, lua_typename(L, t));
    }
    lua_pop(L, 1);
    return out;
}

/* A number field: returns 1 and *v when present and finite, 0 when absent; -1 when wrong. */
static int num_field(runctx *x, lua_State *L, int idx, const char *k, const char *where, double *v)
{
    int t = rawfield(L, idx, k);
    int rc = 0;
    if (t == LUA_TNUMBER) {
        *v = lua_tonumber(L, -1);
        rc = isfinite(*v) ? 1 : bad(x, "%s.%s is not a finite number", where, k);
    } else if (t != LUA_TNIL) {
        rc = bad(x, "%s.%s must be a number, not a %s", where, k, lua_typename(L, t));
    }
    lua_pop(L, 1);
    return rc;
}

static int read_hypothesis(runctx *x, lua_State *L, int idx, const char *where, hl_hypothesis *h)
{
    int t = rawfield(L, idx, "hypothesis");
    memset(h, 0, sizeof *h);
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return 0;
    }
    if (t != LUA_TTABLE) {
        lua_pop(L, 1);
        return bad(x, "%s.hypothesis must be a table", where);
    }
    int hi = lua_gettop(L);
    char w[128];
    snprintf(w, sizeof w, "%s.hypothesis", where);
    int err = 0;
    char *metric = str_field(x, L, hi, "metric", w, 1, &err);
    if (err) {
        lua_pop(L, 1);
        free(metric);
        return -1;
    }
    if (hl_metric_from_name(metric) < 0) {
        int rc = bad(x, "%s.metric '%.40s' is not a metric name (hook_rate, ctr, cpa, ...)", w,
                     metric);
        free(metric);
        lua_pop(L, 1);
        return rc;
    }
    snprintf(h->metric, sizeof h->metric, "%s", metric);
    free(metric);
    double v;
    int rc = num_field(x, L, hi, "baseline", w, &v);
    if (rc < 0) {
        lua_pop(L, 1);
        return -1;
    }
    h->baseline = rc ? hl_v(v) : hl_undef("not given");
    rc = num_field(x, L, hi, "expected_lift", w, &v);
    if (rc <= 0) {
        lua_pop(L, 1);
        return rc < 0 ? -1 : bad(x, "%s.expected_lift is missing (a relative change, e.g. 0.2)", w);
    }
    if (v <= -1 || v > 100) {
        lua_pop(L, 1);
        return bad(x, "%s.expected_lift must be > -1 and <= 100", w);
    }
    h->expected_lift = hl_v(v);
    h->set = 1;
    lua_pop(L, 1);
    return 0;
}

static const char *nearest_action(const char *s)
{
    const char *best = NULL;
    size_t bd = 99, n = strlen(s);
    for (int i = 0; i < HL_NACTIONS; i++) {
        const char *a = hl_action_type_name((hl_action_type)i);
        size_t m = strlen(a), common = 0;
        while (common < n && common < m && s[common] == a[common])
            common++;
        size_t d = (n > m ? n : m) - common;
        if (d < bd) {
            bd = d;
            best = a;
        }
    }
    return bd <= 3 ? best : NULL;
}

static int cmp_detail(const void *x, const void *y)
{
    const hl_detail *a = x, *b = y;
    return strcmp(a->key ? a->key : "", b->key ? b->key : "");
}

static int read_details(runctx *x, lua_State *L, int ai, const char *where, hl_action *a)
{
    int t = rawfield(L, ai, "details");
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return 0;
    }
    if (t != LUA_TTABLE) {
        lua_pop(L, 1);
        return bad(x, "%s.details must be a table of strings, numbers and booleans", where);
    }
    int di = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, di) != 0) {
        if (a->ndetails >= MAX_DETAILS) {
            lua_pop(L, 3);
            return bad(x, "%s.details has more than %d entries", where, MAX_DETAILS);
        }
        if (lua_type(L, -2) != LUA_TSTRING || lua_rawlen(L, -2) > 64) {
            lua_pop(L, 3);
            return bad(x, "%s.details keys must be names (strings up to 64 bytes)", where);
        }
        hl_detail *nd = realloc(a->details, (a->ndetails + 1) * sizeof *nd);
        if (!nd) {
            lua_pop(L, 3);
            return bad(x, "out of memory");
        }
        a->details = nd;
        hl_detail *d = &a->details[a->ndetails];
        memset(d, 0, sizeof *d);
        int vt = lua_type(L, -1);
        if (vt == LUA_TSTRING && lua_rawlen(L, -1) <= MAX_STR) {
            size_t sl;
            const char *sv = lua_tolstring(L, -1, &sl);
            d->kind = HL_DETAIL_STRING;
            d->s = utf8_dup(sv, strnlen(sv, sl));
        } else if (vt == LUA_TNUMBER && isfinite(lua_tonumber(L, -1))) {
            d->kind = HL_DETAIL_NUMBER;
            d->n = lua_tonumber(L, -1);
        } else if (vt == LUA_TBOOLEAN) {
            d->kind = HL_DETAIL_BOOL;
            d->n = lua_toboolean(L, -1);
        } else {
            const char *k = lua_tostring(L, -2);
            int rc = bad(x, "%s.details.%.64s must be a string, a finite number or a boolean, "
                            "not a %s",
                         where, k, lua_typename(L, vt));
            lua_pop(L, 3);
            return rc;
        }
        d->key = utf8_dup(lua_tostring(L, -2), strlen(lua_tostring(L, -2)));
        a->ndetails++;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    /* Lua's traversal order changes from process to process (hash seeds): sort, so the same
     * rule gives the same bytes on every run. */
    if (a->ndetails > 1) /* qsort's array must not be NULL, even for no elements */
        qsort(a->details, a->ndetails, sizeof *a->details, cmp_detail);
    return 0;
}

static void free_actions(hl_action *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(a[i].instructions);
        for (size_t k = 0; k < a[i].ndetails; k++) {
            free(a[i].details[k].key);
            free(a[i].details[k].s);
        }
        free(a[i].details);
    }
    free(a);
}

/* Reads the brief table at idx into br (title, actions, hypothesis, priority, notes). */
static int read_brief(runctx *x, lua_State *L, int idx, const char *where, hl_brief *br)
{
    if (!lua_checkstack(L, 20))
        return bad(x, "Lua stack exhausted");
    int err = 0;
    br->title = str_field(x, L, idx, "title", where, 1, &err);
    if (err)
        return -1;
    int t = rawfield(L, idx, "actions");
    if (t != LUA_TTABLE) {
        lua_pop(L, 1);
        return bad(x, "%s.actions must be a list of actions", where);
    }
    int acts = lua_gettop(L);
    size_t n = lua_rawlen(L, acts);
    if (n < 1 || n > MAX_ACTIONS) {
        lua_pop(L, 1);
        return bad(x, "%s.actions must hold 1 to %d actions", where, MAX_ACTIONS);
    }
    br->actions = calloc(n, sizeof *br->actions);
    if (!br->actions) {
        lua_pop(L, 1);
        return bad(x, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        char w[96];
        snprintf(w, sizeof w, "%s.actions[%zu]", where, i + 1);
        if (lua_rawgeti(L, acts, (lua_Integer)i + 1) != LUA_TTABLE) {
            lua_pop(L, 2);
            return bad(x, "%s must be a table", w);
        }
        int ai = lua_gettop(L);
        hl_action *a = &br->actions[br->nactions++];
        a->variants = 1;
        char *type = str_field(x, L, ai, "type", w, 1, &err);
        if (err) {
            lua_pop(L, 2);
            return -1;
        }
        int ti = hl_action_type_from_name(type);
        if (ti < 0) {
            const char *sug = nearest_action(type);
            bad(x, "%s.type '%.40s' is not an action type%s%s%s", w, type,
                sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
            free(type);
            lua_pop(L, 2);
            return -1;
        }
        free(type);
        a->type = (hl_action_type)ti;
        a->instructions = str_field(x, L, ai, "instructions", w, 1, &err);
        if (err) {
            lua_pop(L, 2);
            return -1;
        }
        double v;
        int rc = num_field(x, L, ai, "variants", w, &v);
        if (rc < 0 || (rc && (v < 1 || v > 10 || v != floor(v)))) {
            lua_pop(L, 2);
            return rc < 0 ? -1 : bad(x, "%s.variants must be a whole number 1..10", w);
        }
        if (rc)
            a->variants = (int)v;
        if (read_hypothesis(x, L, ai, w, &a->hypothesis) < 0 || read_details(x, L, ai, w, a) < 0) {
            lua_pop(L, 2);
            return -1;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (read_hypothesis(x, L, idx, where, &br->hypothesis) < 0)
        return -1;
    double pr;
    int rc = num_field(x, L, idx, "priority", where, &pr);
    if (rc < 0)
        return -1;
    br->priority = rc ? (pr < 0 ? 0 : pr) : -1;
    t = rawfield(L, idx, "notes");
    if (t == LUA_TTABLE) {
        int ni = lua_gettop(L);
        size_t nn = lua_rawlen(L, ni);
        if (nn > MAX_NOTES)
            nn = MAX_NOTES;
        br->notes = calloc(nn ? nn : 1, sizeof *br->notes);
        for (size_t i = 0; br->notes && i < nn; i++) {
            if (lua_rawgeti(L, ni, (lua_Integer)i + 1) == LUA_TSTRING &&
                lua_rawlen(L, -1) <= MAX_STR) {
                const char *nt = lua_tostring(L, -1);
                br->notes[br->nnotes++] = utf8_dup(nt, strlen(nt));
            }
            lua_pop(L, 1);
        }
    } else if (t != LUA_TNIL) {
        lua_pop(L, 1);
        return bad(x, "%s.notes must be a list of strings", where);
    }
    lua_pop(L, 1);
    return 0;
}

static void clear_brief(hl_brief *br)
{
    free(br->title);
    free_actions(br->actions, br->nactions);
    for (size_t i = 0; i < br->nnotes; i++)
        free(br->notes[i]);
    free(br->notes);
    memset(br, 0, sizeof *br);
}

/* Is the table at idx one brief (it has a title or actions) rather than a list of briefs? */
static int looks_like_brief(lua_State *L, int idx)
{
    int t1 = rawfield(L, idx, "title");
    lua_pop(L, 1);
    int t2 = rawfield(L, idx, "actions");
    lua_pop(L, 1);
    return t1 != LUA_TNIL || t2 != LUA_TNIL;
}

static const char *subject_id(const hl_subject *s)
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

/* Records a failed call: "file:line: rule 'name': message", the location being where the error
 * was raised when it was in a rule file, else where the rule is defined. */
static void report(runctx *x, const hl_rule *rule, const char *lua_msg, const char *subject)
{
    char first[900], tb[2000] = "";
    snprintf(first, sizeof first, "%s", lua_msg ? lua_msg : "error");
    char *nl = strchr(first, '\n');
    if (nl) {
        snprintf(tb, sizeof tb, "%s", nl + 1);
        *nl = '\0';
    }
    const char *file = rule->info.file;
    unsigned long line = rule->info.line;
    const char *msg = first;
    size_t fl = strlen(file);
    if (strncmp(first, file, fl) == 0 && first[fl] == ':') {
        char *end;
        unsigned long l = strtoul(first + fl + 1, &end, 10);
        if (*end == ':') {
            line = l;
            msg = end + 1;
            while (*msg == ' ')
                msg++;
        }
    }
    char full[1400];
    snprintf(full, sizeof full, "%s:%lu: rule '%s': %s", file, line, rule->info.name, msg);
    hl_briefs_error(x->b, rule->info.name, file, line, full, tb[0] ? tb : NULL, subject);
}

static unsigned long long seed_for(const hl_rule *rule, const char *subject, const char *code)
{
    char key[512];
    snprintf(key, sizeof key, "%s|%s|%s", rule->info.name, subject ? subject : "",
             code ? code : "");
    return hl_hash_bytes(key, strlen(key));
}

/* Calls rule function ref with ctx for (ad, diag). Leaves one result on the stack and returns 0,
 * or reports and returns -1 (stack clean). */
static int call_rule(runctx *x, const hl_rule *rule, int ref, size_t ad, size_t diag,
                     const char *subject, const char *code)
{
    hl_rules *r = x->r;
    lua_State *L = rule->L;
    r->call.ad = ad;
    r->call.diag = diag;
    r->call.rule = rule;
    r->call.gen++;
    hl_sandbox_seed(rule->sb, seed_for(rule, subject, code));
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    hl__push_ctx(L, r);
    int rc = hl_sandbox_pcall(rule->sb, 1, 1);
    r->call.gen++; /* views handed out during the call are stale from here on */
    r->call.rule = NULL;
    if (rc != LUA_OK) {
        report(x, rule, lua_tostring(L, -1), subject);
        lua_pop(L, 1);
        return -1;
    }
    return 0;
}

static void rule_error(runctx *x, const hl_rule *rule, const char *subject)
{
    char msg[800];
    snprintf(msg, sizeof msg, "%s:%lu: returned %s", rule->info.file, rule->info.line, x->why);
    report(x, rule, msg, subject);
}

/* ---------------------------------------------------------------- diagnose and suppress */

static size_t ad_index(hl_rules *r, const char *ad_id)
{
    if (!ad_id || !r->ad_ids)
        return SIZE_MAX;
    uint32_t i = hl_strpool_find(r->ad_ids, ad_id, strlen(ad_id));
    return i == HL_NONE ? SIZE_MAX : i;
}

/* ^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$, at most 64 characters */
static int namespaced(const char *c)
{
    size_t n = strlen(c);
    int dots = 0, run = 0;
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = c[i];
        if (ch == '.') {
            if (run == 0)
                return 0;
            dots++;
            run = 0;
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                   (ch >= '0' && ch <= '9') || ch == '_' || ch == '-') {
            run++;
        } else {
            return 0;
        }
    }
    return dots > 0 && run > 0;
}

static int read_added(runctx *x, lua_State *L, int idx, const hl_ad_view *a, const hl_rule *rule)
{
    int err = 0;
    char *code = str_field(x, L, idx, "code", "diagnosis", 1, &err);
    if (err)
        return -1;
    if (!namespaced(code)) {
        int rc = bad(x, "diagnosis.code '%.64s' must be namespaced, like 'team.code' (letters, "
                        "digits, _ and -, parts joined by dots, at most 64 characters)",
                     code);
        free(code);
        return rc;
    }
    char *summary = str_field(x, L, idx, "summary", "diagnosis", 1, &err);
    double effect = 0;
    if (err || num_field(x, L, idx, "effect", "diagnosis", &effect) < 0) {
        free(code);
        free(summary);
        return -1;
    }
    hl_brief_diag *d = hl_briefs_add_diag(x->b);
    if (!d) {
        free(code);
        free(summary);
        return bad(x, "out of memory");
    }
    char by[300];
    snprintf(by, sizeof by, "%s:%s", rule->info.file, rule->info.name);
    d->code = hl_briefs_intern(x->b, code);
    d->summary = hl_briefs_intern(x->b, summary);
    d->added_by = hl_briefs_intern(x->b, by);
    d->subject = a->subject;
    d->effect = effect;
    d->spend_at_stake = (a->present & (1u << HL_C_SPEND)) ? a->v[HL_C_SPEND] : 0;
    d->priority = d->spend_at_stake * fabs(effect);
    free(code);
    free(summary);
    return 0;
}

static void run_diagnose(runctx *x, const hl_rule *rule, size_t ai, const hl_ad_view *a)
{
    lua_State *L = rule->L;
    if (call_rule(x, rule, rule->run_ref, ai, SIZE_MAX, a->subject.ad_id, NULL) < 0)
        return;
    int idx = lua_gettop(L);
    if (lua_type(L, idx) == LUA_TTABLE) {
        int single = (rawfield(L, idx, "code") != LUA_TNIL);
        lua_pop(L, 1);
        size_t n = single ? 1 : lua_rawlen(L, idx);
        for (size_t i = 0; i < n && i < 20; i++) {
            if (!single && lua_rawgeti(L, idx, (lua_Integer)i + 1) != LUA_TTABLE) {
                lua_pop(L, 1);
                bad(x, "a list whose item %zu is not a diagnosis table", i + 1);
                rule_error(x, rule, a->subject.ad_id);
                break;
            }
            int it = single ? idx : lua_gettop(L);
            if (read_added(x, L, it, a, rule) < 0) {
                rule_error(x, rule, a->subject.ad_id);
                if (!single)
                    lua_pop(L, 1);
                break;
            }
            if (!single)
                lua_pop(L, 1);
        }
    } else if (!lua_isnil(L, idx)) {
        bad(x, "a %s (expected nil or a diagnosis table)", lua_typename(L, lua_type(L, idx)));
        rule_error(x, rule, a->subject.ad_id);
    }
    lua_settop(L, idx - 1);
}

static void run_suppress(runctx *x, const hl_rule *rule, size_t ai, const hl_ad_view *a)
{
    lua_State *L = rule->L;
    hl_rules *r = x->r;
    if (call_rule(x, rule, rule->run_ref, ai, SIZE_MAX, a->subject.ad_id, NULL) < 0)
        return;
    int idx = lua_gettop(L);
    if (lua_type(L, idx) == LUA_TTABLE) {
        size_t n = lua_rawlen(L, idx);
        for (size_t i = 0; i < n && i < 50; i++) {
            if (lua_rawgeti(L, idx, (lua_Integer)i + 1) != LUA_TTABLE) {
                lua_pop(L, 1);
                bad(x, "a suppression list whose item %zu is not a table {code=, reason=}", i + 1);
                rule_error(x, rule, a->subject.ad_id);
                break;
            }
            int it = lua_gettop(L);
            int err = 0;
            char *code = str_field(x, L, it, "code", "suppression", 1, &err);
            char *reason = err ? NULL : str_field(x, L, it, "reason", "suppression", 1, &err);
            lua_pop(L, 1);
            if (err) {
                free(code);
                free(reason);
                rule_error(x, rule, a->subject.ad_id);
                break;
            }
            char by[300];
            snprintf(by, sizeof by, "%s:%s", rule->info.file, rule->info.name);
            for (size_t k = 0; k < r->call.ad_ndiags[ai]; k++) {
                size_t di = r->call.ad_diags[ai][k];
                size_t nd;
                const hl_brief_diag *d = hl_briefs_diagnoses(x->b, &nd);
                if (di < x->nsupp && !x->suppressed[di] && strcmp(d[di].code, code) == 0) {
                    x->suppressed[di] = 1;
                    hl_briefs_suppress(x->b, d[di].code, &d[di].subject, reason, by);
                }
            }
            free(code);
            free(reason);
        }
    } else if (!lua_isnil(L, idx)) {
        bad(x, "a %s (expected nil or a list of {code=, reason=})",
            lua_typename(L, lua_type(L, idx)));
        rule_error(x, rule, a->subject.ad_id);
    }
    lua_settop(L, idx - 1);
}

/* ---------------------------------------------------------------- brief rules */

static void make_briefs(runctx *x, const hl_rule *rule, size_t ai, size_t di)
{
    lua_State *L = rule->L;
    size_t nd;
    const hl_brief_diag *d = &hl_briefs_diagnoses(x->b, &nd)[di];
    const char *sid = subject_id(&d->subject);
    const char *code = d->code;
    hl_subject subject = d->subject;
    if (call_rule(x, rule, rule->run_ref, ai, di, sid, code) < 0)
        return;
    int idx = lua_gettop(L);
    int t = lua_type(L, idx);
    if (t == LUA_TNIL) {
        lua_settop(L, idx - 1);
        return;
    }
    if (t != LUA_TTABLE) {
        bad(x, "a %s (expected nil, a brief or a list of briefs)", lua_typename(L, t));
        rule_error(x, rule, sid);
        lua_settop(L, idx - 1);
        return;
    }
    int single = looks_like_brief(L, idx);
    size_t n = single ? 1 : lua_rawlen(L, idx);
    if (n > MAX_BRIEFS_PER_CALL) {
        bad(x, "%zu briefs for one diagnosis (at most %d)", n, MAX_BRIEFS_PER_CALL);
        rule_error(x, rule, sid);
        lua_settop(L, idx - 1);
        return;
    }
    const hl_ad_view *a = NULL;
    if (ai != SIZE_MAX) {
        size_t na;
        a = &hl_findings_ads(x->f, &na)[ai];
    }
    char file_rule[300];
    snprintf(file_rule, sizeof file_rule, "%s:%s", rule->info.file, rule->info.name);
    for (size_t i = 0; i < n; i++) {
        int it = idx;
        if (!single) {
            if (lua_rawgeti(L, idx, (lua_Integer)i + 1) != LUA_TTABLE) {
                bad(x, "a list whose item %zu is not a brief table", i + 1);
                rule_error(x, rule, sid);
                break;
            }
            it = lua_gettop(L);
        }
        hl_brief tmp;
        memset(&tmp, 0, sizeof tmp);
        char where[32];
        snprintf(where, sizeof where, single ? "brief" : "briefs[%zu]", i + 1);
        if (read_brief(x, L, it, where, &tmp) < 0) {
            clear_brief(&tmp);
            rule_error(x, rule, sid);
            break;
        }
        hl_brief *br = hl_briefs_add(x->b);
        if (!br) {
            clear_brief(&tmp);
            break;
        }
        *br = tmp;
        br->subject = subject;
        br->currency = a ? a->currency : NULL;
        br->diag = di;
        br->rule = strdup(file_rule);
        hl_brief_complete(x->b, br, rule->info.name, (int)i);
        if (!single)
            lua_settop(L, idx);
    }
    lua_settop(L, idx - 1);
}

/* Does the brief rule handle this diagnosis? `on` lists codes; `when` is a predicate; with both,
 * both must agree. A failing predicate is that rule's error. */
static int handles(runctx *x, const hl_rule *rule, size_t ai, size_t di)
{
    size_t nd;
    const hl_brief_diag *d = &hl_briefs_diagnoses(x->b, &nd)[di];
    if (rule->info.ncodes) {
        int hit = 0;
        for (size_t i = 0; i < rule->info.ncodes; i++)
            if (strcmp(rule->info.codes[i], d->code) == 0)
                hit = 1;
        if (!hit)
            return 0;
    }
    if (rule->when_ref == LUA_NOREF)
        return 1;
    lua_State *L = rule->L;
    const char *sid = subject_id(&d->subject);
    if (call_rule(x, rule, rule->when_ref, ai, di, sid, d->code) < 0)
        return 0;
    int yes = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return yes;
}

/* ---------------------------------------------------------------- the run */

static int build_ad_diags(runctx *x, size_t nads)
{
    hl_call *c = &x->r->call;
    for (size_t i = 0; i < nads; i++)
        c->ad_ndiags[i] = 0;
    size_t nd;
    const hl_brief_diag *d = hl_briefs_diagnoses(x->b, &nd);
    for (size_t i = 0; i < nd; i++) {
        if (i < x->nsupp && x->suppressed[i])
            continue;
        if (d[i].subject.level != HL_LEVEL_AD)
            continue;
        size_t ai = ad_index(x->r, d[i].subject.ad_id);
        if (ai == SIZE_MAX)
            continue;
        size_t *na = realloc(c->ad_diags[ai], (c->ad_ndiags[ai] + 1) * sizeof *na);
        if (!na)
            return -1;
        c->ad_diags[ai] = na;
        c->ad_diags[ai][c->ad_ndiags[ai]++] = i;
    }
    return 0;
}

static void free_indexes(hl_call *c, size_t nads)
{
    if (c->ad_diags)
        for (size_t i = 0; i < nads; i++)
            free(c->ad_diags[i]);
    free(c->ad_diags);
    free(c->ad_ndiags);
    if (c->group_ads)
        for (size_t i = 0; i < c->ngroups; i++)
            free(c->group_ads[i]);
    free(c->group_ads);
    free(c->group_nads);
    c->ad_diags = c->group_ads = NULL;
    c->ad_ndiags = c->group_nads = NULL;
    c->ngroups = 0;
}

hl_status hl_rules_run(hl_rules *r, const hl_findings *f, hl_briefs **out, hl_error *err)
{
    *out = NULL;
    runctx x;
    memset(&x, 0, sizeof x);
    x.r = r;
    x.f = f;
    x.b = hl_briefs_new(f);
    if (!x.b)
        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
    hl_status st = HL_OK;
    hl_call *c = &r->call;
    size_t nads;
    const hl_ad_view *ads = hl_findings_ads(f, &nads);

    /* Load problems read like rule errors: "file:line: message", so a log names the place. */
    for (size_t i = 0; i < r->np; i++) {
        const hl_rule_problem *pb = &r->problems[i].p;
        const char *msg = pb->message ? pb->message : "";
        char buf[1024];
        if (pb->file && strncmp(msg, pb->file, strlen(pb->file)) != 0) {
            if (pb->line)
                snprintf(buf, sizeof buf, "%s:%lu: %s", pb->file, pb->line, msg);
            else
                snprintf(buf, sizeof buf, "%s: %s", pb->file, msg);
            msg = buf;
        }
        hl_briefs_error(x.b, NULL, pb->file, pb->line, msg, NULL, NULL);
    }

    /* Lookups for this run: ad ids, ad groups. */
    hl_strpool_free(r->ad_ids);
    r->ad_ids = hl_strpool_new();
    hl__views_reset(r);
    c->f = f;
    c->briefs = x.b;
    c->ad_diags = calloc(nads ? nads : 1, sizeof *c->ad_diags);
    c->ad_ndiags = calloc(nads ? nads : 1, sizeof *c->ad_ndiags);
    size_t ngroups = 0;
    for (size_t i = 0; i < nads; i++)
        if (ads[i].group + 1 > ngroups)
            ngroups = ads[i].group + 1;
    c->group_ads = calloc(ngroups ? ngroups : 1, sizeof *c->group_ads);
    c->group_nads = calloc(ngroups ? ngroups : 1, sizeof *c->group_nads);
    c->ngroups = ngroups;
    if (!r->ad_ids || !c->ad_diags || !c->ad_ndiags || !c->group_ads || !c->group_nads)
        goto oom;
    for (size_t i = 0; i < nads; i++) {
        const char *id = ads[i].subject.ad_id ? ads[i].subject.ad_id : "";
        int added;
        uint32_t k = hl_strpool_intern(r->ad_ids, id, strlen(id), &added);
        if (k == HL_NONE)
            goto oom;
        if (!added || k != i) {
            /* duplicate ids cannot happen in a run; keep the index consistent anyway */
            continue;
        }
        size_t g = ads[i].group;
        size_t *ng = realloc(c->group_ads[g], (c->group_nads[g] + 1) * sizeof *ng);
        if (!ng)
            goto oom;
        c->group_ads[g] = ng;
        c->group_ads[g][c->group_nads[g]++] = i;
    }

    /* The built-in diagnoses. */
    size_t ndx;
    const hl_diagnosis *dx = hl_findings_diagnoses(f, &ndx);
    for (size_t i = 0; i < ndx; i++) {
        hl_brief_diag *d = hl_briefs_add_diag(x.b);
        if (!d)
            goto oom;
        d->code = dx[i].code;
        d->subject = dx[i].subject;
        d->summary = dx[i].summary;
        d->effect = dx[i].effect;
        d->priority = dx[i].priority;
        d->spend_at_stake = dx[i].spend_at_stake;
        d->builtin = &dx[i];
        d->related_ad_ids = NULL;
        d->nrelated = dx[i].nrelated;
        if (dx[i].nrelated) {
            d->related_ad_ids = malloc(dx[i].nrelated * sizeof *d->related_ad_ids);
            if (!d->related_ad_ids)
                goto oom;
            memcpy(d->related_ad_ids, dx[i].related_ad_ids,
                   dx[i].nrelated * sizeof *d->related_ad_ids);
        }
    }
    if (build_ad_diags(&x, nads) < 0)
        goto oom;

    /* 1. rules' own diagnoses */
    int any_diag = 0, any_supp = 0;
    for (size_t k = 0; k < r->n; k++) {
        any_diag |= r->rules[k].info.kind == HL_RULE_DIAGNOSE;
        any_supp |= r->rules[k].info.kind == HL_RULE_SUPPRESS;
    }
    if (any_diag) {
        for (size_t i = 0; i < nads; i++)
            for (size_t k = 0; k < r->n; k++)
                if (r->rules[k].info.kind == HL_RULE_DIAGNOSE)
                    run_diagnose(&x, &r->rules[k], i, &ads[i]);
        if (build_ad_diags(&x, nads) < 0)
            goto oom;
    }
    size_t nd;
    hl_briefs_diagnoses(x.b, &nd);
    x.suppressed = calloc(nd ? nd : 1, 1);
    x.nsupp = nd;
    if (!x.suppressed)
        goto oom;
    /* 2. suppressions */
    if (any_supp) {
        for (size_t i = 0; i < nads; i++)
            for (size_t k = 0; k < r->n; k++)
                if (r->rules[k].info.kind == HL_RULE_SUPPRESS)
                    run_suppress(&x, &r->rules[k], i, &ads[i]);
        if (build_ad_diags(&x, nads) < 0)
            goto oom;
    }
    /* 3. briefs for every remaining diagnosis */
    for (size_t di = 0; di < nd; di++) {
        if (x.suppressed[di])
            continue;
        const hl_brief_diag *d = &hl_briefs_diagnoses(x.b, &nd)[di];
        size_t ai = d->subject.level == HL_LEVEL_AD ? ad_index(r, d->subject.ad_id) : SIZE_MAX;
        for (size_t k = 0; k < r->n; k++) {
            const hl_rule *rule = &r->rules[k];
            if (rule->info.kind != HL_RULE_BRIEF)
                continue;
            if (handles(&x, rule, ai, di))
                make_briefs(&x, rule, ai, di);
        }
    }
    hl_briefs_sort(x.b);
    goto done;
oom:
    st = hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
done:
    free(x.suppressed);
    free_indexes(c, nads);
    c->f = NULL;
    c->briefs = NULL;
    c->gen++;
    if (st != HL_OK) {
        hl_briefs_free(x.b);
        return st;
    }
    *out = x.b;
    return HL_OK;
}
