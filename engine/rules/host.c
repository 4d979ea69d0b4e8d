/*
 * host.c — loading a rule pack: a sandboxed state, a frozen global environment (libraries as
 * read-only proxies), one private _ENV per file in which assigning a global is an error, and the
 * registration functions `rule`, `diagnose` and `suppress` that record each rule in the
 * registry. A file that fails to load is a reported problem; the other files still load.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "rules/internal.h"

static const char *const builtin_codes[] = {
    "winner", "loser", "weak_hook", "weak_hold", "weak_cta", "landing_page_mismatch", "fatigue",
    "no_delivery", "audience_too_narrow", "tracking_discrepancy", "insufficient_data",
    "kitbash_candidate", NULL};

const char *hl__rules_str(hl_rules *r, const char *s)
{
    if (!s)
        return NULL;
    uint32_t i = hl_strpool_intern(r->strings, s, strlen(s), NULL);
    return i == HL_NONE ? "(out of memory)" : hl_strpool_get(r->strings, i);
}

void hl__rules_problem(hl_rules *r, const char *file, unsigned long line, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (r->np == r->capp) {
        size_t nc = r->capp ? r->capp * 2 : 16;
        hl_problem *np = realloc(r->problems, nc * sizeof *np);
        if (!np)
            return;
        r->problems = np;
        r->capp = nc;
    }
    hl_problem *p = &r->problems[r->np++];
    p->p.file = hl__rules_str(r, file);
    p->p.line = line;
    p->p.message = hl__rules_str(r, msg);
}

hl_rules *hl__rules_from_state(lua_State *L)
{
    hl_lstate *ls = *(hl_lstate **)lua_getextraspace(L);
    return ls ? ls->r : NULL;
}

/* ---------------------------------------------------------------- read-only tables */

static int ro_newindex(lua_State *L)
{
    luaL_where(L, 1); /* level 1: the Lua code doing the assignment */
    lua_pushstring(L, "attempt to modify a read-only table");
    lua_concat(L, 2);
    return lua_error(L);
}

/* pairs() on a proxy: an iterator that holds the real table in an upvalue and is driven with
 * the proxy as its state, so the real table never reaches the script. */
static int ro_next(lua_State *L)
{
    lua_settop(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 2);
    if (lua_next(L, -2))
        return 2;
    lua_pushnil(L);
    return 1;
}

static int ro_pairs(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushcclosure(L, ro_next, 1);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static int ro_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, lua_upvalueindex(1)));
    return 1;
}

void hl__make_readonly(lua_State *L)
{
    int t = lua_gettop(L);
    lua_newtable(L);                /* proxy */
    lua_createtable(L, 0, 5);       /* its metatable */
    lua_pushvalue(L, t);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, ro_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushvalue(L, t);
    lua_pushcclosure(L, ro_pairs, 1);
    lua_setfield(L, -2, "__pairs");
    lua_pushvalue(L, t);
    lua_pushcclosure(L, ro_len, 1);
    lua_setfield(L, -2, "__len");
    lua_pushliteral(L, "read-only");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_replace(L, t);
}

/* Assigning a global inside a rule file is almost always a missing `local`; in a shared
 * environment it would also leak state between rules. */
static int env_newindex(lua_State *L)
{
    luaL_where(L, 1);
    lua_pushfstring(L, "assignment to undeclared global '%s' (declare it local)",
                    lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "?");
    lua_concat(L, 2);
    return lua_error(L);
}

/* ---------------------------------------------------------------- registration */

static int valid_name(const char *s, size_t n)
{
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
            return 0;
    return 1;
}

static int is_builtin(const char *code)
{
    for (int i = 0; builtin_codes[i]; i++)
        if (strcmp(builtin_codes[i], code) == 0)
            return 1;
    return 0;
}

static int do_register(lua_State *L, hl_rule_kind kind)
{
    hl_rules *r = hl__rules_from_state(L);
    static const char *const what[] = {"rule", "diagnose", "suppress"};
    if (!r->loading_file)
        return luaL_error(L, "%s{} may only be called when a rule file loads", what[kind]);
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Debug ar;
    unsigned long line = 0;
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "l", &ar))
        line = ar.currentline > 0 ? (unsigned long)ar.currentline : 0;

    lua_pushliteral(L, "name");
    lua_rawget(L, 1);
    size_t nl;
    const char *name = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &nl) : NULL;
    if (!name || !valid_name(name, nl))
        return luaL_error(L, "%s{}: 'name' must be a string of letters, digits, _ . - (1..64)",
                          what[kind]);
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->rules[i].info.name, name) == 0)
            return luaL_error(L, "%s{}: a rule named '%s' already exists (%s:%d)", what[kind],
                              name, r->rules[i].info.file, (int)r->rules[i].info.line);
    name = hl__rules_str(r, name);
    lua_pop(L, 1);

    lua_pushliteral(L, "run");
    lua_rawget(L, 1);
    if (lua_type(L, -1) != LUA_TFUNCTION)
        return luaL_error(L, "%s '%s': 'run' must be a function", what[kind], name);
    lua_pop(L, 1);

    char **codes = NULL;
    size_t ncodes = 0;
    int has_when = 0;
    if (kind == HL_RULE_BRIEF) {
        lua_pushliteral(L, "on");
        lua_rawget(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING) {
            /* on = "weak_hook" is a list of one */
            lua_createtable(L, 1, 0);
            lua_insert(L, -2);
            lua_rawseti(L, -2, 1);
        }
        if (lua_type(L, -1) == LUA_TTABLE) {
            lua_Integer len = (lua_Integer)lua_rawlen(L, -1);
            if (len > 64)
                return luaL_error(L, "rule '%s': 'on' lists more than 64 codes", name);
            codes = calloc((size_t)len + 1, sizeof *codes);
            if (!codes)
                return luaL_error(L, "not enough memory");
            for (lua_Integer i = 1; i <= len; i++) {
                lua_rawgeti(L, -1, i);
                size_t cl;
                const char *c = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &cl) : NULL;
                if (!c || !valid_name(c, cl)) {
                    free(codes);
                    return luaL_error(L, "rule '%s': 'on' must list diagnosis codes (strings)",
                                      name);
                }
                codes[ncodes++] = (char *)(uintptr_t)hl__rules_str(r, c);
                lua_pop(L, 1);
            }
        } else if (!lua_isnil(L, -1)) {
            return luaL_error(L, "rule '%s': 'on' must be a list of diagnosis codes", name);
        }
        lua_pop(L, 1);
        lua_pushliteral(L, "when");
        lua_rawget(L, 1);
        if (lua_type(L, -1) == LUA_TFUNCTION)
            has_when = 1;
        else if (!lua_isnil(L, -1)) {
            free(codes);
            return luaL_error(L, "rule '%s': 'when' must be a function", name);
        }
        lua_pop(L, 1);
        if (!ncodes && !has_when) {
            free(codes);
            return luaL_error(L, "rule '%s': needs 'on' (diagnosis codes) or 'when' (a predicate)",
                              name);
        }
    }
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 32;
        hl_rule *nr = realloc(r->rules, nc * sizeof *nr);
        if (!nr) {
            free(codes);
            return luaL_error(L, "not enough memory");
        }
        r->rules = nr;
        r->cap = nc;
    }
    hl_rule *rule = &r->rules[r->n++];
    memset(rule, 0, sizeof *rule);
    rule->info.name = name;
    rule->info.file = r->loading_file;
    rule->info.line = line;
    rule->info.kind = kind;
    rule->codes = codes;
    rule->info.codes = (const char *const *)codes;
    rule->info.ncodes = ncodes;
    rule->info.has_when = has_when;
    rule->L = L;
    rule->sb = r->loading_sb;
    lua_pushliteral(L, "run");
    lua_rawget(L, 1);
    rule->run_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    rule->when_ref = LUA_NOREF;
    if (has_when) {
        lua_pushliteral(L, "when");
        lua_rawget(L, 1);
        rule->when_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    /* Lint: codes must be built-in or namespaced (team.code). */
    for (size_t i = 0; i < ncodes; i++)
        if (!is_builtin(codes[i]) && !strchr(codes[i], '.'))
            hl__rules_problem(r, r->loading_file, line,
                              "rule '%s': unknown diagnosis code '%s' (built-in codes, or "
                              "namespaced ones like 'team.code')",
                              name, codes[i]);
    return 0;
}

static int l_rule(lua_State *L)
{
    return do_register(L, HL_RULE_BRIEF);
}

static int l_diagnose(lua_State *L)
{
    return do_register(L, HL_RULE_DIAGNOSE);
}

static int l_suppress(lua_State *L)
{
    return do_register(L, HL_RULE_SUPPRESS);
}

static void drop_rules_from(hl_rules *r, size_t first)
{
    for (size_t i = first; i < r->n; i++) {
        luaL_unref(r->rules[i].L, LUA_REGISTRYINDEX, r->rules[i].run_ref);
        luaL_unref(r->rules[i].L, LUA_REGISTRYINDEX, r->rules[i].when_ref);
        free(r->rules[i].codes);
    }
    r->n = first;
}

/* ---------------------------------------------------------------- the state */

static void freeze_globals(lua_State *L)
{
    static const char *const libs[] = {LUA_STRLIBNAME, LUA_TABLIBNAME, LUA_MATHLIBNAME,
                                       LUA_UTF8LIBNAME};
    for (int i = 0; i < 4; i++) {
        lua_getglobal(L, libs[i]);
        hl__make_readonly(L);
        lua_setglobal(L, libs[i]);
    }
    hl__push_hllib(L);
    hl__make_readonly(L);
    lua_setglobal(L, "hl");
    lua_pushcfunction(L, l_rule);
    lua_setglobal(L, "rule");
    lua_pushcfunction(L, l_diagnose);
    lua_setglobal(L, "diagnose");
    lua_pushcfunction(L, l_suppress);
    lua_setglobal(L, "suppress");
    /* The string metatable's __index is the real string table; lock the metatable itself. */
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {
        lua_pushliteral(L, "read-only");
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static char *read_file(const char *path, size_t *len, char *why, size_t whylen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, whylen, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            if (cap >= (4u << 20)) {
                free(buf);
                fclose(f);
                snprintf(why, whylen, "rule file larger than 4 MiB");
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
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    if (!buf)
        snprintf(why, whylen, "out of memory");
    *len = n;
    return buf;
}

/* "path:12: message\n traceback" -> line 12 and the message (first line, without the path). */
static unsigned long split_error(const char *err, const char *path, const char **msg)
{
    *msg = err ? err : "error";
    if (!err)
        return 0;
    size_t pl = strlen(path);
    if (strncmp(err, path, pl) == 0 && err[pl] == ':') {
        char *end;
        unsigned long line = strtoul(err + pl + 1, &end, 10);
        if (*end == ':') {
            *msg = end + 1;
            while (**msg == ' ')
                (*msg)++;
            return line;
        }
    }
    return 0;
}

/* A fresh sandbox for one rule file: each file has its own state, so one file's memory or
 * globals can never starve or disturb another's. */
static hl_sandbox *new_state(hl_rules *r)
{
    hl_sandbox *sb = hl_sandbox_new(&r->limits);
    if (!sb)
        return NULL;
    lua_State *L = hl_sandbox_state(sb);
    hl_lstate *ls = lua_newuserdatauv(L, sizeof *ls, 0);
    ls->r = r;
    ls->view_mt_ref = LUA_NOREF;
    ls->view_mt = NULL;
    lua_setfield(L, LUA_REGISTRYINDEX, "hookline.rules");
    /* before any coroutine exists: new threads copy the main thread's extra space */
    *(hl_lstate **)lua_getextraspace(L) = ls;
    hl__views_register(L);
    freeze_globals(L);
    /* per-file environments read the frozen globals and refuse new ones */
    lua_createtable(L, 0, 3);
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, env_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushliteral(L, "read-only");
    lua_setfield(L, -2, "__metatable");
    lua_setfield(L, LUA_REGISTRYINDEX, "hookline.envmt");
    hl_sandbox **ns = realloc(r->states, (r->nstates + 1) * sizeof *ns);
    if (!ns) {
        hl_sandbox_free(sb);
        return NULL;
    }
    r->states = ns;
    r->states[r->nstates++] = sb;
    return sb;
}

static void load_file(hl_rules *r, const char *path)
{
    char why[256];
    size_t len;
    char *src = read_file(path, &len, why, sizeof why);
    const char *file = hl__rules_str(r, path);
    if (!src) {
        hl__rules_problem(r, file, 0, "%s", why);
        return;
    }
    hl_sandbox *sb = new_state(r);
    if (!sb) {
        free(src);
        hl__rules_problem(r, file, 0, "out of memory");
        return;
    }
    lua_State *L = hl_sandbox_state(sb);
    char chunk[600];
    snprintf(chunk, sizeof chunk, "@%s", path);
    int top = lua_gettop(L);
    int rc = luaL_loadbufferx(L, src, len, chunk, "t");
    free(src);
    if (rc != LUA_OK) {
        const char *m = lua_tostring(L, -1), *msg;
        if (m && strstr(m, "binary chunk")) {
            hl__rules_problem(r, file, 0, "binary (precompiled) chunks are not allowed");
        } else {
            unsigned long line = split_error(m, path, &msg);
            hl__rules_problem(r, file, line, "%s", msg);
        }
        lua_settop(L, top);
        return;
    }
    /* the file's private environment */
    lua_newtable(L);
    lua_getfield(L, LUA_REGISTRYINDEX, "hookline.envmt");
    lua_setmetatable(L, -2);
    if (!lua_setupvalue(L, -2, 1))
        lua_pop(L, 1);
    size_t before = r->n, problems_before = r->np;
    r->loading_file = file;
    r->loading_sb = sb;
    rc = hl_sandbox_pcall(sb, 0, 0);
    r->loading_file = NULL;
    r->loading_sb = NULL;
    if (rc != LUA_OK) {
        const char *m = lua_tostring(L, -1), *msg;
        char first[900];
        snprintf(first, sizeof first, "%s", m ? m : "error");
        char *nl = strchr(first, '\n');
        if (nl)
            *nl = '\0';
        unsigned long line = split_error(first, path, &msg);
        drop_rules_from(r, before);
        hl__rules_problem(r, file, line, "%s", msg);
    } else if (r->n == before && r->np == problems_before) {
        hl__rules_problem(r, file, 0, "registers no rule (call rule{...}, diagnose{...} or "
                                      "suppress{...})");
    }
    lua_settop(L, top);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

hl_status hl_rules_load(const char *dir, const hl_rules_limits *lim, hl_rules **out,
                        hl_error *err)
{
    *out = NULL;
    DIR *d = opendir(dir);
    if (!d)
        return hl_error_set(err, HL_EINPUT, dir, 0, 0, "cannot read the rules directory: %s",
                            strerror(errno));
    char **names = NULL;
    size_t nn = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".lua") != 0 || e->d_name[0] == '.')
            continue;
        if (nn == cap) {
            cap = cap ? cap * 2 : 16;
            char **nb = realloc(names, cap * sizeof *nb);
            if (!nb)
                break;
            names = nb;
        }
        names[nn] = strdup(e->d_name);
        if (names[nn])
            nn++;
    }
    closedir(d);
    if (nn == 0) {
        free(names);
        return hl_error_set(err, HL_EINPUT, dir, 0, 0, "no rule files (*.lua) in the directory");
    }
    qsort(names, nn, sizeof *names, cmp_names);

    hl_rules *r = calloc(1, sizeof *r);
    if (!r || !(r->strings = hl_strpool_new()) || !(r->dir = strdup(dir))) {
        if (r) {
            hl_strpool_free(r->strings);
            free(r);
        }
        for (size_t i = 0; i < nn; i++)
            free(names[i]);
        free(names);
        return hl_error_set(err, HL_EINTERNAL, dir, 0, 0, "out of memory");
    }
    r->limits.memory = lim ? lim->memory : 0;
    r->limits.instructions = lim ? lim->instructions : 0;
    for (size_t i = 0; i < nn; i++) {
        size_t pl = strlen(dir) + strlen(names[i]) + 2;
        char *path = malloc(pl);
        if (path) {
            snprintf(path, pl, "%s%s%s", dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/",
                     names[i]);
            load_file(r, path);
            free(path);
        }
        free(names[i]);
    }
    free(names);
    *out = r;
    return HL_OK;
}

void hl_rules_free(hl_rules *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->rules[i].codes);
    free(r->rules);
    free(r->problems);
    free(r->learnings);
    for (size_t i = 0; i < r->nstates; i++)
        hl_sandbox_free(r->states[i]);
    free(r->states);
    hl_strpool_free(r->strings);
    hl_strpool_free(r->ad_ids);
    hl__views_reset(r);
    free(r->dir);
    free(r);
}

size_t hl_rules_count(const hl_rules *r)
{
    return r->n;
}

const hl_rule_info *hl_rules_info(const hl_rules *r, size_t i)
{
    return i < r->n ? &r->rules[i].info : NULL;
}

size_t hl_rules_problem_count(const hl_rules *r)
{
    return r->np;
}

const hl_rule_problem *hl_rules_problem(const hl_rules *r, size_t i)
{
    return i < r->np ? &r->problems[i].p : NULL;
}

const char *hl_rules_dir(const hl_rules *r)
{
    return r->dir;
}

void hl_rules_set_learnings(hl_rules *r, const hl_rule_learning *l, size_t n)
{
    free(r->learnings);
    r->learnings = n ? calloc(n, sizeof *r->learnings) : NULL;
    r->nlearnings = r->learnings ? n : 0;
    for (size_t i = 0; i < r->nlearnings; i++) {
        r->learnings[i] = l[i];
        r->learnings[i].action = hl__rules_str(r, l[i].action);
        r->learnings[i].code = hl__rules_str(r, l[i].code);
    }
}

void hl_rules_set_log(hl_rules *r, void (*fn)(void *ud, const char *line), void *ud)
{
    r->log = fn;
    r->log_ud = ud;
}

void hl_rules_set_columns(hl_rules *r, struct hl_columns *cols)
{
    r->columns = cols;
}

const char *hl_rules_default_dir(void)
{
    return HL_SOURCE_DIR "/scripts/rules";
}
