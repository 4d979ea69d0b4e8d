/*
 * cmd_deliver.c — `hookline deliver`: POST each recipe (through a Lua adapter) to a generator's
 * webhook, signed when HOOKLINE_WEBHOOK_SECRET is set, and record every outcome in
 * deliveries.json beside recipes.json — rewritten atomically after each recipe, so a recipe
 * that was delivered is never sent again, even after a crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "common/jsonw.h"
#include "hookline/net.h"
#include "hookline/output.h"
#include "hookline/rules.h"

static const hl_cli_opt opts[] = {
    {"recipes", 0, HL_ARG_VALUE, "FILE", "recipes.json of a run"},
    {"webhook", 0, HL_ARG_VALUE, "URL", "the generator's endpoint (https; http only to loopback)"},
    {"adapter", 'a', HL_ARG_VALUE, "NAME", "generic (default), heygen, shortgenius, or a .lua path"},
    {"adapter-options", 0, HL_ARG_VALUE, "JSON", "options for the adapter"},
    {"timeout-ms", 0, HL_ARG_VALUE, "MS", "per request (default 30000)"},
    {"retry-base-ms", 0, HL_ARG_VALUE, "MS", "first retry wait (default 500)"},
    {"max-attempts", 0, HL_ARG_VALUE, "N", "per recipe per run (default 6)"},
    HL_CLI_CA_FILE_OPT,
};
#define NOPTS (sizeof opts / sizeof opts[0])

static const char usage[] =
    "--recipes DIR/recipes.json --webhook URL [--adapter NAME] [--adapter-options JSON]\n"
    "\n"
    "POSTs each recipe not yet delivered, with Idempotency-Key: <recipe id> and, when\n"
    "HOOKLINE_WEBHOOK_SECRET is set, X-Hookline-Signature: sha256=<HMAC of the body>. Outcomes\n"
    "go to deliveries.json beside recipes.json. Exit 3 if any recipe was not delivered.";

typedef struct state {
    char *path;                 /* deliveries.json */
    cJSON *doc;                 /* {"schema", "deliveries": [...]} */
} state;

static cJSON *find_entry(cJSON *list, const char *id)
{
    cJSON *it;
    cJSON_ArrayForEach(it, list)
    {
        const char *rid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "recipe_id"));
        if (rid && strcmp(rid, id) == 0)
            return it;
    }
    return NULL;
}

static int save(state *s)
{
    hl_error err;
    hl_atomic_file *af = hl_atomic_open(s->path, &err);
    if (!af) {
        hl_cli_report(&err);
        return -1;
    }
    char *txt = cJSON_Print(s->doc);
    if (!txt) {
        hl_atomic_abort(af);
        return -1;
    }
    fputs(txt, hl_atomic_stream(af));
    fputc('\n', hl_atomic_stream(af));
    free(txt);
    if (hl_atomic_commit(af, &err) != HL_OK) {
        hl_cli_report(&err);
        return -1;
    }
    return 0;
}

typedef struct recctx {
    state *s;
    const hl_delivery_item *items;
    int save_failed;
} recctx;

static void record(void *ud, size_t i, const hl_delivery_result *r)
{
    recctx *x = ud;
    cJSON *list = cJSON_GetObjectItemCaseSensitive(x->s->doc, "deliveries");
    cJSON *e = find_entry(list, x->items[i].id);
    if (!e) {
        e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "recipe_id", x->items[i].id);
        cJSON_AddItemToArray(list, e);
    }
    cJSON_DeleteItemFromObjectCaseSensitive(e, "status");
    cJSON_DeleteItemFromObjectCaseSensitive(e, "http_status");
    cJSON_DeleteItemFromObjectCaseSensitive(e, "attempts");
    cJSON_DeleteItemFromObjectCaseSensitive(e, "error");
    cJSON_AddStringToObject(e, "status", r->delivered ? "delivered" : "failed");
    cJSON_AddNumberToObject(e, "http_status", (double)r->http_status);
    cJSON_AddNumberToObject(e, "attempts", r->attempts);
    if (r->error[0])
        cJSON_AddStringToObject(e, "error", r->error);
    else
        cJSON_AddNullToObject(e, "error");
    if (save(x->s) < 0)
        x->save_failed = 1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *b = malloc(cap + 1);
    while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = cap < (256u << 20) ? realloc(b, cap * 2 + 1) : NULL;
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (b)
        b[n] = '\0';
    return b;
}

int hl_cli_deliver(int argc, char **argv)
{
    hl_cli_args a;
    int rc = hl_cli_parse(argc, argv, "deliver", usage, opts, NOPTS, &a);
    if (rc == 1)
        return 0;
    if (rc)
        return rc;
    if ((rc = hl_cli_ca_file(&a, NULL)) != 0) {
        hl_cli_args_free(&a);
        return rc;
    }
    rc = HL_EINPUT;
    cJSON *recipes = NULL;
    state st = {NULL, NULL};
    hl_adapter *ad = NULL;
    hl_delivery_item *items = NULL;
    hl_delivery_result *results = NULL;
    unsigned char *already = NULL;
    size_t n = 0;
    hl_error err;
    memset(&err, 0, sizeof err);
    const char *rpath = hl_cli_get(&a, "recipes"), *hook = hl_cli_get(&a, "webhook");
    if (!rpath || !hook) {
        hl_cli_errorf("deliver: --recipes FILE and --webhook URL are required");
        goto out;
    }
    if (hl_net_check_url(hook, "http", &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    const char *aopt = hl_cli_get(&a, "adapter-options");
    if (aopt) {
        cJSON *o = cJSON_Parse(aopt);
        int ok = cJSON_IsObject(o);
        cJSON_Delete(o);
        if (!ok) {
            hl_cli_errorf("deliver: --adapter-options must be a JSON object");
            goto out;
        }
    }
    char *text = slurp(rpath);
    recipes = text ? cJSON_Parse(text) : NULL;
    free(text);
    cJSON *list = recipes ? cJSON_GetObjectItemCaseSensitive(recipes, "recipes") : NULL;
    if (!cJSON_IsArray(list)) {
        hl_cli_errorf("deliver: %s is not a recipes.json", rpath);
        goto out;
    }
    /* deliveries.json beside recipes.json */
    const char *slash = strrchr(rpath, '/');
    size_t dl = slash ? (size_t)(slash - rpath + 1) : 0;
    st.path = malloc(dl + 32);
    if (!st.path) {
        rc = HL_EINTERNAL;
        goto out;
    }
    snprintf(st.path, dl + 32, "%.*sdeliveries.json", (int)dl, rpath);
    text = slurp(st.path);
    st.doc = text ? cJSON_Parse(text) : NULL;
    free(text);
    if (text && (!st.doc || !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(st.doc, "deliveries")))) {
        /* the record of what was sent is damaged: sending again could send twice */
        hl_cli_errorf("deliver: %s exists but is not a deliveries record; refusing to send "
                      "(move it aside after checking what the receiver already has)",
                      st.path);
        goto out;
    }
    if (!st.doc) {
        st.doc = cJSON_CreateObject();
        cJSON_AddStringToObject(st.doc, "schema", "hookline.deliveries/1");
        cJSON_AddItemToObject(st.doc, "deliveries", cJSON_CreateArray());
    }
    const char *aname = hl_cli_get(&a, "adapter");
    if (!aname)
        aname = "generic";
    char apath[4096];
    if (strchr(aname, '/') || strstr(aname, ".lua"))
        snprintf(apath, sizeof apath, "%s", aname);
    else
        snprintf(apath, sizeof apath, "%s/%s.lua", hl_adapters_default_dir(), aname);
    if (strcmp(aname, "generic") != 0 && hl_adapter_load(apath, NULL, &ad, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    n = (size_t)cJSON_GetArraySize(list);
    items = calloc(n ? n : 1, sizeof *items);
    results = calloc(n ? n : 1, sizeof *results);
    already = calloc(n ? n : 1, 1);
    if (!items || !results || !already) {
        rc = HL_EINTERNAL;
        goto out;
    }
    size_t i = 0;
    cJSON *it;
    cJSON *dlist = cJSON_GetObjectItemCaseSensitive(st.doc, "deliveries");
    cJSON_ArrayForEach(it, list)
    {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "id"));
        if (!id) {
            hl_cli_errorf("deliver: recipe %zu has no id", i + 1);
            goto out;
        }
        items[i].id = id;
        cJSON *prev = find_entry(dlist, id);
        const char *pst = prev ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(prev, "status")) : NULL;
        already[i] = pst && strcmp(pst, "delivered") == 0;
        if (!already[i]) {
            char *rj = hl_json_print_exact(it), *body = NULL;
            hl_status s2 = HL_OK;
            if (!ad)
                body = rj; /* the generic adapter: the recipe itself, nulls included */
            else {
                s2 = rj ? hl_adapter_apply(ad, rj, aopt, &body, &err) : HL_EINTERNAL;
                free(rj);
            }
            if (s2 != HL_OK) {
                rc = hl_cli_report(&err);
                goto out;
            }
            items[i].body = body;
        }
        i++;
    }
    hl_deliver_opts o;
    memset(&o, 0, sizeof o);
    o.webhook = hook;
    o.secret = getenv("HOOKLINE_WEBHOOK_SECRET");
    static const char *const numeric[] = {"timeout-ms", "retry-base-ms", "max-attempts"};
    double nv[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++) {
        const char *v = hl_cli_get(&a, numeric[k]);
        if (!v)
            continue;
        char *end;
        nv[k] = strtod(v, &end);
        if (*end || end == v || !(nv[k] > 0) || nv[k] > 1e9 || (k == 2 && nv[k] > 100)) {
            hl_cli_errorf("deliver: --%s: expected a positive number ('%s')", numeric[k], v);
            goto out;
        }
    }
    o.timeout_ms = (long)nv[0];
    o.retry_base_ms = nv[1];
    o.max_attempts = (int)nv[2];
    hl_net_init();
    recctx rx = {&st, items, 0};
    hl_status ds = hl_deliver(&o, items, n, already, results, record, &rx, &err);
    size_t sent = 0, skipped = 0, failed = 0;
    for (i = 0; i < n; i++) {
        if (results[i].skipped)
            skipped++;
        else if (results[i].delivered)
            sent++;
        else {
            failed++;
            fprintf(stderr, "hookline: recipe %s not delivered: %s\n", items[i].id,
                    results[i].error);
        }
    }
    if (hl_cli_verbosity >= 1)
        fprintf(stderr, "hookline: %zu delivered, %zu already delivered, %zu failed -> %s\n",
                sent, skipped, failed, st.path);
    if (rx.save_failed)
        rc = HL_EEXTERNAL;
    else if (ds != HL_OK)
        rc = ds == HL_EINPUT ? hl_cli_report(&err) : HL_EEXTERNAL;
    else
        rc = 0;
out:
    if (items)
        for (size_t k = 0; k < n; k++)
            free((char *)(uintptr_t)items[k].body);
    free(items);
    free(results);
    free(already);
    hl_adapter_free(ad);
    cJSON_Delete(recipes);
    cJSON_Delete(st.doc);
    free(st.path);
    hl_cli_args_free(&a);
    return rc;
}
