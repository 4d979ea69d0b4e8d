/*
 * cmd_recipe.c — `hookline recipe splice RECIPE_ID` prints the ffmpeg command that cuts and
 * joins a recipe's segments from source videos; `hookline recipe adapt` prints each recipe as a
 * generator's request body through a Lua adapter (JSON lines).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "common/jsonw.h"
#include "hookline/recipe.h"
#include "hookline/rules.h"

static const hl_cli_opt opts[] = {
    {"recipes", 0, HL_ARG_VALUE, "FILE", "recipes.json (default: ./recipes.json)"},
    {"sources", 0, HL_ARG_VALUE, "DIR", "splice: directory of source videos named <ad id>.<ext>"},
    {"output", 'o', HL_ARG_VALUE, "FILE", "splice: the output video (default <lineage tag>.mp4)"},
    {"adapter", 'a', HL_ARG_VALUE, "NAME", "adapt: generic (default), heygen, shortgenius, or a .lua path"},
    {"options", 0, HL_ARG_VALUE, "JSON", "adapt: options for the adapter, e.g. {\"avatar_id\":\"x\"}"},
};
#define NOPTS (sizeof opts / sizeof opts[0])

static const char usage[] =
    "splice RECIPE_ID --sources DIR [--recipes FILE] [--output FILE]\n"
    "       hookline recipe adapt [--recipes FILE] [--adapter NAME] [--options JSON]\n"
    "\n"
    "splice: print the ffmpeg command that cuts and joins the recipe's segments (generated\n"
    "        segments are expected as <recipe id>-<role>.mp4 in DIR); ffmpeg is not run.\n"
    "adapt:  print each recipe as a video generator's request body, one JSON per line.";

static cJSON *load_recipes(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        hl_cli_errorf("recipe: cannot open %s", path);
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = cap < (256u << 20) ? realloc(buf, cap * 2 + 1) : NULL;
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf) {
        hl_cli_errorf("recipe: %s is too large", path);
        return NULL;
    }
    buf[n] = '\0';
    cJSON *doc = cJSON_ParseWithLength(buf, n);
    free(buf);
    const cJSON *list = doc ? cJSON_GetObjectItemCaseSensitive(doc, "recipes") : NULL;
    if (!cJSON_IsArray(list)) {
        hl_cli_errorf("recipe: %s: not a recipes.json (no \"recipes\" list)", path);
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

static int splice(const cJSON *doc, const char *id, const char *dir, const char *output)
{
    const cJSON *it, *found = NULL;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, "recipes"))
    {
        const cJSON *rid = cJSON_GetObjectItemCaseSensitive(it, "id");
        const cJSON *tag = cJSON_GetObjectItemCaseSensitive(it, "lineage_tag");
        if ((cJSON_IsString(rid) && strcmp(rid->valuestring, id) == 0) ||
            (cJSON_IsString(tag) && strcmp(tag->valuestring, id) == 0))
            found = it;
    }
    if (!found) {
        hl_cli_errorf("recipe: no recipe '%s' in the file", id);
        return HL_EINPUT;
    }
    hl_recipe r;
    memset(&r, 0, sizeof r);
    snprintf(r.id, sizeof r.id, "%s",
             cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(found, "id")));
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(found, "segments"))
    {
        if (r.nseg >= HL_RECIPE_MAX_SEGMENTS)
            break;
        hl_segment *g = &r.seg[r.nseg];
        const char *src = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "source"));
        const char *role = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "role"));
        const char *anchor = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "anchor"));
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(s, "start_s");
        const cJSON *en = cJSON_GetObjectItemCaseSensitive(s, "end_s");
        if (!src || !role || !cJSON_IsNumber(st) || !isfinite(st->valuedouble) ||
            st->valuedouble < 0) {
            hl_cli_errorf("recipe: segment %zu of '%s' is malformed", r.nseg + 1, id);
            return HL_EINPUT;
        }
        g->source = src;
        g->role = strcmp(role, "hook") == 0 ? HL_ROLE_HOOK
                  : strcmp(role, "cta") == 0 ? HL_ROLE_CTA
                                             : HL_ROLE_BODY;
        g->start_s = st->valuedouble;
        g->end_s = cJSON_IsNumber(en) && isfinite(en->valuedouble) ? hl_v(en->valuedouble)
                                                                   : hl_undef("to the end");
        g->anchor_end = anchor && strcmp(anchor, "end") == 0;
        const cJSON *tr = cJSON_GetObjectItemCaseSensitive(s, "trim_end_s");
        g->trim_end_s = cJSON_IsNumber(tr) && isfinite(tr->valuedouble) && tr->valuedouble >= 0
                            ? hl_v(tr->valuedouble)
                            : hl_undef("none");
        r.nseg++;
    }
    char outname[128];
    const char *tag = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(found, "lineage_tag"));
    snprintf(outname, sizeof outname, "%s.mp4", tag ? tag : r.id);
    hl_error err;
    if (hl_recipe_splice_command(stdout, &r, dir, output ? output : outname, &err) < 0)
        return hl_cli_report(&err);
    return 0;
}

static int adapt(const cJSON *doc, const char *name, const char *options)
{
    if (strcmp(name, "generic") == 0) {
        /* the recipe itself, unchanged (nulls included) */
        const cJSON *it;
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, "recipes"))
        {
            char *rj = hl_json_print_exact(it);
            if (!rj)
                return HL_EINTERNAL;
            puts(rj);
            free(rj);
        }
        return 0;
    }
    char path[4096];
    if (strchr(name, '/') || strstr(name, ".lua"))
        snprintf(path, sizeof path, "%s", name);
    else
        snprintf(path, sizeof path, "%s/%s.lua", hl_adapters_default_dir(), name);
    hl_adapter *ad = NULL;
    hl_error err;
    if (hl_adapter_load(path, NULL, &ad, &err) != HL_OK)
        return hl_cli_report(&err);
    int rc = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, "recipes"))
    {
        char *rj = hl_json_print_exact(it), *body = NULL;
        if (!rj) {
            rc = HL_EINTERNAL;
            break;
        }
        hl_status st = hl_adapter_apply(ad, rj, options, &body, &err);
        free(rj);
        if (st != HL_OK) {
            rc = hl_cli_report(&err);
            break;
        }
        puts(body);
        free(body);
    }
    hl_adapter_free(ad);
    return rc;
}

int hl_cli_recipe(int argc, char **argv)
{
    hl_cli_args a;
    int rc = hl_cli_parse(argc, argv, "recipe", usage, opts, NOPTS, &a);
    if (rc == 1)
        return 0;
    if (rc)
        return rc;
    const char *path = hl_cli_get(&a, "recipes");
    cJSON *doc = NULL;
    rc = HL_EINPUT;
    if (a.npos >= 1 && strcmp(a.pos[0], "splice") == 0) {
        const char *dir = hl_cli_get(&a, "sources");
        if (a.npos != 2 || !dir) {
            hl_cli_errorf("recipe: splice needs RECIPE_ID and --sources DIR");
            goto out;
        }
        if (!(doc = load_recipes(path ? path : "recipes.json")))
            goto out;
        rc = splice(doc, a.pos[1], dir, hl_cli_get(&a, "output"));
    } else if (a.npos == 1 && strcmp(a.pos[0], "adapt") == 0) {
        const char *opt = hl_cli_get(&a, "options");
        if (opt) {
            cJSON *o = cJSON_Parse(opt);
            int okobj = cJSON_IsObject(o);
            cJSON_Delete(o);
            if (!okobj) {
                hl_cli_errorf("recipe: --options must be a JSON object");
                goto out;
            }
        }
        if (!(doc = load_recipes(path ? path : "recipes.json")))
            goto out;
        const char *name = hl_cli_get(&a, "adapter");
        rc = adapt(doc, name ? name : "generic", opt);
    } else {
        hl_cli_errorf("recipe: expected 'splice RECIPE_ID' or 'adapt'; see 'hookline recipe --help'");
    }
out:
    cJSON_Delete(doc);
    hl_cli_args_free(&a);
    return rc;
}
