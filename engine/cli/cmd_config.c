/*
 * cmd_config.c — `hookline config defaults` prints every setting with its default and meaning
 * (a valid hookline.lua); `hookline config check FILE` loads a config and prints the result.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "hookline/config.h"

static const char usage[] = "defaults | check FILE\n"
                            "\n"
                            "defaults: print every setting with its default, as a hookline.lua\n"
                            "check FILE: load FILE (unknown keys, wrong types and ranges are "
                            "errors) and print the settings in effect";

int hl_cli_config(int argc, char **argv)
{
    hl_cli_args a;
    int rc = hl_cli_parse(argc, argv, "config", usage, NULL, 0, &a);
    if (rc == 1)
        return 0;
    if (rc)
        return rc;
    hl_config cfg;
    hl_config_defaults(&cfg);
    rc = 0;
    if (a.npos == 1 && strcmp(a.pos[0], "defaults") == 0) {
        hl_config_print(stdout, &cfg);
    } else if (a.npos == 2 && strcmp(a.pos[0], "check") == 0) {
        hl_error err;
        if (hl_config_load(&cfg, a.pos[1], &err) != HL_OK)
            rc = hl_cli_report(&err);
        else
            hl_config_print(stdout, &cfg);
    } else {
        hl_cli_errorf("config: expected 'defaults' or 'check FILE'; see 'hookline config --help'");
        rc = HL_EINPUT;
    }
    hl_cli_args_free(&a);
    return rc;
}
