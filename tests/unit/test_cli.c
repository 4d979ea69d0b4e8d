/*
 * test_cli.c — unit tests of the CLI's shared option parser and suggestions (engine/cli/args.c):
 * every command relies on them for --opt VALUE, --opt=VALUE, lists, flags and usage errors.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/tabular.h"
#include "hl_test.h"

static const hl_cli_opt opts[] = {
    {"input", 'i', HL_ARG_LIST, "FILE", "inputs"},
    {"format", 'f', HL_ARG_VALUE, "FMT", "format"},
    {"strict", 0, HL_ARG_FLAG, NULL, "strict"},
};

/* Splits a command line on spaces into a static, writable argv. */
static int parse(const char *line, hl_cli_args *a)
{
    static char buf[512];
    static char *argv[64];
    int argc = 0;
    snprintf(buf, sizeof buf, "%s", line);
    for (char *tok = strtok(buf, " "); tok && argc < 63; tok = strtok(NULL, " "))
        argv[argc++] = tok;
    argv[argc] = NULL;
    return hl_cli_parse(argc, argv, "t", "", opts, 3, a);
}

static void test_parse(void)
{
    hl_cli_args a;
    /* "pos" after --format=json is positional; -3 is a value, not an option */
    CHECK_INT(parse("t --input a.csv b.json --format=json pos --strict -i c.csv -f csv -3", &a), 0);
    size_t n;
    const char *const *in = hl_cli_list(&a, "input", &n);
    CHECK_INT(n, 3);
    CHECK_STR(in[0], "a.csv");
    CHECK_STR(in[1], "b.json");
    CHECK_STR(in[2], "c.csv");
    CHECK_STR(hl_cli_get(&a, "format"), "csv"); /* the last one wins */
    CHECK_INT(hl_cli_flag(&a, "strict"), 1);
    CHECK_INT(a.npos, 2);
    CHECK_STR(a.pos[0], "pos");
    CHECK_STR(a.pos[1], "-3");
    hl_cli_args_free(&a);

    int saved = hl_cli_verbosity;
    hl_cli_verbosity = 0; /* keep the expected errors off the test log */
    CHECK_INT(parse("t --formt json", &a), 2);
    CHECK_INT(parse("t --format", &a), 2);
    CHECK_INT(parse("t --strict=yes", &a), 2);
    hl_cli_verbosity = saved;
}

static void test_suggest(void)
{
    const char *names[] = {"metrics", "stats", "help", "version"};
    CHECK_STR(hl_cli_suggest("metric", names, 4), "metrics");
    CHECK_STR(hl_cli_suggest("stat", names, 4), "stats");
    CHECK(hl_cli_suggest("zzzzzzzz", names, 4) == NULL);
}

static void test_formats(void)
{
    hl_fmt f;
    CHECK_INT(hl_fmt_from_name("json", &f), 0);
    CHECK_INT(f, HL_FMT_JSON);
    CHECK_INT(hl_fmt_from_name("markdown", &f), 0);
    CHECK_INT(f, HL_FMT_MD);
    CHECK_INT(hl_fmt_from_name("xml", &f), -1);

    FILE *t = tmpfile();
    hl_json_number(t, 0.1);
    fputc(' ', t);
    hl_json_number(t, 1234567.0);
    fputc(' ', t);
    hl_json_number(t, 1.0 / 3.0);
    fputc(' ', t);
    hl_json_string(t, "a\"b\\\n\x01");
    rewind(t);
    char buf[200] = {0};
    size_t got = fread(buf, 1, sizeof buf - 1, t);
    buf[got] = '\0';
    CHECK_STR(buf, "0.1 1234567 0.3333333333333333 \"a\\\"b\\\\\\n\\u0001\"");
    fclose(t);
}

/* CSV output: formula-looking text is neutralised, numbers are not. */
static const char *csv_names[] = {"name", "value"};
static const hl_colkind csv_kinds[] = {HL_CK_TEXT, HL_CK_NUMBER};
static void csv_get(void *ud, size_t r, size_t c, hl_cellval *out)
{
    (void)ud;
    static const char *texts[] = {"=cmd|' /C calc'!A0", "plain, \"quoted\"", "-5 days"};
    out->is_null = 0;
    out->text = texts[r];
    out->num = r == 2 ? -5 : 1.5;
    if (c == 1 && r == 1)
        out->is_null = 1;
}

static void test_csv_injection(void)
{
    hl_tab tab = {2, 3, csv_names, csv_kinds, csv_get, NULL};
    FILE *t = tmpfile();
    CHECK_INT(hl_tab_write(t, &tab, HL_FMT_CSV, 0), 0);
    rewind(t);
    char buf[400] = {0};
    size_t got = fread(buf, 1, sizeof buf - 1, t);
    buf[got] = '\0';
    CHECK_STR(buf, "name,value\r\n\"'=cmd|' /C calc'!A0\",1.5\r\n\"plain, \"\"quoted\"\"\",\r\n"
                   "\"'-5 days\",-5\r\n");
    fclose(t);
}

int main(void)
{
    test_parse();
    test_suggest();
    test_formats();
    test_csv_injection();
    TEST_MAIN_END();
}
