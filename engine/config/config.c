/*
 * config.c — the settings table: one schema entry per key (path, type, where it lives, range,
 * meaning), defaults, loading a hookline.lua through the sandbox, and printing. One table
 * keeps the defaults documented in exactly one place.
 */
#include "hookline/config.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "common/suggest.h"
#include "hookline/stats.h"
#include "rules/sandbox.h"

typedef enum ktype { K_NUM, K_INT, K_BOOL, K_MODE, K_ADJUST, K_STR } ktype;

typedef struct key {
    const char *path;
    ktype type;
    size_t off;
    double def, min, max;
    const char *help;
} key;

#define F(field) offsetof(hl_config, field)

static const key keys[] = {
    {"analysis.alpha", K_NUM, F(alpha), 0.05, 1e-6, 0.5, "significance level"},
    {"analysis.mode", K_MODE, F(mode), HL_MODE_SEQUENTIAL, 0, 2,
     "sequential (always-valid, nightly default) | fixed (one look) | bayes"},
    {"analysis.adjust", K_ADJUST, F(adjust), HL_STATS_ADJUST_BH, 0, 2,
     "multiplicity correction: bh | holm | bonferroni"},
    {"analysis.adjust_per_advertiser", K_BOOL, F(adjust_per_advertiser), 1, 0, 1,
     "each advertiser's tests are one family (false: the whole run's); an account's decisions "
     "then do not depend on the other accounts in the run, and shards by advertiser decide as "
     "the single run"},
    {"analysis.overdispersion", K_BOOL, F(overdispersion), 1, 0, 1,
     "quasi-binomial variance from day-level cells (false: plain binomial)"},
    {"analysis.window_days", K_INT, F(window_days), 28, 1, 3660, "days up to as-of compared"},
    {"analysis.min_impressions", K_NUM, F(min_impressions), 1000, 0, 1e12,
     "per arm, before a view or click rate is decided"},
    {"analysis.min_conversions", K_NUM, F(min_conversions), 25, 0, 1e12,
     "per arm, before CVR, CPA or ROAS is decided"},
    {"analysis.min_days", K_INT, F(min_days), 7, 2, 3660,
     "delivering days per arm before any comparison is decided (the wander needs days)"},
    {"analysis.mde", K_NUM, F(mde), 0.10, 0.001, 10,
     "relative effect that matters (no_difference bound, sample needed)"},
    {"analysis.power", K_NUM, F(power), 0.8, 0.5, 0.999, "power for the sample still needed"},
    {"analysis.bayes_threshold", K_NUM, F(bayes_threshold), 0.95, 0.5, 0.99999,
     "chance to beat needed for a decision in bayes mode"},
    {"analysis.tuning_impressions", K_NUM, F(tuning_impressions), 200000, 10, 1e12,
     "sequential N* for impression- and view-based rates"},
    {"analysis.tuning_clicks", K_NUM, F(tuning_clicks), 5000, 10, 1e12, "sequential N* for CVR"},
    {"analysis.tuning_conversions", K_NUM, F(tuning_conversions), 500, 10, 1e12,
     "sequential N* for CPA"},
    {"analysis.tuning_days", K_NUM, F(tuning_days), 28, 2, 1e6, "sequential N* for ROAS (days)"},
    {"trends.days", K_INT, F(trend_days), 14, 4, 366, "window of the fatigue trends"},
    {"trends.min_days", K_INT, F(trend_min_days), 6, 4, 366, "delivering days before a trend"},
    {"diagnose.weak_hook.max_lift", K_NUM, F(weak_hook_max_lift), -0.10, -1, 0,
     "hook-rate lift at or below which a worse hook is a weak hook"},
    {"diagnose.weak_hold.max_lift", K_NUM, F(weak_hold_max_lift), -0.10, -1, 0,
     "hold-rate lift for a weak hold"},
    {"diagnose.weak_cta.max_lift", K_NUM, F(weak_cta_max_lift), -0.10, -1, 0,
     "CTR lift for a weak CTA"},
    {"diagnose.landing_page_mismatch.min_ctr_lift", K_NUM, F(lp_min_ctr_lift), 0.10, -1, 100,
     "CTR lift at least, unless the CTR is significantly better (CTR high)"},
    {"diagnose.landing_page_mismatch.max_cvr_lift", K_NUM, F(lp_max_cvr_lift), -0.15, -1, 0,
     "CVR lift at most (CVR low)"},
    {"diagnose.winner.min_lift", K_NUM, F(winner_min_lift), 0.10, 0, 100,
     "goal-metric improvement for a winner"},
    {"diagnose.loser.min_lift", K_NUM, F(loser_min_lift), 0.10, 0, 100,
     "goal-metric worsening for a loser"},
    {"diagnose.fatigue.max_ctr_change", K_NUM, F(fatigue_max_ctr_change), -0.20, -1, 0,
     "CTR change (recent vs prior half of the trend window) at most"},
    {"diagnose.fatigue.min_cpm_change", K_NUM, F(fatigue_min_cpm_change), 0.10, 0, 100,
     "CPM change relative to the account's, at least"},
    {"diagnose.fatigue.min_frequency_change", K_NUM, F(fatigue_min_frequency_change), 0.10, 0,
     100, "or frequency change, at least"},
    {"diagnose.no_delivery.min_days", K_INT, F(no_delivery_min_days), 1, 1, 366,
     "zero-impression days in a row, up to as-of, while the ad group delivers"},
    {"diagnose.audience_too_narrow.max_frequency", K_NUM, F(audience_max_frequency), 3.0, 1, 1000,
     "mean daily frequency of an ad group over the last 7 days"},
    {"diagnose.pacing.max_change", K_NUM, F(pacing_max_change), -0.5, -1, 0,
     "ad group spend change, last 3 days vs the 7 before, at most"},
    {"diagnose.tracking_discrepancy.tolerance", K_NUM, F(tracking_tolerance), 0.20, 0, 10,
     "platform vs backend conversions gap that is normal"},
    {"recipes.max_variants", K_INT, F(recipes_max_variants), 5, 1, 10,
     "recipes per creative action at most (variants beyond are dropped)"},
    {"recipes.duration_s", K_NUM, F(recipes_duration_s), 20, 5, 180,
     "target length of a generated variant in seconds"},
    {"store.db", K_STR, F(store_db), 0, 0, 1023, "SQLite history file (\"\" = hookline.db)"},
    {"run.out", K_STR, F(run_out), 0, 0, 1023, "output root: OUT/<as-of>/ and OUT/latest (\"\" = out)"},
    {"run.inputs", K_STR, F(run_inputs), 0, 0, 4095,
     "export or report files to ingest each night, comma-separated"},
    {"run.repull_days", K_INT, F(repull_days), 3, 0, 30,
     "the last days pulled again every night (late conversions)"},
    {"tiktok.advertisers", K_STR, F(tiktok_advertisers), 0, 0, 2047,
     "advertiser ids to pull, comma-separated"},
    {"tiktok.api_base", K_STR, F(tiktok_api_base), 0, 0, 511,
     "Marketing API base URL (\"\" = https://business-api.tiktok.com)"},
    {"tiktok.token_file", K_STR, F(tiktok_token_file), 0, 0, 1023,
     "file with the access token (\"\" = the HOOKLINE_TIKTOK_TOKEN variable)"},
    {"deliver.webhook", K_STR, F(deliver_webhook), 0, 0, 1023,
     "video generator endpoint; recipes are posted there when set"},
    {"deliver.adapter", K_STR, F(deliver_adapter), 0, 0, 255,
     "generator adapter: generic, heygen, shortgenius or a .lua path (\"\" = generic)"},
    {"mail.smtp", K_STR, F(mail_smtp), 0, 0, 511, "smtp:// or smtps:// relay; the report is mailed when set"},
    {"mail.from", K_STR, F(mail_from), 0, 0, 255, "sender address"},
    {"mail.to", K_STR, F(mail_to), 0, 0, 1023, "recipients, comma-separated"},
    {"mail.allow_plain", K_BOOL, F(mail_allow_plain), 0, 0, 1,
     "allow a relay on this machine without STARTTLS"},
    {"net.ca_file", K_STR, F(net_ca_file), 0, 0, 1023,
     "PEM file of CA certificates trusted instead of the system's (a private CA in front of "
     "the relay, the generator or a proxy); \"\" = the system's"},
    {"experiments.max_days", K_INT, F(experiments_max_days), 28, 3, 366,
     "days a launched variant is evaluated before an inconclusive verdict is final"},
    {"experiments.min_days", K_INT, F(experiments_min_days), 7, 3, 60,
     "days both variant and parent delivered before a verdict (day-to-day wander needs days)"},
    {"experiments.randomized", K_BOOL, F(experiments_randomized), 0, 0, 1,
     "variant and parent splits are randomized: check the sample ratio (SRM)"},
    {"rules.dir", K_STR, F(rules_dir), 0, 0, 1023,
     "the rule pack directory (\"\" = the bundled scripts/rules)"},
    {"rules.instructions", K_NUM, F(rules_instructions), 10000000, 1000, 1e11,
     "VM instructions per rule call"},
    {"rules.memory_mb", K_NUM, F(rules_memory_mb), 64, 1, 65536, "memory of the rule state (MiB)"},
    {"columns.file", K_STR, F(columns_file), 0, 0, 1023,
     "custom columns file (\"\" = the bundled scripts/columns.lua)"},
    {"reports.dir", K_STR, F(reports_dir), 0, 0, 1023,
     "directory of your report templates, added to the bundled scripts/reports (\"\" = none)"},
};
#define NKEYS (sizeof keys / sizeof keys[0])

static const char *const mode_names[] = {"sequential", "fixed", "bayes"};

const char *hl_mode_name(hl_mode m)
{
    return (unsigned)m < 3 ? mode_names[m] : "?";
}

int hl_mode_from_name(const char *s, hl_mode *out)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(s, mode_names[i]) == 0) {
            *out = (hl_mode)i;
            return 0;
        }
    return -1;
}

static void store(hl_config *cfg, const key *k, double v)
{
    char *base = (char *)cfg;
    switch (k->type) {
    case K_NUM:
        *(double *)(void *)(base + k->off) = v;
        break;
    case K_INT:
    case K_BOOL:
    case K_ADJUST:
        *(int *)(void *)(base + k->off) = (int)v;
        break;
    case K_MODE:
        *(hl_mode *)(void *)(base + k->off) = (hl_mode)(int)v;
        break;
    case K_STR:
        break; /* strings are stored by store_str */
    }
}

static void store_str(hl_config *cfg, const key *k, const char *s)
{
    char *dst = (char *)cfg + k->off;
    snprintf(dst, (size_t)k->max + 1, "%s", s);
}

static double fetch(const hl_config *cfg, const key *k)
{
    const char *base = (const char *)cfg;
    switch (k->type) {
    case K_NUM:
        return *(const double *)(const void *)(base + k->off);
    case K_MODE:
        return (double)*(const hl_mode *)(const void *)(base + k->off);
    case K_STR:
        return 0;
    default:
        return (double)*(const int *)(const void *)(base + k->off);
    }
}

void hl_config_defaults(hl_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < NKEYS; i++)
        if (keys[i].type == K_STR)
            store_str(cfg, &keys[i], "");
        else
            store(cfg, &keys[i], keys[i].def);
}

static const char *nearest(const char *path)
{
    const char *best = NULL;
    size_t bd = (size_t)-1;
    for (size_t i = 0; i < NKEYS; i++) {
        size_t d = hl_edit_distance(path, keys[i].path);
        /* a key given without its section ("alpha") should find "analysis.alpha" */
        const char *dot = strrchr(keys[i].path, '.');
        if (dot && strcmp(dot + 1, path) == 0)
            d = 0;
        if (d < bd) {
            bd = d;
            best = keys[i].path;
        }
    }
    return bd <= 4 ? best : NULL;
}

static const key *find_key(const char *path)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].path, path) == 0)
            return &keys[i];
    return NULL;
}

/* Is path a section (a prefix of some key followed by '.')? */
static int is_section(const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < NKEYS; i++)
        if (strncmp(keys[i].path, path, n) == 0 && keys[i].path[n] == '.')
            return 1;
    return 0;
}

static hl_status bad(hl_error *err, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static hl_status bad(hl_error *err, const char *file, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return hl_error_set(err, HL_EINPUT, file, 0, 0, "%s", msg);
}

/* Walks the table at the top of the stack; prefix is its path. Depth is bounded by the schema
 * (sections nest at most three levels), so a hostile deeply nested table is refused early. */
static hl_status walk(lua_State *L, hl_config *tmp, const char *file, const char *prefix,
                      int depth, hl_error *err)
{
    if (depth > 4)
        return bad(err, file, "'%s': nested too deeply", prefix);
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        /* key at -2, value at -1 */
        if (lua_type(L, -2) != LUA_TSTRING) {
            lua_pop(L, 2);
            return bad(err, file, "%s%skeys must be names", prefix[0] ? prefix : "",
                       prefix[0] ? ": " : "");
        }
        char path[256];
        const char *name = lua_tostring(L, -2);
        if (strlen(name) > 100) {
            lua_pop(L, 2);
            return bad(err, file, "key too long");
        }
        snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", name);
        const key *k = find_key(path);
        if (!k) {
            if (lua_type(L, -1) == LUA_TTABLE && is_section(path)) {
                hl_status st = walk(L, tmp, file, path, depth + 1, err);
                if (st != HL_OK) {
                    lua_pop(L, 2);
                    return st;
                }
                lua_pop(L, 1);
                continue;
            }
            const char *s = nearest(path);
            lua_pop(L, 2);
            if (s)
                return bad(err, file, "unknown key '%s' (did you mean '%s'?)", path, s);
            return bad(err, file, "unknown key '%s'; see 'hookline config defaults'", path);
        }
        int t = lua_type(L, -1);
        double v = 0;
        switch (k->type) {
        case K_NUM:
        case K_INT:
            if (t != LUA_TNUMBER) {
                lua_pop(L, 2);
                return bad(err, file, "'%s' must be a number", path);
            }
            v = lua_tonumber(L, -1);
            if (!isfinite(v) || v < k->min || v > k->max || (k->type == K_INT && v != floor(v))) {
                char range[160];
                snprintf(range, sizeof range, "%s in [%g, %g]",
                         k->type == K_INT ? "a whole number" : "a number", k->min, k->max);
                lua_pop(L, 2);
                return bad(err, file, "'%s' must be %s", path, range);
            }
            break;
        case K_BOOL:
            if (t != LUA_TBOOLEAN) {
                lua_pop(L, 2);
                return bad(err, file, "'%s' must be true or false", path);
            }
            v = lua_toboolean(L, -1);
            break;
        case K_MODE: {
            hl_mode m;
            if (t != LUA_TSTRING || hl_mode_from_name(lua_tostring(L, -1), &m) < 0) {
                lua_pop(L, 2);
                return bad(err, file, "'%s' must be \"sequential\", \"fixed\" or \"bayes\"",
                           path);
            }
            v = m;
            break;
        }
        case K_STR: {
            size_t sl;
            const char *sv = t == LUA_TSTRING ? lua_tolstring(L, -1, &sl) : NULL;
            if (!sv || sl > (size_t)k->max || memchr(sv, '\0', sl)) {
                lua_pop(L, 2);
                return bad(err, file, "'%s' must be a string of at most %d bytes", path,
                           (int)k->max);
            }
            /* a URL with user:password@ holds a secret: refused here, so no command (config
             * check included) ever prints it back; credentials come from the environment */
            const char *sch = strstr(sv, "://");
            if (sch) {
                size_t al = strcspn(sch + 3, "/?#");
                if (memchr(sch + 3, '@', al)) {
                    lua_pop(L, 2);
                    return bad(err, file,
                               "'%s': credentials in a URL are not accepted (use the environment "
                               "variables documented for the command)",
                               path);
                }
            }
            store_str(tmp, k, sv);
            lua_pop(L, 1);
            continue;
        }
        case K_ADJUST: {
            hl_stats_adjust_method m;
            if (t != LUA_TSTRING || hl_stats_adjust_method_parse(lua_tostring(L, -1), &m) != 0) {
                lua_pop(L, 2);
                return bad(err, file, "'%s' must be \"bh\", \"holm\" or \"bonferroni\"", path);
            }
            v = m;
            break;
        }
        }
        store(tmp, k, v);
        lua_pop(L, 1);
    }
    return HL_OK;
}

hl_status hl_config_load(hl_config *cfg, const char *path, hl_error *err)
{
    hl_sandbox_limits lim = {16u << 20, 10000000, 0};
    hl_sandbox *sb = hl_sandbox_new(&lim);
    if (!sb)
        return hl_error_set(err, HL_EINTERNAL, path, 0, 0, "out of memory");
    hl_status st = hl_sandbox_run_file(sb, path, err);
    if (st == HL_OK) {
        lua_State *L = hl_sandbox_state(sb);
        if (!lua_istable(L, -1)) {
            st = hl_error_set(err, HL_EINPUT, path, 0, 0,
                              "a config file must return a table (or set sections as globals)");
        } else {
            hl_config tmp = *cfg;
            st = walk(L, &tmp, path, "", 0, err);
            if (st == HL_OK)
                *cfg = tmp;
        }
    }
    hl_sandbox_free(sb);
    return st;
}

/* Prints the settings as a nested Lua table: consecutive keys share their open sections, so
 * every section appears exactly once (a table constructor with a repeated key keeps only the
 * last one). */
void hl_config_print(FILE *f, const hl_config *cfg)
{
    fprintf(f, "-- hookline.lua: every setting with its value (defaults unless loaded)\nreturn {\n");
    char open[8][64];
    int depth = 0;
    for (size_t i = 0; i < NKEYS; i++) {
        const key *k = &keys[i];
        char parts[8][64];
        int np = 0;
        const char *p = k->path;
        while (np < 8) {
            const char *dot = strchr(p, '.');
            size_t l = dot ? (size_t)(dot - p) : strlen(p);
            snprintf(parts[np++], sizeof parts[0], "%.*s", (int)l, p);
            if (!dot)
                break;
            p = dot + 1;
        }
        int sections = np - 1, common = 0;
        while (common < depth && common < sections && strcmp(open[common], parts[common]) == 0)
            common++;
        for (; depth > common; depth--)
            fprintf(f, "%*s},\n", 2 * depth, "");
        for (; depth < sections; depth++) {
            fprintf(f, "%*s%s = {\n", 2 * (depth + 1), "", parts[depth]);
            snprintf(open[depth], sizeof open[0], "%s", parts[depth]);
        }
        double v = fetch(cfg, k);
        fprintf(f, "%*s%s = ", 2 * (depth + 1), "", parts[np - 1]);
        switch (k->type) {
        case K_NUM:
            fprintf(f, "%.10g", v);
            break;
        case K_INT:
            fprintf(f, "%d", (int)v);
            break;
        case K_BOOL:
            fputs(v != 0 ? "true" : "false", f);
            break;
        case K_MODE:
            fprintf(f, "\"%s\"", hl_mode_name((hl_mode)(int)v));
            break;
        case K_ADJUST:
            fprintf(f, "\"%s\"", hl_stats_adjust_method_name((hl_stats_adjust_method)(int)v));
            break;
        case K_STR: {
            /* A quoted Lua string, escaped so it reads back byte for byte: quotes and
             * backslashes escaped, line ends as \n, other control bytes as \ddd (three digits,
             * so a digit after one cannot extend it). A long bracket cannot do this: Lua turns
             * any CR or CR LF inside one into LF (found by fuzz_config). */
            const unsigned char *sv = (const unsigned char *)cfg + k->off;
            fputc('"', f);
            for (; *sv; sv++) {
                if (*sv == '"' || *sv == '\\')
                    fprintf(f, "\\%c", *sv);
                else if (*sv == '\n')
                    fputs("\\n", f);
                else if (*sv < 0x20 || *sv == 0x7f)
                    fprintf(f, "\\%03u", (unsigned)*sv);
                else
                    fputc(*sv, f);
            }
            fputc('"', f);
            break;
        }
        }
        fprintf(f, ",  -- %s\n", k->help);
    }
    for (; depth > 0; depth--)
        fprintf(f, "%*s},\n", 2 * depth, "");
    fputs("}\n", f);
}
