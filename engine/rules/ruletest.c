/*
 * ruletest.c — data-driven rule tests (like jq's): each JSON file in DIR/tests gives findings in and
 * the briefs expected out; the pack is run on the findings and every expectation checked. The
 * default pack ships with its tests; `hookline rules test DIR` runs them.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hookline/rules.h"
#include "rules/internal.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        if (cap >= (64u << 20)) {
            free(buf);
            buf = NULL;
            break;
        }
        char *nb = realloc(buf, cap * 2 + 1);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

static const char *brief_subject_id(const hl_brief *b)
{
    switch (b->subject.level) {
    case HL_LEVEL_AD:
        return b->subject.ad_id;
    case HL_LEVEL_ADGROUP:
        return b->subject.adgroup_id;
    case HL_LEVEL_CAMPAIGN:
        return b->subject.campaign_id;
    default:
        return b->subject.advertiser_id;
    }
}

/* Checks one expectation; writes why it failed into msg. */
static int check_expect(const hl_briefs *b, const cJSON *e, char *msg, size_t cap)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "ad_id");
    if (!cJSON_IsString(id))
        id = cJSON_GetObjectItemCaseSensitive(e, "adgroup_id");
    if (!cJSON_IsString(id))
        id = cJSON_GetObjectItemCaseSensitive(e, "campaign_id");
    if (!cJSON_IsString(id))
        id = cJSON_GetObjectItemCaseSensitive(e, "advertiser_id");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
    const cJSON *acts = cJSON_GetObjectItemCaseSensitive(e, "actions");
    const cJSON *title = cJSON_GetObjectItemCaseSensitive(e, "title_contains");
    if (!cJSON_IsString(id) || !cJSON_IsString(code)) {
        snprintf(msg, cap, "an expectation needs \"ad_id\" (or \"adgroup_id\") and \"code\"");
        return 0;
    }
    size_t n, nd;
    const hl_brief *br = hl_briefs_list(b, &n);
    const hl_brief_diag *d = hl_briefs_diagnoses(b, &nd);
    int found_subject = 0;
    char seen[512] = "";
    for (size_t i = 0; i < n; i++) {
        const char *sid = brief_subject_id(&br[i]);
        if (!sid || strcmp(sid, id->valuestring) != 0)
            continue;
        found_subject = 1;
        if (strcmp(d[br[i].diag].code, code->valuestring) != 0)
            continue;
        /* action types in order */
        char got[400] = "";
        size_t gl = 0;
        for (size_t k = 0; k < br[i].nactions && gl < sizeof got; k++)
            gl += (size_t)snprintf(got + gl, sizeof got - gl, "%s%s", k ? "," : "",
                                   hl_action_type_name(br[i].actions[k].type));
        int ok = 1;
        if (cJSON_IsArray(acts)) {
            char want[400] = "";
            size_t wl = 0;
            const cJSON *a;
            int k = 0;
            cJSON_ArrayForEach(a, acts)
            {
                if (cJSON_IsString(a) && wl < sizeof want)
                    wl += (size_t)snprintf(want + wl, sizeof want - wl, "%s%s", k++ ? "," : "",
                                           a->valuestring);
            }
            if (strcmp(want, got) != 0) {
                ok = 0;
                snprintf(seen, sizeof seen, "actions [%s], expected [%s]", got, want);
            }
        }
        if (ok && cJSON_IsString(title) && (!br[i].title || !strstr(br[i].title, title->valuestring))) {
            ok = 0;
            snprintf(seen, sizeof seen, "title '%.200s' lacks '%.100s'", br[i].title ? br[i].title : "",
                     title->valuestring);
        }
        if (ok)
            return 1;
    }
    if (seen[0])
        snprintf(msg, cap, "%s/%s: %s", id->valuestring, code->valuestring, seen);
    else if (found_subject)
        snprintf(msg, cap, "%s: no brief for diagnosis '%s'", id->valuestring, code->valuestring);
    else
        snprintf(msg, cap, "%s: no brief at all (expected one for '%s')", id->valuestring,
                 code->valuestring);
    return 0;
}

static int run_one(hl_rules *r, const char *path, FILE *out, int verbose)
{
    size_t len;
    char *text = slurp(path, &len);
    const char *name = path;
    if (!text) {
        fprintf(out, "FAIL %s: cannot read: %s\n", path, strerror(errno));
        return 0;
    }
    cJSON *doc = cJSON_ParseWithLength(text, len);
    free(text);
    if (!doc || !cJSON_IsObject(doc)) {
        fprintf(out, "FAIL %s: not a JSON object\n", path);
        cJSON_Delete(doc);
        return 0;
    }
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(doc, "name");
    if (cJSON_IsString(nm))
        name = nm->valuestring;
    const cJSON *fin = cJSON_GetObjectItemCaseSensitive(doc, "findings");
    const cJSON *ffile = cJSON_GetObjectItemCaseSensitive(doc, "findings_file");
    char *ftext = NULL;
    size_t flen = 0;
    if (cJSON_IsObject(fin)) {
        ftext = cJSON_PrintUnformatted(fin);
        flen = ftext ? strlen(ftext) : 0;
    } else if (cJSON_IsString(ffile)) {
        char fp[2048];
        const char *slash = strrchr(path, '/');
        snprintf(fp, sizeof fp, "%.*s%s", slash ? (int)(slash - path + 1) : 0, path,
                 ffile->valuestring);
        ftext = slurp(fp, &flen);
    }
    int ok = 0;
    hl_findings *f = NULL;
    hl_briefs *b = NULL;
    hl_error err;
    if (!ftext) {
        fprintf(out, "FAIL %s: needs \"findings\" (an object) or a readable \"findings_file\"\n",
                name);
        goto done;
    }
    if (hl_findings_from_json(ftext, flen, path, &f, &err) != HL_OK) {
        fprintf(out, "FAIL %s: findings: %s\n", name, err.msg);
        goto done;
    }
    if (hl_rules_run(r, f, &b, &err) != HL_OK) {
        fprintf(out, "FAIL %s: %s\n", name, err.msg);
        goto done;
    }
    ok = 1;
    size_t ne;
    const hl_rule_error *e = hl_briefs_errors(b, &ne);
    for (size_t i = 0; i < ne; i++) {
        fprintf(out, "FAIL %s: rule error: %s\n", name, e[i].message);
        ok = 0;
    }
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(doc, "expect");
    const cJSON *it;
    cJSON_ArrayForEach(it, exp)
    {
        char msg[700];
        if (!check_expect(b, it, msg, sizeof msg)) {
            fprintf(out, "FAIL %s: %s\n", name, msg);
            ok = 0;
        }
    }
    const cJSON *none = cJSON_GetObjectItemCaseSensitive(doc, "expect_no_brief_for");
    cJSON_ArrayForEach(it, none)
    {
        if (!cJSON_IsString(it))
            continue;
        size_t n;
        const hl_brief *br = hl_briefs_list(b, &n);
        for (size_t i = 0; i < n; i++) {
            const char *sid = brief_subject_id(&br[i]);
            if (sid && strcmp(sid, it->valuestring) == 0) {
                fprintf(out, "FAIL %s: unexpected brief '%s' for %s\n", name,
                        br[i].title ? br[i].title : "", it->valuestring);
                ok = 0;
                break;
            }
        }
    }
    if (ok)
        fprintf(out, "ok   %s\n", name);
    if (verbose && b) {
        size_t n;
        const hl_brief *br = hl_briefs_list(b, &n);
        for (size_t i = 0; i < n; i++)
            fprintf(out, "       brief %s: %s\n", brief_subject_id(&br[i]), br[i].title);
    }
done:
    free(ftext);
    hl_briefs_free(b);
    hl_findings_free(f);
    cJSON_Delete(doc);
    return ok;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int hl_rules_test_dir(hl_rules *r, const char *dir, FILE *out, int verbose, int *passed,
                      int *failed)
{
    char tdir[2048];
    snprintf(tdir, sizeof tdir, "%s/tests", dir);
    *passed = *failed = 0;
    DIR *d = opendir(tdir);
    if (!d)
        return -1;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0 || e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn)
                break;
            names = nn;
        }
        if ((names[n] = strdup(e->d_name)) != NULL)
            n++;
    }
    closedir(d);
    if (n > 1) /* qsort's array must not be NULL, even for no elements */
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", tdir, names[i]);
        if (run_one(r, path, out, verbose))
            (*passed)++;
        else
            (*failed)++;
        free(names[i]);
    }
    free(names);
    return 0;
}
