/*
 * internal.h — the rules engine's state, shared by host.c (loading, registration, the frozen
 * environment), views.c (read-only userdata views of findings), hllib.c (the `hl` library) and
 * run.c (calling rules and reading what they return). Private to engine/rules.
 */
#ifndef HL_RULES_INTERNAL_H
#define HL_RULES_INTERNAL_H

#include <lua.h>

#include "common/hash.h"
#include "hookline/rules.h"
#include "rules/sandbox.h"

typedef struct hl_rule {
    hl_rule_info info;
    hl_sandbox *sb;    /* the state of the rule's file */
    lua_State *L;
    char **codes;
    int run_ref;   /* registry references: never globals (CVE-2022-24735) */
    int when_ref;  /* LUA_NOREF when absent */
} hl_rule;

typedef struct hl_problem {
    hl_rule_problem p;
} hl_problem;

/* What the current call is about: views read it to answer ctx.* lookups. */
typedef struct hl_call {
    const hl_findings *f;
    hl_briefs *briefs;
    size_t ad;          /* index into the findings' ads, or SIZE_MAX */
    size_t diag;        /* index into the briefs' diagnoses, or SIZE_MAX */
    const hl_rule *rule;
    unsigned long gen;  /* views made during another call are stale */
    /* per-run indexes built by run.c */
    size_t **ad_diags;  /* per ad: indices of its (not suppressed) brief diagnoses */
    size_t *ad_ndiags;
    size_t **group_ads; /* per ad group: its ads */
    size_t *group_nads;
    size_t ngroups;
} hl_call;

struct hl_rules {
    hl_sandbox **states; /* one per rule file */
    size_t nstates;
    hl_sandbox *loading_sb;
    hl_sandbox_limits limits;
    char *dir;
    hl_rule *rules;
    size_t n, cap;
    hl_problem *problems;
    size_t np, capp;
    hl_strpool *strings;     /* file names, codes, messages */
    const char *loading_file; /* set while a file's top level runs */
    hl_call call;             /* current call (views read it) */
    hl_strpool *ad_ids;       /* ctx.ads lookup: index = ad index */
    void (*log)(void *ud, const char *line);
    void *log_ud;
    hl_rule_learning *learnings;
    size_t nlearnings;
    struct hl_columns *columns; /* borrowed; custom columns for ad.metrics */
    /* views.c lookups of the current run, built on first use (lk_built = 0 at each run):
     * ad-group comparisons by (ad group, metric); an ad with a currency by ad group, by
     * campaign, and the account's first. Keys are the interned id pointers. */
    int lk_built;
    hl_u64map lk_grp_cmp, lk_grp_cur, lk_camp_cur;
    uint32_t lk_acct_cur;
};

/* What a rule file's Lua state knows of its host, found through lua_getextraspace (the
 * views read it on every access: a registry lookup by name each time was a tenth of the rules
 * stage). A userdata anchored in the registry, so it lives exactly as long as the state. */
typedef struct hl_lstate {
    hl_rules *r;
    int view_mt_ref;        /* the views' metatable, by registry reference */
    const void *view_mt;    /* and its identity, to recognise a view without a lookup */
} hl_lstate;

/* views.c: drops the lookups of the previous run. */
void hl__views_reset(hl_rules *r);

/* host.c */
const char *hl__rules_str(hl_rules *r, const char *s);
void hl__rules_problem(hl_rules *r, const char *file, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
hl_rules *hl__rules_from_state(lua_State *L);

/* views.c: pushes views for the current call */
void hl__views_register(lua_State *L);
void hl__push_ctx(lua_State *L, hl_rules *r);
void hl__push_ad(lua_State *L, size_t ad);

/* hllib.c: builds the `hl` table (left on the stack) */
void hl__push_hllib(lua_State *L);

/* Read-only proxy of the table on top of the stack (replaces it). */
void hl__make_readonly(lua_State *L);

#endif
