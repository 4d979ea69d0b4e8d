/*
 * load_file.c — hl_briefs_load_file: briefs.json read from its file one element at a time
 * (jsonstream.h), each brief parsed alone with cJSON and dropped once loaded, so `hookline
 * merge` never holds a tree of the whole document. Same element loaders as
 * hl_briefs_from_json (load.c).
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "brief/load.h"
#include "common/jsonstream.h"

typedef hl_status (*elem_fn)(hl_brief_loader *L, const cJSON *it, hl_error *err);

static const struct {
    const char *name;
    elem_fn load;
} lists[] = {
    {"briefs", hl__brief_load_brief},
    {"rule_errors", hl__brief_load_error},
    {"suppressed", hl__brief_load_suppressed},
};

static hl_status list(hl_brief_loader *L, hl_jstream *s, elem_fn load, const char *path,
                      hl_error *err)
{
    if (hl_jstream_enter(s, '[') < 0)
        return err->status;
    int r;
    size_t i = 0;
    while ((r = hl_jstream_next(s)) == 1) {
        const char *t;
        size_t n;
        if (hl_jstream_value(s, &t, &n) < 0)
            return err->status;
        cJSON *it = cJSON_ParseWithLength(t, n);
        if (!it)
            return hl_error_set(err, HL_EINPUT, path, 0, 0, "element %zu: cannot parse (byte %llu)",
                                i, (unsigned long long)hl_jstream_offset(s));
        hl_status st = load(L, it, err);
        cJSON_Delete(it);
        if (st != HL_OK)
            return st;
        i++;
    }
    return r < 0 ? err->status : HL_OK;
}

hl_status hl_briefs_load_file(const char *path, const hl_findings *f, hl_briefs **out,
                              hl_error *err)
{
    *out = NULL;
    FILE *fp = hl_jstream_fopen(path, err);
    if (!fp)
        return err->status;
    hl_brief_loader L;
    hl_status st = hl__brief_load_begin(&L, f, err);
    if (st != HL_OK) {
        fclose(fp);
        return st;
    }
    hl_jstream *s = hl_jstream_open(fp, 0, path, HL_JSTREAM_MAX_VALUE, err);
    if (!s || hl_jstream_enter(s, '{') < 0)
        st = err->status;
    unsigned seen = 0;
    int r = 0;
    while (st == HL_OK && (r = hl_jstream_next(s)) == 1) {
        for (unsigned j = 0; st == HL_OK && j < sizeof lists / sizeof *lists; j++) {
            if (strcmp(hl_jstream_key(s), lists[j].name) != 0)
                continue;
            if (seen & (1u << j))
                st = hl_error_set(err, HL_EINPUT, path, 0, 0, "\"%s\" twice", lists[j].name);
            else
                st = list(&L, s, lists[j].load, path, err);
            seen |= 1u << j;
        }
    }
    if (st == HL_OK && (r < 0 || hl_jstream_finish(s) < 0))
        st = err->status;
    if (st == HL_OK && !(seen & 1u))
        st = hl_error_set(err, HL_EINPUT, path, 0, 0, "not a briefs.json (no \"briefs\" list)");
    hl_jstream_free(s);
    fclose(fp);
    return hl__brief_load_end(&L, st, out);
}
