/*
 * luaenv.c — the Lua host shared by custom columns and report templates. It builds on the
 * rules sandbox (engine/rules/sandbox.h: allow-listed libraries, text chunks only, instruction
 * budget, memory cap) and freezes it the way the rules host does: the libraries become
 * read-only proxies and every file gets a private environment in which assigning a global is an
 * error (almost always a missing `local`, and in a shared environment a leak between files).
 * Also: reading error positions out of Lua messages, and name suggestions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "columns/internal.h"
#include "common/suggest.h"
#include "rules/internal.h" /* hl__make_readonly */

static int env_newindex(lua_State *L)
{
    luaL_where(L, 1);
    lua_pushfstring(L, "assignment to undeclared global '%s' (declare it local)",
                    lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "?");
    lua_concat(L, 2);
    return lua_error(L);
}

int hl__luaenv_prepare(lua_State *L)
{
    static const char *const libs[] = {LUA_STRLIBNAME, LUA_TABLIBNAME, LUA_MATHLIBNAME,
                                       LUA_UTF8LIBNAME};
    for (int i = 0; i < 4; i++) {
        lua_getglobal(L, libs[i]);
        hl__make_readonly(L);
        lua_setglobal(L, libs[i]);
    }
    /* The string metatable's __index is the real string table; lock the metatable itself. */
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {
        lua_pushliteral(L, "read-only");
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    lua_createtable(L, 0, 3);
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, env_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushliteral(L, "read-only");
    lua_setfield(L, -2, "__metatable");
    return luaL_ref(L, LUA_REGISTRYINDEX);
}

char *hl__luaenv_read(const char *path, size_t *len, hl_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        hl_error_set(err, HL_EINPUT, path, 0, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            if (cap >= (4u << 20)) {
                free(buf);
                fclose(f);
                hl_error_set(err, HL_EINPUT, path, 0, 0, "script larger than 4 MiB");
                return NULL;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    int rerr = ferror(f);
    fclose(f);
    if (!buf) {
        hl_error_set(err, HL_EINTERNAL, path, 0, 0, "out of memory");
        return NULL;
    }
    if (rerr) {
        free(buf);
        hl_error_set(err, HL_EINPUT, path, 0, 0, "read error");
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

void hl__first_line(char *buf, size_t cap, const char *msg)
{
    snprintf(buf, cap, "%s", msg ? msg : "error");
    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = '\0';
}

/* Does s[0..n) name path: the path itself, or Lua's "...tail" of a long one? */
static int names_path(const char *s, size_t n, const char *path)
{
    size_t pl = strlen(path);
    if (n == pl && strncmp(s, path, n) == 0)
        return 1;
    if (n > 3 && strncmp(s, "...", 3) == 0) {
        size_t tl = n - 3;
        return tl <= pl && strncmp(s + 3, path + pl - tl, tl) == 0;
    }
    return 0;
}

unsigned long hl__luaenv_split(const char *msg, const char *path, const char **rest)
{
    *rest = msg;
    if (!msg)
        return 0;
    const char *eol = strchr(msg, '\n');
    for (const char *c = strchr(msg, ':'); c && (!eol || c < eol); c = strchr(c + 1, ':')) {
        if (c[1] < '0' || c[1] > '9' || !names_path(msg, (size_t)(c - msg), path))
            continue;
        char *end;
        unsigned long line = strtoul(c + 1, &end, 10);
        if (*end != ':')
            continue;
        end++;
        while (*end == ' ')
            end++;
        *rest = end;
        return line;
    }
    return 0;
}

unsigned long hl__luaenv_find_line(const char *msg, const char *path)
{
    for (const char *p = msg; p && *p;) {
        while (*p == '\t' || *p == ' ')
            p++;
        const char *rest;
        unsigned long line = hl__luaenv_split(p, path, &rest);
        if (line)
            return line;
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return 0;
}

hl_status hl__luaenv_run(hl_sandbox *sb, int env_mt_ref, const char *path, const char *src,
                         size_t len, hl_error *err)
{
    lua_State *L = hl_sandbox_state(sb);
    int top = lua_gettop(L);
    char chunk[600];
    snprintf(chunk, sizeof chunk, "@%s", path);
    int rc = luaL_loadbufferx(L, src, len, chunk, "t");
    if (rc != LUA_OK) {
        const char *m = lua_tostring(L, -1), *rest;
        if (m && strstr(m, "attempt to load a binary chunk")) {
            hl_error_set(err, HL_EINPUT, path, 0, 0, "binary (precompiled) chunks are not allowed");
        } else {
            char first[900];
            hl__first_line(first, sizeof first, m);
            unsigned long line = hl__luaenv_split(first, path, &rest);
            hl_error_set(err, HL_EINPUT, path, line, 0, "%s", rest);
        }
        lua_settop(L, top);
        return HL_EINPUT;
    }
    lua_newtable(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, env_mt_ref);
    lua_setmetatable(L, -2);
    if (!lua_setupvalue(L, -2, 1))
        lua_pop(L, 1);
    rc = hl_sandbox_pcall(sb, 0, 0);
    if (rc != LUA_OK) {
        const char *m = lua_tostring(L, -1), *rest;
        char first[900];
        hl__first_line(first, sizeof first, m);
        unsigned long line = hl__luaenv_split(first, path, &rest);
        if (!line)
            line = hl__luaenv_find_line(m, path);
        hl_error_set(err, HL_EINPUT, path, line, 0, "%s", rest);
        lua_settop(L, top);
        return HL_EINPUT;
    }
    lua_settop(L, top);
    return HL_OK;
}

const char *hl__suggest(const char *word, const char *const *cands, size_t n)
{
    const char *best = hl_nearest(word, cands, n);
    if (best)
        return best;
    /* "add_to_carts" → "add_to_cart", "cost_per_cart" → a name containing the word */
    size_t len = strlen(word);
    for (size_t i = 0; i < n && len >= 4; i++)
        if (strstr(cands[i], word) || strstr(word, cands[i]))
            return cands[i];
    return NULL;
}
