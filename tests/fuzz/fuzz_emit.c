/*
 * fuzz_emit.c — libFuzzer target for the findings loader and every emitter downstream of it
 * (issue 10: "recipe/brief JSON emitters fed random findings"). Each input becomes a findings
 * document, in one of two ways:
 *   - input starting with '{': the bytes are the findings.json text itself (seeds: real
 *     `hookline analyze` outputs and the rule pack's test fixtures, so mutations stay close to
 *     the schema);
 *   - anything else: the bytes drive a generator that writes a well-formed "hookline.findings/1"
 *     document — 1-8 ads over a pool of ids in 3 ad groups, counters, comparisons on real
 *     metrics, trends, diagnoses with the DESIGN.md §6 codes (and unknown ones), evidence
 *     indices, related ads — with hostile strings (HTML, Markdown, CSV formulas, shell quotes,
 *     control characters, U+2028, long names, sometimes invalid UTF-8) and extreme numbers
 *     (0, negative, 1e308, 5e-324, 1e400, 2^53 + 1, strings and nulls where numbers belong).
 * The document is loaded with hl_findings_from_json; the bundled rule pack (scripts/rules,
 * loaded once) turns it into briefs; recipes are built; and findings.json, briefs.json,
 * briefs.md, report.html and recipes.json are written to memory, each recipe is passed through
 * the heygen and shortgenius adapters and turned into an ffmpeg splice command. Checked:
 *   - the JSON outputs parse (cJSON), with no NaN/Infinity, and are valid UTF-8 whenever the
 *     input was; briefs.json loads back with hl_briefs_from_json (what `merge` and `mail` do);
 *   - report.html holds no <script and is valid UTF-8 whenever the input was;
 *   - each adapter body is JSON; nothing crashes, leaks or trips a sanitizer.
 * Seed corpus: tests/fuzz/corpus/emit. See tests/fuzz/README.md.
 */
#include <float.h>
#include <stdarg.h>

#include <cjson/cJSON.h>

#include "fuzz_common.h"
#include "hookline/brief.h"
#include "hookline/compare.h"
#include "hookline/output.h"
#include "hookline/recipe.h"
#include "hookline/rules.h"

#define FUZZ_MAX_INPUT (64u << 10)
#define FUZZ_INSTRUCTIONS 2000000L
#define FUZZ_MEMORY (64u << 20)

static hl_rules *rules;
static hl_adapter *adapters[2];
static char sources[100];
static const char *const adapter_names[2] = {"heygen", "shortgenius"};

/* ------------------------------------------------------------------ the byte-driven generator */

typedef struct gen {
    const uint8_t *p;
    size_t n, i;
    char *out;
    size_t len, cap;
    int dirty; /* invalid UTF-8 written */
} gen;

static unsigned take(gen *g)
{
    return g->i < g->n ? g->p[g->i++] : 0u;
}

static unsigned pick(gen *g, unsigned n)
{
    return n ? take(g) % n : 0;
}

static void put(gen *g, const char *s, size_t n)
{
    if (g->len + n + 1 > g->cap) {
        size_t nc = (g->len + n + 1) * 2;
        char *nb = realloc(g->out, nc);
        HL_FUZZ_CHECK(nb != NULL, "out of memory");
        g->out = nb;
        g->cap = nc;
    }
    memcpy(g->out + g->len, s, n);
    g->len += n;
    g->out[g->len] = '\0';
}

static void puts_(gen *g, const char *s)
{
    put(g, s, strlen(s));
}

static void putf(gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(gen *g, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    HL_FUZZ_CHECK(n >= 0 && (size_t)n < sizeof buf, "format");
    put(g, buf, (size_t)n);
}

/* A JSON string literal of raw bytes: control characters, quote and backslash escaped; bytes
 * >= 0x80 copied as they are (the generator decides whether they form valid UTF-8). */
static void put_jstr(gen *g, const char *s, size_t n)
{
    puts_(g, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == '"' || c == '\\')
            putf(g, "\\u%04x", c);
        else
            put(g, (const char *)&s[i], 1);
    }
    puts_(g, "\"");
}

/* Adjacent literals below are one string each (a hex escape must not swallow the next
 * letter). NOLINTBEGIN(bugprone-suspicious-missing-comma) */
static const char *const hostile[] = {
    "UGC unboxing v2",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)> & \"quote\" 'apos'",
    "| pipe | **bold** _em_ [link](http://x) # h1 `code`",
    "=HYPERLINK(\"http://evil\",\"x\")",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "\tleading tab",
    "line\nbreak\r\nand CR\r",
    "$(rm -rf /) `id` 'quote' \"dq\" \\ backslash",
    "Sof\xc3\xad" "a \xf0\x9f\x94\xa5 caf\xc3\xa9",
    "\xe2\x80\xa8line separator\xe2\x80\xa9",
    "\xef\xbb\xbf" "BOM first",
    "%s%n%x%p",
    "]==] ]] --[[ lua",
    "</style><style>*{}</style>",
    "",
    " ",
    "-->",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
};
/* NOLINTEND(bugprone-suspicious-missing-comma) */
#define NHOSTILE (sizeof hostile / sizeof hostile[0])

static void put_name(gen *g)
{
    unsigned k = pick(g, NHOSTILE + 3);
    if (k < NHOSTILE) {
        put_jstr(g, hostile[k], strlen(hostile[k]));
        return;
    }
    if (k == NHOSTILE) { /* a long name: multi-byte characters across any cut */
        char buf[600];
        size_t n = 0, reps = 20 + pick(g, 120);
        for (size_t i = 0; i < reps && n + 4 < sizeof buf; i++) {
            buf[n++] = (char)0xe6; /* U+65E5 */
            buf[n++] = (char)0x97;
            buf[n++] = (char)0xa5;
            if (take(g) & 1)
                buf[n++] = ' ';
        }
        put_jstr(g, buf, n);
        return;
    }
    /* raw bytes of the input: possibly invalid UTF-8 */
    size_t n = pick(g, 24);
    char buf[24] = {0};
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)take(g);
    if (!hl_fuzz_utf8(buf, n))
        g->dirty = 1;
    put_jstr(g, buf, n);
}

static const char *const ad_ids[] = {
    "7000000000000000001", "7000000000000000002", "7000000000000000003", "7000000000000000004",
    "7000000000000000005", "7000000000000000006", "7000000000000000007", "7000000000000000008",
};
#define NADIDS (sizeof ad_ids / sizeof ad_ids[0])
static const char *const group_ids[] = {"1800000000000000001", "1800000000000000002", "g3"};
static const char *const campaign_ids[] = {"1700000000000000001", "1700000000000000002"};

static void put_id(gen *g, const char *const *pool, unsigned n)
{
    unsigned k = pick(g, n + 1);
    if (k < n)
        putf(g, "\"%s\"", pool[k]);
    else
        put_name(g);
}

static void put_number(gen *g)
{
    static const char *const special[] = {
        "0", "1", "-1", "0.5", "1e-300", "1e308", "-1e308", "5e-324", "1e400", "-1e400",
        "9007199254740993", "1e15", "-0.0", "0.999999", "1.0000001", "100", "3", "null",
        "\"12\"", "true", "[]", "{}",
    };
    unsigned k = take(g);
    if (k < 128) { /* a plausible magnitude */
        double v = (double)(take(g) | (take(g) << 8)) / (double)(1u << (take(g) % 17));
        if (k & 1)
            v = -v;
        putf(g, "%.17g", v);
    } else if (k < 200) {
        putf(g, "%s", special[k % (sizeof special / sizeof special[0])]);
    } else { /* eight bytes as a double, when finite */
        uint64_t bits = 0;
        for (int b = 0; b < 8; b++)
            bits = bits << 8 | take(g);
        double v;
        memcpy(&v, &bits, sizeof v);
        putf(g, "%.17g", isfinite(v) ? v : 0.0);
    }
}

static void put_count(gen *g)
{
    unsigned k = take(g);
    if (k < 200)
        putf(g, "%u", (take(g) << 16 | take(g) << 8 | take(g)) >> (k % 24));
    else
        put_number(g);
}

static void put_date(gen *g)
{
    static const char *const dates[] = {"2026-10-28", "2026-10-01", "2026-02-28", "1970-01-01",
                                        "2026-02-30", "9999-12-31", "nope", "1900-01-01"};
    unsigned k = pick(g, 12);
    if (k < 8)
        putf(g, "\"%s\"", dates[k]);
    else
        putf(g, "\"2026-%02u-%02u\"", 1 + pick(g, 12), 1 + pick(g, 28));
}

static const char *const metrics[] = {
    "ctr", "cpc", "cpm", "cvr", "cpa", "roas", "hook_rate", "view_rate_6s", "hold_rate",
    "play_rate", "completion_rate", "view_rate_p25", "view_rate_p50", "view_rate_p75",
    "view_rate_p100", "frequency", "cost_per_landing_page_view", "cost_per_add_to_cart",
};
static const char *const codes[] = {
    "winner", "loser", "weak_hook", "weak_hold", "weak_cta", "landing_page_mismatch", "fatigue",
    "no_delivery", "audience_too_narrow", "tracking_discrepancy", "insufficient_data",
    "kitbash_candidate", "custom_code",
};
static const char *const counters[] = {
    "spend", "impressions", "reach", "clicks", "conversions", "video_plays", "views_2s",
    "views_6s", "views_p25", "views_p50", "views_p75", "views_p100", "landing_page_views",
    "add_to_cart", "purchases", "purchase_value",
};
static const char *const decisions[] = {"better", "worse", "no_difference", "undecided"};
static const char *const levels[] = {"ad", "ad", "ad", "ad", "adgroup", "campaign", "advertiser"};
static const char *const directions[] = {"rising", "falling", "flat", "undecided"};
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The members of a subject (inside an object already opened). */
static void put_subject_members(gen *g, int ad_level)
{
    const char *level = ad_level ? "ad" : levels[pick(g, N(levels))];
    putf(g, "\"level\":\"%s\",\"ad_id\":", level);
    put_id(g, ad_ids, NADIDS);
    puts_(g, ",\"adgroup_id\":");
    put_id(g, group_ids, N(group_ids));
    puts_(g, ",\"campaign_id\":");
    put_id(g, campaign_ids, N(campaign_ids));
    if (take(g) & 1) {
        puts_(g, ",\"ad_name\":");
        put_name(g);
        puts_(g, ",\"adgroup_name\":");
        put_name(g);
    }
}

static void generate(gen *g)
{
    puts_(g, "{\"schema\":\"hookline.findings/1\",\"as_of\":");
    put_date(g);
    puts_(g, ",\"from\":");
    put_date(g);
    static const char *const modes[] = {"sequential", "fixed", "bayes"};
    putf(g, ",\"mode\":\"%s\",\"alpha\":", modes[pick(g, 3)]);
    put_number(g);

    unsigned nads = 1 + pick(g, 8);
    puts_(g, ",\"ads\":[");
    for (unsigned a = 0; a < nads; a++) {
        putf(g, "%s{\"ad_id\":", a ? "," : "");
        /* mostly distinct pool ids, in order, so every ad has peers */
        if (take(g) < 230)
            putf(g, "\"%s\"", ad_ids[a % NADIDS]);
        else
            put_id(g, ad_ids, NADIDS);
        puts_(g, ",\"ad_name\":");
        put_name(g);
        putf(g, ",\"adgroup_id\":\"%s\",\"adgroup_name\":", group_ids[a % 3 == 2 ? 1 : pick(g, 3)]);
        put_name(g);
        puts_(g, ",\"campaign_id\":");
        put_id(g, campaign_ids, N(campaign_ids));
        puts_(g, ",\"campaign_name\":");
        put_name(g);
        puts_(g, ",\"advertiser_id\":\"adv1\",\"currency\":");
        put_name(g);
        putf(g, ",\"days\":%u,\"counters\":{", pick(g, 40));
        int first = 1;
        for (size_t c = 0; c < N(counters); c++) {
            if (take(g) < 64)
                continue;
            putf(g, "%s\"%s\":", first ? "" : ",", counters[c]);
            put_count(g);
            first = 0;
        }
        puts_(g, "}}");
    }
    puts_(g, "]");

    unsigned ncmp = pick(g, 16);
    puts_(g, ",\"comparisons\":[");
    for (unsigned i = 0; i < ncmp; i++) {
        putf(g, "%s{\"subject\":{", i ? "," : "");
        put_subject_members(g, take(g) < 200);
        putf(g, "},\"metric\":\"%s\"", metrics[pick(g, N(metrics))]);
        static const char *const nums[] = {"value", "reference", "lift", "ci_low", "ci_high",
                                           "p_value", "p_adjusted", "chance_to_beat",
                                           "expected_loss"};
        for (size_t k = 0; k < N(nums); k++) {
            if (take(g) < 40)
                continue;
            putf(g, ",\"%s\":", nums[k]);
            put_number(g);
        }
        putf(g, ",\"method\":\"z\",\"decision\":\"%s\"", decisions[pick(g, 4)]);
        puts_(g, ",\"counts\":{\"x\":");
        put_count(g);
        puts_(g, ",\"n\":");
        put_count(g);
        puts_(g, ",\"x_ref\":");
        put_count(g);
        puts_(g, ",\"n_ref\":");
        put_count(g);
        putf(g, ",\"days\":%u,\"days_ref\":%u,\"phi\":", pick(g, 40), pick(g, 40));
        put_number(g);
        puts_(g, "},\"needed\":{\"per_arm\":");
        put_number(g);
        puts_(g, ",\"remaining\":");
        put_number(g);
        puts_(g, ",\"days\":");
        put_number(g);
        puts_(g, ",\"unit\":\"impressions\"}}");
    }
    puts_(g, "]");

    unsigned ntr = pick(g, 6);
    puts_(g, ",\"trends\":[");
    for (unsigned i = 0; i < ntr; i++) {
        putf(g, "%s{\"subject\":{", i ? "," : "");
        put_subject_members(g, 1);
        static const char *const tm[] = {"ctr", "cpm", "frequency", "cpm_vs_account", "spend",
                                         "hook_rate"};
        putf(g, "},\"metric\":\"%s\",\"method\":\"halves\",\"from\":", tm[pick(g, N(tm))]);
        put_date(g);
        puts_(g, ",\"to\":");
        put_date(g);
        putf(g, ",\"days\":%u", pick(g, 30));
        static const char *const nums[] = {"prior", "recent", "change", "ci_low", "ci_high",
                                           "slope_per_day", "p_value", "p_adjusted", "phi"};
        for (size_t k = 0; k < N(nums); k++) {
            putf(g, ",\"%s\":", nums[k]);
            put_number(g);
        }
        putf(g, ",\"direction\":\"%s\",\"note\":", directions[pick(g, 4)]);
        put_name(g);
        puts_(g, "}");
    }
    puts_(g, "]");

    unsigned ndx = pick(g, 10);
    puts_(g, ",\"diagnoses\":[");
    for (unsigned i = 0; i < ndx; i++) {
        putf(g, "%s{", i ? "," : "");
        put_subject_members(g, take(g) < 220);
        putf(g, ",\"code\":\"%s\",\"related_ad_ids\":[", codes[pick(g, N(codes))]);
        unsigned nrel = pick(g, 3);
        for (unsigned r = 0; r < nrel; r++) {
            puts_(g, r ? "," : "");
            put_id(g, ad_ids, NADIDS);
        }
        puts_(g, "],\"evidence\":[");
        unsigned nev = pick(g, 4);
        for (unsigned e = 0; e < nev; e++) {
            unsigned k = take(g);
            if ((k & 1) && ncmp)
                putf(g, "%s{\"comparison\":%u}", e ? "," : "", (k >> 1) % ncmp);
            else if (ntr)
                putf(g, "%s{\"trend\":%u}", e ? "," : "", (k >> 1) % ntr);
            else
                putf(g, "%s{}", e ? "," : "");
        }
        puts_(g, "],\"priority\":");
        put_number(g);
        puts_(g, ",\"spend_at_stake\":");
        put_number(g);
        puts_(g, ",\"effect\":");
        put_number(g);
        puts_(g, ",\"summary\":");
        put_name(g);
        puts_(g, "}");
    }
    puts_(g, "]}");
}

/* ------------------------------------------------------------------------------ the checks */

static int nonfinite_json(const cJSON *j)
{
    if (cJSON_IsNumber(j) && !isfinite(j->valuedouble))
        return 1;
    for (const cJSON *c = j->child; c; c = c->next)
        if (nonfinite_json(c))
            return 1;
    return 0;
}


static char *capture(int (*fn)(FILE *, const void *, const void *), const void *a,
                     const void *b, size_t *len, const char *what)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    HL_FUZZ_CHECK(f != NULL, "open_memstream");
    int rc = fn(f, a, b);
    HL_FUZZ_CHECK(fclose(f) == 0, "memstream");
    HL_FUZZ_CHECK(rc == 0, "%s: write failed on a memory stream", what);
    HL_FUZZ_CHECK(strlen(buf) == n, "%s: a NUL byte in the output", what);
    *len = n;
    return buf;
}

static int w_findings(FILE *f, const void *a, const void *b)
{
    (void)b;
    return hl_output_findings_json(f, a);
}
static int w_briefs(FILE *f, const void *a, const void *b)
{
    (void)b;
    return hl_output_briefs_json(f, a, "scripts/rules");
}
static int w_md(FILE *f, const void *a, const void *b)
{
    (void)b;
    return hl_output_briefs_md(f, a);
}
static int w_html(FILE *f, const void *a, const void *b)
{
    (void)b;
    return hl_output_report_html(f, a);
}
static int w_recipes(FILE *f, const void *a, const void *b)
{
    (void)b;
    return hl_output_recipes_json(f, a);
}

static cJSON *check_json(const char *text, size_t len, const char *what, int clean)
{
    cJSON *j = cJSON_ParseWithLength(text, len);
    HL_FUZZ_CHECK(j != NULL, "%s is not JSON: %.200s", what, text);
    HL_FUZZ_CHECK(!nonfinite_json(j), "%s holds a non-finite number", what);
    if (clean)
        HL_FUZZ_CHECK(hl_fuzz_utf8(text, len), "%s is not valid UTF-8", what);
    return j;
}

/* ------------------------------------------------------------------------------ the target */

static void cleanup(void)
{
    for (size_t i = 0; i < NADIDS; i++) {
        char p[160];
        snprintf(p, sizeof p, "%s/%s.mp4", sources, ad_ids[i]);
        unlink(p);
    }
    if (sources[0])
        rmdir(sources);
    for (int i = 0; i < 2; i++)
        hl_adapter_free(adapters[i]);
    hl_rules_free(rules);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    hl_rules_limits lim = {FUZZ_MEMORY, FUZZ_INSTRUCTIONS};
    hl_error err;
    if (hl_rules_load(hl_rules_default_dir(), &lim, &rules, &err) != HL_OK ||
        hl_rules_problem_count(rules) != 0) {
        fprintf(stderr, "fuzz_emit: the bundled rule pack does not load: %s\n", err.msg);
        abort();
    }
    for (int i = 0; i < 2; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s.lua", hl_adapters_default_dir(), adapter_names[i]);
        if (hl_adapter_load(path, &lim, &adapters[i], &err) != HL_OK) {
            fprintf(stderr, "fuzz_emit: %s: %s\n", path, err.msg);
            abort();
        }
    }
    const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(sources, sizeof sources, "%s/hl-emit-XXXXXX", tmp);
    if (!mkdtemp(sources))
        abort();
    for (size_t i = 0; i < NADIDS; i++) {
        char p[160];
        snprintf(p, sizeof p, "%s/%s.mp4", sources, ad_ids[i]);
        FILE *f = fopen(p, "w");
        if (!f || fclose(f) != 0)
            abort();
    }
    atexit(cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return -1;
    gen g = {data, size, 0, NULL, 0, 0, 0};
    const char *text;
    size_t tlen;
    if (size && data[0] == '{') {
        text = (const char *)data;
        tlen = size;
        g.dirty = !hl_fuzz_utf8(text, tlen);
    } else {
        generate(&g);
        text = g.out;
        tlen = g.len;
    }
    const int clean = !g.dirty;
    /* HL_FUZZ_DUMP=FILE writes the findings document to FILE: a reproducer that no longer
     * depends on this generator's version (crashes/ and known_bugs/ keep those) */
    const char *dump = getenv("HL_FUZZ_DUMP");
    if (dump) {
        FILE *df = fopen(dump, "wb");
        HL_FUZZ_CHECK(df && fwrite(text, 1, tlen, df) == tlen && fclose(df) == 0, "%s", dump);
    }

    hl_findings *f = NULL;
    hl_error err;
    memset(&err, 0, sizeof err);
    hl_status st = hl_findings_from_json(text, tlen, "findings.json", &f, &err);
    if (st != HL_OK) {
        hl_fuzz_check_error(&err, st);
        HL_FUZZ_CHECK(st == HL_EINPUT, "status %d: %s", (int)st, err.msg);
        /* the generator writes only documents the loader must accept */
        HL_FUZZ_CHECK(text != g.out, "a generated document was refused: %s\n%.2000s", err.msg,
                      text);
        free(g.out);
        return 0;
    }
    size_t len;
    char *out = capture(w_findings, f, NULL, &len, "findings.json");
    cJSON_Delete(check_json(out, len, "findings.json", clean));
    free(out);

    hl_briefs *b = NULL;
    st = hl_rules_run(rules, f, &b, &err);
    HL_FUZZ_CHECK(st == HL_OK, "rules run: %s", err.msg);
    size_t nerr;
    const hl_rule_error *re = hl_briefs_errors(b, &nerr);
    /* the bundled pack must cope with any findings the loader accepts */
    for (size_t i = 0; i < nerr; i++) {
        HL_FUZZ_CHECK(0, "a bundled rule failed: %s:%lu: %s", re[i].file, re[i].line,
                      re[i].message);
    }

    char *bj = capture(w_briefs, b, NULL, &len, "briefs.json");
    cJSON_Delete(check_json(bj, len, "briefs.json", clean));
    hl_briefs *back = NULL;
    st = hl_briefs_from_json(bj, len, f, &back, &err);
    HL_FUZZ_CHECK(st == HL_OK, "briefs.json does not load back: %s", err.msg);
    size_t n1, n2;
    hl_briefs_list(b, &n1);
    hl_briefs_list(back, &n2);
    HL_FUZZ_CHECK(n1 == n2, "%zu briefs written, %zu read back", n1, n2);
    out = capture(w_md, back, NULL, &len, "briefs.md (reloaded)");
    free(out);
    hl_briefs_free(back);
    free(bj);

    out = capture(w_md, b, NULL, &len, "briefs.md");
    if (clean)
        HL_FUZZ_CHECK(hl_fuzz_utf8(out, len), "briefs.md is not valid UTF-8");
    free(out);
    out = capture(w_html, b, NULL, &len, "report.html");
    if (clean)
        HL_FUZZ_CHECK(hl_fuzz_utf8(out, len), "report.html is not valid UTF-8");
    HL_FUZZ_CHECK(!strstr(out, "<script") && !strstr(out, "<img"),
                  "markup from a name in the report");
    free(out);

    hl_recipes *rec = NULL;
    hl_recipe_opts ro = {1 + (int)(size % 5), 5.0 + (double)(size % 40)};
    st = hl_recipes_build(b, &ro, &rec, &err);
    HL_FUZZ_CHECK(st == HL_OK, "recipes: %s", err.msg);
    out = capture(w_recipes, rec, NULL, &len, "recipes.json");
    cJSON *rj = check_json(out, len, "recipes.json", clean);
    free(out);
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(rj, "recipes"))
    {
        char *one = cJSON_PrintUnformatted(it);
        HL_FUZZ_CHECK(one != NULL, "out of memory");
        for (int i = 0; i < 2; i++) {
            char *body = NULL;
            st = hl_adapter_apply(adapters[i], one, "{}", &body, &err);
            HL_FUZZ_CHECK(st == HL_OK, "adapter %s: %s", adapter_names[i], err.msg);
            cJSON_Delete(check_json(body, strlen(body), adapter_names[i], clean));
            free(body);
        }
        free(one);
    }
    cJSON_Delete(rj);
    size_t nr;
    const hl_recipe *rl = hl_recipes_list(rec, &nr);
    for (size_t i = 0; i < nr; i++)
        hl_recipe_splice_command(hl_fuzz_devnull(), &rl[i], sources, "out.mp4", &err);

    hl_recipes_free(rec);
    hl_briefs_free(b);
    hl_findings_free(f);
    free(g.out);
    return 0;
}
