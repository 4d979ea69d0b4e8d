/*
 * main.c — the `hookline` executable: global options (-q, -v), the git-style command table, help
 * and version. Each command lives in its own cmd_<name>.c and returns its exit code.
 */
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "hookline/hookline.h"

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const hl_cli_command commands[] = {
    {"metrics", "aggregate ad-day exports/reports into counters and metrics", hl_cli_metrics},
    {"run", "the nightly job: pull, store, analyse, brief, deliver, mail", hl_cli_run},
    {"ingest", "load exports or API rows into the history store", hl_cli_ingest},
    {"store", "prune, export or check the history store", hl_cli_store},
    {"experiments", "launched variants and whether their hypotheses held", hl_cli_experiments},
    {"merge", "join the outputs of sharded runs into one", hl_cli_merge},
    {"analyze", "compare creatives, test trends, diagnose: writes DIR/findings.json", hl_cli_analyze},
    {"report", "a report template (creative performance, funnel, yours) as table/csv/md/html/json",
     hl_cli_report_command},
    {"pull", "pull daily ad rows from TikTok's Marketing API into JSON lines", hl_cli_pull},
    {"deliver", "post recipes to a video generator's webhook, each exactly once", hl_cli_deliver},
    {"mail", "mail the report (HTML + a text summary of the top briefs)", hl_cli_mail},
    {"stats", "statistics calculator: intervals, tests, power, sequential, Bayes", hl_cli_stats},
    {"rules", "check, list or test a Lua rule pack", hl_cli_rules},
    {"recipe", "print a recipe's ffmpeg splice, or recipes as generator requests", hl_cli_recipe},
    {"config", "print the default settings or check a hookline.lua", hl_cli_config},
    {"help", "show help for a command", cmd_help},
    {"version", "print hookline's version", cmd_version},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void print_usage(FILE *f)
{
    fprintf(f,
            "usage: hookline [-q|-v] <command> [options]\n"
            "\n"
            "hookline compares short-video ad creatives with honest statistics, diagnoses what is\n"
            "wrong with each, and writes creative briefs.\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f,
            "\n"
            "global options:\n"
            "  -q, --quiet    errors only\n"
            "  -v, --verbose  more detail on stderr (repeat for more)\n"
            "  -h, --help     this help; `hookline help COMMAND` or `hookline COMMAND --help`\n"
            "\n"
            "exit codes: 0 ok, 1 findings need attention, 2 bad input or usage,\n"
            "            3 external failure (network, API, file system), 4 internal error\n");
}

static const hl_cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int unknown_command(const char *name)
{
    const char *names[NCOMMANDS];
    for (size_t i = 0; i < NCOMMANDS; i++)
        names[i] = commands[i].name;
    const char *s = hl_cli_suggest(name, names, NCOMMANDS);
    if (s)
        hl_cli_errorf("unknown command '%s' (did you mean '%s'?); see 'hookline --help'", name, s);
    else
        hl_cli_errorf("unknown command '%s'; see 'hookline --help'", name);
    return HL_EINPUT;
}

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("hookline %s\n", hl_version());
    return 0;
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stdout);
        return 0;
    }
    const hl_cli_command *c = find_command(argv[1]);
    if (!c)
        return unknown_command(argv[1]);
    static char help_flag[] = "--help";
    char *sub[] = {argv[1], help_flag, NULL};
    return c->run(2, sub);
}

int main(int argc, char **argv)
{
    /* GSL's default handler aborts the process; the library checks every status instead. */
    gsl_set_error_handler_off();
    /* A SIGTERM (a cron timeout, a deploy) removes the temporary outputs being written. */
    hl_cleanup_install();

    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
            hl_cli_verbosity = 0;
        else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
            hl_cli_verbosity++;
        else if (strcmp(a, "-vv") == 0)
            hl_cli_verbosity += 2;
        else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            print_usage(stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0)
            return cmd_version(0, NULL);
        else {
            hl_cli_errorf("unknown option '%s'; see 'hookline --help'", a);
            return HL_EINPUT;
        }
    }
    if (i >= argc) {
        print_usage(stderr);
        return HL_EINPUT;
    }
    const hl_cli_command *c = find_command(argv[i]);
    if (!c)
        return unknown_command(argv[i]);
    return c->run(argc - i, argv + i);
}
