/*
 * test_stats_cli.c — the `hookline stats` contract, driven in-process through hl_cli_stats with
 * stdout and stderr captured: every subcommand with and without --json, the contract keys and
 * the reference values behind them, null + "status" for undefined values, and exit code 2 with
 * exactly one line on stderr (and nothing on stdout) for bad arguments.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <gsl/gsl_errno.h>

#include "cli/cli.h"
#include "hl_test.h"

static char out_buf[1 << 16], err_buf[1 << 16];

static void slurp(FILE *f, char *buf, size_t size)
{
    fflush(f);
    rewind(f);
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
}

/* Runs `hookline stats <line>` (words split on spaces) and captures its output. */
static int run(const char *line)
{
    static char name[] = "stats";
    char copy[1024];
    char *argv[64];
    int argc = 0;
    snprintf(copy, sizeof copy, "%s", line);
    argv[argc++] = name;
    for (char *tok = strtok(copy, " "); tok && argc < 63; tok = strtok(NULL, " "))
        argv[argc++] = tok;
    argv[argc] = NULL;

    FILE *fo = tmpfile(), *fe = tmpfile();
    if (!fo || !fe) {
        fprintf(stderr, "tmpfile failed\n");
        exit(1);
    }
    fflush(stdout);
    fflush(stderr);
    int so = dup(fileno(stdout)), se = dup(fileno(stderr));
    dup2(fileno(fo), fileno(stdout));
    dup2(fileno(fe), fileno(stderr));
    int rc = hl_cli_stats(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, fileno(stdout));
    dup2(se, fileno(stderr));
    close(so);
    close(se);
    slurp(fo, out_buf, sizeof out_buf);
    slurp(fe, err_buf, sizeof err_buf);
    fclose(fo);
    fclose(fe);
    return rc;
}

static cJSON *run_json(const char *line)
{
    int rc = run(line);
    CHECK_INT(rc, 0);
    cJSON *j = cJSON_Parse(out_buf);
    if (!j || !cJSON_IsObject(j)) {
        hl_test_failures++;
        fprintf(stderr, "not one JSON object for '%s': %s\n", line, out_buf);
    }
    /* One object, one line. */
    CHECK(strchr(out_buf, '\n') == out_buf + strlen(out_buf) - 1);
    return j;
}

static double num(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    if (!cJSON_IsNumber(v)) {
        hl_test_failures++;
        fprintf(stderr, "key '%s' missing or not a number\n", key);
        return NAN;
    }
    return v->valuedouble;
}

static int is_null(const cJSON *j, const char *key)
{
    return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, key));
}

static const char *str(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void test_json(void)
{
    cJSON *j = run_json("ci 5 83 --method clopper-pearson --json");
    CHECK_STR(str(j, "method"), "clopper-pearson");
    CHECK_NEAR(num(j, "estimate"), 5.0 / 83, 1e-14, 0);
    CHECK_NEAR(num(j, "ci_low"), 0.0198473212, 0, 5e-11);
    CHECK_NEAR(num(j, "ci_high"), 0.1350082397, 0, 5e-11);
    CHECK(cJSON_GetObjectItem(j, "status") == NULL);
    cJSON_Delete(j);

    j = run_json("ci 0 50 --json");
    CHECK_STR(str(j, "method"), "wilson");
    CHECK_NEAR(num(j, "ci_low"), 0, 0, 1e-12);
    CHECK_NEAR(num(j, "ci_high"), 0.0713475991, 1e-9, 0);
    cJSON_Delete(j);

    j = run_json("prop 5 83 12 99 --json");
    CHECK_STR(str(j, "test"), "z");
    CHECK_NEAR(num(j, "statistic"), -1.4078304151, 1e-9, 0);
    CHECK_NEAR(num(j, "p_value"), 0.1591812918, 1e-9, 0);
    CHECK_NEAR(num(j, "diff"), 5.0 / 83 - 12.0 / 99, 1e-12, 0);
    CHECK(num(j, "ci_low") < num(j, "diff") && num(j, "diff") < num(j, "ci_high"));
    CHECK_NEAR(num(j, "lift"), (5.0 / 83 - 12.0 / 99) / (12.0 / 99), 1e-12, 0);
    cJSON_Delete(j);

    j = run_json("prop 120 10000 100 10000 --alternative larger --json");
    CHECK_NEAR(num(j, "p_value"), 0.0875690462, 1e-9, 0);
    CHECK_STR(str(j, "alternative"), "larger");
    cJSON_Delete(j);
    j = run_json("prop 120 1e4 100 1e4 --test wald --json");
    CHECK_NEAR(num(j, "p_value"), 0.1751182612, 1e-9, 0);
    cJSON_Delete(j);
    j = run_json("prop 120 10000 100 10000 --test score --json");
    CHECK_NEAR(num(j, "p_value"), 0.1751488796, 1e-9, 0);
    cJSON_Delete(j);
    j = run_json("prop 120 10000 100 10000 --json");
    CHECK_NEAR(num(j, "ci_low"), -0.0009033939, 0, 5e-11);
    CHECK_NEAR(num(j, "ci_high"), 0.0049259047, 0, 5e-11);
    cJSON_Delete(j);
    j = run_json("prop 3 100 10 100 --test fisher --json");
    CHECK_STR(str(j, "test"), "fisher");
    CHECK_NEAR(num(j, "p_value"), 0.08179405296897922, 1e-12, 0);
    cJSON_Delete(j);
    /* GrowthBook's relative case rides along as lift_ci_*. */
    j = run_json("prop 16 30 14 28 --json");
    CHECK_NEAR(num(j, "lift"), 0.06667, 0, 5e-6);
    CHECK_NEAR(num(j, "lift_ci_low"), -0.47767, 0, 5e-6);
    CHECK_NEAR(num(j, "lift_ci_high"), 0.61101, 0, 5e-6);
    cJSON_Delete(j);

    j = run_json("rate 40 1000.0 60 1100.0 --json");
    CHECK_STR(str(j, "test"), "exact");
    CHECK_NEAR(num(j, "p_value"), 0.13393298902397754, 1e-12, 0);
    CHECK_NEAR(num(j, "rate_ratio"), 0.04 / (60.0 / 1100), 1e-14, 0);
    CHECK(num(j, "ci_low") < num(j, "rate_ratio") && num(j, "rate_ratio") < num(j, "ci_high"));
    cJSON_Delete(j);
    j = run_json("rate 40 1000 60 1100 --test score --json");
    CHECK_NEAR(num(j, "p_value"), 0.12712442894245315, 1e-12, 0);
    cJSON_Delete(j);

    j = run_json("adjust --method holm .01 .04 .03 .005 .55 .6 --json");
    CHECK_STR(str(j, "method"), "holm");
    {
        const double want[] = {0.05, 0.12, 0.12, 0.03, 1, 1};
        const cJSON *arr = cJSON_GetObjectItem(j, "adjusted");
        CHECK(cJSON_GetArraySize(arr) == 6);
        for (int i = 0; i < 6 && i < cJSON_GetArraySize(arr); i++)
            CHECK_NEAR(cJSON_GetArrayItem(arr, i)->valuedouble, want[i], 1e-12, 1e-15);
    }
    cJSON_Delete(j);
    j = run_json("adjust --method bh .898 .138 .007 .964 .538 .006 .138 --json");
    {
        const double want[] = {0.964, 0.2415, 0.0245, 0.964, 0.7532, 0.0245, 0.2415};
        const cJSON *arr = cJSON_GetObjectItem(j, "adjusted");
        CHECK(cJSON_GetArraySize(arr) == 7);
        for (int i = 0; i < 7 && i < cJSON_GetArraySize(arr); i++)
            CHECK_NEAR(cJSON_GetArrayItem(arr, i)->valuedouble, want[i], 1e-12, 1e-15);
    }
    cJSON_Delete(j);
    j = run_json("adjust --method bonferroni 0.01 0.5 --json");
    CHECK_STR(str(j, "method"), "bonferroni");
    cJSON_Delete(j);

    j = run_json("power --p2 0.01 --diff 0.001 --json");
    CHECK_NEAR(num(j, "n_per_arm"), 163094.6174981418, 1e-12, 0);
    cJSON_Delete(j);
    j = run_json("power --p2 0.01 --diff 0.001 --n 163000 --json");
    CHECK_NEAR(num(j, "power_at_n"), 0.7997733392996949, 1e-12, 0);
    cJSON_Delete(j);
    j = run_json("power --p2 0.01 --lift 0.1 --alpha 0.05 --power 0.8 --json");
    CHECK_NEAR(num(j, "n_per_arm"), 163094.6174981418, 1e-9, 0);
    cJSON_Delete(j);

    j = run_json("bayes 51 100 49 100 --json");
    CHECK_NEAR(num(j, "chance_to_win"), 0.60918, 0, 5e-6);
    CHECK_NEAR(num(j, "risk_control"), 0.0814, 0, 5e-5);
    CHECK_NEAR(num(j, "risk_treatment"), 0.04058, 0, 5e-6);
    CHECK(num(j, "chance_to_beat") > 0.5 && num(j, "chance_to_beat") < 0.7);
    cJSON_Delete(j);

    j = run_json("seq 2422 3461 1396 3000 --tuning 5000 --json");
    CHECK_NEAR(num(j, "lift"), 0.50386, 0, 5e-6);
    CHECK_NEAR(num(j, "ci_low"), 0.40098, 0, 1e-5);
    CHECK_NEAR(num(j, "ci_high"), 0.60675, 0, 1e-5);
    CHECK(num(j, "p_value") < 1e-10);
    cJSON_Delete(j);

    j = run_json("srm 5000 5200 --weights .5,.5 --json");
    CHECK_NEAR(num(j, "p_value"), 0.04767, 0, 5e-6);
    CHECK_NEAR(num(j, "statistic"), 3.92156862745098, 1e-12, 0);
    cJSON_Delete(j);
}

/* Undefined values are null, and "status" says why. */
static void test_undefined(void)
{
    cJSON *j = run_json("prop 0 10 0 10 --json");
    CHECK(is_null(j, "p_value"));
    CHECK(is_null(j, "statistic"));
    CHECK(is_null(j, "lift"));
    CHECK_STR(str(j, "status"), "zero_variance");
    cJSON_Delete(j);
    j = run_json("ci 0 0 --json");
    CHECK(is_null(j, "estimate") && is_null(j, "ci_low") && is_null(j, "ci_high"));
    CHECK_STR(str(j, "status"), "insufficient_data");
    cJSON_Delete(j);
    j = run_json("prop 5 100 0 100 --json");
    CHECK(is_null(j, "lift"));
    CHECK(!is_null(j, "p_value"));
    CHECK_STR(str(j, "status"), "zero_control");
    cJSON_Delete(j);
    j = run_json("rate 0 10 0 20 --json");
    CHECK(is_null(j, "p_value") && is_null(j, "rate_ratio"));
    CHECK_STR(str(j, "status"), "insufficient_data");
    cJSON_Delete(j);
    j = run_json("rate 5 10 0 20 --json");
    CHECK(!is_null(j, "p_value"));
    CHECK(is_null(j, "rate_ratio") && is_null(j, "ci_high"));
    CHECK_STR(str(j, "status"), "unbounded");
    cJSON_Delete(j);
    j = run_json("seq 0 100 0 100 --json");
    CHECK(is_null(j, "lift") && is_null(j, "p_value"));
    CHECK_STR(str(j, "status"), "zero_control");
    cJSON_Delete(j);
    j = run_json("bayes 0 0 0 0 --json");
    CHECK_NEAR(num(j, "chance_to_beat"), 0.5, 1e-12, 0);
    CHECK(is_null(j, "chance_to_win"));
    CHECK_STR(str(j, "status"), "insufficient_data");
    cJSON_Delete(j);
    j = run_json("srm 0 0 --json");
    CHECK(is_null(j, "p_value"));
    cJSON_Delete(j);
    j = run_json("power --p2 0.01 --diff 0 --json");
    CHECK(is_null(j, "n_per_arm"));
    CHECK_STR(str(j, "status"), "unbounded");
    cJSON_Delete(j);
    /* Readable output says why too, and no NaN/inf anywhere. */
    CHECK_INT(run("prop 0 10 0 10"), 0);
    CHECK(strstr(out_buf, "undefined (zero_variance") != NULL);
    CHECK(strstr(out_buf, "nan") == NULL && strstr(out_buf, "inf") == NULL);
}

static void test_text(void)
{
    static const char *const lines[] = {
        "ci 5 83", "prop 5 83 12 99", "prop 3 100 10 100 --test fisher", "rate 40 1000 60 1100",
        "adjust --method holm .01 .04", "power --p2 0.01 --diff 0.001", "power --p2 0.01 --n 5000",
        "bayes 51 100 49 100", "seq 2422 3461 1396 3000", "srm 5000 5200",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        CHECK_INT(run(lines[i]), 0);
        CHECK(strlen(out_buf) > 20 && out_buf[0] != '{');
        CHECK(err_buf[0] == '\0');
    }
    CHECK_INT(run("prop 5 83 12 99"), 0);
    CHECK(strstr(out_buf, "0.15918129") != NULL); /* the p-value, 8 digits */
    CHECK_INT(run("--help"), 0);
    CHECK(strstr(out_buf, "seq") != NULL);
    CHECK_INT(run("ci --help"), 0);
    CHECK(strstr(out_buf, "JSON keys") != NULL);
}

static void expect_usage_error(const char *line, const char *needle)
{
    int rc = run(line);
    CHECK_INT(rc, 2);
    size_t nl = 0;
    for (const char *p = err_buf; *p; p++)
        nl += *p == '\n';
    if (nl != 1 || out_buf[0] != '\0' || (needle && !strstr(err_buf, needle))) {
        hl_test_failures++;
        fprintf(stderr, "'%s': want one line with '%s' on stderr, got: %s|stdout: %s\n", line,
                needle ? needle : "", err_buf, out_buf);
    }
    hl_test_checks++;
}

static void test_bad_arguments(void)
{
    expect_usage_error("ci 12 10", "larger than");
    expect_usage_error("ci -3 10", "negative count");
    expect_usage_error("prop 5 83 -12 99", "negative count");
    expect_usage_error("prop 5 83 12 99 --alpha 1.5", "--alpha");
    expect_usage_error("prop 5 83 12 99 --alpha 0", "--alpha");
    expect_usage_error("prop 5 83 12 99 --alpha -0.05", "--alpha");
    expect_usage_error("prop 13 12 5 99", "larger than");
    expect_usage_error("prop 5 83 12", "X1 N1 X2 N2");
    expect_usage_error("prop 5 83 12 99 --test foo", "--test");
    expect_usage_error("prop 5 83 12 99 --alternative bigger", "--alternative");
    expect_usage_error("rate 4 -10 3 10", "negative");
    expect_usage_error("rate -4 10 3 10", "negative count");
    expect_usage_error("adjust --method holm 0.1 1.2", "[0, 1]");
    expect_usage_error("adjust --method holm -0.2", "[0, 1]");
    expect_usage_error("adjust --method nope 0.1", "--method");
    expect_usage_error("adjust --method bh", "no p-values");
    expect_usage_error("power --diff 0.1", "--p2");
    expect_usage_error("power --p2 0.1 --diff 0.1 --alpha 2", "--alpha");
    expect_usage_error("power --p2 0.1 --diff 0.1 --power 1", "--power");
    expect_usage_error("bayes 5 4 3 10", "larger than");
    expect_usage_error("seq 5 10 3 10 --alpha 1", "--alpha");
    expect_usage_error("srm 10", "two");
    expect_usage_error("srm 10 -1", "negative count");
    expect_usage_error("srm 10 12 --weights 1,0", "positive");
    expect_usage_error("ci 1.5 10", "whole number");
    expect_usage_error("ci x 10", "not a number");
    expect_usage_error("prop 1 2 3 4 --bogus", "unknown option");
    expect_usage_error("", "missing subcommand");
    expect_usage_error("nosuch", "unknown subcommand");
}

int main(void)
{
    gsl_set_error_handler_off();
    test_json();
    test_undefined();
    test_text();
    test_bad_arguments();
    TEST_MAIN_END();
}
