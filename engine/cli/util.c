/*
 * util.c — small helpers several commands share: comma-separated lists and secret files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "hookline/net.h"

size_t hl_cli_split(const char *s, char ***out)
{
    *out = NULL;
    if (!s)
        return 0;
    size_t n = 0;
    char *copy = strdup(s), *save = NULL;
    if (!copy)
        return 0;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ' || *t == '\t')
            t++;
        size_t l = strlen(t);
        while (l && (t[l - 1] == ' ' || t[l - 1] == '\t'))
            t[--l] = '\0';
        if (!l)
            continue;
        char **na = realloc(*out, (n + 1) * sizeof *na);
        if (!na)
            break;
        *out = na;
        if (((*out)[n] = strdup(t)) != NULL)
            n++;
    }
    free(copy);
    return n;
}

void hl_cli_free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

char *hl_cli_read_secret(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *s = buf;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t l = strcspn(s, "\r\n");
    while (l && (s[l - 1] == ' ' || s[l - 1] == '\t'))
        l--;
    s[l] = '\0';
    char *t = strdup(s);
    /* the secret does not linger in freed stack memory */
    volatile char *v = buf;
    for (size_t i = 0; i < sizeof buf; i++)
        v[i] = 0;
    return t;
}

void hl_cli_free_secret(char *s)
{
    if (!s)
        return;
    volatile char *v = s;
    for (size_t i = 0; s[i]; i++)
        v[i] = 0;
    free(s);
}

int hl_cli_ca_file(const hl_cli_args *a, const char *cfg_value)
{
    const char *path = hl_cli_get(a, "ca-file");
    if (!path)
        path = cfg_value;
    if (!path || !*path)
        return 0;
    hl_error err;
    return hl_net_set_ca_file(path, &err) == HL_OK ? 0 : hl_cli_report(&err);
}
