/*
 * fuzz_rules.c — libFuzzer target for the Lua rule host (issue 5, "Tests"; lua-sandbox.md rule
 * 14: fuzz the load path and the bindings). Each input is written as the only file of a rule
 * pack (DIR/x.lua), the pack is loaded with a small instruction budget and memory cap, run on a
 * fixed findings (fixture_findings.h, read once with hl_findings_from_json), and the briefs are
 * written as JSON and Markdown to /dev/null. Loading, registering, calling rules with views of the
 * findings, reading back what they return, the hl library and the outputs are all exercised; any
 * crash, sanitizer report or hang is a bug of the host (rule errors are expected and fine).
 *
 * Builds (see tests/fuzz/README.md):
 *   CC=clang cmake -S . -B build-fuzz -DHL_FUZZ=ON -DHL_ASAN=ON -DHL_UBSAN=ON
 *   cmake --build build-fuzz --target fuzz_rules
 *   ./build-fuzz/tests/fuzz/fuzz_rules -dict=tests/fuzz/rules.dict -timeout=10 \
 *       corpus-work tests/fuzz/corpus/rules
 * or, with any compiler, -DHL_FUZZ_STANDALONE=ON: fuzz_rules_standalone FILE|DIR... (the shared
 * driver, standalone.c) runs the target once over each file; the ctest case fuzz_rules_corpus
 * replays the seed corpus and the reproducers in crashes/rules.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hookline/brief.h"
#include "hookline/compare.h"
#include "hookline/output.h"
#include "hookline/rules.h"

#include "fixture_findings.h"

/* Small limits keep every execution short: a rule call may run 200,000 instructions and the
 * whole rule state may hold 8 MiB. */
#define FUZZ_INSTRUCTIONS 200000L
#define FUZZ_MEMORY (8u << 20)
#define FUZZ_MAX_INPUT (64u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char pack_dir[64];
static char rule_path[96];
static hl_findings *findings;
static FILE *devnull;

static void cleanup(void)
{
    if (rule_path[0])
        unlink(rule_path);
    if (pack_dir[0])
        rmdir(pack_dir);
    hl_findings_free(findings);
    if (devnull)
        fclose(devnull);
}

static void setup(void)
{
    if (findings)
        return;
    const char *tmp = getenv("TMPDIR");
    snprintf(pack_dir, sizeof pack_dir, "%s/hl-fuzz-rules-XXXXXX",
             tmp && strlen(tmp) < 32 ? tmp : "/tmp");
    if (!mkdtemp(pack_dir)) {
        perror("fuzz_rules: mkdtemp");
        abort();
    }
    snprintf(rule_path, sizeof rule_path, "%s/x.lua", pack_dir);
    hl_error err;
    if (hl_findings_from_json(hl_fuzz_findings_json, strlen(hl_fuzz_findings_json),
                              "fixture_findings.h", &findings, &err) != HL_OK) {
        fprintf(stderr, "fuzz_rules: the fixture does not load: %s\n", err.msg);
        abort();
    }
    devnull = fopen("/dev/null", "w");
    if (!devnull)
        abort();
    atexit(cleanup);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setup();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return -1; /* not added to the corpus: big inputs only slow the search down */
    setup();
    FILE *f = fopen(rule_path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    if (fclose(f) != 0)
        abort();

    hl_rules_limits lim = {FUZZ_MEMORY, FUZZ_INSTRUCTIONS};
    hl_rules *r = NULL;
    hl_error err;
    if (hl_rules_load(pack_dir, &lim, &r, &err) != HL_OK)
        return 0;
    /* what `rules list` and `rules check` read */
    for (size_t i = 0; i < hl_rules_count(r); i++) {
        const hl_rule_info *ri = hl_rules_info(r, i);
        if (!ri || !ri->name || !ri->file)
            abort();
        for (size_t k = 0; k < ri->ncodes; k++)
            if (!ri->codes[k])
                abort();
    }
    for (size_t i = 0; i < hl_rules_problem_count(r); i++) {
        const hl_rule_problem *p = hl_rules_problem(r, i);
        if (!p || !p->file || !p->message)
            abort();
    }
    hl_briefs *b = NULL;
    if (hl_rules_run(r, findings, &b, &err) == HL_OK) {
        size_t n, ne;
        hl_briefs_list(b, &n);
        hl_briefs_errors(b, &ne);
        hl_output_briefs_json(devnull, b, pack_dir);
        hl_output_briefs_md(devnull, b);
        hl_briefs_free(b);
    }
    hl_rules_free(r);
    return 0;
}
