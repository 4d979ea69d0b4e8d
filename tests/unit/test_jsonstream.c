/*
 * test_jsonstream.c — the element-at-a-time scanner (engine/common/jsonstream.c): members and
 * elements come out as their exact input bytes with the right offsets, strings with escaped
 * quotes and brackets do not confuse the nesting, keys are decoded, the depth cap holds, and
 * malformed or truncated input (every prefix of a valid document) is an error with the file and
 * byte offset, never a crash; a multi-megabyte element crosses read-buffer boundaries intact and
 * the size cap refuses one too large.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonstream.h"
#include "hl_test.h"

#define BIG ((size_t)1 << 30)

static const char doc[] =
    "{\"schema\": \"x/1\", \"n\\u0061me\": \"a \\\"quoted\\\" ] } [ { name\",\n"
    " \"list\": [\n  {\"a\": \"]\", \"b\": [1, -2.5e+3, 0, true, false, null]},\n"
    "  \"\\\\\", [[], {}], 17 ,\"\\/\\b\\f\\n\\r\\t\\u00e9\"\n ],\n \"tail\": {\"k\": [\"}\"]}}\n";

static const char *const elements[] = {
    "{\"a\": \"]\", \"b\": [1, -2.5e+3, 0, true, false, null]}", "\"\\\\\"", "[[], {}]", "17",
    "\"\\/\\b\\f\\n\\r\\t\\u00e9\""};

/* Walks doc: the members, the elements of "list", and checks each against the input. */
static void walk(hl_jstream *s, const char *text)
{
    hl_error err;
    (void)err;
    CHECK_INT(hl_jstream_peek(s), '{');
    CHECK_INT(hl_jstream_enter(s, '{'), 0);
    const char *v;
    size_t n;
    CHECK_INT(hl_jstream_next(s), 1);
    CHECK_STR(hl_jstream_key(s), "schema");
    CHECK_INT(hl_jstream_value(s, &v, &n), 0);
    CHECK_STR(v, "\"x/1\"");
    CHECK_INT(hl_jstream_next(s), 1);
    CHECK_STR(hl_jstream_key(s), "name"); /* \u0061 decoded */
    CHECK_INT(hl_jstream_value(s, &v, &n), 0);
    CHECK_STR(v, "\"a \\\"quoted\\\" ] } [ { name\"");
    CHECK(memcmp(text + hl_jstream_offset(s), v, n) == 0);
    CHECK_INT(hl_jstream_next(s), 1);
    CHECK_STR(hl_jstream_key(s), "list");
    CHECK_INT(hl_jstream_peek(s), '[');
    CHECK_INT(hl_jstream_enter(s, '['), 0);
    size_t i = 0;
    int r;
    while ((r = hl_jstream_next(s)) == 1) {
        CHECK_INT(hl_jstream_value(s, &v, &n), 0);
        CHECK(i < 5);
        if (i < 5) {
            CHECK_STR(v, elements[i]);
            CHECK_INT(n, strlen(elements[i]));
        }
        CHECK(memcmp(text + hl_jstream_offset(s), v, n) == 0);
        i++;
    }
    CHECK_INT(r, 0);
    CHECK_INT(i, 5);
    /* "tail" is not read: next skips it */
    CHECK_INT(hl_jstream_next(s), 1);
    CHECK_STR(hl_jstream_key(s), "tail");
    CHECK_INT(hl_jstream_next(s), 0);
    CHECK_INT(hl_jstream_finish(s), 0);
}

static void test_memory(void)
{
    hl_error err;
    hl_jstream *s = hl_jstream_open_mem(doc, strlen(doc), "doc.json", BIG, &err);
    CHECK(s != NULL);
    walk(s, doc);
    hl_jstream_free(s);
}

static void test_file(void)
{
    hl_error err;
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (!f)
        return;
    fputs(doc, f);
    rewind(f);
    hl_jstream *s = hl_jstream_open(f, 0, "doc.json", BIG, &err);
    walk(s, doc);
    hl_jstream_free(s);
    /* from the middle of the file, with offsets still counted from its start */
    const char *at = strstr(doc, "\"tail\"") + 8;
    fseek(f, at - doc, SEEK_SET);
    s = hl_jstream_open(f, (uint64_t)(at - doc), "doc.json", BIG, &err);
    const char *v;
    size_t n;
    CHECK_INT(hl_jstream_value(s, &v, &n), 0);
    CHECK_STR(v, "{\"k\": [\"}\"]}");
    CHECK_INT(hl_jstream_offset(s), at - doc);
    hl_jstream_free(s);
    fclose(f);
}

/* Any document, walked generically: every container entered, every scalar read. */
static int walk_any(hl_jstream *s)
{
    int c = hl_jstream_peek(s);
    if (c == '{' || c == '[') {
        if (hl_jstream_enter(s, c) < 0)
            return -1;
        int r;
        while ((r = hl_jstream_next(s)) == 1)
            if (walk_any(s) < 0)
                return -1;
        return r;
    }
    const char *v;
    size_t n;
    return hl_jstream_value(s, &v, &n);
}

static int scan_text(const char *text, size_t len, hl_error *err, int deep)
{
    hl_jstream *s = hl_jstream_open_mem(text, len, "bad.json", BIG, err);
    int r;
    if (deep)
        r = walk_any(s);
    else {
        const char *v;
        size_t n;
        r = hl_jstream_value(s, &v, &n);
    }
    if (r == 0)
        r = hl_jstream_finish(s);
    hl_jstream_free(s);
    return r;
}

static void test_malformed(void)
{
    static const char *const bad[] = {
        "", " ", "{", "[", "}", "]", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]", "[,1]", "[1 2]",
        "{a:1}", "{\"a\":1 \"b\":2}", "\"abc", "\"a\\x\"", "\"\\u12g4\"", "\"\\u12\"", "01",
        "-", "1.", "1e", "1e+", ".5", "+1", "tru", "nul", "falsey", "[1]]", "{} {}", "\"a\nb\"",
        "[\"\\\"]", "{\"a\":[}", "[{]}", "\x01", "[1,\"\\",
        /* unpaired surrogates (cJSON refuses them in the values the scanner hands out) */
        "\"\\ud83d\"", "\"\\ude00\"", "\"\\ud83d@ude00\"", "\"\\ud83d\\u0041\"",
        "{\"\\udfff\":1}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        hl_error err;
        memset(&err, 0, sizeof err);
        for (int deep = 0; deep < 2; deep++) {
            int r = scan_text(bad[i], strlen(bad[i]), &err, deep);
            if (r != -1)
                fprintf(stderr, "accepted: %s\n", bad[i]);
            CHECK_INT(r, -1);
            CHECK_INT(err.status, HL_EINPUT);
            CHECK_STR(err.file, "bad.json");
            CHECK(strncmp(err.msg, "byte ", 5) == 0);
        }
    }
    /* every proper prefix of a valid document is truncated */
    size_t len = strlen(doc);
    for (size_t k = 0; k + 1 < len; k++) {
        hl_error err;
        if (k > 0 && strspn(doc + k, " \n") == len - k)
            continue; /* only blanks left out */
        CHECK_INT(scan_text(doc, k, &err, k & 1), -1);
    }
    hl_error err;
    CHECK_INT(scan_text(doc, len, &err, 0), 0);
    CHECK_INT(scan_text(doc, len, &err, 1), 0);
    /* a surrogate pair is a character */
    CHECK_INT(scan_text("[\"\\ud83d\\ude00\"]", 16, &err, 1), 0);
    /* a byte offset that points at the trouble */
    CHECK_INT(scan_text("[1, 2, x]", 9, &err, 1), -1);
    CHECK_STR(err.msg, "byte 7: unexpected character 'x'");
}

static void test_depth(void)
{
    enum { N = HL_JSTREAM_MAX_DEPTH };
    char *t = malloc(2 * N + 8);
    for (int deep = 0; deep < 2; deep++) {
        hl_error err;
        memset(t, '[', N);
        memset(t + N, ']', N);
        CHECK_INT(scan_text(t, 2 * N, &err, deep), 0);
        /* one deeper: refused, in the scanner and through entered containers alike */
        memset(t, '[', N + 1);
        memset(t + N + 1, ']', N + 1);
        CHECK_INT(scan_text(t, 2 * N + 2, &err, deep), -1);
        CHECK(strstr(err.msg, "nested deeper") != NULL);
    }
    free(t);
    /* a million '[' ends as an error, not a crash */
    size_t m = 1000000;
    char *w = malloc(m);
    memset(w, '[', m);
    hl_error err;
    CHECK_INT(scan_text(w, m, &err, 0), -1);
    CHECK_INT(scan_text(w, m, &err, 1), -1);
    free(w);
}

/* Elements larger than the read buffer, across its boundaries, in a file. */
static void test_huge(void)
{
    size_t big = 5u << 20;
    FILE *f = tmpfile();
    fputs("{\"k\": [", f);
    for (int e = 0; e < 3; e++) {
        fputs(e ? ", \"" : "\"", f);
        /* an escaped quote every 1000 bytes: the string must not end there */
        for (size_t i = 0; i < big + (size_t)e * 7777; i++) {
            if (i % 1000 == 999)
                fputs("\\\"", f);
            else
                fputc('a' + (int)(i % 26), f);
        }
        fputc('"', f);
    }
    fputs(", [1, 2]]}", f);
    rewind(f);
    hl_error err;
    hl_jstream *s = hl_jstream_open(f, 0, "big.json", BIG, &err);
    CHECK_INT(hl_jstream_enter(s, '{'), 0);
    CHECK_INT(hl_jstream_next(s), 1);
    CHECK_INT(hl_jstream_enter(s, '['), 0);
    const char *v;
    size_t n;
    for (int e = 0; e < 3; e++) {
        CHECK_INT(hl_jstream_next(s), 1);
        CHECK_INT(hl_jstream_value(s, &v, &n), 0);
        size_t want = big + (size_t)e * 7777;
        CHECK_INT(n, want + want / 1000 + 2);
        CHECK(v[0] == '"' && v[n - 1] == '"' && v[1] == 'a' && v[n] == '\0');
        /* the bytes at the offset are the element's */
        char head[64];
        long at = ftell(f);
        fseek(f, (long)hl_jstream_offset(s), SEEK_SET);
        CHECK_INT(fread(head, 1, sizeof head, f), sizeof head);
        fseek(f, at, SEEK_SET);
        CHECK(memcmp(head, v, sizeof head) == 0);
    }
    CHECK_INT(hl_jstream_next(s), 1);
    CHECK_INT(hl_jstream_value(s, &v, &n), 0);
    CHECK_STR(v, "[1, 2]");
    CHECK_INT(hl_jstream_next(s), 0);
    CHECK_INT(hl_jstream_next(s), 0);
    CHECK_INT(hl_jstream_finish(s), 0);
    hl_jstream_free(s);

    /* the same with a cap below the element: refused, and skipping still works */
    rewind(f);
    s = hl_jstream_open(f, 0, "big.json", 1u << 20, &err);
    CHECK_INT(hl_jstream_enter(s, '{'), 0);
    CHECK_INT(hl_jstream_next(s), 1);
    CHECK_INT(hl_jstream_skip(s), 0);
    CHECK_INT(hl_jstream_next(s), 0);
    hl_jstream_free(s);
    rewind(f);
    s = hl_jstream_open(f, 0, "big.json", 1u << 20, &err);
    CHECK_INT(hl_jstream_enter(s, '{'), 0);
    CHECK_INT(hl_jstream_next(s), 1);
    CHECK_INT(hl_jstream_enter(s, '['), 0);
    CHECK_INT(hl_jstream_next(s), 1);
    CHECK_INT(hl_jstream_value(s, &v, &n), -1);
    CHECK(strstr(err.msg, "longer than") != NULL);
    CHECK_INT(hl_jstream_next(s), -1); /* errors stick */
    hl_jstream_free(s);
    fclose(f);
}

static void test_uint(void)
{
    uint64_t v = 0;
    CHECK_INT(hl_jstream_uint("0", 1, &v), 0);
    CHECK_INT(v, 0);
    CHECK_INT(hl_jstream_uint("163799", 6, &v), 0);
    CHECK_INT(v, 163799);
    CHECK_INT(hl_jstream_uint("999999999999999999", 18, &v), 0);
    CHECK_INT(hl_jstream_uint("1000000000000000000", 19, &v), -1);
    CHECK_INT(hl_jstream_uint("01", 2, &v), -1);
    CHECK_INT(hl_jstream_uint("-1", 2, &v), -1);
    CHECK_INT(hl_jstream_uint("1.0", 3, &v), -1);
    CHECK_INT(hl_jstream_uint("1e3", 3, &v), -1);
    CHECK_INT(hl_jstream_uint("", 0, &v), -1);
}

int main(void)
{
    test_memory();
    test_file();
    test_malformed();
    test_depth();
    test_huge();
    test_uint();
    TEST_MAIN_END();
}
