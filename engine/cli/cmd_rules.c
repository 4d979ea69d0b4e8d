/*
 * cmd_rules.c — `hookline rules check|list|test [DIR]`: load and lint a rule pack (every
 * problem with file:line, exit 2 if any), list its rules, run its data-driven tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "hookline/rules.h"

static const char usage[] =
    "check|list|test [DIR]\n"
    "\n"
    "check: load every rule file of DIR and report every problem with file:line (exit 2 if any)\n"
    "list:  list the rules of DIR: name, kind, the diagnosis codes they handle, file:line\n"
    "test:  run DIR/tests/*.json (findings in, expected briefs out); exit 1 if any fails\n"
    "DIR defaults to the bundled rule pack. See scripts/SCRIPTING.md.";

static const hl_cli_opt opts[] = {
    {"instructions", 0, HL_ARG_VALUE, "N", "instruction budget per rule call"},
};

int hl_cli_rules(int argc, char **argv)
{
    hl_cli_args a;
    int rc = hl_cli_parse(argc, argv, "rules", usage, opts, 1, &a);
    if (rc == 1)
        return 0;
    if (rc)
        return rc;
    if (a.npos < 1 || a.npos > 2 ||
        (strcmp(a.pos[0], "check") != 0 && strcmp(a.pos[0], "list") != 0 &&
         strcmp(a.pos[0], "test") != 0)) {
        hl_cli_errorf("rules: expected check, list or test; see 'hookline rules --help'");
        hl_cli_args_free(&a);
        return HL_EINPUT;
    }
    const char *cmd = a.pos[0];
    const char *dir = a.npos == 2 ? a.pos[1] : hl_rules_default_dir();
    hl_rules_limits lim = {0, 0};
    const char *ins = hl_cli_get(&a, "instructions");
    if (ins) {
        char *end;
        long v = strtol(ins, &end, 10);
        if (*end || v < 1000) {
            hl_cli_errorf("rules: --instructions: expected a number >= 1000 ('%s')", ins);
            hl_cli_args_free(&a);
            return HL_EINPUT;
        }
        lim.instructions = v;
    }
    hl_rules *r = NULL;
    hl_error err;
    if (hl_rules_load(dir, &lim, &r, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        hl_cli_args_free(&a);
        return rc;
    }
    size_t np = hl_rules_problem_count(r);
    rc = 0;
    if (strcmp(cmd, "check") == 0) {
        for (size_t i = 0; i < np; i++) {
            const hl_rule_problem *p = hl_rules_problem(r, i);
            if (p->line)
                fprintf(stderr, "%s:%lu: %s\n", p->file, p->line, p->message);
            else
                fprintf(stderr, "%s: %s\n", p->file, p->message);
        }
        printf("%zu rule%s, %zu problem%s in %s\n", hl_rules_count(r),
               hl_rules_count(r) == 1 ? "" : "s", np, np == 1 ? "" : "s", dir);
        rc = np ? HL_EINPUT : 0;
    } else if (strcmp(cmd, "list") == 0) {
        static const char *const kinds[] = {"brief", "diagnose", "suppress"};
        for (size_t i = 0; i < hl_rules_count(r); i++) {
            const hl_rule_info *ri = hl_rules_info(r, i);
            char codes[512] = "";
            size_t cl = 0;
            for (size_t k = 0; k < ri->ncodes && cl < sizeof codes; k++)
                cl += (size_t)snprintf(codes + cl, sizeof codes - cl, "%s%s", k ? "," : "",
                                       ri->codes[k]);
            if (ri->has_when && cl < sizeof codes)
                snprintf(codes + cl, sizeof codes - cl, "%swhen()", cl ? "," : "");
            printf("%-32s %-8s %-40s %s:%lu\n", ri->name, kinds[ri->kind],
                   codes[0] ? codes : "-", ri->file, ri->line);
        }
        for (size_t i = 0; i < np; i++) {
            const hl_rule_problem *p = hl_rules_problem(r, i);
            fprintf(stderr, "%s:%lu: %s\n", p->file, p->line, p->message);
        }
    } else {
        int passed, failed;
        for (size_t i = 0; i < np; i++) {
            const hl_rule_problem *p = hl_rules_problem(r, i);
            fprintf(stderr, "%s:%lu: %s\n", p->file, p->line, p->message);
        }
        if (hl_rules_test_dir(r, dir, stdout, hl_cli_verbosity >= 2, &passed, &failed) < 0) {
            hl_cli_errorf("rules: no tests directory in %s", dir);
            rc = HL_EINPUT;
        } else {
            printf("%d passed, %d failed\n", passed, failed);
            rc = failed || np ? HL_ATTENTION : 0;
        }
    }
    hl_rules_free(r);
    hl_cli_args_free(&a);
    return rc;
}
