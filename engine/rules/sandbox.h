/*
 * sandbox.h — the Lua host every untrusted script runs in: the config file now, rule packs,
 * custom columns, report templates and generator adapters later. A state made here has only
 * allow-listed libraries, loads text chunks only, counts instructions against a budget, and
 * allocates against a memory cap (see shared/reference/lua-sandbox.md). Private to the engine.
 */
#ifndef HL_RULES_SANDBOX_H
#define HL_RULES_SANDBOX_H

#include <stddef.h>

#include <lua.h>

#include "hookline/hookline.h"

typedef struct hl_sandbox_limits {
    size_t memory;        /* bytes the state may allocate; 0 = 64 MiB */
    long instructions;    /* VM instructions per protected call; 0 = 10 million */
    long time_ms;         /* wall-clock backstop per protected call; 0 = 10 s */
} hl_sandbox_limits;

typedef struct hl_sandbox hl_sandbox;

/* A new sandboxed state. Returns NULL on OOM. Free with hl_sandbox_free. */
hl_sandbox *hl_sandbox_new(const hl_sandbox_limits *limits);
void hl_sandbox_free(hl_sandbox *sb);
lua_State *hl_sandbox_state(hl_sandbox *sb);

/* Loads path as a text chunk (binary chunks refused) whose _ENV is a fresh table reading
 * through to the safe globals, and runs it under the instruction budget. On success the
 * chunk's return values... one value is left on the stack: what the chunk returned, or its
 * environment table when it returned nothing. On failure fills err with file:line and the
 * message (HL_EINPUT) and leaves the stack as it was. */
hl_status hl_sandbox_run_file(hl_sandbox *sb, const char *path, hl_error *err);

/* Protected call with the budget re-armed: like lua_pcall, but with a traceback on error, and a
 * budget or memory overrun reported as such even if the script tries to catch it. On error the
 * message (first line "chunk:line: message", then the traceback) is on the stack. */
int hl_sandbox_pcall(hl_sandbox *sb, int nargs, int nresults);

/* Re-seeds math.random, so that a rule's random choices depend only on what it is called for. */
void hl_sandbox_seed(hl_sandbox *sb, unsigned long long seed);

#endif
