/*
 * cmd_stats.c — `hookline stats`: placeholder until the statistics core lands (issue 3).
 */
#include "cli/cli.h"

int hl_cli_stats(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    hl_cli_errorf("stats: not built yet");
    return HL_EINTERNAL;
}
