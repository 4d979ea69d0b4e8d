/*
 * test_columns.c — unit tests of engine/columns: the seed's custom columns with hand-computed
 * values; undefined results (division by zero, 0/0, integer division by zero, missing inputs,
 * undefined metrics, nil) instead of inf or NaN; runtime errors that name the column and the
 * formula's file:line; unknown fields with a suggestion; instruction budget and memory cap
 * (also against a formula that catches the error); the sandbox (no os/io, read-only row and
 * libraries, no global assignment); nested and cyclic custom columns; extra columns; and report
 * templates: the bundled ones, validation errors at file:line with suggestions, and
 * hl_report_build's filters, sort, limit and HTML escaping on a small table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hl_test.h"
#include "hookline/columns.h"
#include "hookline/metrics.h"
#include "hookline/table.h"

static char tmpdir[256];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/hl_test_columns_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        exit(1);
    }
}

/* Writes text to tmpdir/name and returns the path (static buffer per call site: copy it). */
static const char *write_file(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
    return path;
}

static int mkdir_p(const char *d)
{
    return mkdir(d, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

static void remove_tree(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static hl_agg_row base_row(void)
{
    hl_agg_row r;
    memset(&r, 0, sizeof r);
    r.text[HL_F_AD_ID] = "1800000000000000001";
    r.text[HL_F_AD_NAME] = "UGC hook v1";
    r.text[HL_F_CAMPAIGN_NAME] = "Prospecting";
    r.day = -1;
    r.days = 7;
    r.v[HL_C_SPEND] = 100;
    r.v[HL_C_IMPRESSIONS] = 1500;
    r.v[HL_C_CLICKS] = 30;
    r.v[HL_C_VIDEO_PLAYS] = 1200;
    r.v[HL_C_VIEWS_2S] = 450;
    r.v[HL_C_VIEWS_P75] = 300;
    r.v[HL_C_ADD_TO_CART] = 8;
    r.present = (1u << HL_C_SPEND) | (1u << HL_C_IMPRESSIONS) | (1u << HL_C_CLICKS) |
                (1u << HL_C_VIDEO_PLAYS) | (1u << HL_C_VIEWS_2S) | (1u << HL_C_VIEWS_P75) |
                (1u << HL_C_ADD_TO_CART);
    return r;
}

static int col(hl_columns *c, const char *name)
{
    int i = hl_columns_find(c, name);
    if (i < 0)
        fprintf(stderr, "no column '%s'\n", name);
    return i;
}

/* Evaluates name on row: returns the status; *v and *why receive the value. */
static hl_status eval(hl_columns *c, const char *name, const hl_agg_row *row, hl_val *v,
                      hl_error *err)
{
    int i = col(c, name);
    if (i < 0) {
        *v = hl_undef("no such column");
        return HL_EINTERNAL;
    }
    memset(err, 0, sizeof *err);
    return hl_columns_eval(c, (size_t)i, row, v, err);
}

static void test_seed_columns(void)
{
    hl_columns *c = NULL;
    hl_error err;
    CHECK_INT(hl_columns_load(hl_columns_default_file(), NULL, &c, &err), HL_OK);
    if (!c) {
        fprintf(stderr, "%s:%lu: %s\n", err.file, err.line, err.msg);
        return;
    }
    CHECK_INT(hl_columns_count(c), 3);
    const hl_column_info *ci = hl_columns_info(c, (size_t)col(c, "cost_per_atc"));
    CHECK_STR(ci->label, "Cost per Add to Cart");
    CHECK_INT(ci->kind, HL_COLUMN_MONEY);
    CHECK(strstr(ci->file, "scripts/columns.lua") != NULL);
    CHECK(ci->line > 0 && ci->formula_line >= ci->line);
    CHECK_STR(hl_columns_info(c, (size_t)col(c, "video_view_rate_75"))->label,
              "Video View Rate at 75%");
    CHECK_INT(hl_columns_info(c, (size_t)col(c, "video_view_rate_75"))->kind,
              HL_COLUMN_PROPORTION);
    CHECK_STR(hl_columns_info(c, (size_t)col(c, "hook_rate_2s"))->label, "Hook Rate");
    /* no custom column may take a built-in's name */
    for (size_t i = 0; i < hl_columns_count(c); i++)
        CHECK(hl_columns_builtin(hl_columns_info(c, i)->name) == NULL);

    hl_agg_row r = base_row();
    hl_val v;
    CHECK_INT(eval(c, "cost_per_atc", &r, &v, &err), HL_OK);
    CHECK(v.ok);
    CHECK_NEAR(v.v, 12.5, 1e-15, 0);
    CHECK_INT(eval(c, "video_view_rate_75", &r, &v, &err), HL_OK);
    CHECK(v.ok);
    CHECK_NEAR(v.v, 0.25, 1e-15, 0);
    CHECK_INT(eval(c, "hook_rate_2s", &r, &v, &err), HL_OK);
    CHECK(v.ok);
    CHECK_NEAR(v.v, 0.3, 1e-15, 0);
    /* the same as the built-in formulas */
    double b;
    CHECK(hl_metric_compute(HL_M_COST_PER_ADD_TO_CART, r.v, r.present, &b));
    CHECK_INT(eval(c, "cost_per_atc", &r, &v, &err), HL_OK);
    CHECK(v.ok && v.v == b);

    /* division by zero: undefined, never inf */
    r.v[HL_C_ADD_TO_CART] = 0;
    CHECK_INT(eval(c, "cost_per_atc", &r, &v, &err), HL_OK);
    CHECK(!v.ok);
    CHECK_STR(v.why, "division_by_zero");
    /* 0/0: NaN in Lua, undefined here */
    r.v[HL_C_VIEWS_P75] = 0;
    r.v[HL_C_VIDEO_PLAYS] = 0;
    CHECK_INT(eval(c, "video_view_rate_75", &r, &v, &err), HL_OK);
    CHECK(!v.ok);
    CHECK_STR(v.why, "division_by_zero");
    /* a missing counter (nil): undefined */
    r = base_row();
    r.present &= ~(1u << HL_C_ADD_TO_CART);
    CHECK_INT(eval(c, "cost_per_atc", &r, &v, &err), HL_OK);
    CHECK(!v.ok);
    CHECK_STR(v.why, "missing_input");
    r.present &= ~(1u << HL_C_IMPRESSIONS);
    CHECK_INT(eval(c, "hook_rate_2s", &r, &v, &err), HL_OK);
    CHECK_STR(v.why, "missing_input");
    hl_columns_free(c);
}

static const char formulas[] =
    "-- test formulas\n"                                                              /* 1 */
    "column { name = \"boom\", formula = function(r)\n"                               /* 2 */
    "  if r.spend > 50 then\n"                                                        /* 3 */
    "    error(\"spend too high\")\n"                                                 /* 4 */
    "  end\n"                                                                         /* 5 */
    "  return 1 end }\n"                                                              /* 6 */
    "column { name = \"typo\", formula = function(r) return r.add_to_carts end }\n"   /* 7 */
    "column { name = \"spin\", formula = function(r)\n"                               /* 8 */
    "  while true do end\n"                                                           /* 9 */
    "end }\n"                                                                         /* 10 */
    "column { name = \"catchy\", formula = function(r)\n"                             /* 11 */
    "  while true do pcall(function() while true do end end) end\n"                   /* 12 */
    "end }\n"                                                                         /* 13 */
    "column { name = \"hog\", formula = function(r)\n"                                /* 14 */
    "  local t = {} for i = 1, 1e8 do t[i] = ('x'):rep(100) .. i end\n"              /* 15 */
    "end }\n"                                                                         /* 16 */
    "column { name = \"cpatc\", kind = \"money\", formula = function(r)\n"            /* 17 */
    "  return r.spend / r.add_to_cart end }\n"                                        /* 18 */
    "column { name = \"double_cpatc\", formula = function(r) return 2 * r.cpatc end }\n" /* 19 */
    "column { name = \"cyc_a\", formula = function(r) return r.cyc_b end }\n"         /* 20 */
    "column { name = \"cyc_b\", formula = function(r) return r.cyc_a + 1 end }\n"     /* 21 */
    "column { name = \"stringy\", formula = function(r) return 'x' end }\n"           /* 22 */
    "column { name = \"nan\", formula = function(r) return 0/0 end }\n"               /* 23 */
    "column { name = \"idiv\", formula = function(r) return 1 // 0 end }\n"           /* 24 */
    "column { name = \"namelen\", formula = function(r) return #r.ad_name end }\n"    /* 25 */
    "column { name = \"writer\", formula = function(r) r.spend = 1 end }\n"           /* 26 */
    "column { name = \"escape\", formula = function(r) return os.time() end }\n"      /* 27 */
    "column { name = \"libwrite\", formula = function(r) math.pi = 3 end }\n"         /* 28 */
    "column { name = \"nothing\", formula = function(r) end }\n"                      /* 29 */
    "column { name = \"ctr_pct\", formula = function(r) return 100 * r.ctr end }\n"   /* 30 */
    "column { name = \"likes_per_k\", formula = function(r)\n"                        /* 31 */
    "  return 1000 * r.likes / r.impressions end }\n"                                 /* 32 */
    "column { name = \"days_x\", formula = function(r) return r.days * 2 end }\n"     /* 33 */
    "column { name = \"cmp_nil\", formula = function(r)\n"                            /* 34 */
    "  if r.add_to_cart > 0 then return 1 end return 0 end }\n";                      /* 35 */

static void test_formulas(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s", write_file("formulas.lua", formulas));
    hl_columns_limits lim = {8u << 20, 100000};
    hl_columns *c = NULL;
    hl_error err;
    memset(&err, 0, sizeof err);
    CHECK_INT(hl_columns_load(path, &lim, &c, &err), HL_OK);
    if (!c) {
        fprintf(stderr, "%s:%lu: %s\n", err.file, err.line, err.msg);
        return;
    }
    hl_agg_row r = base_row();
    hl_val v;

    /* a runtime error names the column, the file and the line */
    CHECK_INT(eval(c, "boom", &r, &v, &err), HL_EINPUT);
    CHECK_STR(err.file, path);
    CHECK_INT(err.line, 4);
    CHECK(strstr(err.msg, "column 'boom'") != NULL);
    CHECK(strstr(err.msg, "spend too high") != NULL);
    r.v[HL_C_SPEND] = 10;
    CHECK_INT(eval(c, "boom", &r, &v, &err), HL_OK);
    CHECK(v.ok && v.v == 1);
    r = base_row();

    /* a typo is an error with a suggestion, not a missing value */
    CHECK_INT(eval(c, "typo", &r, &v, &err), HL_EINPUT);
    CHECK_INT(err.line, 7);
    CHECK(strstr(err.msg, "column 'typo'") != NULL);
    CHECK(strstr(err.msg, "unknown field 'r.add_to_carts'") != NULL);
    CHECK(strstr(err.msg, "did you mean 'r.add_to_cart'") != NULL);

    /* budget: an endless loop stops, at its line */
    CHECK_INT(eval(c, "spin", &r, &v, &err), HL_EINPUT);
    CHECK(strstr(err.msg, "column 'spin'") != NULL);
    CHECK(strstr(err.msg, "instruction budget exceeded") != NULL);
    CHECK_INT(err.line, 9);
    /* ... even when the formula catches the error */
    CHECK_INT(eval(c, "catchy", &r, &v, &err), HL_EINPUT);
    CHECK(strstr(err.msg, "instruction budget exceeded") != NULL);
    CHECK(strstr(err.msg, "column 'catchy'") != NULL);
    /* memory cap */
    hl_columns_limits big = {8u << 20, 1000000000L};
    hl_columns *c2 = NULL;
    CHECK_INT(hl_columns_load(path, &big, &c2, &err), HL_OK);
    if (c2) {
        CHECK_INT(eval(c2, "hog", &r, &v, &err), HL_EINPUT);
        CHECK(strstr(err.msg, "memory limit exceeded") != NULL);
        CHECK(strstr(err.msg, "column 'hog'") != NULL);
        /* the state is still usable afterwards */
        CHECK_INT(eval(c2, "cpatc", &r, &v, &err), HL_OK);
        CHECK(v.ok && v.v == 12.5);
        hl_columns_free(c2);
    }
    /* ... and after a budget overrun, the next call has its full budget */
    CHECK_INT(eval(c, "cpatc", &r, &v, &err), HL_OK);
    CHECK(v.ok && v.v == 12.5);

    /* custom columns read other custom columns */
    CHECK_INT(eval(c, "double_cpatc", &r, &v, &err), HL_OK);
    CHECK(v.ok && v.v == 25);
    r.v[HL_C_ADD_TO_CART] = 0;
    CHECK_INT(eval(c, "double_cpatc", &r, &v, &err), HL_OK);
    CHECK(!v.ok);
    r = base_row();
    CHECK_INT(eval(c, "cyc_a", &r, &v, &err), HL_EINPUT);
    CHECK(strstr(err.msg, "refers to itself") != NULL);
    CHECK(strstr(err.msg, "column 'cyc_a'") != NULL);

    /* results that are not numbers */
    CHECK_INT(eval(c, "stringy", &r, &v, &err), HL_EINPUT);
    CHECK(strstr(err.msg, "returned a string") != NULL);
    CHECK_INT(err.line, 22);
    CHECK_INT(eval(c, "nan", &r, &v, &err), HL_OK);
    CHECK(!v.ok);
    CHECK_STR(v.why, "division_by_zero");
    CHECK_INT(eval(c, "idiv", &r, &v, &err), HL_OK);
    CHECK(!v.ok);
    CHECK_STR(v.why, "division_by_zero");
    CHECK_INT(eval(c, "nothing", &r, &v, &err), HL_OK);
    CHECK(!v.ok);
    CHECK_STR(v.why, "no_value");

    /* names, metrics, days */
    CHECK_INT(eval(c, "namelen", &r, &v, &err), HL_OK);
    CHECK(v.ok && v.v == 11);
    CHECK_INT(eval(c, "ctr_pct", &r, &v, &err), HL_OK);
    CHECK(v.ok);
    CHECK_NEAR(v.v, 2.0, 1e-12, 0);
    r.v[HL_C_IMPRESSIONS] = 0; /* ctr undefined: nil, and 100 * nil is undefined */
    CHECK_INT(eval(c, "ctr_pct", &r, &v, &err), HL_OK);
    CHECK(!v.ok);
    CHECK_STR(v.why, "missing_input");
    r = base_row();
    CHECK_INT(eval(c, "days_x", &r, &v, &err), HL_OK);
    CHECK(v.ok && v.v == 14);
    /* comparing a missing input is undefined too */
    r.present &= ~(1u << HL_C_ADD_TO_CART);
    CHECK_INT(eval(c, "cmp_nil", &r, &v, &err), HL_OK);
    CHECK(!v.ok);
    CHECK_STR(v.why, "missing_input");
    r = base_row();

    /* the sandbox */
    CHECK_INT(eval(c, "writer", &r, &v, &err), HL_EINPUT);
    CHECK(strstr(err.msg, "read-only") != NULL);
    CHECK_INT(err.line, 26);
    CHECK_INT(eval(c, "escape", &r, &v, &err), HL_EINPUT);
    CHECK(strstr(err.msg, "'os'") != NULL);
    CHECK_INT(eval(c, "libwrite", &r, &v, &err), HL_EINPUT);
    CHECK(strstr(err.msg, "read-only") != NULL);

    /* extra numeric columns, once bound */
    CHECK_INT(eval(c, "likes_per_k", &r, &v, &err), HL_EINPUT);
    CHECK(strstr(err.msg, "unknown field 'r.likes'") != NULL);
    const char *const extra_names[] = {"likes", "shares"};
    double extra[2] = {45, 3};
    unsigned char extra_present[2] = {1, 1};
    CHECK_INT(hl_columns_set_extra_names(c, extra_names, 2), HL_OK);
    r.extra = extra;
    r.extra_present = extra_present;
    CHECK_INT(eval(c, "likes_per_k", &r, &v, &err), HL_OK);
    CHECK(v.ok);
    CHECK_NEAR(v.v, 30.0, 1e-12, 0);
    extra_present[0] = 0;
    CHECK_INT(eval(c, "likes_per_k", &r, &v, &err), HL_OK);
    CHECK(!v.ok);
    CHECK_STR(v.why, "missing_input");
    hl_columns_free(c);
}

/* Each bad file: the load fails at the expected line with the expected words. */
static void expect_load_error(const char *name, const char *text, unsigned long line,
                              const char *words, const char *words2)
{
    char path[512];
    snprintf(path, sizeof path, "%s", write_file(name, text));
    hl_columns *c = NULL;
    hl_error err;
    memset(&err, 0, sizeof err);
    hl_status st = hl_columns_load(path, NULL, &c, &err);
    CHECK_INT(st, HL_EINPUT);
    CHECK(c == NULL);
    CHECK_STR(err.file, path);
    CHECK_INT(err.line, line);
    CHECK(strstr(err.msg, words) != NULL);
    if (words2)
        CHECK(strstr(err.msg, words2) != NULL);
    if (!strstr(err.msg, words) || (words2 && !strstr(err.msg, words2)) || err.line != line)
        fprintf(stderr, "  %s: got %s:%lu: %s\n", name, err.file, err.line, err.msg);
}

static void test_load_errors(void)
{
    expect_load_error("builtin.lua",
                      "\ncolumn { name = 'hook_rate', formula = function(r) return 1 end }\n", 2,
                      "built-in metric", "hook_rate");
    expect_load_error("builtin2.lua",
                      "column { name = 'spend', formula = function(r) return 1 end }\n", 1,
                      "built-in counter", NULL);
    expect_load_error("global.lua", "x = 1\n", 1, "assignment to undeclared global 'x'", NULL);
    expect_load_error("typo_key.lua",
                      "column {\n  name = 'a',\n  formual = function(r) return 1 end }\n", 1,
                      "unknown key 'formual'", "did you mean 'formula'");
    expect_load_error("dup.lua",
                      "column { name = 'a', formula = function(r) return 1 end }\n"
                      "column { name = 'a', formula = function(r) return 2 end }\n",
                      2, "already defined", NULL);
    expect_load_error("kind.lua",
                      "column { name = 'a', kind = 'percentage', formula = function(r) end }\n", 1,
                      "unknown kind 'percentage'", NULL);
    expect_load_error("noformula.lua", "column { name = 'a', formula = 3 }\n", 1,
                      "'formula' must be a function", NULL);
    expect_load_error("badname.lua", "column { name = 'Cost Per ATC', formula = print }\n", 1,
                      "'name' must be", NULL);
    expect_load_error("syntax.lua", "column { name = 'a'\n  formula = }\n", 2, "expected", NULL);
    expect_load_error("empty.lua", "-- nothing\nlocal x = 1\n", 0, "defines no column", NULL);
    expect_load_error("spin.lua", "local x = 0\nwhile true do x = x + 1 end\n", 2,
                      "instruction budget exceeded", NULL);
    expect_load_error("binary.lua", "\x1bLua\x54\x00", 0, "binary", NULL);
    expect_load_error("io.lua", "local f = io.open('/etc/passwd')\n", 1, "'io'", NULL);

    /* a failed file adds none of its columns; the handle goes on working */
    hl_columns *c = NULL;
    hl_error err;
    CHECK_INT(hl_columns_new(NULL, &c, &err), HL_OK);
    char good[512];
    snprintf(good, sizeof good, "%s",
             write_file("good.lua", "column { name = 'g', formula = function(r) return 7 end }\n"));
    char bad[512];
    snprintf(bad, sizeof bad, "%s",
             write_file("half.lua", "column { name = 'h', formula = function(r) return 1 end }\n"
                                    "error('stop')\n"));
    CHECK_INT(hl_columns_load_file(c, bad, &err), HL_EINPUT);
    CHECK_INT(err.line, 2);
    CHECK_INT(hl_columns_count(c), 0);
    CHECK_INT(hl_columns_find(c, "h"), -1);
    CHECK_INT(hl_columns_load_file(c, good, &err), HL_OK);
    CHECK_INT(hl_columns_count(c), 1);
    hl_agg_row r = base_row();
    hl_val v;
    CHECK_INT(eval(c, "g", &r, &v, &err), HL_OK);
    CHECK(v.ok && v.v == 7);
    hl_columns_free(c);
}

/* ---------------------------------------------------------------- templates */

static hl_row mkrow(const char *ad, const char *name, const char *camp, double spend, double imps,
                    double clicks, double atc)
{
    hl_row r;
    memset(&r, 0, sizeof r);
    r.text[HL_F_AD_ID] = ad;
    r.text[HL_F_AD_NAME] = name;
    r.text[HL_F_ADGROUP_ID] = camp; /* one ad group per campaign */
    r.text[HL_F_ADGROUP_NAME] = "Group";
    r.text[HL_F_CAMPAIGN_ID] = camp;
    r.text[HL_F_CAMPAIGN_NAME] = camp;
    r.text[HL_F_ADVERTISER_ID] = "adv";
    r.day = 20000;
    r.v[HL_C_SPEND] = spend;
    r.v[HL_C_IMPRESSIONS] = imps;
    r.v[HL_C_CLICKS] = clicks;
    r.v[HL_C_ADD_TO_CART] = atc;
    r.present = (1u << HL_C_SPEND) | (1u << HL_C_IMPRESSIONS) | (1u << HL_C_CLICKS) |
                (1u << HL_C_ADD_TO_CART);
    r.file = "mem";
    r.line = 1;
    return r;
}

static void test_templates(void)
{
    hl_columns *c = NULL;
    hl_error err;
    memset(&err, 0, sizeof err);
    CHECK_INT(hl_columns_load(hl_columns_default_file(), NULL, &c, &err), HL_OK);
    const char *dirs[2] = {hl_templates_default_dir(), NULL};
    hl_templates *t = NULL;
    CHECK_INT(hl_templates_load(dirs, 1, c, &t, &err), HL_OK);
    if (!t) {
        fprintf(stderr, "%s:%lu: %s\n", err.file, err.line, err.msg);
        hl_columns_free(c);
        return;
    }
    CHECK_INT(hl_templates_count(t), 2);
    int cp = hl_templates_find(t, "creative_performance");
    int fa = hl_templates_find(t, "funnel_analysis");
    CHECK(cp >= 0 && fa >= 0);
    if (cp >= 0) {
        const hl_template_info *ti = hl_templates_info(t, (size_t)cp);
        CHECK_STR(ti->title, "Creative Performance");
        CHECK_INT(ti->level, HL_LEVEL_AD);
        CHECK_INT(ti->nsort, 1);
        CHECK_STR(ti->sort[0].column, "ctr");
        CHECK(ti->sort[0].desc);
        CHECK_INT(ti->nfilters, 1);
        CHECK_INT(ti->filters[0].op, HL_OP_GE);
        CHECK(ti->filters[0].num == 1000);
        CHECK_INT(ti->limit, 100);
        int have[4] = {0};
        for (size_t i = 0; i < ti->ncolumns; i++) {
            have[0] |= strcmp(ti->columns[i], "ctr") == 0;
            have[1] |= strcmp(ti->columns[i], "hook_rate") == 0;
            have[2] |= strcmp(ti->columns[i], "completion_rate") == 0;
            have[3] |= strcmp(ti->columns[i], "cpc") == 0;
        }
        CHECK(have[0] && have[1] && have[2] && have[3]);
    }
    if (fa >= 0) {
        const hl_template_info *ti = hl_templates_info(t, (size_t)fa);
        CHECK_STR(ti->title, "Funnel Analysis");
        CHECK_INT(ti->level, HL_LEVEL_CAMPAIGN);
        int roas = -1;
        for (size_t i = 0; i < ti->ncolumns; i++)
            if (strcmp(ti->columns[i], "roas") == 0)
                roas = (int)i;
        CHECK(roas >= 0);
        if (roas >= 0)
            CHECK_STR(ti->labels[roas], "Purchase ROAS");
    }
    hl_templates_free(t);

    /* a user directory: its template overrides a bundled one of the same name */
    char udir[400];
    snprintf(udir, sizeof udir, "%s/user", tmpdir);
    CHECK(mkdir_p(udir) == 0);
    char upath[512];
    snprintf(upath, sizeof upath, "%s/mine.lua", udir);
    FILE *f = fopen(upath, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("report {\n"
              "  name = 'atc_costs', title = 'ATC <costs> & \"names\"', level = 'ad',\n"
              "  columns = { 'ad_name', 'spend', { column = 'cost_per_atc', label = 'CPATC' } },\n"
              "  filters = { { column = 'impressions', op = '>=', value = 100 },\n"
              "              { column = 'ad_name', op = '~=', value = 'skip me' } },\n"
              "  sort = { 'cost_per_atc:asc', 'ad_name' },\n"
              "  limit = 3,\n"
              "}\n"
              "report { name = 'creative_performance', title = 'Mine', columns = { 'ad_id' } }\n",
              f);
        fclose(f);
    }
    dirs[1] = udir;
    CHECK_INT(hl_templates_load(dirs, 2, c, &t, &err), HL_OK);
    if (!t) {
        fprintf(stderr, "%s:%lu: %s\n", err.file, err.line, err.msg);
        hl_columns_free(c);
        return;
    }
    CHECK_INT(hl_templates_count(t), 3);
    CHECK_STR(hl_templates_info(t, (size_t)hl_templates_find(t, "creative_performance"))->title,
              "Mine");
    int ai = hl_templates_find(t, "atc_costs");
    CHECK(ai >= 0);
    const hl_template_info *ti = hl_templates_info(t, (size_t)ai);
    CHECK_STR(ti->labels[2], "CPATC");
    CHECK_STR(ti->labels[1], "Spend");
    CHECK_INT(ti->nsort, 2);

    /* build it on a small table */
    hl_table *tb = hl_table_new();
    hl_row rows[] = {
        mkrow("1", "a-ten", "C1", 100, 1000, 10, 10),   /* cpatc 10 */
        mkrow("2", "=cmd|' /C calc'!A0", "C1", 50, 1000, 10, 10), /* 5 */
        mkrow("3", "zero-atc", "C1", 30, 1000, 10, 0), /* undefined: last */
        mkrow("4", "few-imps", "C1", 10, 50, 1, 10),   /* filtered out */
        mkrow("5", "skip me", "C1", 10, 5000, 1, 10),  /* filtered out */
        mkrow("6", "b-ten", "C2", 20, 1000, 10, 2),    /* 10, ties with a-ten: by name */
        mkrow("7", "<script>alert(1)</script>", "C2", 80, 1000, 10, 4), /* 20: cut by limit */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_INT(hl_table_add(tb, &rows[i], &err), HL_OK);
    hl_agg *agg = NULL;
    CHECK_INT(hl_table_aggregate(tb, HL_LEVEL_AD, 0, 100000, 0, &agg, &err), HL_OK);
    hl_report *rep = NULL;
    CHECK_INT(hl_report_build(ti, agg, c, &rep, &err), HL_OK);
    if (rep) {
        CHECK_INT(hl_report_column_count(rep), 3);
        CHECK_INT(hl_report_matched_count(rep), 5);
        CHECK_INT(hl_report_row_count(rep), 3);
        hl_report_cell cell;
        const char *want[] = {"=cmd|' /C calc'!A0", "a-ten", "b-ten"};
        const double cp_want[] = {5, 10, 10};
        for (size_t i = 0; i < 3 && i < hl_report_row_count(rep); i++) {
            hl_report_cell_at(rep, i, 0, &cell);
            CHECK_STR(cell.text, want[i]);
            hl_report_cell_at(rep, i, 2, &cell);
            CHECK(cell.val.ok && cell.val.v == cp_want[i]);
        }
        CHECK_INT(hl_report_column_kind(rep, 2), HL_COLUMN_MONEY);
        CHECK_STR(hl_report_column_label(rep, 2), "CPATC");
        /* without the limit, the undefined row sorts last */
        hl_template_info nolimit = *ti;
        nolimit.limit = 0;
        hl_report *all = NULL;
        CHECK_INT(hl_report_build(&nolimit, agg, c, &all, &err), HL_OK);
        if (all) {
            CHECK_INT(hl_report_row_count(all), 5);
            hl_report_cell_at(all, 4, 0, &cell);
            CHECK_STR(cell.text, "zero-atc");
            hl_report_cell_at(all, 4, 2, &cell);
            CHECK(!cell.val.ok);
            hl_report_cell_at(all, 3, 0, &cell);
            CHECK_STR(cell.text, "<script>alert(1)</script>");
            /* HTML: every string escaped */
            char hpath[512];
            snprintf(hpath, sizeof hpath, "%s/r.html", tmpdir);
            FILE *h = fopen(hpath, "w+");
            CHECK(h != NULL);
            if (h) {
                CHECK_INT(hl_report_write_html(h, all, ti->title, "sub <b>"), 0);
                long len = ftell(h);
                rewind(h);
                char *buf = calloc(1, (size_t)len + 1);
                if (buf && fread(buf, 1, (size_t)len, h) == (size_t)len) {
                    CHECK(strstr(buf, "<script>") == NULL);
                    CHECK(strstr(buf, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
                    CHECK(strstr(buf, "=cmd|&#39; /C calc&#39;!A0") != NULL);
                    CHECK(strstr(buf, "ATC &lt;costs&gt; &amp; &quot;names&quot;") != NULL);
                    CHECK(strstr(buf, "sub &lt;b&gt;") != NULL);
                    CHECK(strstr(buf, "<td class=\"n\">5.00</td>") != NULL);
                    CHECK(strstr(buf, "http") == NULL); /* nothing fetched from anywhere */
                }
                free(buf);
                fclose(h);
            }
            hl_report_free(all);
        }
        hl_report_free(rep);
    }
    /* the wrong level is refused */
    hl_agg *camp = NULL;
    CHECK_INT(hl_table_aggregate(tb, HL_LEVEL_CAMPAIGN, 0, 100000, 0, &camp, &err), HL_OK);
    CHECK_INT(hl_report_build(ti, camp, c, &rep, &err), HL_EINPUT);
    /* the funnel template at campaign level: sums per campaign */
    int fi = hl_templates_find(t, "funnel_analysis");
    if (fi >= 0 && camp) {
        CHECK_INT(hl_report_build(hl_templates_info(t, (size_t)fi), camp, c, &rep, &err), HL_OK);
        if (rep) {
            CHECK_INT(hl_report_row_count(rep), 2);
            hl_report_cell cell;
            hl_report_cell_at(rep, 0, 0, &cell); /* spend:desc: C1 (200) before C2 (100) */
            CHECK_STR(cell.text, "C1");
            for (size_t k = 0; k < hl_report_column_count(rep); k++) {
                if (strcmp(hl_report_column_name(rep, k), "cost_per_add_to_cart") == 0) {
                    hl_report_cell_at(rep, 0, k, &cell);
                    CHECK(cell.val.ok);
                    CHECK_NEAR(cell.val.v, 200.0 / 40, 1e-12, 0);
                }
                if (strcmp(hl_report_column_name(rep, k), "spend") == 0) {
                    hl_report_cell_at(rep, 1, k, &cell);
                    CHECK(cell.val.ok && cell.val.v == 100);
                }
            }
            hl_report_free(rep);
        }
    }
    hl_agg_free(camp);
    hl_agg_free(agg);
    hl_table_free(tb);
    hl_templates_free(t);
    hl_columns_free(c);
}

/* A template directory holding one file: loading fails at line with words. */
static void expect_template_error(const char *name, const char *text, unsigned long line,
                                  const char *words, const char *words2)
{
    char dir[400];
    snprintf(dir, sizeof dir, "%s/t_%s", tmpdir, name);
    CHECK(mkdir_p(dir) == 0);
    char path[512];
    snprintf(path, sizeof path, "%s/%s.lua", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fputs(text, f);
    fclose(f);
    hl_columns *c = NULL;
    hl_error err;
    memset(&err, 0, sizeof err);
    CHECK_INT(hl_columns_load(hl_columns_default_file(), NULL, &c, &err), HL_OK);
    const char *dirs[] = {dir};
    hl_templates *t = NULL;
    CHECK_INT(hl_templates_load(dirs, 1, c, &t, &err), HL_EINPUT);
    CHECK(t == NULL);
    CHECK_STR(err.file, path);
    CHECK_INT(err.line, line);
    CHECK(strstr(err.msg, words) != NULL);
    if (words2)
        CHECK(strstr(err.msg, words2) != NULL);
    if (!strstr(err.msg, words) || (words2 && !strstr(err.msg, words2)) || err.line != line)
        fprintf(stderr, "  %s: got %s:%lu: %s\n", name, err.file, err.line, err.msg);
    hl_templates_free(t);
    hl_columns_free(c);
}

static void test_template_errors(void)
{
    expect_template_error("unknown_col",
                          "report {\n"
                          "  name = 'x',\n"
                          "  columns = {\n"
                          "    'ad_name',\n"
                          "    'ctrr',\n"
                          "  },\n"
                          "}\n",
                          5, "unknown column 'ctrr'", "did you mean 'ctr'");
    expect_template_error("custom_typo",
                          "report { name = 'x', columns = { 'cost_per_act' } }\n", 1,
                          "unknown column 'cost_per_act'", "did you mean");
    expect_template_error("level_field",
                          "report { name = 'x', level = 'campaign',\n"
                          "  columns = { 'campaign_name', 'ad_name' } }\n",
                          2, "'ad_name' does not apply at level 'campaign'", NULL);
    expect_template_error("bad_level", "report { name = 'x', level = 'adset', columns = {'spend'} }\n",
                          1, "unknown level 'adset'", NULL);
    expect_template_error("bad_sort",
                          "report { name = 'x', columns = {'spend'},\n"
                          "  sort = 'sepnd:desc' }\n",
                          2, "unknown sort column 'sepnd'", "did you mean 'spend'");
    expect_template_error("bad_dir", "report { name = 'x', columns = {'spend'}, sort = 'spend:down' }\n",
                          1, "expected COL, COL:asc or COL:desc", NULL);
    expect_template_error("bad_filter_col",
                          "report { name = 'x', columns = {'spend'},\n"
                          "  filters = { { column = 'impresions', op = '>=', value = 1 } } }\n",
                          2, "unknown filter column 'impresions'", "did you mean 'impressions'");
    expect_template_error("bad_op",
                          "report { name = 'x', columns = {'spend'},\n"
                          "  filters = { { column = 'spend', op = '=>', value = 1 } } }\n",
                          2, "'op' must be one of", NULL);
    expect_template_error("text_value",
                          "report { name = 'x', columns = {'spend'},\n"
                          "  filters = { { column = 'spend', op = '>=', value = 'lots' } } }\n",
                          2, "needs a finite number", NULL);
    expect_template_error("bad_key", "report { name = 'x', colums = {'spend'} }\n", 1,
                          "unknown key 'colums'", "did you mean 'columns'");
    expect_template_error("no_columns", "report { name = 'x' }\n", 1, "'columns' must be", NULL);
    expect_template_error("dup", "report { name = 'x', columns = {'spend'} }\n"
                                 "report { name = 'x', columns = {'ctr'} }\n",
                          2, "already defined", NULL);
    expect_template_error("bad_limit", "report { name = 'x', columns = {'spend'}, limit = 0 }\n",
                          1, "'limit' must be", NULL);
    expect_template_error("global", "report { name = 'x', columns = {'spend'} }\nfoo = 1\n", 2,
                          "assignment to undeclared global 'foo'", NULL);
    expect_template_error("nothing", "-- empty\n", 0, "defines no report", NULL);
    expect_template_error("date", "report { name = 'x', columns = {'date'} }\n", 1,
                          "unknown column 'date'", NULL);
    expect_template_error("twice", "report { name = 'x', columns = {'spend', 'spend'} }\n", 1,
                          "listed twice", NULL);
}

int main(void)
{
    make_tmpdir();
    test_seed_columns();
    test_formulas();
    test_load_errors();
    test_templates();
    test_template_errors();
    remove_tree(tmpdir);
    TEST_MAIN_END();
}
