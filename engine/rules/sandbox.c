/*
 * sandbox.c — running untrusted Lua. The rules follow Redis's hard-won lessons (its scripting
 * CVEs) translated to Lua 5.4: only base/string/table/math/utf8, and of base no load, loadfile,
 * dofile, require, collectgarbage, print, rawset on shared tables; text chunks only (bytecode
 * can break the VM); an instruction budget enforced by a count hook that re-arms itself so a
 * pcall loop cannot swallow the overrun; a memory cap in the allocator; math.random seeded
 * deterministically so runs are reproducible.
 */
#include "rules/sandbox.h"

#include <errno.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

/* Small blocks (Lua's strings, tables, closures and the views' userdata: most of a rule
 * call's allocations) come from per-size free lists carved out of 64 KiB slabs: a pop instead
 * of a malloc, and the same for free. glibc's malloc and free were a fifth of the rules stage.
 * Under AddressSanitizer every block is a malloc of its own, so its checks still see Lua's. */
#if defined(__SANITIZE_ADDRESS__)
#define HL_SB_POOL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HL_SB_POOL 0
#endif
#endif
#ifndef HL_SB_POOL
#define HL_SB_POOL 1
#endif
#define POOL_GRAIN 16
#define POOL_MAX 256 /* largest pooled block */
#define POOL_CLASSES (POOL_MAX / POOL_GRAIN)
#define SLAB_BYTES (64u * 1024u)

typedef struct pool_block {
    struct pool_block *next;
} pool_block;

typedef struct slab {
    struct slab *next;
    size_t used;
    _Alignas(16) unsigned char data[];
} slab;

struct hl_sandbox {
    lua_State *L;
    size_t used, limit; /* used: the bytes of live large blocks and of every slab */
    pool_block *free_list[POOL_CLASSES];
    slab *slabs;
    long budget, remaining;
    int overrun;     /* 1 budget, 2 memory, 3 time: sticky until the next call */
    int capped;      /* the memory cap applies while a script runs; the host's own work after
                        a call (reading results, building messages) must not hit it, or Lua
                        would panic outside a protected call */
    double deadline; /* wall clock, ms: a backstop for work done inside C functions */
    long time_ms;
    int seed_ref;    /* math.randomseed, kept out of the scripts' reach */
};

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Size class of a pooled block of n bytes (1 <= n <= POOL_MAX), or -1 for a large one. */
static int pool_class(size_t n)
{
    return HL_SB_POOL && n <= POOL_MAX ? (int)((n - 1) / POOL_GRAIN) : -1;
}

static int over_cap(hl_sandbox *sb, size_t more)
{
    if (sb->capped && sb->used + more > sb->limit) {
        sb->overrun = 2;
        return 1; /* Lua raises a memory error, which pcall reports */
    }
    return 0;
}

/* A block of class cls. `shrink`: Lua assumes a block never fails to shrink, so the cap
 * does not apply then (only the slab's malloc can fail). */
static void *pool_get(hl_sandbox *sb, int cls, int shrink)
{
    pool_block *b = sb->free_list[cls];
    if (b) {
        sb->free_list[cls] = b->next;
        return b;
    }
    size_t size = (size_t)(cls + 1) * POOL_GRAIN;
    slab *s = sb->slabs;
    if (!s || s->used + size > SLAB_BYTES) {
        if (!shrink && over_cap(sb, sizeof(slab) + SLAB_BYTES))
            return NULL;
        s = malloc(sizeof(slab) + SLAB_BYTES);
        if (!s)
            return NULL;
        s->next = sb->slabs;
        s->used = 0;
        sb->slabs = s;
        sb->used += sizeof(slab) + SLAB_BYTES;
    }
    void *p = s->data + s->used;
    s->used += size;
    return p;
}

static void pool_put(hl_sandbox *sb, void *p, int cls)
{
    pool_block *b = p;
    b->next = sb->free_list[cls];
    sb->free_list[cls] = b;
}

static void *sb_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    hl_sandbox *sb = ud;
    if (ptr == NULL)
        osize = 0; /* osize is a type tag then, not a size */
    int oc = ptr ? pool_class(osize) : -1;
    if (nsize == 0) {
        if (oc >= 0) {
            pool_put(sb, ptr, oc);
        } else {
            free(ptr);
            sb->used -= osize;
        }
        return NULL;
    }
    int nc = pool_class(nsize);
    if (ptr && oc >= 0 && oc == nc)
        return ptr; /* the block already has room */
    if (nc < 0 && oc < 0) {
        if (nsize > osize && over_cap(sb, nsize - osize))
            return NULL;
        void *np = realloc(ptr, nsize);
        if (np)
            sb->used = sb->used - osize + nsize;
        return np;
    }
    /* moving between the pool and malloc, or between classes */
    void *np;
    if (nc >= 0) {
        np = pool_get(sb, nc, ptr && nsize <= osize);
    } else {
        if (over_cap(sb, nsize))
            return NULL;
        np = malloc(nsize);
        if (np)
            sb->used += nsize;
    }
    if (!np)
        return NULL; /* Lua keeps the old block when a reallocation fails */
    if (ptr) {
        memcpy(np, ptr, osize < nsize ? osize : nsize);
        if (oc >= 0) {
            pool_put(sb, ptr, oc);
        } else {
            free(ptr);
            sb->used -= osize;
        }
    }
    return np;
}

/* The count hook fires every 1000 instructions. Once the budget is gone it raises an error and
 * re-arms itself to fire on every instruction: a script that catches the error with pcall and
 * goes on is stopped again at its very next instruction, so each enclosing pcall level unwinds
 * in turn (Redis's SCRIPT KILL lesson). */
static void sb_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    hl_sandbox *sb;
    lua_getallocf(L, (void **)&sb);
    if (sb->overrun != 1 && sb->overrun != 3) {
        sb->remaining -= 1000;
        if (sb->remaining > 0 && mono_ms() < sb->deadline)
            return;
        sb->overrun = sb->remaining > 0 ? 3 : 1;
        lua_sethook(L, sb_hook, LUA_MASKCOUNT, 1);
    }
    luaL_error(L, sb->overrun == 3 ? "time limit exceeded" : "instruction budget exceeded");
}

/* Everything in base that reaches outside the script's own values, changes other code's view
 * of the world, or compiles code at run time. */
static const char *const removed_globals[] = {
    "dofile",  "loadfile",     "load",         "require", "collectgarbage", "print",
    "module",  "loadstring",   "rawset",       "rawget",  "rawequal",       "rawlen",
    "setmetatable", "getmetatable", "_G", "warn", NULL};

/* C functions do work the instruction hook cannot see; the costly ones charge the budget for
 * it (one instruction per 16 bytes produced or scanned), so a loop of cheap-looking calls to
 * string.rep still runs out. */
static void charge(lua_State *L, double bytes)
{
    hl_sandbox *sb;
    lua_getallocf(L, (void **)&sb);
    if (!sb->capped)
        return;
    double c = bytes / 16;
    if (c > (double)sb->remaining)
        sb->remaining = 0;
    else
        sb->remaining -= (long)c;
    if (sb->remaining <= 0) {
        sb->overrun = 1;
        lua_sethook(L, sb_hook, LUA_MASKCOUNT, 1);
        luaL_error(L, "instruction budget exceeded");
    }
}

/* string.rep: the result's size is known before the work; an empty result of a huge count
 * would otherwise loop in C without allocating anything. */
static int guarded_rep(lua_State *L)
{
    size_t l, lsep = 0;
    luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &lsep);
    if (n <= 0 || (l == 0 && lsep == 0)) {
        lua_pushliteral(L, "");
        return 1;
    }
    double total = ((double)l + (double)lsep) * (double)n;
    if (total > (double)(256u << 20))
        return luaL_error(L, "memory limit exceeded (string.rep of %I bytes)",
                          (lua_Integer)(total < 9e18 ? total : 9e18));
    charge(L, total);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* table.move over a huge range loops in C even when the table is empty. */
static int guarded_move(lua_State *L)
{
    lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3);
    /* e - f in unsigned arithmetic: as signed it overflows for e = 0, f = mininteger */
    lua_Unsigned span = (lua_Unsigned)e - (lua_Unsigned)f;
    if (e >= f && span > 10000000u)
        return luaL_error(L, "table.move: range of more than 10,000,000 elements");
    if (e >= f)
        charge(L, (double)(span + 1) * 16);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static int guarded_concat(lua_State *L)
{
    if (lua_type(L, 1) == LUA_TTABLE)
        charge(L, (double)lua_rawlen(L, 1) * 16);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* xpcall's message handler would run after the budget error with the hook's state in between;
 * here it is an ordinary call made after pcall returns, under the same budget. */
static int safe_xpcall(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    int base = n + 1;
    lua_pushvalue(L, 2); /* the handler, kept at base */
    lua_pushvalue(L, 1); /* f */
    for (int i = 3; i <= n; i++)
        lua_pushvalue(L, i);
    if (lua_pcall(L, n - 2 > 0 ? n - 2 : 0, LUA_MULTRET, 0) == LUA_OK) {
        lua_pushboolean(L, 1);
        lua_replace(L, base); /* true in place of the handler */
        return lua_gettop(L) - base + 1;
    }
    /* stack: ..., handler, err -> false, handler(err) */
    lua_call(L, 1, 1);
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2;
}

/* Lua patterns backtrack: `string.find(("a"):rep(1e5), ".-.-.-.-b")` runs for hours inside one
 * C call, where the instruction hook never fires. Each variable-length item (* + - ?) can
 * multiply the work by the subject's length (so can %b, which scans for the balancing
 * delimiter), so the product is bounded instead. */
static int pattern_guard(lua_State *L, int plain_arg)
{
    size_t sl, pl;
    luaL_checklstring(L, 1, &sl);
    const char *p = luaL_checklstring(L, 2, &pl);
    if (plain_arg && lua_toboolean(L, plain_arg))
        return 0;
    int k = 0;
    for (size_t i = 0; i < pl; i++) {
        if (p[i] == '%') {
            /* %bxy scans ahead to the balancing y: as variable as a '*' */
            if (i + 1 < pl && p[i + 1] == 'b') {
                k++;
                i += 3;
            } else {
                i++;
            }
            continue;
        }
        if (p[i] == '*' || p[i] == '+' || p[i] == '-' || p[i] == '?')
            k++;
    }
    /* worst case: every start position (unless anchored) times the subject once per variable
     * item times the pattern's length */
    double work = (pl && p[0] == '^') ? 1 : (double)(sl + 1);
    for (int i = 0; i < k && work < 1e12; i++)
        work *= (double)(sl + 1);
    work *= (double)(pl + 1);
    if (work > 2e8)
        return luaL_error(L, "pattern too complex for a subject of %d bytes (%d variable items, "
                             "pattern of %d bytes)",
                          (int)sl, k, (int)pl);
    charge(L, work);
    return 0;
}

static int guarded(lua_State *L, int plain_arg)
{
    pattern_guard(L, plain_arg);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static int guarded_find(lua_State *L)
{
    return guarded(L, 4);
}

static int guarded_other(lua_State *L)
{
    return guarded(L, 0);
}

static void wrap(lua_State *L, const char *lib, const char *name, lua_CFunction fn)
{
    lua_getglobal(L, lib);
    lua_getfield(L, -1, name);
    lua_pushcclosure(L, fn, 1);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

static void guard_patterns(lua_State *L)
{
    wrap(L, LUA_STRLIBNAME, "find", guarded_find);
    wrap(L, LUA_STRLIBNAME, "match", guarded_other);
    wrap(L, LUA_STRLIBNAME, "gmatch", guarded_other);
    wrap(L, LUA_STRLIBNAME, "gsub", guarded_other);
    wrap(L, LUA_STRLIBNAME, "rep", guarded_rep);
    wrap(L, LUA_TABLIBNAME, "move", guarded_move);
    wrap(L, LUA_TABLIBNAME, "concat", guarded_concat);
    lua_pushcfunction(L, safe_xpcall);
    lua_setglobal(L, "xpcall");
}

hl_sandbox *hl_sandbox_new(const hl_sandbox_limits *limits)
{
    hl_sandbox *sb = calloc(1, sizeof *sb);
    if (!sb)
        return NULL;
    sb->limit = limits && limits->memory ? limits->memory : 64u << 20;
    sb->budget = limits && limits->instructions ? limits->instructions : 10000000L;
    sb->time_ms = limits && limits->time_ms ? limits->time_ms : 10000;
    sb->L = lua_newstate(sb_alloc, sb);
    if (!sb->L) {
        for (slab *s = sb->slabs, *n; s; s = n) {
            n = s->next;
            free(s);
        }
        free(sb);
        return NULL;
    }
    lua_State *L = sb->L;
    static const luaL_Reg libs[] = {{LUA_GNAME, luaopen_base},
                                    {LUA_STRLIBNAME, luaopen_string},
                                    {LUA_TABLIBNAME, luaopen_table},
                                    {LUA_MATHLIBNAME, luaopen_math},
                                    {LUA_UTF8LIBNAME, luaopen_utf8},
                                    {NULL, NULL}};
    for (const luaL_Reg *lib = libs; lib->func; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        lua_pop(L, 1);
    }
    for (int i = 0; removed_globals[i]; i++) {
        lua_pushnil(L);
        lua_setglobal(L, removed_globals[i]);
    }
    /* string.dump would hand out bytecode; math.random must be reproducible. */
    lua_getglobal(L, LUA_STRLIBNAME);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);
    lua_getglobal(L, LUA_MATHLIBNAME);
    lua_getfield(L, -1, "randomseed");
    lua_pushvalue(L, -1);
    sb->seed_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushinteger(L, 42);
    lua_call(L, 1, 0);
    lua_pushnil(L);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);
    guard_patterns(L);
    return sb;
}

void hl_sandbox_seed(hl_sandbox *sb, unsigned long long seed)
{
    lua_rawgeti(sb->L, LUA_REGISTRYINDEX, sb->seed_ref);
    lua_pushinteger(sb->L, (lua_Integer)(seed & 0x7fffffffffffffffULL));
    lua_call(sb->L, 1, 0);
}

void hl_sandbox_free(hl_sandbox *sb)
{
    if (!sb)
        return;
    /* A full collection first runs pending finalizers while the state is still whole. */
    lua_gc(sb->L, LUA_GCCOLLECT, 0);
    lua_close(sb->L);
    for (slab *s = sb->slabs, *n; s; s = n) {
        n = s->next;
        free(s);
    }
    free(sb);
}

lua_State *hl_sandbox_state(hl_sandbox *sb)
{
    return sb->L;
}

/* Message handler: the error with a traceback, for file:line reports. Non-string errors (a
 * table thrown by error{}) become a type name, never an arbitrary object. */
static int traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg)
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int hl_sandbox_pcall(hl_sandbox *sb, int nargs, int nresults)
{
    sb->remaining = sb->budget;
    sb->overrun = 0;
    sb->deadline = mono_ms() + (double)sb->time_ms;
    int base = lua_gettop(sb->L) - nargs;
    lua_pushcfunction(sb->L, traceback);
    lua_insert(sb->L, base);
    lua_sethook(sb->L, sb_hook, LUA_MASKCOUNT, 1000);
    sb->capped = 1;
    int rc = lua_pcall(sb->L, nargs, nresults, base);
    sb->capped = 0;
    lua_sethook(sb->L, NULL, 0, 0);
    lua_remove(sb->L, base);
    if (rc != LUA_OK && sb->overrun) {
        /* Whatever the script did with the error, report the overrun itself, at the place
         * the script was (the first Lua frame of the traceback), keeping the traceback. */
        const char *msg = sb->overrun == 1   ? "instruction budget exceeded"
                          : sb->overrun == 3 ? "time limit exceeded"
                                             : "memory limit exceeded";
        const char *tb = lua_tostring(sb->L, -1);
        const char *nl = tb ? strchr(tb, '\n') : NULL;
        char loc[400] = "";
        /* traceback lines look like "\n\tfile:line: in ..."; skip [C] frames */
        for (const char *q = nl; q && *q; q = strchr(q + 1, '\n')) {
            const char *t = q + 1;
            while (*t == '\t' || *t == ' ')
                t++;
            if (*t == '[')
                continue;
            const char *c1 = strchr(t, ':');
            const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
            if (c1 && c2 && c2 > c1 + 1 && c1[1] >= '0' && c1[1] <= '9') {
                snprintf(loc, sizeof loc, "%.*s: ", (int)(c2 - t), t);
                break;
            }
        }
        lua_pushfstring(sb->L, "%s%s%s", loc, msg, nl ? nl : "");
        lua_remove(sb->L, -2);
    }
    sb->overrun = 0;
    return rc;
}

/* Reads the file whole: config and rule files are small, and a size cap keeps a hostile file
 * from exhausting memory before the allocator's cap could apply. */
static char *read_small_file(const char *path, size_t *len, hl_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        hl_error_set(err, HL_EINPUT, path, 0, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            if (cap >= (16u << 20)) {
                free(buf);
                fclose(f);
                hl_error_set(err, HL_EINPUT, path, 0, 0, "file larger than 16 MiB");
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
    fclose(f);
    if (!buf) {
        hl_error_set(err, HL_EINTERNAL, path, 0, 0, "out of memory");
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Turns a Lua error "path:12: message" into file/line/message. */
static void lua_error_to(hl_error *err, const char *path, const char *msg)
{
    unsigned long line = 0;
    char first[900];
    snprintf(first, sizeof first, "%s", msg ? msg : "error");
    char *nl = strchr(first, '\n');
    if (nl)
        *nl = '\0';
    const char *m = first;
    size_t pl = strlen(path);
    if (strncmp(m, path, pl) == 0 && m[pl] == ':') {
        char *end;
        line = strtoul(m + pl + 1, &end, 10);
        if (*end == ':') {
            m = end + 1;
            while (*m == ' ')
                m++;
        } else {
            line = 0;
        }
    }
    hl_error_set(err, HL_EINPUT, path, line, 0, "%s", m);
}

hl_status hl_sandbox_run_file(hl_sandbox *sb, const char *path, hl_error *err)
{
    lua_State *L = sb->L;
    size_t len;
    char *src = read_small_file(path, &len, err);
    if (!src)
        return err ? err->status : HL_EINPUT;
    int top = lua_gettop(L);
    char chunkname[600];
    snprintf(chunkname, sizeof chunkname, "@%s", path);
    int rc = luaL_loadbufferx(L, src, len, chunkname, "t");
    free(src);
    if (rc != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        if (msg && strstr(msg, "attempt to load a binary chunk"))
            hl_error_set(err, HL_EINPUT, path, 0, 0, "binary (precompiled) chunks are not allowed");
        else
            lua_error_to(err, path, msg);
        lua_settop(L, top);
        return HL_EINPUT;
    }
    /* A fresh environment reading through to the safe globals: the script's own globals land
     * there, not in the shared table. */
    lua_newtable(L);
    lua_newtable(L);
    lua_pushglobaltable(L);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    int envidx = lua_gettop(L);
    if (lua_setupvalue(L, -3, 1) == NULL)
        lua_pop(L, 1);
    /* stack: chunk, env */
    lua_insert(L, -2); /* env, chunk */
    rc = hl_sandbox_pcall(sb, 0, 1);
    (void)envidx;
    if (rc != LUA_OK) {
        lua_error_to(err, path, lua_tostring(L, -1));
        lua_settop(L, top);
        return HL_EINPUT;
    }
    /* stack: env, result */
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1); /* the environment itself is the config */
    } else {
        lua_remove(L, -2);
    }
    return HL_OK;
}
