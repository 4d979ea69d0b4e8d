/*
 * columns.c — custom columns: `column { name, label, kind, formula, description }` calls in a
 * sandboxed Lua file, and their evaluation for aggregated rows.
 *
 * A formula receives one row object `r` for its whole life: a read-only proxy whose __index
 * reads the current row from C (counters, metrics, names, days, other custom columns, extra
 * numeric columns), so no table is built per call. A missing counter or undefined metric reads
 * as nil; arithmetic on it (a Lua error) is then taken as an undefined result, as is a result
 * that is inf or NaN (Lua's 1/0) and a nil result. Reading a name that is not a field is an
 * error with a suggestion, so a typo never passes for a missing value.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "columns/internal.h"
#include "common/hash.h"
#include "hookline/metrics.h"

typedef struct column {
    hl_column_info info;
    int fn_ref;
    int busy; /* being evaluated: a reference back to it is a cycle */
} column;

struct hl_columns {
    hl_sandbox *sb;
    lua_State *L;
    hl_strpool *strings;
    column *cols;
    size_t n, cap;
    int env_mt_ref, proxy_ref, names_ref;
    const char *loading_file; /* set while a file's top level runs */
    const hl_agg_row *row;    /* the row being evaluated */
    const char *missing;      /* first missing input read by this evaluation */
    char **extra;             /* bound extra column names */
    size_t nextra;
};

#define CODE(src, idx) ((lua_Integer)(src) + 8 * (lua_Integer)(idx))

static const char *intern(hl_columns *c, const char *s)
{
    uint32_t i = hl_strpool_intern(c->strings, s, strlen(s), NULL);
    return i == HL_NONE ? NULL : hl_strpool_get(c->strings, i);
}

const char *hl_columns_default_file(void)
{
    return HL_SOURCE_DIR "/scripts/columns.lua";
}

size_t hl_columns_count(const hl_columns *c)
{
    return c ? c->n : 0;
}

const hl_column_info *hl_columns_info(const hl_columns *c, size_t i)
{
    return c && i < c->n ? &c->cols[i].info : NULL;
}

int hl_columns_find(const hl_columns *c, const char *name)
{
    for (size_t i = 0; c && i < c->n; i++)
        if (strcmp(c->cols[i].info.name, name) == 0)
            return (int)i;
    return -1;
}

/* ---------------------------------------------------------------- the row object */

static hl_columns *from_upvalue(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

/* An unknown name: a typo must not pass for a missing value. */
static int unknown_field(lua_State *L, hl_columns *c, const char *name)
{
    size_t n = 0;
    const char **known = hl__known_names(c, HL_LEVEL_AD, &n);
    const char **names = known ? realloc(known, (n + c->nextra + 1) * sizeof *names) : NULL;
    if (!names)
        free(known);
    for (size_t i = 0; names && i < c->nextra; i++)
        names[n++] = c->extra[i];
    const char *s = names ? hl__suggest(name, names, n) : NULL;
    char msg[300];
    if (s)
        snprintf(msg, sizeof msg, "unknown field 'r.%.64s' (did you mean 'r.%s'?)", name, s);
    else
        snprintf(msg, sizeof msg,
                 "unknown field 'r.%.64s' (counters, metrics, names, days and custom columns; "
                 "see scripts/SCRIPTING.md)",
                 name);
    free(names);
    return luaL_error(L, "%s", msg);
}

static int is_nil_error(const char *m)
{
    return m && (strstr(m, "attempt to perform arithmetic on a nil value") ||
                 strstr(m, "attempt to compare nil with") ||
                 strstr(m, "with nil") || strstr(m, "attempt to compare two nil values") ||
                 strstr(m, "number expected, got nil"));
}

static int is_zero_division_error(const char *m)
{
    return m && (strstr(m, "attempt to divide by zero") || strstr(m, "attempt to perform 'n//0'") ||
                 strstr(m, "attempt to perform 'n%0'"));
}

/* Evaluates another custom column from inside a formula (the budget is still armed). */
static int nested(lua_State *L, hl_columns *c, size_t k)
{
    column *col = &c->cols[k];
    if (col->busy)
        return luaL_error(L, "column '%s' refers to itself (a cycle of custom columns)",
                          col->info.name);
    col->busy = 1;
    lua_rawgeti(L, LUA_REGISTRYINDEX, col->fn_ref);
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->proxy_ref);
    int rc = lua_pcall(L, 1, 1, 0);
    col->busy = 0;
    if (rc != LUA_OK) {
        const char *m = lua_tostring(L, -1);
        if (rc == LUA_ERRRUN && c->missing && is_nil_error(m)) {
            lua_pushnil(L);
            return 1;
        }
        if (rc == LUA_ERRRUN && is_zero_division_error(m)) {
            lua_pushnil(L);
            return 1;
        }
        if (rc == LUA_ERRRUN && m && !strstr(m, "(in column '"))
            lua_pushfstring(L, "%s (in column '%s')", m, col->info.name);
        return lua_error(L);
    }
    int t = lua_type(L, -1);
    if (t == LUA_TNUMBER) {
        if (!isfinite(lua_tonumber(L, -1))) {
            lua_pop(L, 1);
            lua_pushnil(L);
            c->missing = col->info.name;
        }
    } else if (t == LUA_TNIL) {
        c->missing = col->info.name;
    } else {
        return luaL_error(L, "column '%s' returned a %s (expected a number or nil)",
                          col->info.name, lua_typename(L, t));
    }
    return 1;
}

static int row_index(lua_State *L)
{
    hl_columns *c = from_upvalue(L);
    if (lua_type(L, 2) != LUA_TSTRING)
        return luaL_error(L, "row fields are read by name (r.spend, r[\"ad_name\"])");
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(2));
    if (!lua_isinteger(L, -1))
        return unknown_field(L, c, lua_tostring(L, 2));
    lua_Integer code = lua_tointeger(L, -1);
    lua_pop(L, 1);
    const hl_agg_row *row = c->row;
    if (!row)
        return luaL_error(L, "a row is only available while a formula is evaluated");
    hl__src src = (hl__src)(code % 8);
    size_t idx = (size_t)(code / 8);
    switch (src) {
    case HL__SRC_TEXT:
        lua_pushstring(L, row->text[idx]); /* NULL pushes nil */
        return 1;
    case HL__SRC_DAYS:
        lua_pushinteger(L, (lua_Integer)row->days);
        return 1;
    case HL__SRC_DATE:
        if (row->day < 0) {
            lua_pushnil(L);
        } else {
            char d[11];
            hl_format_date(row->day, d);
            lua_pushstring(L, d);
        }
        return 1;
    case HL__SRC_COUNTER:
        if (row->present & (1u << idx)) {
            lua_pushnumber(L, row->v[idx]);
        } else {
            lua_pushnil(L);
            if (!c->missing)
                c->missing = hl_counter_name((hl_counter)idx);
        }
        return 1;
    case HL__SRC_METRIC: {
        double v;
        if (hl_metric_compute((hl_metric)idx, row->v, row->present, &v)) {
            lua_pushnumber(L, v);
        } else {
            lua_pushnil(L);
            if (!c->missing)
                c->missing = hl_metric_info((hl_metric)idx)->name;
        }
        return 1;
    }
    case HL__SRC_CUSTOM:
        return idx < c->n ? nested(L, c, idx) : unknown_field(L, c, lua_tostring(L, 2));
    case HL__SRC_EXTRA:
        if (idx < c->nextra && row->extra && row->extra_present && row->extra_present[idx]) {
            lua_pushnumber(L, row->extra[idx]);
        } else {
            lua_pushnil(L);
            if (!c->missing && idx < c->nextra)
                c->missing = c->extra[idx];
        }
        return 1;
    }
    return 0;
}

static int row_newindex(lua_State *L)
{
    return luaL_error(L, "the row is read-only (use a local variable)");
}

static int row_tostring(lua_State *L)
{
    hl_columns *c = from_upvalue(L);
    const hl_agg_row *row = c->row;
    const char *id = NULL;
    for (int f = HL_F_AD_ID; row && f >= 0 && !id; f -= 2)
        id = row->text[f];
    lua_pushfstring(L, "row(%s)", id ? id : "?");
    return 1;
}

/* ---------------------------------------------------------------- column { ... } */

static const char *const column_keys[] = {"name", "label", "kind", "formula", "description"};
#define NCOLUMN_KEYS (sizeof column_keys / sizeof column_keys[0])

static int valid_name(const char *s, size_t n)
{
    if (n == 0 || n > 64 || !(s[0] >= 'a' && s[0] <= 'z'))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

static int kind_from_name(const char *s, hl_column_kind *k)
{
    static const struct {
        const char *name;
        hl_column_kind kind;
    } kinds[] = {{"number", HL_COLUMN_NUMBER},         {"count", HL_COLUMN_COUNT},
                 {"money", HL_COLUMN_MONEY},           {"proportion", HL_COLUMN_PROPORTION},
                 {"percent", HL_COLUMN_PROPORTION},    {"ratio", HL_COLUMN_RATIO}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(s, kinds[i].name) == 0) {
            *k = kinds[i].kind;
            return 0;
        }
    return -1;
}

/* An optional string field of the definition table at index 1. */
static const char *opt_string(lua_State *L, const char *what, const char *key, size_t max)
{
    lua_getfield(L, 1, key);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return NULL;
    }
    size_t len = 0;
    const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
    if (!s || len > max || memchr(s, '\0', len)) {
        luaL_error(L, "%s: '%s' must be a string of at most %d bytes", what, key, (int)max);
        return NULL;
    }
    return s; /* stays on the stack */
}

static int l_column(lua_State *L)
{
    hl_columns *c = from_upvalue(L);
    if (!c->loading_file)
        return luaL_error(L, "column{} may only be called when a columns file loads");
    if (lua_type(L, 1) != LUA_TTABLE)
        return luaL_error(L, "column{} takes a table: column { name = ..., formula = ... }");
    lua_settop(L, 1);
    /* Unknown keys are typos ("formual"): say so. */
    lua_pushnil(L);
    while (lua_next(L, 1) != 0) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        int ok = 0;
        for (size_t i = 0; k && i < NCOLUMN_KEYS; i++)
            ok |= strcmp(k, column_keys[i]) == 0;
        if (!ok) {
            const char *s = k ? hl__suggest(k, column_keys, NCOLUMN_KEYS) : NULL;
            if (s)
                return luaL_error(L, "column{}: unknown key '%s' (did you mean '%s'?)", k, s);
            return luaL_error(L, "column{}: unknown key '%s' (name, label, kind, formula, "
                                 "description)",
                              k ? k : "(not a name)");
        }
        lua_pop(L, 1);
    }
    lua_getfield(L, 1, "name");
    size_t nl = 0;
    const char *name = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &nl) : NULL;
    if (!name || !valid_name(name, nl))
        return luaL_error(L, "column{}: 'name' must be a lowercase name: letters, digits and _, "
                             "starting with a letter (1..64)");
    const char *what = hl_columns_builtin(name);
    if (what)
        return luaL_error(L, "column '%s': '%s' is a built-in %s; give the custom column another "
                             "name (e.g. '%s_custom')",
                          name, name, what, name);
    int dup = hl_columns_find(c, name);
    if (dup >= 0)
        return luaL_error(L, "column '%s' is already defined (%s:%d)", name,
                          c->cols[dup].info.file, (int)c->cols[dup].info.line);
    char what_buf[100];
    snprintf(what_buf, sizeof what_buf, "column '%s'", name);
    const char *label = opt_string(L, what_buf, "label", 200);
    const char *desc = opt_string(L, what_buf, "description", 2000);
    const char *kind_s = opt_string(L, what_buf, "kind", 32);
    hl_column_kind kind = HL_COLUMN_NUMBER;
    if (kind_s && kind_from_name(kind_s, &kind) < 0)
        return luaL_error(L, "column '%s': unknown kind '%s' (number, count, money, proportion, "
                             "ratio)",
                          name, kind_s);
    lua_getfield(L, 1, "formula");
    if (lua_type(L, -1) != LUA_TFUNCTION)
        return luaL_error(L, "column '%s': 'formula' must be a function of the row, e.g. "
                             "function(r) return r.spend / r.add_to_cart end",
                          name);
    lua_Debug ar;
    unsigned long formula_line = 0, line = 0;
    lua_pushvalue(L, -1);
    if (lua_getinfo(L, ">S", &ar) && ar.linedefined > 0)
        formula_line = (unsigned long)ar.linedefined;
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "l", &ar) && ar.currentline > 0)
        line = (unsigned long)ar.currentline;
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 16;
        if (nc > 4096)
            return luaL_error(L, "more than 4096 custom columns");
        column *ncols = realloc(c->cols, nc * sizeof *ncols);
        if (!ncols)
            return luaL_error(L, "not enough memory");
        c->cols = ncols;
        c->cap = nc;
    }
    column *col = &c->cols[c->n];
    memset(col, 0, sizeof *col);
    col->info.name = intern(c, name);
    col->info.label = intern(c, label ? label : name);
    col->info.description = desc ? intern(c, desc) : NULL;
    if (!col->info.name || !col->info.label || (desc && !col->info.description))
        return luaL_error(L, "not enough memory");
    col->info.kind = kind;
    col->info.file = c->loading_file;
    col->info.line = line;
    col->info.formula_line = formula_line ? formula_line : line;
    lua_pushvalue(L, -1); /* the formula */
    col->fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    /* r.<name> reads this column */
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->names_ref);
    lua_pushstring(L, name);
    lua_pushinteger(L, CODE(HL__SRC_CUSTOM, c->n));
    lua_rawset(L, -3);
    lua_pop(L, 1);
    c->n++;
    return 0;
}

/* ---------------------------------------------------------------- the state */

hl_status hl_columns_new(const hl_columns_limits *lim, hl_columns **out, hl_error *err)
{
    *out = NULL;
    hl_columns *c = calloc(1, sizeof *c);
    hl_sandbox_limits sl = {lim && lim->memory ? lim->memory : 32u << 20,
                            lim && lim->instructions ? lim->instructions : 1000000L, 0};
    if (!c || !(c->strings = hl_strpool_new()) || !(c->sb = hl_sandbox_new(&sl))) {
        if (c) {
            hl_strpool_free(c->strings);
            free(c);
        }
        return hl_error_set(err, HL_EINTERNAL, "", 0, 0, "out of memory");
    }
    c->L = hl_sandbox_state(c->sb);
    lua_State *L = c->L;
    c->env_mt_ref = hl__luaenv_prepare(L);
    /* name -> code of every built-in field */
    lua_createtable(L, 0, HL_NFIELDS + HL_NCOUNTERS + HL_NMETRICS + 2);
    for (int f = 0; f < HL_NFIELDS; f++) {
        lua_pushinteger(L, CODE(HL__SRC_TEXT, f));
        lua_setfield(L, -2, hl_field_name((hl_field)f));
    }
    lua_pushinteger(L, CODE(HL__SRC_DAYS, 0));
    lua_setfield(L, -2, "days");
    lua_pushinteger(L, CODE(HL__SRC_DATE, 0));
    lua_setfield(L, -2, "date");
    for (int i = 0; i < HL_NCOUNTERS; i++) {
        lua_pushinteger(L, CODE(HL__SRC_COUNTER, i));
        lua_setfield(L, -2, hl_counter_name((hl_counter)i));
    }
    for (int i = 0; i < HL_NMETRICS; i++) {
        lua_pushinteger(L, CODE(HL__SRC_METRIC, i));
        lua_setfield(L, -2, hl_metric_info((hl_metric)i)->name);
    }
    int names = lua_gettop(L);
    lua_pushvalue(L, names);
    c->names_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    /* the row object */
    lua_newtable(L);
    lua_createtable(L, 0, 4);
    lua_pushlightuserdata(L, c);
    lua_pushvalue(L, names);
    lua_pushcclosure(L, row_index, 2);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, row_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushlightuserdata(L, c);
    lua_pushcclosure(L, row_tostring, 1);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "read-only");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    c->proxy_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pop(L, 1); /* names */
    lua_pushlightuserdata(L, c);
    lua_pushcclosure(L, l_column, 1);
    lua_setglobal(L, "column");
    *out = c;
    return HL_OK;
}

static void drop_from(hl_columns *c, size_t first)
{
    lua_State *L = c->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->names_ref);
    for (size_t i = first; i < c->n; i++) {
        luaL_unref(L, LUA_REGISTRYINDEX, c->cols[i].fn_ref);
        lua_pushnil(L);
        lua_setfield(L, -2, c->cols[i].info.name);
        /* an extra column of that name becomes readable again */
        for (size_t x = 0; x < c->nextra; x++)
            if (strcmp(c->extra[x], c->cols[i].info.name) == 0) {
                lua_pushinteger(L, CODE(HL__SRC_EXTRA, x));
                lua_setfield(L, -2, c->extra[x]);
            }
    }
    lua_pop(L, 1);
    c->n = first;
}

hl_status hl_columns_load_file(hl_columns *c, const char *path, hl_error *err)
{
    size_t len = 0;
    char *src = hl__luaenv_read(path, &len, err);
    if (!src)
        return err ? err->status : HL_EINPUT;
    const char *file = intern(c, path);
    if (!file) {
        free(src);
        return hl_error_set(err, HL_EINTERNAL, path, 0, 0, "out of memory");
    }
    size_t before = c->n;
    c->loading_file = file;
    hl_status st = hl__luaenv_run(c->sb, c->env_mt_ref, file, src, len, err);
    c->loading_file = NULL;
    free(src);
    if (st != HL_OK) {
        drop_from(c, before);
        return st;
    }
    if (c->n == before)
        return hl_error_set(err, HL_EINPUT, path, 0, 0,
                            "defines no column (call column { name = ..., formula = ... })");
    return HL_OK;
}

hl_status hl_columns_load(const char *path, const hl_columns_limits *lim, hl_columns **out,
                          hl_error *err)
{
    hl_status st = hl_columns_new(lim, out, err);
    if (st != HL_OK)
        return st;
    st = hl_columns_load_file(*out, path, err);
    if (st != HL_OK) {
        hl_columns_free(*out);
        *out = NULL;
    }
    return st;
}

void hl_columns_free(hl_columns *c)
{
    if (!c)
        return;
    hl_sandbox_free(c->sb);
    hl_strpool_free(c->strings);
    for (size_t i = 0; i < c->nextra; i++)
        free(c->extra[i]);
    free(c->extra);
    free(c->cols);
    free(c);
}

hl_status hl_columns_set_extra_names(hl_columns *c, const char *const *names, size_t n)
{
    lua_State *L = c->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->names_ref);
    for (size_t i = 0; i < c->nextra; i++) {
        lua_getfield(L, -1, c->extra[i]);
        lua_Integer code = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : -1;
        lua_pop(L, 1);
        if (code >= 0 && code % 8 == HL__SRC_EXTRA) {
            lua_pushnil(L);
            lua_setfield(L, -2, c->extra[i]);
        }
        free(c->extra[i]);
    }
    free(c->extra);
    c->extra = NULL;
    c->nextra = 0;
    if (n) {
        c->extra = calloc(n, sizeof *c->extra);
        if (!c->extra) {
            lua_pop(L, 1);
            return HL_EINTERNAL;
        }
    }
    for (size_t i = 0; i < n; i++) {
        c->extra[i] = strdup(names[i] ? names[i] : "");
        if (!c->extra[i]) {
            lua_pop(L, 1);
            return HL_EINTERNAL;
        }
        c->nextra = i + 1;
        lua_getfield(L, -1, c->extra[i]);
        int taken = !lua_isnil(L, -1);
        lua_pop(L, 1);
        if (!taken && c->extra[i][0]) {
            lua_pushinteger(L, CODE(HL__SRC_EXTRA, i));
            lua_setfield(L, -2, c->extra[i]);
        }
    }
    lua_pop(L, 1);
    return HL_OK;
}

/* ---------------------------------------------------------------- evaluation */

static hl_status eval_error(const column *col, const char *msg, hl_error *err)
{
    char first[900];
    hl__first_line(first, sizeof first, msg);
    const char *rest;
    unsigned long line = hl__luaenv_split(first, col->info.file, &rest);
    if (!line) {
        /* budget and memory overruns carry no position: the traceback has one */
        line = hl__luaenv_find_line(msg, col->info.file);
        if (!line)
            line = col->info.formula_line;
    }
    return hl_error_set(err, HL_EINPUT, col->info.file, line, 0, "column '%s': %s",
                        col->info.name, rest);
}

hl_status hl_columns_eval(hl_columns *c, size_t i, const hl_agg_row *row, hl_val *out,
                          hl_error *err)
{
    *out = hl_undef("no_value");
    if (!c || i >= c->n)
        return hl_error_set(err, HL_EINTERNAL, "", 0, 0, "no custom column %zu", i);
    lua_State *L = c->L;
    column *col = &c->cols[i];
    for (size_t k = 0; k < c->n; k++)
        c->cols[k].busy = 0;
    c->row = row;
    c->missing = NULL;
    int top = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, col->fn_ref);
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->proxy_ref);
    col->busy = 1;
    int rc = hl_sandbox_pcall(c->sb, 1, 1);
    col->busy = 0;
    c->row = NULL;
    hl_status st = HL_OK;
    if (rc != LUA_OK) {
        const char *m = lua_tostring(L, -1);
        if (rc == LUA_ERRRUN && c->missing && is_nil_error(m) &&
            !strstr(m, "instruction budget exceeded") && !strstr(m, "memory limit exceeded"))
            *out = hl_undef("missing_input");
        else if (rc == LUA_ERRRUN && is_zero_division_error(m))
            *out = hl_undef("division_by_zero");
        else
            st = eval_error(col, m, err);
    } else {
        int t = lua_type(L, -1);
        if (t == LUA_TNUMBER) {
            double v = lua_tonumber(L, -1);
            *out = isfinite(v) ? hl_v(v) : hl_undef("division_by_zero");
        } else if (t == LUA_TNIL) {
            *out = hl_undef(c->missing ? "missing_input" : "no_value");
        } else {
            char msg[200];
            snprintf(msg, sizeof msg, "the formula returned a %s (expected a number or nil)",
                     lua_typename(L, t));
            st = hl_error_set(err, HL_EINPUT, col->info.file, col->info.formula_line, 0,
                              "column '%s': %s", col->info.name, msg);
        }
    }
    lua_settop(L, top);
    return st;
}
