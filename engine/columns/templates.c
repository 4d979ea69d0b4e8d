/*
 * templates.c — report templates: `report { name, title, description, level, columns, filters,
 * sort, limit }` calls in the *.lua files of template directories, run in the sandbox and
 * copied into C as they register. Everything is validated at load time: the level, every
 * column name (built-in at that level, or custom), filter operators and values, sort keys and
 * the limit. A mistake is an error at the file and line of the offending name (found in the
 * source after the report{} call) with the nearest valid name as a suggestion.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "columns/internal.h"
#include "common/hash.h"

typedef struct tmpl {
    hl_template_info info;
    const char **columns, **labels;
    hl_template_filter *filters;
    hl_template_sort *sort;
    size_t dir;
} tmpl;

struct hl_templates {
    hl_strpool *strings;
    tmpl *t;
    size_t n, cap;
    /* while loading */
    lua_State *L;
    const hl_columns *cols;
    const char *file, *src;
    size_t dir;
};

const char *hl_templates_default_dir(void)
{
    return HL_SOURCE_DIR "/scripts/reports";
}

const char *hl_filter_op_name(hl_filter_op op)
{
    static const char *const names[] = {">=", ">", "<=", "<", "==", "~=", "contains"};
    return (unsigned)op < 7 ? names[op] : "?";
}

static const char *keep(hl_templates *t, const char *s)
{
    if (!s)
        return NULL;
    uint32_t i = hl_strpool_intern(t->strings, s, strlen(s), NULL);
    return i == HL_NONE ? NULL : hl_strpool_get(t->strings, i);
}

static void free_tmpl(tmpl *x)
{
    free(x->columns);
    free(x->labels);
    free(x->filters);
    free(x->sort);
}

/* ---------------------------------------------------------------- errors at file:line */

/* The line of the first quoted occurrence of word at or after line from (1-based), or from. */
static unsigned long token_line(const char *src, unsigned long from, const char *word)
{
    if (!src || !word || !*word)
        return from;
    size_t wl = strlen(word);
    unsigned long line = 1;
    for (const char *p = src; *p; p++) {
        if (*p == '\n') {
            line++;
            continue;
        }
        if (line >= from && (*p == '"' || *p == '\'') && strncmp(p + 1, word, wl) == 0 &&
            p[1 + wl] == *p)
            return line;
    }
    return from;
}

/* The line of the key `word =` (a table field) at or after line from, or from: where the
 * search for a name in that field starts. */
static unsigned long key_line(const char *src, unsigned long from, const char *word)
{
    if (!src)
        return from;
    size_t wl = strlen(word);
    unsigned long line = 1;
    for (const char *p = src; *p; p++) {
        if (*p == '\n') {
            line++;
            continue;
        }
        if (line < from || strncmp(p, word, wl) != 0)
            continue;
        if (p > src && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
            continue;
        const char *q = p + wl;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q == '=' && q[1] != '=')
            return line;
    }
    return from;
}

/* Raises "file:line: message" with line at word (when found) or at the report{} call. */
static int fail_at(lua_State *L, hl_templates *t, unsigned long call_line, const char *word,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail_at(lua_State *L, hl_templates *t, unsigned long call_line, const char *word,
                   const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    unsigned long line = token_line(t->src, call_line, word);
    lua_pushfstring(L, "%s:%d: %s", t->file, (int)line, msg);
    return lua_error(L);
}

/* ---------------------------------------------------------------- names */

/* Resolves a column name at level; raises an error with a suggestion when it is not one. */
static void resolve(lua_State *L, hl_templates *t, unsigned long line, const char *tname,
                    hl_level level, const char *what, const char *name, hl__colref *out)
{
    if (hl__builtin_resolve(name, out) == 0) {
        if (out->src == HL__SRC_TEXT && !hl__field_at_level((hl_field)out->index, level)) {
            fail_at(L, t, line, name,
                    "report '%s': %s '%s' does not apply at level '%s' (a %s row has no %s)",
                    tname, what, name, hl_level_name(level), hl_level_name(level), name);
            return;
        }
        if (out->src != HL__SRC_DATE)
            return;
    }
    int k = hl_columns_find(t->cols, name);
    if (k >= 0) {
        const hl_column_info *ci = hl_columns_info(t->cols, (size_t)k);
        *out = (hl__colref){HL__SRC_CUSTOM, k, ci->kind, ci->label};
        return;
    }
    size_t n = 0;
    const char **names = hl__known_names(t->cols, level, &n);
    const char *s = names ? hl__suggest(name, names, n) : NULL;
    char sug[200] = "";
    if (s)
        snprintf(sug, sizeof sug, " (did you mean '%s'?)", s);
    else
        snprintf(sug, sizeof sug, " (a counter, a metric, a name or id of the level, days, or a "
                                  "custom column)");
    free(names);
    fail_at(L, t, line, name, "report '%s': unknown %s '%s'%s", tname, what, name, sug);
}

static int valid_name(const char *s, size_t n)
{
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-' || ch == '.'))
            return 0;
    }
    return 1;
}

/* An optional string at key of the table at idx; raises when present and not a short string. */
static const char *opt_string(lua_State *L, hl_templates *t, unsigned long line, int idx,
                              const char *tname, const char *key, size_t max)
{
    lua_getfield(L, idx, key);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return NULL;
    }
    size_t len = 0;
    const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
    if (!s || len > max || memchr(s, '\0', len))
        fail_at(L, t, line, NULL, "report '%s': '%s' must be a string of at most %d bytes",
                tname, key, (int)max);
    const char *k = keep(t, s);
    lua_pop(L, 1);
    if (!k)
        luaL_error(L, "not enough memory");
    return k;
}

static void check_keys(lua_State *L, hl_templates *t, unsigned long line, int idx,
                       const char *what, const char *const *keys, size_t nkeys)
{
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        if (lua_type(L, -2) == LUA_TNUMBER && lua_rawlen(L, idx) > 0 && nkeys == 2 &&
            strcmp(keys[0], "column") == 0) {
            lua_pop(L, 1); /* { "ctr", label = "CTR" }: the positional name */
            continue;
        }
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        int ok = 0;
        for (size_t i = 0; k && i < nkeys; i++)
            ok |= strcmp(k, keys[i]) == 0;
        if (!ok) {
            const char *s = k ? hl__suggest(k, keys, nkeys) : NULL;
            char list[300] = "";
            size_t o = 0;
            for (size_t i = 0; i < nkeys && o < sizeof list; i++)
                o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", keys[i]);
            if (s)
                fail_at(L, t, line, NULL, "%s: unknown key '%s' (did you mean '%s'?)", what, k, s);
            fail_at(L, t, line, NULL, "%s: unknown key '%s' (%s)", what, k ? k : "(not a name)",
                    list);
        }
        lua_pop(L, 1);
    }
}

/* ---------------------------------------------------------------- report { ... } */

static const char *const report_keys[] = {"name",    "title",   "description", "level",
                                          "columns", "filters", "sort",        "limit"};
static const char *const column_keys[] = {"column", "label"};
static const char *const filter_keys[] = {"column", "op", "value"};

static hl_templates *from_upvalue(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

static int parse_op(const char *s, hl_filter_op *op)
{
    static const struct {
        const char *s;
        hl_filter_op op;
    } ops[] = {{">=", HL_OP_GE}, {">", HL_OP_GT}, {"<=", HL_OP_LE},  {"<", HL_OP_LT},
               {"==", HL_OP_EQ}, {"=", HL_OP_EQ}, {"~=", HL_OP_NE}, {"!=", HL_OP_NE},
               {"contains", HL_OP_CONTAINS}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(s, ops[i].s) == 0) {
            *op = ops[i].op;
            return 0;
        }
    return -1;
}

static void read_columns(lua_State *L, hl_templates *t, unsigned long line, tmpl *x)
{
    const char *tname = x->info.name;
    lua_getfield(L, 1, "columns");
    if (lua_type(L, -1) != LUA_TTABLE)
        fail_at(L, t, line, NULL,
                "report '%s': 'columns' must be a list of column names, e.g. "
                "{ \"ad_name\", \"ctr\" }",
                tname);
    line = key_line(t->src, line, "columns");
    int ci = lua_gettop(L);
    size_t n = (size_t)lua_rawlen(L, ci);
    if (n == 0 || n > 200)
        fail_at(L, t, line, NULL, "report '%s': 'columns' must list 1 to 200 columns", tname);
    x->columns = calloc(n, sizeof *x->columns);
    x->labels = calloc(n, sizeof *x->labels);
    if (!x->columns || !x->labels)
        luaL_error(L, "not enough memory");
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, ci, (lua_Integer)i + 1);
        const char *name = NULL, *label = NULL;
        if (lua_type(L, -1) == LUA_TSTRING) {
            name = lua_tostring(L, -1);
        } else if (lua_type(L, -1) == LUA_TTABLE) {
            int e = lua_gettop(L);
            check_keys(L, t, line, e, "a column entry", column_keys, 2);
            lua_getfield(L, e, "column");
            if (lua_isnil(L, -1)) {
                lua_pop(L, 1);
                lua_rawgeti(L, e, 1);
            }
            name = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
            label = opt_string(L, t, line, e, tname, "label", 200);
        }
        if (!name)
            fail_at(L, t, line, NULL,
                    "report '%s': column %zu must be a name or { column = \"name\", label = "
                    "\"Label\" }",
                    tname, i + 1);
        hl__colref ref;
        resolve(L, t, line, tname, x->info.level, "column", name, &ref);
        for (size_t j = 0; j < i; j++)
            if (strcmp(x->columns[j], name) == 0)
                fail_at(L, t, line, name, "report '%s': column '%s' is listed twice", tname,
                        name);
        x->columns[i] = keep(t, name);
        x->labels[i] = label ? label : keep(t, ref.label);
        if (!x->columns[i] || !x->labels[i])
            luaL_error(L, "not enough memory");
        x->info.ncolumns = i + 1;
        lua_settop(L, ci);
    }
    lua_pop(L, 1);
}

static void read_filters(lua_State *L, hl_templates *t, unsigned long line, tmpl *x)
{
    const char *tname = x->info.name;
    lua_getfield(L, 1, "filters");
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return;
    }
    line = key_line(t->src, line, "filters");
    if (lua_type(L, -1) != LUA_TTABLE)
        fail_at(L, t, line, NULL, "report '%s': 'filters' must be a list of { column = ..., "
                                  "op = \">=\", value = ... }",
                tname);
    int fi = lua_gettop(L);
    size_t n = (size_t)lua_rawlen(L, fi);
    if (n > 50)
        fail_at(L, t, line, NULL, "report '%s': more than 50 filters", tname);
    x->filters = calloc(n ? n : 1, sizeof *x->filters);
    if (!x->filters)
        luaL_error(L, "not enough memory");
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, fi, (lua_Integer)i + 1);
        if (lua_type(L, -1) != LUA_TTABLE)
            fail_at(L, t, line, NULL,
                    "report '%s': filter %zu must be { column = ..., op = ..., value = ... }",
                    tname, i + 1);
        int e = lua_gettop(L);
        check_keys(L, t, line, e, "a filter", filter_keys, 3);
        hl_template_filter *f = &x->filters[i];
        lua_getfield(L, e, "column");
        const char *col = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        if (!col)
            fail_at(L, t, line, NULL, "report '%s': filter %zu needs 'column' (a name)", tname,
                    i + 1);
        hl__colref ref;
        resolve(L, t, line, tname, x->info.level, "filter column", col, &ref);
        f->column = keep(t, col);
        lua_getfield(L, e, "op");
        const char *op = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        if (!op || parse_op(op, &f->op) < 0)
            fail_at(L, t, line, op, "report '%s': filter on '%s': 'op' must be one of >=, >, <=, "
                                    "<, ==, ~=, contains",
                    tname, col);
        lua_getfield(L, e, "value");
        int vt = lua_type(L, -1);
        int text_col = ref.kind == HL_COLUMN_TEXT;
        if (text_col) {
            if (vt != LUA_TSTRING || (f->op != HL_OP_EQ && f->op != HL_OP_NE &&
                                      f->op != HL_OP_CONTAINS))
                fail_at(L, t, line, col,
                        "report '%s': filter on text column '%s' takes op ==, ~= or contains "
                        "and a string value",
                        tname, col);
            f->is_text = 1;
            f->text = keep(t, lua_tostring(L, -1));
        } else {
            if (vt != LUA_TNUMBER || !isfinite(lua_tonumber(L, -1)))
                fail_at(L, t, line, col,
                        "report '%s': filter on '%s' needs a finite number 'value' (proportions "
                        "as fractions: 0.01 for 1%%)",
                        tname, col);
            if (f->op == HL_OP_CONTAINS)
                fail_at(L, t, line, col,
                        "report '%s': 'contains' is for text columns ('%s' is a number)", tname,
                        col);
            f->num = lua_tonumber(L, -1);
        }
        if (!f->column || (f->is_text && !f->text))
            luaL_error(L, "not enough memory");
        x->info.nfilters = i + 1;
        lua_settop(L, fi);
    }
    lua_pop(L, 1);
}

static void read_sort_key(lua_State *L, hl_templates *t, unsigned long line, tmpl *x, size_t i,
                          const char *spec)
{
    char name[128];
    snprintf(name, sizeof name, "%s", spec);
    int desc = 0;
    char *colon = strchr(name, ':');
    if (colon) {
        *colon = '\0';
        if (strcmp(colon + 1, "desc") == 0)
            desc = 1;
        else if (strcmp(colon + 1, "asc") != 0)
            fail_at(L, t, line, spec, "report '%s': sort '%s': expected COL, COL:asc or COL:desc",
                    x->info.name, spec);
    }
    hl__colref ref;
    /* the error line is where the whole "col:desc" string is */
    unsigned long l2 = token_line(t->src, line, spec);
    resolve(L, t, l2, x->info.name, x->info.level, "sort column", name, &ref);
    x->sort[i].column = keep(t, name);
    x->sort[i].desc = desc;
    if (!x->sort[i].column)
        luaL_error(L, "not enough memory");
}

static void read_sort(lua_State *L, hl_templates *t, unsigned long line, tmpl *x)
{
    lua_getfield(L, 1, "sort");
    int si = lua_gettop(L);
    if (lua_isnil(L, si)) {
        lua_pop(L, 1);
        return;
    }
    line = key_line(t->src, line, "sort");
    size_t n = lua_type(L, si) == LUA_TSTRING ? 1
               : lua_type(L, si) == LUA_TTABLE ? (size_t)lua_rawlen(L, si)
                                               : 0;
    if (n == 0 || n > 10)
        fail_at(L, t, line, NULL,
                "report '%s': 'sort' must be \"column[:asc|:desc]\" or a list of 1..10 of them",
                x->info.name);
    x->sort = calloc(n, sizeof *x->sort);
    if (!x->sort)
        luaL_error(L, "not enough memory");
    for (size_t i = 0; i < n; i++) {
        if (lua_type(L, si) == LUA_TSTRING)
            lua_pushvalue(L, si);
        else
            lua_rawgeti(L, si, (lua_Integer)i + 1);
        if (lua_type(L, -1) != LUA_TSTRING || lua_rawlen(L, -1) > 100)
            fail_at(L, t, line, NULL, "report '%s': sort keys are strings like \"ctr:desc\"",
                    x->info.name);
        read_sort_key(L, t, line, x, i, lua_tostring(L, -1));
        x->info.nsort = i + 1;
        lua_settop(L, si);
    }
    lua_pop(L, 1);
}

static int l_report(lua_State *L)
{
    hl_templates *t = from_upvalue(L);
    if (!t->file)
        return luaL_error(L, "report{} may only be called when a template file loads");
    if (lua_type(L, 1) != LUA_TTABLE)
        return luaL_error(L, "report{} takes a table: report { name = ..., columns = {...} }");
    lua_settop(L, 1);
    lua_Debug ar;
    unsigned long line = 0;
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "l", &ar) && ar.currentline > 0)
        line = (unsigned long)ar.currentline;
    check_keys(L, t, line, 1, "report{}", report_keys, sizeof report_keys / sizeof *report_keys);

    lua_getfield(L, 1, "name");
    size_t nl = 0;
    const char *name = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &nl) : NULL;
    if (!name || !valid_name(name, nl))
        fail_at(L, t, line, NULL, "report{}: 'name' must be a string of letters, digits, _ . - "
                                  "(1..64)");
    name = keep(t, name);
    lua_pop(L, 1);
    if (!name)
        return luaL_error(L, "not enough memory");
    for (size_t i = 0; i < t->n; i++)
        if (t->t[i].dir == t->dir && strcmp(t->t[i].info.name, name) == 0)
            fail_at(L, t, line, name, "report '%s' is already defined (%s:%d)", name,
                    t->t[i].info.file, (int)t->t[i].info.line);

    tmpl x;
    memset(&x, 0, sizeof x);
    x.dir = t->dir;
    x.info.name = name;
    x.info.file = t->file;
    x.info.line = line;
    /* x's arrays would leak if a later check raises: park x in the list first */
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 8;
        if (nc > 10000)
            return luaL_error(L, "more than 10000 report templates");
        tmpl *nt = realloc(t->t, nc * sizeof *nt);
        if (!nt)
            return luaL_error(L, "not enough memory");
        t->t = nt;
        t->cap = nc;
    }
    size_t slot = t->n;
    t->t[slot] = x;
    t->t[slot].dir = (size_t)-1; /* not registered yet: invisible to lookups */
    t->n++;
    tmpl *y = &t->t[slot];

    const char *title = opt_string(L, t, line, 1, name, "title", 200);
    y->info.title = title ? title : name;
    y->info.description = opt_string(L, t, line, 1, name, "description", 2000);
    const char *level = opt_string(L, t, line, 1, name, "level", 32);
    y->info.level = HL_LEVEL_AD;
    if (level && hl_level_from_name(level, &y->info.level) < 0)
        fail_at(L, t, line, level,
                "report '%s': unknown level '%s' (ad, adgroup, campaign, advertiser)", name,
                level);
    read_columns(L, t, line, y);
    y = &t->t[slot];
    read_filters(L, t, line, y);
    read_sort(L, t, line, y);
    lua_getfield(L, 1, "limit");
    if (!lua_isnil(L, -1)) {
        lua_Integer lim = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : -1;
        if (lua_type(L, -1) == LUA_TNUMBER && !lua_isinteger(L, -1)) {
            double d = lua_tonumber(L, -1);
            if (d == floor(d) && d >= 1 && d <= 1e7)
                lim = (lua_Integer)d;
        }
        if (lim < 1 || lim > 10000000)
            fail_at(L, t, line, NULL, "report '%s': 'limit' must be a whole number 1..10000000",
                    name);
        y->info.limit = (size_t)lim;
    }
    lua_pop(L, 1);
    y->info.columns = y->columns;
    y->info.labels = y->labels;
    y->info.filters = y->filters;
    y->info.sort = y->sort;
    y->dir = t->dir;
    return 0;
}

/* ---------------------------------------------------------------- loading */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_tmpl(const void *a, const void *b)
{
    return strcmp(((const tmpl *)a)->info.name, ((const tmpl *)b)->info.name);
}

/* Drops templates not fully registered (a failed report{} call) and from index first on. */
static void drop_unregistered(hl_templates *t, size_t first)
{
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (t->t[i].dir == (size_t)-1 || i >= first) {
            free_tmpl(&t->t[i]);
            continue;
        }
        t->t[k++] = t->t[i];
    }
    t->n = k;
}

static hl_status load_dir(hl_templates *t, hl_sandbox *sb, int env_mt_ref, const char *dir,
                          hl_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return hl_error_set(err, HL_EINPUT, dir, 0, 0, "cannot read the templates directory: %s",
                            strerror(errno));
    char **names = NULL;
    size_t nn = 0, cap = 0;
    struct dirent *e;
    hl_status st = HL_OK;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".lua") != 0 || e->d_name[0] == '.')
            continue;
        if (nn == cap) {
            cap = cap ? cap * 2 : 16;
            char **nb = realloc(names, cap * sizeof *nb);
            if (!nb) {
                st = HL_EINTERNAL;
                break;
            }
            names = nb;
        }
        if (!(names[nn] = strdup(e->d_name))) {
            st = HL_EINTERNAL;
            break;
        }
        nn++;
    }
    closedir(d);
    if (st == HL_OK && nn == 0)
        st = hl_error_set(err, HL_EINPUT, dir, 0, 0, "no report templates (*.lua) in the directory");
    else if (st != HL_OK)
        hl_error_set(err, st, dir, 0, 0, "out of memory");
    if (nn)
        qsort(names, nn, sizeof *names, cmp_names);
    for (size_t i = 0; i < nn && st == HL_OK; i++) {
        char path[1100];
        size_t dl = strlen(dir);
        snprintf(path, sizeof path, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", names[i]);
        size_t len;
        char *src = hl__luaenv_read(path, &len, err);
        if (!src) {
            st = err ? err->status : HL_EINPUT;
            break;
        }
        t->file = keep(t, path);
        t->src = src;
        size_t before = t->n;
        st = t->file ? hl__luaenv_run(sb, env_mt_ref, t->file, src, len, err)
                     : hl_error_set(err, HL_EINTERNAL, path, 0, 0, "out of memory");
        t->file = NULL;
        t->src = NULL;
        free(src);
        if (st != HL_OK) {
            drop_unregistered(t, before);
            break;
        }
        if (t->n == before)
            st = hl_error_set(err, HL_EINPUT, path, 0, 0,
                              "defines no report (call report { name = ..., columns = {...} })");
    }
    for (size_t i = 0; i < nn; i++)
        free(names[i]);
    free(names);
    return st;
}

hl_status hl_templates_load(const char *const *dirs, size_t ndirs, const hl_columns *cols,
                            hl_templates **out, hl_error *err)
{
    *out = NULL;
    hl_templates *t = calloc(1, sizeof *t);
    hl_sandbox_limits lim = {16u << 20, 1000000, 0};
    hl_sandbox *sb = NULL;
    if (!t || !(t->strings = hl_strpool_new()) || !(sb = hl_sandbox_new(&lim))) {
        if (t)
            hl_strpool_free(t->strings);
        free(t);
        return hl_error_set(err, HL_EINTERNAL, "", 0, 0, "out of memory");
    }
    t->cols = cols;
    t->L = hl_sandbox_state(sb);
    int env_mt_ref = hl__luaenv_prepare(t->L);
    lua_pushlightuserdata(t->L, t);
    lua_pushcclosure(t->L, l_report, 1);
    lua_setglobal(t->L, "report");
    hl_status st = HL_OK;
    for (size_t d = 0; d < ndirs && st == HL_OK; d++) {
        t->dir = d;
        st = load_dir(t, sb, env_mt_ref, dirs[d], err);
    }
    hl_sandbox_free(sb);
    t->L = NULL;
    t->cols = NULL;
    if (st != HL_OK) {
        hl_templates_free(t);
        return st;
    }
    /* A later directory's template replaces an earlier one of the same name. */
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++) {
        int replaced = 0;
        for (size_t j = i + 1; j < t->n && !replaced; j++)
            replaced = t->t[j].dir > t->t[i].dir && strcmp(t->t[j].info.name, t->t[i].info.name) == 0;
        if (replaced)
            free_tmpl(&t->t[i]);
        else
            t->t[k++] = t->t[i];
    }
    t->n = k;
    if (t->n)
        qsort(t->t, t->n, sizeof *t->t, cmp_tmpl);
    *out = t;
    return HL_OK;
}

void hl_templates_free(hl_templates *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        free_tmpl(&t->t[i]);
    free(t->t);
    hl_strpool_free(t->strings);
    free(t);
}

size_t hl_templates_count(const hl_templates *t)
{
    return t ? t->n : 0;
}

const hl_template_info *hl_templates_info(const hl_templates *t, size_t i)
{
    return t && i < t->n ? &t->t[i].info : NULL;
}

int hl_templates_find(const hl_templates *t, const char *name)
{
    for (size_t i = 0; t && i < t->n; i++)
        if (strcmp(t->t[i].info.name, name) == 0)
            return (int)i;
    return -1;
}
