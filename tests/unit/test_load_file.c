/*
 * test_load_file.c — the streaming readers hl_findings_load_file and hl_briefs_load_file
 * against the in-memory ones: the same findings and briefs from the same document (written back
 * byte for byte alike), whatever the order of its members (diagnoses before the comparisons
 * they point at, the header last), and errors that name the file: a missing file, a truncated
 * one, an array given twice, an evidence index out of range.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../fuzz/fixture_findings.h"
#include "hl_test.h"
#include "hookline/brief.h"
#include "hookline/compare.h"
#include "hookline/output.h"

static char dir[] = "/tmp/hl-load-file-XXXXXX";

static const char *put(const char *name, const char *text)
{
    static char path[4][256];
    static int k;
    char *p = path[k++ % 4];
    snprintf(p, 256, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    fputs(text, f);
    fclose(f);
    return p;
}

/* What hl_output_findings_json writes for f (malloc'd). */
static char *written(const hl_findings *f)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    hl_output_findings_json(m, f);
    fclose(m);
    return buf;
}

static void test_roundtrip(void)
{
    hl_error err;
    hl_findings *a = NULL, *b = NULL;
    CHECK_INT(hl_findings_from_json(hl_fuzz_findings_json, strlen(hl_fuzz_findings_json), "fx",
                                    &a, &err),
              HL_OK);
    char *ta = written(a);
    const char *path = put("findings.json", ta);
    CHECK_INT(hl_findings_load_file(path, &b, &err), HL_OK);
    char *tb = b ? written(b) : NULL;
    CHECK(tb && strcmp(ta, tb) == 0);
    size_t na, nb;
    hl_findings_diagnoses(a, &na);
    hl_findings_diagnoses(b, &nb);
    CHECK(na > 5);
    CHECK_INT(nb, na);
    free(ta);
    free(tb);
    hl_findings_free(a);
    hl_findings_free(b);
}

/* Diagnoses first, header last: the streaming reader meets the evidence before what it
 * points at, and the trend's default window before the dates. */
static const char reordered[] =
    "{\"diagnoses\": [{\"code\": \"weak_hook\", \"level\": \"ad\", \"ad_id\": \"A\","
    "  \"evidence\": [{\"comparison\": 1}, {\"trend\": 0}], \"priority\": 7}],\n"
    " \"trends\": [{\"subject\": {\"level\": \"ad\", \"ad_id\": \"A\"}, \"metric\": \"ctr\"}],\n"
    " \"comparisons\": [{\"subject\": {\"level\": \"ad\", \"ad_id\": \"B\"}, \"metric\": \"ctr\"},\n"
    "   {\"subject\": {\"level\": \"ad\", \"ad_id\": \"A\"}, \"metric\": \"hook_rate\"}],\n"
    " \"as_of\": \"2026-01-10\", \"from\": \"2026-01-01\", \"alpha\": 0.1}\n";

static void test_reordered(void)
{
    hl_error err;
    hl_findings *a = NULL, *b = NULL;
    CHECK_INT(hl_findings_from_json(reordered, strlen(reordered), "mem", &a, &err), HL_OK);
    CHECK_INT(hl_findings_load_file(put("r.json", reordered), &b, &err), HL_OK);
    if (!a || !b)
        return;
    char *ta = written(a), *tb = written(b);
    CHECK_STR(tb, ta);
    free(ta);
    free(tb);
    size_t n;
    const hl_diagnosis *d = hl_findings_diagnoses(b, &n);
    CHECK_INT(n, 1);
    CHECK_INT(d[0].ncomparisons, 1);
    CHECK_INT(d[0].comparisons[0], 1);
    CHECK_INT(d[0].ntrends, 1);
    const hl_trend *t = hl_findings_trends(b, &n);
    CHECK_INT(t[0].from, hl_findings_from(b));
    CHECK_INT(t[0].to, hl_findings_as_of(b));
    CHECK(hl_findings_config(b)->alpha == 0.1);
    const hl_ad_view *ads = hl_findings_ads(b, &n);
    CHECK_INT(n, 2); /* A and B, named only by their findings */
    CHECK(ads[0].ncmp + ads[1].ncmp == 2);
    hl_findings_free(a);
    hl_findings_free(b);
}

static void test_errors(void)
{
    hl_error err;
    hl_findings *f = NULL;
    char want[300];
    snprintf(want, sizeof want, "%s/none.json", dir);
    CHECK_INT(hl_findings_load_file(want, &f, &err), HL_EINPUT);
    CHECK_STR(err.file, want);
    CHECK(strstr(err.msg, "cannot read") != NULL);

    const char *p = put("t.json", "{\"ads\": [{\"ad_id\": \"A\"}, {\"ad_id\": \"B\"");
    CHECK_INT(hl_findings_load_file(p, &f, &err), HL_EINPUT);
    CHECK_STR(err.file, p);
    CHECK_STR(err.msg, "byte 38: expected ',' or '}'");

    p = put("twice.json", "{\"ads\": [], \"ads\": []}");
    CHECK_INT(hl_findings_load_file(p, &f, &err), HL_EINPUT);
    CHECK(strstr(err.msg, "\"ads\" twice") != NULL);

    p = put("tail.json", "{\"ads\": []} {}");
    CHECK_INT(hl_findings_load_file(p, &f, &err), HL_EINPUT);

    static const char range[] =
        "{\"diagnoses\": [{\"code\": \"x\", \"level\": \"ad\", \"ad_id\": \"A\","
        " \"evidence\": [{\"comparison\": 3}]}], \"comparisons\": []}";
    CHECK_INT(hl_findings_load_file(put("range.json", range), &f, &err), HL_EINPUT);
    CHECK(strstr(err.msg, "diagnoses[0]: evidence comparison index 3 out of range") != NULL);
    CHECK_INT(hl_findings_from_json(range, strlen(range), "mem", &f, &err), HL_EINPUT);
    CHECK(strstr(err.msg, "out of range") != NULL);
    CHECK(f == NULL);
}

static const char briefs[] =
    "{\"schema\": \"hookline.briefs/1\",\n \"briefs\": [\n"
    "  {\"id\": \"b2\", \"level\": \"ad\", \"ad_id\": \"A\", \"priority\": 5,"
    " \"diagnoses\": [{\"code\": \"weak_hook\"}], \"actions\": []},\n"
    "  {\"id\": \"b1\", \"level\": \"ad\", \"ad_id\": \"B\", \"priority\": 5,"
    " \"diagnoses\": [{\"code\": \"other\"}], \"actions\": [{\"type\": \"new_hook\"}]},\n"
    "  {\"id\": \"b0\", \"level\": \"ad\", \"ad_id\": \"A\", \"priority\": 1,"
    " \"diagnoses\": [{\"code\": \"weak_hook\"}], \"actions\": []}\n ],\n"
    " \"suppressed\": [{\"code\": \"x\", \"level\": \"ad\", \"ad_id\": \"B\"}],\n"
    " \"rule_errors\": [{\"rule\": \"r\", \"file\": \"f.lua\", \"line\": 3, \"message\": \"m\"}]}\n";

static void test_briefs(void)
{
    hl_error err;
    hl_findings *f = NULL;
    CHECK_INT(hl_findings_from_json(reordered, strlen(reordered), "mem", &f, &err), HL_OK);
    hl_briefs *a = NULL, *b = NULL;
    CHECK_INT(hl_briefs_from_json(briefs, strlen(briefs), f, &a, &err), HL_OK);
    CHECK_INT(hl_briefs_load_file(put("briefs.json", briefs), f, &b, &err), HL_OK);
    if (!a || !b) {
        hl_findings_free(f);
        return;
    }
    size_t na, nb;
    const hl_brief *la = hl_briefs_list(a, &na), *lb = hl_briefs_list(b, &nb);
    CHECK_INT(nb, 3);
    CHECK_INT(na, nb);
    /* priority first, ties by id */
    CHECK_STR(lb[0].id, "b1");
    CHECK_STR(lb[1].id, "b2");
    CHECK_STR(lb[2].id, "b0");
    for (size_t i = 0; i < 3 && i < na; i++)
        CHECK_STR(lb[i].id, la[i].id);
    /* the built-in diagnosis found again in the findings, by code and subject */
    const hl_brief_diag *d = hl_briefs_diagnoses(b, &nb);
    size_t ndx;
    const hl_diagnosis *dx = hl_findings_diagnoses(f, &ndx);
    CHECK(d[lb[1].diag].builtin == &dx[0]);
    CHECK(d[lb[0].diag].builtin == NULL);
    /* the subject is the findings' own ad (pointer and all), so the report can match it */
    const hl_ad_view *ads = hl_findings_ads(f, &ndx);
    const hl_ad_view *ad_a = strcmp(ads[0].subject.ad_id, "A") == 0 ? &ads[0] : &ads[1];
    CHECK(lb[1].subject.ad_id == ad_a->subject.ad_id);
    hl_briefs_suppressed(b, &nb);
    CHECK_INT(nb, 1);
    hl_briefs_errors(b, &nb);
    CHECK_INT(nb, 1);
    hl_briefs_free(a);
    hl_briefs_free(b);

    CHECK_INT(hl_briefs_load_file(put("nob.json", "{\"suppressed\": []}"), f, &b, &err),
              HL_EINPUT);
    CHECK(strstr(err.msg, "no \"briefs\" list") != NULL);
    hl_findings_free(f);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_roundtrip();
    test_reordered();
    test_errors();
    test_briefs();
    /* the directory holds only the files this test wrote (no subdirectories) */
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    if (rmdir(dir) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    TEST_MAIN_END();
}
