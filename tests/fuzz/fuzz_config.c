/*
 * fuzz_config.c — libFuzzer target for the config loader (engine/config/config.c over the Lua
 * sandbox, issue 10). The bytes are written as a hookline.lua and loaded over the defaults with
 * hl_config_load. Checked:
 *   - a failure is HL_EINPUT naming the file, with a message, and leaves the config untouched;
 *   - a success prints (hl_config_print, what `hookline config check` shows) a config that loads
 *     again to the same settings: strings byte for byte, whole numbers and choices exactly,
 *     numbers to the 10 significant digits printed.
 * Each input runs in a fresh sandbox with the loader's own limits (16 MiB, 10 million
 * instructions), so a looping config costs a fraction of a second, never a hang.
 * Seed corpus: tests/fuzz/corpus/config (examples/hookline.lua, scripts/hookline.example.lua if
 * present, the printed defaults, and hand-written bad configs). See tests/fuzz/README.md.
 */
#include "fuzz_common.h"
#include "hookline/config.h"

#define FUZZ_MAX_CONFIG (64u << 10)

static char print_path[200];

static void cleanup_print(void)
{
    if (print_path[0])
        unlink(print_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *p = hl_fuzz_tmp_file("config", "hookline.lua");
    snprintf(print_path, sizeof print_path, "%s.printed.lua", p);
    atexit(cleanup_print);
    return 0;
}

static int exact;

static int close_enough(double a, double b)
{
    if (a == b)
        return 1;
    if (exact)
        return 0;
    double scale = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    return fabs(a - b) <= 1e-9 * scale;
}

/* Field by field (not memcmp: padding): the printed form keeps 10 significant digits of
 * numbers, so they compare to 1e-9 unless exact is set. */
static void check_same(const hl_config *a, const hl_config *b, int exact_numbers)
{
    exact = exact_numbers;
#define NUM(f)                                                                                 \
    HL_FUZZ_CHECK(close_enough(a->f, b->f), #f ": %.17g printed back as %.17g", a->f, b->f)
#define INT(f) HL_FUZZ_CHECK(a->f == b->f, #f ": %d printed back as %d", (int)a->f, (int)b->f)
#define STR(f) HL_FUZZ_CHECK(strcmp(a->f, b->f) == 0, #f ": '%s' printed back as '%s'", a->f, b->f)
    NUM(alpha); INT(mode); INT(adjust); INT(overdispersion); INT(window_days);
    NUM(min_impressions); NUM(min_conversions); INT(min_days); NUM(mde); NUM(power);
    NUM(bayes_threshold); NUM(tuning_impressions); NUM(tuning_clicks); NUM(tuning_conversions);
    NUM(tuning_days); INT(trend_days); INT(trend_min_days); NUM(weak_hook_max_lift);
    NUM(weak_hold_max_lift); NUM(weak_cta_max_lift); NUM(lp_min_ctr_lift); NUM(lp_max_cvr_lift);
    NUM(winner_min_lift); NUM(loser_min_lift); NUM(fatigue_max_ctr_change);
    NUM(fatigue_min_cpm_change); NUM(fatigue_min_frequency_change); INT(no_delivery_min_days);
    NUM(audience_max_frequency); NUM(pacing_max_change); NUM(tracking_tolerance);
    INT(recipes_max_variants); NUM(recipes_duration_s); STR(store_db); STR(run_out);
    STR(run_inputs); INT(repull_days); STR(tiktok_advertisers); STR(tiktok_api_base);
    STR(tiktok_token_file); STR(deliver_webhook); STR(deliver_adapter); STR(mail_smtp);
    STR(mail_from); STR(mail_to); INT(mail_allow_plain); INT(experiments_max_days);
    INT(experiments_randomized); STR(rules_dir); NUM(rules_instructions); NUM(rules_memory_mb);
    STR(columns_file); STR(reports_dir);
#undef NUM
#undef INT
#undef STR
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_CONFIG)
        return -1;
    const char *path = hl_fuzz_tmp_file("config", "hookline.lua");
    hl_fuzz_write_file(path, data, size);

    static hl_config cfg, before;
    hl_config_defaults(&cfg);
    before = cfg;
    hl_error err;
    memset(&err, 0, sizeof err);
    hl_status st = hl_config_load(&cfg, path, &err);
    if (st != HL_OK) {
        hl_fuzz_check_error(&err, st);
        HL_FUZZ_CHECK(st == HL_EINPUT, "status %d: %s", (int)st, err.msg);
        HL_FUZZ_CHECK(strcmp(err.file, path) == 0, "error names '%s'", err.file);
        check_same(&before, &cfg, 1); /* a failed load leaves the config as it was */
        return 0;
    }
    FILE *f = fopen(print_path, "w");
    HL_FUZZ_CHECK(f != NULL, "cannot write %s", print_path);
    hl_config_print(f, &cfg);
    HL_FUZZ_CHECK(fclose(f) == 0, "cannot write %s", print_path);
    static hl_config again;
    hl_config_defaults(&again);
    st = hl_config_load(&again, print_path, &err);
    HL_FUZZ_CHECK(st == HL_OK, "the printed config does not load: %s:%lu: %s", err.file,
                  err.line, err.msg);
    check_same(&cfg, &again, 0);
    return 0;
}
