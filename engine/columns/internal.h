/*
 * internal.h — what the custom columns (columns.c), the report templates (templates.c, report.c)
 * and their Lua host (luaenv.c) share: the sandbox preparation (frozen libraries, one private
 * environment per file that refuses new globals), reading Lua error positions, name
 * suggestions, and the resolution of a column name to where its value comes from. Private to
 * engine/columns.
 */
#ifndef HL_COLUMNS_INTERNAL_H
#define HL_COLUMNS_INTERNAL_H

#include <stddef.h>

#include <lua.h>

#include "hookline/columns.h"
#include "rules/sandbox.h"

/* ---------------------------------------------------------------- the Lua host */

/* Freezes a fresh sandbox state as the rules host does (string, table, math, utf8 become
 * read-only proxies; the string metatable is locked) and returns a registry reference to the
 * metatable of per-file environments (read through to the globals, refuse assignments). */
int hl__luaenv_prepare(lua_State *L);

/* Reads a script (at most 4 MiB); the caller frees. NULL with err filled on failure. */
char *hl__luaenv_read(const char *path, size_t *len, hl_error *err);

/* Compiles src as a text chunk named after path, gives it a fresh environment (env_mt_ref) and
 * runs it under the sandbox's budget. HL_EINPUT with file:line on a syntax or runtime error. */
hl_status hl__luaenv_run(hl_sandbox *sb, int env_mt_ref, const char *path, const char *src,
                         size_t len, hl_error *err);

/* Reads the position of a Lua message "chunk:LINE: text" whose chunk is path (or Lua's
 * shortened "...tail" of it): returns LINE and points *rest at text; 0 (and *rest = msg) when
 * the message does not start with a position in path. Only the first line is looked at. */
unsigned long hl__luaenv_split(const char *msg, const char *path, const char **rest);

/* The first "path:LINE:" position found in any line of msg (a traceback), or 0. */
unsigned long hl__luaenv_find_line(const char *msg, const char *path);

/* The first line of msg into buf. */
void hl__first_line(char *buf, size_t cap, const char *msg);

/* The nearest candidate by edit distance, or NULL when none is close. */
const char *hl__suggest(const char *word, const char *const *cands, size_t n);

/* ---------------------------------------------------------------- column names */

typedef enum hl__src {
    HL__SRC_TEXT,    /* index: hl_field */
    HL__SRC_DAYS,
    HL__SRC_DATE,
    HL__SRC_COUNTER, /* index: hl_counter */
    HL__SRC_METRIC,  /* index: hl_metric */
    HL__SRC_CUSTOM,  /* index: custom column */
    HL__SRC_EXTRA    /* index: extra numeric column */
} hl__src;

typedef struct hl__colref {
    hl__src src;
    int index;
    hl_column_kind kind;
    const char *label; /* built-in label or the custom column's */
} hl__colref;

/* A built-in name (field, days, date, counter, metric): 0 and *out, or -1. */
int hl__builtin_resolve(const char *name, hl__colref *out);

/* Does text field f describe an entity of level l (ad_name is not a campaign's)? */
int hl__field_at_level(hl_field f, hl_level l);

/* Every name a template or a formula may use at level (built-ins that apply, then custom
 * columns), for suggestions. *n receives the count; the caller frees the array (not the
 * strings). NULL on OOM. */
const char **hl__known_names(const hl_columns *c, hl_level level, size_t *n);

#endif
