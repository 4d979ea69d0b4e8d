/*
 * adapter.c — generator adapters: a Lua file (scripts/adapters/NAME.lua) that maps a recipe to
 * one video generator's request body. Adapters are untrusted like rules and run in the same
 * sandbox; the recipe goes in as plain Lua tables and the body comes back through a checked
 * conversion to JSON (types, depth, finite numbers), so an adapter cannot hand the network
 * layer anything but data.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <lauxlib.h>

#include "hookline/rules.h"
#include "rules/internal.h"

struct hl_adapter {
    hl_sandbox *sb;
    int fn_ref;
    char *path;
};

#define MAX_DEPTH 64

/* JSON -> Lua, depth-bounded. null becomes nil. */
static int push_json(lua_State *L, const cJSON *j, int depth)
{
    if (depth > MAX_DEPTH || !lua_checkstack(L, 4))
        return -1;
    if (cJSON_IsObject(j)) {
        lua_newtable(L);
        const cJSON *c;
        cJSON_ArrayForEach(c, j)
        {
            if (push_json(L, c, depth + 1) < 0)
                return -1;
            lua_setfield(L, -2, c->string);
        }
    } else if (cJSON_IsArray(j)) {
        lua_newtable(L);
        lua_Integer i = 1;
        const cJSON *c;
        cJSON_ArrayForEach(c, j)
        {
            if (push_json(L, c, depth + 1) < 0)
                return -1;
            lua_rawseti(L, -2, i++);
        }
    } else if (cJSON_IsString(j)) {
        lua_pushstring(L, j->valuestring);
    } else if (cJSON_IsNumber(j)) {
        lua_pushnumber(L, j->valuedouble);
    } else if (cJSON_IsBool(j)) {
        lua_pushboolean(L, cJSON_IsTrue(j));
    } else {
        lua_pushnil(L);
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Lua -> JSON with raw access: a table whose keys are exactly 1..n is an array. */
static cJSON *to_json(lua_State *L, int idx, int depth, char *why, size_t cap)
{
    idx = lua_absindex(L, idx);
    if (depth > MAX_DEPTH) {
        snprintf(why, cap, "nested deeper than %d", MAX_DEPTH);
        return NULL;
    }
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        if (memchr(s, '\0', len) || len > (1u << 20)) {
            snprintf(why, cap, "a string with a NUL byte or longer than 1 MiB");
            return NULL;
        }
        return cJSON_CreateString(s);
    }
    case LUA_TNUMBER: {
        double v = lua_tonumber(L, idx);
        if (!isfinite(v)) {
            snprintf(why, cap, "a number that is not finite");
            return NULL;
        }
        return cJSON_CreateNumber(v);
    }
    case LUA_TBOOLEAN:
        return cJSON_CreateBool(lua_toboolean(L, idx));
    case LUA_TTABLE: {
        if (!lua_checkstack(L, 6)) {
            snprintf(why, cap, "Lua stack exhausted");
            return NULL;
        }
        size_t n = lua_rawlen(L, idx), count = 0;
        int only_strings = 1;
        lua_pushnil(L);
        while (lua_next(L, idx) != 0) {
            count++;
            if (lua_type(L, -2) != LUA_TSTRING)
                only_strings = 0;
            lua_pop(L, 1);
        }
        /* an empty table is an empty list: request bodies have empty lists (scenes, inputs)
         * far more often than empty objects */
        int is_array = count == n;
        if (!is_array && !only_strings) {
            snprintf(why, cap, "a table mixing list items and names (or non-string keys)");
            return NULL;
        }
        cJSON *out = is_array ? cJSON_CreateArray() : cJSON_CreateObject();
        if (!out)
            return NULL;
        if (is_array) {
            for (size_t i = 1; i <= n; i++) {
                lua_rawgeti(L, idx, (lua_Integer)i);
                cJSON *c = to_json(L, -1, depth + 1, why, cap);
                lua_pop(L, 1);
                if (!c) {
                    cJSON_Delete(out);
                    return NULL;
                }
                cJSON_AddItemToArray(out, c);
            }
        } else {
            /* Keys in sorted order: Lua's table order depends on a per-process hash seed, and
             * a body must be the same bytes on every run (it is signed). */
            const char **keys = malloc((count ? count : 1) * sizeof *keys);
            if (!keys) {
                cJSON_Delete(out);
                return NULL;
            }
            size_t nk = 0;
            lua_pushnil(L);
            while (lua_next(L, idx) != 0) {
                keys[nk++] = lua_tostring(L, -2); /* anchored by the table itself */
                lua_pop(L, 1);
            }
            qsort(keys, nk, sizeof *keys, cmp_str);
            for (size_t i = 0; i < nk; i++) {
                lua_getfield(L, idx, keys[i]);
                cJSON *c = lua_type(L, -1) == LUA_TNIL ? NULL : to_json(L, -1, depth + 1, why, cap);
                lua_pop(L, 1);
                if (!c) {
                    free(keys);
                    cJSON_Delete(out);
                    return NULL;
                }
                cJSON_AddItemToObject(out, keys[i], c);
            }
            free(keys);
        }
        return out;
    }
    default:
        snprintf(why, cap, "a %s (only tables, strings, numbers and booleans)",
                 luaL_typename(L, idx));
        return NULL;
    }
}

hl_status hl_adapter_load(const char *path, const hl_rules_limits *lim, hl_adapter **out,
                          hl_error *err)
{
    *out = NULL;
    hl_sandbox_limits sl = {lim ? lim->memory : 0, lim ? lim->instructions : 0, 0};
    hl_adapter *a = calloc(1, sizeof *a);
    if (!a || !(a->sb = hl_sandbox_new(&sl)) || !(a->path = strdup(path))) {
        if (a)
            hl_sandbox_free(a->sb);
        free(a);
        return hl_error_set(err, HL_EINTERNAL, path, 0, 0, "out of memory");
    }
    lua_State *L = hl_sandbox_state(a->sb);
    /* the same frozen libraries rules see */
    static const char *const libs[] = {"string", "table", "math", "utf8"};
    for (int i = 0; i < 4; i++) {
        lua_getglobal(L, libs[i]);
        hl__make_readonly(L);
        lua_setglobal(L, libs[i]);
    }
    hl_status st = hl_sandbox_run_file(a->sb, path, err);
    if (st != HL_OK) {
        hl_adapter_free(a);
        return st;
    }
    /* the file returns the function, or defines `adapt` */
    if (lua_type(L, -1) == LUA_TTABLE) {
        lua_getfield(L, -1, "adapt");
        lua_remove(L, -2);
    }
    if (lua_type(L, -1) != LUA_TFUNCTION) {
        hl_adapter_free(a);
        return hl_error_set(err, HL_EINPUT, path, 0, 0,
                            "an adapter must return a function(recipe, options) or define "
                            "`function adapt(recipe, options)`");
    }
    a->fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    *out = a;
    return HL_OK;
}

hl_status hl_adapter_apply(hl_adapter *a, const char *recipe_json, const char *options_json,
                           char **body, hl_error *err)
{
    *body = NULL;
    lua_State *L = hl_sandbox_state(a->sb);
    int top = lua_gettop(L);
    cJSON *rj = cJSON_Parse(recipe_json);
    cJSON *oj = options_json ? cJSON_Parse(options_json) : cJSON_CreateObject();
    if (!rj || !oj) {
        cJSON_Delete(rj);
        cJSON_Delete(oj);
        return hl_error_set(err, HL_EINPUT, a->path, 0, 0, "recipe or options are not JSON");
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, a->fn_ref);
    int ok = push_json(L, rj, 0) == 0 && push_json(L, oj, 0) == 0;
    cJSON_Delete(rj);
    cJSON_Delete(oj);
    if (!ok) {
        lua_settop(L, top);
        return hl_error_set(err, HL_EINPUT, a->path, 0, 0, "recipe nested too deeply");
    }
    if (hl_sandbox_pcall(a->sb, 2, 1) != LUA_OK) {
        char msg[900];
        snprintf(msg, sizeof msg, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "error");
        char *nl = strchr(msg, '\n');
        if (nl)
            *nl = '\0';
        lua_settop(L, top);
        return hl_error_set(err, HL_EINPUT, NULL, 0, 0, "adapter %s: %s", a->path, msg);
    }
    char why[200] = "";
    cJSON *out = lua_type(L, -1) == LUA_TTABLE ? to_json(L, -1, 0, why, sizeof why) : NULL;
    lua_settop(L, top);
    if (!out)
        return hl_error_set(err, HL_EINPUT, NULL, 0, 0, "adapter %s returned %s", a->path,
                            why[0] ? why : "something other than a table");
    *body = cJSON_PrintUnformatted(out);
    cJSON_Delete(out);
    return *body ? HL_OK : hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
}

void hl_adapter_free(hl_adapter *a)
{
    if (!a)
        return;
    hl_sandbox_free(a->sb);
    free(a->path);
    free(a);
}

const char *hl_adapters_default_dir(void)
{
    return HL_SOURCE_DIR "/scripts/adapters";
}
