/*
 * fuzz_jsonstream.c — libFuzzer target for the streaming JSON scanner behind `hookline merge`
 * and the file loaders of findings.json and briefs.json (engine/common/jsonstream.c). The
 * bytes are walked twice, from memory and from a FILE (so values cross the read buffer the
 * same way), entering every container, reading some values whole and skipping others, as a
 * hash of their position chooses. Checked:
 *   - both walks agree: same number of values, same outcome, same error text;
 *   - a value read whole parses alone with cJSON (the scanner is the stricter of the two), and
 *     when the whole document is accepted cJSON accepts it too;
 *   - errors are HL_EINPUT naming the input, with a byte offset, never an internal error.
 * Then the same bytes go to hl_findings_load_file and hl_briefs_load_file (through a private
 * temporary file): HL_OK or HL_EINPUT with a message, nothing else. Seed corpus:
 * tests/fuzz/corpus/jsonstream (shard outputs of the example: findings, briefs, recipes).
 */
#include <cjson/cJSON.h>

#include "common/jsonstream.h"
#include "fuzz_common.h"
#include "hookline/brief.h"
#include "hookline/compare.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

typedef struct walk {
    size_t values;
    int failed;
    char msg[600];
} walk;

/* Reads (whole or skipped) or enters the pending value, as the offset's hash says. */
static int walk_value(hl_jstream *s, walk *w, int depth)
{
    int c = hl_jstream_peek(s);
    if (c < 0)
        return -1;
    w->values++;
    uint64_t pick = (w->values * 0x9e3779b97f4a7c15ULL) >> 61;
    if ((c == '{' || c == '[') && pick < 5 && depth < 64) {
        if (hl_jstream_enter(s, c) < 0)
            return -1;
        int r;
        while ((r = hl_jstream_next(s)) == 1) {
            if (c == '{') {
                const char *k = hl_jstream_key(s);
                HL_FUZZ_CHECK(k != NULL, "an object member without a key");
            }
            if (walk_value(s, w, depth + 1) < 0)
                return -1;
        }
        return r;
    }
    if (pick == 7)
        return hl_jstream_skip(s);
    const char *text;
    size_t len;
    if (hl_jstream_value(s, &text, &len) < 0)
        return -1;
    HL_FUZZ_CHECK(text && text[len] == '\0', "a value without its NUL");
    cJSON *j = cJSON_ParseWithLength(text, len);
    HL_FUZZ_CHECK(j != NULL, "a value the scanner read does not parse alone: %.200s", text);
    cJSON_Delete(j);
    return 0;
}

static void run(hl_jstream *s, hl_error *err, walk *w)
{
    memset(w, 0, sizeof *w);
    HL_FUZZ_CHECK(s != NULL, "open: %s", err->msg);
    int r = walk_value(s, w, 0);
    if (r == 0)
        r = hl_jstream_finish(s);
    w->failed = r < 0;
    if (w->failed && err->status == HL_OK) {
        /* nothing but white space: no value to peek at, and nothing wrong to report yet */
        HL_FUZZ_CHECK(w->values == 0, "a failure without an error after %zu values", w->values);
        snprintf(w->msg, sizeof w->msg, "(no document)");
        return;
    }
    if (w->failed) {
        HL_FUZZ_CHECK(err->status == HL_EINPUT, "status %d: %s", (int)err->status, err->msg);
        HL_FUZZ_CHECK(err->msg[0], "an error without a message");
        snprintf(w->msg, sizeof w->msg, "%s", err->msg);
    }
}

static void check_loaders(const uint8_t *data, size_t size)
{
    const char *path = hl_fuzz_tmp_file("jsonstream", "in.json");
    hl_fuzz_write_file(path, data, size);
    hl_error err;
    memset(&err, 0, sizeof err);
    hl_findings *fd = NULL;
    hl_status st = hl_findings_load_file(path, &fd, &err);
    HL_FUZZ_CHECK(st == HL_OK || (st == HL_EINPUT && err.msg[0]), "findings: status %d: %s",
                  (int)st, err.msg);
    if (st == HL_OK) {
        hl_briefs *b = NULL;
        memset(&err, 0, sizeof err);
        st = hl_briefs_load_file(path, fd, &b, &err);
        HL_FUZZ_CHECK(st == HL_OK || (st == HL_EINPUT && err.msg[0]), "briefs: status %d: %s",
                      (int)st, err.msg);
        hl_briefs_free(b);
    }
    hl_findings_free(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    hl_error e1, e2;
    memset(&e1, 0, sizeof e1);
    memset(&e2, 0, sizeof e2);
    walk a, b;
    /* small values cap: the size error path is reachable too */
    hl_jstream *s = hl_jstream_open_mem((const char *)data, size, "fuzz.json", 1u << 16, &e1);
    run(s, &e1, &a);
    hl_jstream_free(s);

    FILE *f = fmemopen((void *)(uintptr_t)data, size ? size : 1, "rb");
    if (f && size == 0) {
        fclose(f);
        f = fopen("/dev/null", "rb");
    }
    if (f) {
        s = hl_jstream_open(f, 0, "fuzz.json", 1u << 16, &e2);
        run(s, &e2, &b);
        hl_jstream_free(s);
        fclose(f);
        HL_FUZZ_CHECK(a.failed == b.failed, "memory %s, file %s", a.failed ? a.msg : "ok",
                      b.failed ? b.msg : "ok");
        HL_FUZZ_CHECK(a.values == b.values, "%zu values from memory, %zu from a file", a.values,
                      b.values);
        if (a.failed)
            HL_FUZZ_CHECK(strcmp(a.msg, b.msg) == 0, "'%s' vs '%s'", a.msg, b.msg);
    }
    if (!a.failed) {
        cJSON *j = cJSON_ParseWithLength((const char *)data, size);
        HL_FUZZ_CHECK(j != NULL, "the scanner accepted a document cJSON refuses");
        cJSON_Delete(j);
    }
    check_loaders(data, size);
    return 0;
}
