/*
 * args.c — the option parser and message printers shared by every `hookline` command. One parser
 * means every command accepts --opt VALUE and --opt=VALUE, lists after --input, -h/--help and
 * -q/-v in the same way, and rejects unknown options with the same message and a suggestion.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/suggest.h"

int hl_cli_verbosity = 1;

static void vprint(const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void vprint(const char *prefix, const char *fmt, va_list ap)
{
    fputs("hookline: ", stderr);
    if (prefix)
        fputs(prefix, stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void hl_cli_errorf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint("error: ", fmt, ap);
    va_end(ap);
}

void hl_cli_warnf(const char *fmt, ...)
{
    if (hl_cli_verbosity < 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprint("warning: ", fmt, ap);
    va_end(ap);
}

void hl_cli_infof(const char *fmt, ...)
{
    if (hl_cli_verbosity < 2)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprint(NULL, fmt, ap);
    va_end(ap);
}

int hl_cli_report(const hl_error *err)
{
    char buf[2048];
    hl_error_format(err, buf, sizeof buf);
    fprintf(stderr, "%s\n", buf);
    return err->status ? (int)err->status : HL_EINTERNAL;
}

const char *hl_cli_suggest(const char *word, const char *const *candidates, size_t n)
{
    return hl_nearest(word, candidates, n);
}

void hl_cli_print_help(const char *cmd, const char *usage, const hl_cli_opt *opts, size_t nopts)
{
    printf("usage: hookline %s %s\n\noptions:\n", cmd, usage);
    for (size_t i = 0; i < nopts; i++) {
        char left[96];
        const char *mv = opts[i].metavar ? opts[i].metavar : "";
        const char *dots = opts[i].kind == HL_ARG_LIST ? "..." : "";
        if (opts[i].short_name)
            snprintf(left, sizeof left, "-%c, --%s%s%s%s", opts[i].short_name, opts[i].name,
                     opts[i].kind == HL_ARG_FLAG ? "" : " ", mv, dots);
        else
            snprintf(left, sizeof left, "    --%s%s%s%s", opts[i].name,
                     opts[i].kind == HL_ARG_FLAG ? "" : " ", mv, dots);
        printf("  %-30s %s\n", left, opts[i].help);
    }
    printf("  %-30s %s\n", "-q, --quiet", "errors only");
    printf("  %-30s %s\n", "-v, --verbose", "more detail on stderr");
    printf("  %-30s %s\n", "-h, --help", "this help");
}

static long find_opt(const hl_cli_opt *opts, size_t nopts, const char *name, size_t len)
{
    for (size_t i = 0; i < nopts; i++)
        if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
            return (long)i;
    return -1;
}

static long find_short(const hl_cli_opt *opts, size_t nopts, char c)
{
    for (size_t i = 0; i < nopts; i++)
        if (opts[i].short_name == c)
            return (long)i;
    return -1;
}

/* An argument that starts an option. A lone "-" and negative numbers ("-3", "-0.5") are values,
 * so `stats` can report "negative count" instead of "unknown option". */
static int is_option(const char *s)
{
    if (s[0] != '-' || s[1] == '\0')
        return 0;
    if ((s[1] >= '0' && s[1] <= '9') || s[1] == '.')
        return 0;
    return 1;
}

static int add_value(hl_cli_args *a, size_t opt, const char *v)
{
    size_t n = a->noptvals[opt];
    const char **nv = realloc(a->optvals[opt], (n + 1) * sizeof *nv);
    if (!nv)
        return -1;
    nv[n] = v;
    a->optvals[opt] = nv;
    a->noptvals[opt] = n + 1;
    return 0;
}

void hl_cli_args_free(hl_cli_args *a)
{
    if (!a)
        return;
    if (a->optvals)
        for (size_t i = 0; i < a->nopts; i++)
            free(a->optvals[i]);
    free(a->optvals);
    free(a->noptvals);
    free(a->seen);
    free(a->pos);
    memset(a, 0, sizeof *a);
}

static int usage_error(hl_cli_args *a, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int usage_error(hl_cli_args *a, const char *cmd, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hl_cli_errorf("%s: %s; see 'hookline %s --help'", cmd, msg, cmd);
    hl_cli_args_free(a);
    return 2;
}

int hl_cli_parse(int argc, char **argv, const char *cmd, const char *usage, const hl_cli_opt *opts,
                 size_t nopts, hl_cli_args *a)
{
    memset(a, 0, sizeof *a);
    a->opts = opts;
    a->nopts = nopts;
    a->seen = calloc(nopts + 1, sizeof *a->seen);
    a->optvals = calloc(nopts + 1, sizeof *a->optvals);
    a->noptvals = calloc(nopts + 1, sizeof *a->noptvals);
    a->pos = calloc((size_t)argc + 1, sizeof *a->pos);
    if (!a->seen || !a->optvals || !a->noptvals || !a->pos) {
        hl_cli_args_free(a);
        hl_cli_errorf("out of memory");
        return 4;
    }
    int only_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (only_pos || !is_option(s)) {
            a->pos[a->npos++] = s;
            continue;
        }
        if (strcmp(s, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            hl_cli_print_help(cmd, usage, opts, nopts);
            hl_cli_args_free(a);
            return 1;
        }
        if (strcmp(s, "-q") == 0 || strcmp(s, "--quiet") == 0) {
            hl_cli_verbosity = 0;
            continue;
        }
        if (strcmp(s, "-v") == 0 || strcmp(s, "--verbose") == 0) {
            hl_cli_verbosity++;
            continue;
        }
        long k;
        const char *inline_val = NULL;
        if (s[1] == '-') {
            const char *name = s + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            k = find_opt(opts, nopts, name, len);
            if (k < 0) {
                const char *names[256];
                size_t nn = nopts < 256 ? nopts : 256;
                for (size_t j = 0; j < nn; j++)
                    names[j] = opts[j].name;
                char word[128];
                snprintf(word, sizeof word, "%.*s", (int)(len < 100 ? len : 100), name);
                const char *sug = hl_cli_suggest(word, names, nn);
                if (sug)
                    return usage_error(a, cmd, "unknown option '--%s' (did you mean '--%s'?)", word,
                                       sug);
                return usage_error(a, cmd, "unknown option '--%s'", word);
            }
            if (eq)
                inline_val = eq + 1;
        } else {
            if (s[2] != '\0')
                return usage_error(a, cmd, "unknown option '%s'", s);
            k = find_short(opts, nopts, s[1]);
            if (k < 0)
                return usage_error(a, cmd, "unknown option '%s'", s);
        }
        const hl_cli_opt *o = &opts[k];
        a->seen[k]++;
        if (o->kind == HL_ARG_FLAG) {
            if (inline_val)
                return usage_error(a, cmd, "option '--%s' takes no value", o->name);
            continue;
        }
        if (inline_val) {
            if (o->kind == HL_ARG_VALUE && a->noptvals[k])
                a->noptvals[k] = 0;
            if (add_value(a, (size_t)k, inline_val) < 0)
                return usage_error(a, cmd, "out of memory");
            continue;
        }
        if (i + 1 >= argc || is_option(argv[i + 1]))
            return usage_error(a, cmd, "option '--%s' needs a value (%s)", o->name,
                               o->metavar ? o->metavar : "VALUE");
        if (o->kind == HL_ARG_VALUE) {
            a->noptvals[k] = 0; /* the last one given wins */
            if (add_value(a, (size_t)k, argv[++i]) < 0)
                return usage_error(a, cmd, "out of memory");
        } else {
            while (i + 1 < argc && !is_option(argv[i + 1]))
                if (add_value(a, (size_t)k, argv[++i]) < 0)
                    return usage_error(a, cmd, "out of memory");
        }
    }
    return 0;
}

static long index_of(const hl_cli_args *a, const char *name)
{
    return find_opt(a->opts, a->nopts, name, strlen(name));
}

const char *hl_cli_get(const hl_cli_args *a, const char *name)
{
    long k = index_of(a, name);
    if (k < 0 || a->noptvals[k] == 0)
        return NULL;
    return a->optvals[k][a->noptvals[k] - 1];
}

const char *const *hl_cli_list(const hl_cli_args *a, const char *name, size_t *n)
{
    long k = index_of(a, name);
    if (k < 0) {
        *n = 0;
        return NULL;
    }
    *n = a->noptvals[k];
    return a->optvals[k];
}

int hl_cli_flag(const hl_cli_args *a, const char *name)
{
    long k = index_of(a, name);
    return k >= 0 ? a->seen[k] : 0;
}
