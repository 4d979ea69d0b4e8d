/*
 * hllib.c — the `hl` library rules call: number formatting for brief text, the power function
 * (how many impressions a hypothesis needs), logging through hookline rather than stdout, and
 * the as-of date in place of a clock. Every function checks its arguments' types and ranges
 * (integer edges included) before using them.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "common/fmtnum.h"
#include "hookline/brief.h"
#include "hookline/stats.h"
#include "rules/internal.h"

static int digits_arg(lua_State *L, int idx, int def)
{
    if (lua_isnoneornil(L, idx))
        return def;
    lua_Integer d = luaL_checkinteger(L, idx);
    if (d < 0 || d > 10)
        return luaL_argerror(L, idx, "digits must be 0..10");
    return (int)d;
}

/* nil (or not a finite number) prints "n/a": briefs often quote undefined values. */
static int number_or_na(lua_State *L, int idx, double *out)
{
    if (lua_type(L, idx) != LUA_TNUMBER) {
        if (!lua_isnoneornil(L, idx))
            luaL_typeerror(L, idx, "number or nil");
        return 0;
    }
    *out = lua_tonumber(L, idx);
    return isfinite(*out);
}

static int l_pct(lua_State *L)
{
    double x;
    int d = digits_arg(L, 2, 1);
    if (!number_or_na(L, 1, &x)) {
        lua_pushliteral(L, "n/a");
        return 1;
    }
    char buf[64];
    int n = hl_fmt_fixed(buf, sizeof buf - 1, 100 * x, d, 0);
    if (n >= 0 && (size_t)n < sizeof buf - 1)
        memcpy(buf + n, "%", 2);
    lua_pushstring(L, buf);
    return 1;
}

static int l_signed_pct(lua_State *L)
{
    double x;
    int d = digits_arg(L, 2, 1);
    if (!number_or_na(L, 1, &x)) {
        lua_pushliteral(L, "n/a");
        return 1;
    }
    char buf[64];
    int n = hl_fmt_fixed(buf, sizeof buf - 1, 100 * x, d, 1);
    if (n >= 0 && (size_t)n < sizeof buf - 1)
        memcpy(buf + n, "%", 2);
    lua_pushstring(L, buf);
    return 1;
}

/* "1,234,567.89": thousands separators on the integer part. */
static void group(char *out, size_t cap, double x, int digits)
{
    char raw[64];
    hl_fmt_fixed(raw, sizeof raw, fabs(x), digits, 0);
    const char *dot = strchr(raw, '.');
    size_t intlen = dot ? (size_t)(dot - raw) : strlen(raw);
    size_t o = 0;
    if (x < 0 && o + 1 < cap)
        out[o++] = '-';
    for (size_t i = 0; i < intlen && o + 2 < cap; i++) {
        if (i > 0 && (intlen - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = raw[i];
    }
    if (dot)
        for (const char *p = dot; *p && o + 1 < cap; p++)
            out[o++] = *p;
    out[o] = '\0';
}

static int l_num(lua_State *L)
{
    double x;
    int d = digits_arg(L, 2, 0);
    if (!number_or_na(L, 1, &x) || fabs(x) > 1e18) {
        lua_pushliteral(L, "n/a");
        return 1;
    }
    char buf[96];
    group(buf, sizeof buf, x, d);
    lua_pushstring(L, buf);
    return 1;
}

static int l_money(lua_State *L)
{
    double x;
    const char *cur = luaL_optstring(L, 2, NULL);
    if (!number_or_na(L, 1, &x) || fabs(x) > 1e18) {
        lua_pushliteral(L, "n/a");
        return 1;
    }
    char buf[96];
    group(buf, sizeof buf, x, 2);
    if (cur && strlen(cur) <= 8)
        lua_pushfstring(L, "%s %s", buf, cur);
    else
        lua_pushstring(L, buf);
    return 1;
}

/* hl.power(baseline, expected_lift [, {alpha=, power=}]) -> sample per arm, or nil */
static int l_power(lua_State *L)
{
    double base = luaL_checknumber(L, 1), lift = luaL_checknumber(L, 2);
    hl_stats_power_opts po = {0.05, 0.8, 1, 1, HL_STATS_TWO_SIDED};
    if (lua_type(L, 3) == LUA_TTABLE) {
        lua_getfield(L, 3, "alpha");
        if (lua_type(L, -1) == LUA_TNUMBER)
            po.alpha = lua_tonumber(L, -1);
        lua_getfield(L, 3, "power");
        if (lua_type(L, -1) == LUA_TNUMBER)
            po.power = lua_tonumber(L, -1);
        lua_pop(L, 2);
    }
    double n;
    if (!isfinite(base) || !isfinite(lift) ||
        hl_stats_power_n(base, base * lift, &po, &n) != HL_STATS_OK || !isfinite(n)) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushnumber(L, n);
    return 1;
}

static int l_log(lua_State *L)
{
    /* Formatted into a C buffer: luaL_tolstring pushes onto the stack, which a luaL_Buffer
     * must own (a long line moved the buffer's box and freed it under us). */
    hl_rules *r = hl__rules_from_state(L);
    char line[2048];
    size_t len = 0;
    if (r->call.rule)
        len = (size_t)snprintf(line, sizeof line, "rule '%.200s': ", r->call.rule->info.name);
    int n = lua_gettop(L);
    for (int i = 1; i <= n && len + 1 < sizeof line; i++) {
        size_t l;
        const char *s = luaL_tolstring(L, i, &l);
        if (i > 1)
            line[len++] = ' ';
        size_t room = sizeof line - 1 - len;
        if (l > room)
            l = room;
        memcpy(line + len, s, l);
        len += l;
        lua_pop(L, 1);
    }
    line[len < sizeof line ? len : sizeof line - 1] = '\0';
    if (r->log)
        r->log(r->log_ud, line);
    return 0;
}

static int l_now(lua_State *L)
{
    hl_rules *r = hl__rules_from_state(L);
    if (!r->call.f) {
        lua_pushnil(L);
        return 1;
    }
    char date[11];
    hl_format_date(hl_findings_as_of(r->call.f), date);
    lua_pushstring(L, date);
    return 1;
}

void hl__push_hllib(lua_State *L)
{
    static const luaL_Reg fns[] = {{"pct", l_pct},     {"signed_pct", l_signed_pct},
                                   {"num", l_num},     {"money", l_money},
                                   {"power", l_power}, {"log", l_log},
                                   {"now", l_now},     {NULL, NULL}};
    luaL_newlib(L, fns);
    lua_createtable(L, HL_NACTIONS, 0);
    for (int i = 0; i < HL_NACTIONS; i++) {
        lua_pushstring(L, hl_action_type_name((hl_action_type)i));
        lua_rawseti(L, -2, i + 1);
    }
    hl__make_readonly(L);
    lua_setfield(L, -2, "action_types");
}
