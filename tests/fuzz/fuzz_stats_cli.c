/*
 * fuzz_stats_cli.c — libFuzzer target for `hookline stats` (engine/cli/cmd_stats.c and the
 * option parser engine/cli/args.c over the statistics core, issue 10). The bytes are split at NUL
 * bytes into at most 48 arguments after "stats" (the first is the subcommand: ci, prop, rate,
 * adjust, power, bayes, seq, srm) and hl_cli_stats runs them as the CLI would. Checked:
 *   - the exit code is 0 (a result or --help) or 2 (a usage error), never anything else;
 *   - a successful --json run prints exactly one JSON object and no NaN or infinity anywhere
 *     (DESIGN.md §5: degenerate input gives a typed status, never NaN); a text run prints no
 *     "nan"/"inf" either.
 * stdout goes to a private file that is read back after each run; stderr (usage errors) is left
 * alone: run libFuzzer with -close_fd_mask=2 to silence it. GSL's error handler is off, as in
 * main(). Seed corpus: tests/fuzz/corpus/stats_cli (NUL-separated argument lists, from the stats
 * reference cases and each subcommand's usage). See tests/fuzz/README.md.
 */
#include <ctype.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <gsl/gsl_errno.h>

#include "cli/cli.h"
#include "fuzz_common.h"

#define FUZZ_MAX_ARGS 48
#define FUZZ_MAX_INPUT 4096

static char out_path[200];
static char *outbuf;
static size_t outcap;

static void cleanup_out(void)
{
    if (out_path[0])
        unlink(out_path);
    free(outbuf);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gsl_set_error_handler_off();
    const char *p = hl_fuzz_tmp_file("stats", "unused");
    snprintf(out_path, sizeof out_path, "%s.stdout", p);
    if (!freopen(out_path, "w+", stdout)) {
        perror(out_path);
        abort();
    }
    atexit(cleanup_out);
    return 0;
}

/* "nan" or "inf" as a word (not inside "info" or "infinite" spelled in prose). */
static const char *find_nonfinite(const char *s)
{
    for (const char *p = s; *p; p++) {
        if (p != s && isalpha((unsigned char)p[-1]))
            continue;
        if ((strncasecmp(p, "nan", 3) == 0 && !isalpha((unsigned char)p[3])) ||
            (strncasecmp(p, "inf", 3) == 0 &&
             (!isalpha((unsigned char)p[3]) || strncasecmp(p, "infinity", 8) == 0)))
            return p;
    }
    return NULL;
}

static int nonfinite_json(const cJSON *j)
{
    if (cJSON_IsNumber(j) && !isfinite(j->valuedouble))
        return 1;
    for (const cJSON *c = j->child; c; c = c->next)
        if (nonfinite_json(c))
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return -1;
    char *copy = malloc(size + 1);
    HL_FUZZ_CHECK(copy != NULL, "out of memory");
    if (size)
        memcpy(copy, data, size);
    copy[size] = '\0';
    static char stats[] = "stats";
    char *argv[FUZZ_MAX_ARGS + 2];
    int argc = 0, json = 0;
    argv[argc++] = stats;
    for (size_t i = 0; size && i <= size && argc <= FUZZ_MAX_ARGS;) {
        argv[argc++] = copy + i;
        if (strcmp(copy + i, "--json") == 0)
            json = 1;
        i += strlen(copy + i) + 1;
        if (i >= size)
            break;
    }
    argv[argc] = NULL;

    HL_FUZZ_CHECK(fflush(stdout) == 0 && fseek(stdout, 0, SEEK_SET) == 0 &&
                      ftruncate(fileno(stdout), 0) == 0,
                  "cannot reset stdout");
    hl_cli_verbosity = 1;
    int rc = hl_cli_stats(argc, argv);
    HL_FUZZ_CHECK(rc == 0 || rc == 2, "exit code %d", rc);

    HL_FUZZ_CHECK(fflush(stdout) == 0, "stdout");
    long len = ftell(stdout);
    HL_FUZZ_CHECK(len >= 0 && fseek(stdout, 0, SEEK_SET) == 0, "stdout");
    if ((size_t)len + 1 > outcap) {
        outcap = (size_t)len + 1;
        char *nb = realloc(outbuf, outcap);
        HL_FUZZ_CHECK(nb != NULL, "out of memory");
        outbuf = nb;
    }
    size_t got = fread(outbuf, 1, (size_t)len, stdout);
    HL_FUZZ_CHECK(got == (size_t)len, "read back %zu of %ld", got, len);
    outbuf[len] = '\0';
    HL_FUZZ_CHECK(strlen(outbuf) == (size_t)len, "a NUL byte on stdout");

    int help = 0;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0 ||
            strcmp(argv[i], "help") == 0)
            help = 1;
    if (rc == 0 && json && !help && len > 0) {
        const char *end = NULL;
        cJSON *j = cJSON_ParseWithOpts(outbuf, &end, 0);
        HL_FUZZ_CHECK(j != NULL, "--json printed invalid JSON: %.300s", outbuf);
        HL_FUZZ_CHECK(cJSON_IsObject(j), "--json printed no object: %.300s", outbuf);
        while (end && isspace((unsigned char)*end))
            end++;
        HL_FUZZ_CHECK(end && *end == '\0', "--json printed more than one object: %.300s", outbuf);
        HL_FUZZ_CHECK(!nonfinite_json(j), "non-finite number in %.300s", outbuf);
        cJSON_Delete(j);
    }
    if (rc == 0 && !help) {
        const char *bad = find_nonfinite(outbuf);
        HL_FUZZ_CHECK(!bad, "non-finite value printed: ...%.80s", bad);
    }
    free(copy);
    return 0;
}
