/*
 * cli.h — what the subcommands of the `hookline` executable share: the command table entry, a
 * table-driven option parser that gives every command the same --help and the same usage errors,
 * and the log level set by -q/-v. Only engine/cli uses this; the library never prints.
 */
#ifndef HL_CLI_H
#define HL_CLI_H

#include <stddef.h>

#include "hookline/hookline.h"

enum hl_cli_argkind {
    HL_ARG_FLAG,  /* --strict */
    HL_ARG_VALUE, /* --format json | --format=json */
    HL_ARG_LIST   /* --input a.csv b.csv ... (values until the next option; repeatable) */
};

typedef struct hl_cli_opt {
    const char *name;     /* long name without dashes: "format" */
    char short_name;      /* 'o', or 0 */
    enum hl_cli_argkind kind;
    const char *metavar;  /* "FILE" */
    const char *help;     /* one line */
} hl_cli_opt;

#define HL_CLI_MAX_VALUES 4096

/* The parse result. values[i] lists the values given to opts[i] in order (a VALUE option given
 * twice keeps the last); pos lists positional arguments. Pointers point into argv. */
typedef struct hl_cli_args {
    const hl_cli_opt *opts;
    size_t nopts;
    int *seen;              /* per option: how many times given */
    const char **pos;
    size_t npos;
    /* per-option list of values: filled by hl_cli_parse */
    const char ***optvals;
    size_t *noptvals;
} hl_cli_args;

typedef struct hl_cli_command {
    const char *name;
    const char *summary;  /* one line for `hookline --help` */
    int (*run)(int argc, char **argv); /* argv[0] is the command name; returns the exit code */
} hl_cli_command;

/* -q/-v: 0 quiet (errors only), 1 normal (warnings), 2+ verbose. Set by main(). */
extern int hl_cli_verbosity;

/* Parses argv[1..argc-1] against opts (a -h/--help is recognised for every command and reported
 * as a return of 1 after printing usage to stdout). Returns 0 on success, 1 when help was shown,
 * 2 after printing a usage error to stderr. On success *out owns arrays freed by
 * hl_cli_args_free. usage is the command's synopsis line(s) and description. */
int hl_cli_parse(int argc, char **argv, const char *cmd, const char *usage, const hl_cli_opt *opts,
                 size_t nopts, hl_cli_args *out);
void hl_cli_args_free(hl_cli_args *a);

/* Accessors by long name: the last value of a VALUE option (or NULL), the values of a LIST
 * option (count in *n), and whether a FLAG was given. */
const char *hl_cli_get(const hl_cli_args *a, const char *name);
const char *const *hl_cli_list(const hl_cli_args *a, const char *name, size_t *n);
int hl_cli_flag(const hl_cli_args *a, const char *name);

/* Prints the command's help (usage + option table) to stdout. */
void hl_cli_print_help(const char *cmd, const char *usage, const hl_cli_opt *opts, size_t nopts);

/* Error and warning printers: "hookline: <msg>" on stderr. hl_cli_report prints an hl_error in
 * "file:line:col: msg" form and returns its status as an exit code. */
void hl_cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hl_cli_warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hl_cli_infof(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int hl_cli_report(const hl_error *err);

/* --ca-file FILE (else the config's net.ca_file, may be NULL or ""): a private CA for every
 * TLS connection of the command. 0, or the exit code after printing the error. */
#define HL_CLI_CA_FILE_OPT                                                                     \
    {"ca-file", 0, HL_ARG_VALUE, "FILE",                                                       \
     "trust the CA certificates in FILE (PEM) instead of the system's"}
int hl_cli_ca_file(const hl_cli_args *a, const char *cfg_value);

/* The nearest of candidates to word by edit distance, or NULL if none is close. */
const char *hl_cli_suggest(const char *word, const char *const *candidates, size_t n);

/* Comma-separated values, trimmed, empty ones dropped: *out owned (hl_cli_free_list). */
size_t hl_cli_split(const char *s, char ***out);
void hl_cli_free_list(char **list, size_t n);
/* The first line of a secret file, trimmed (NULL if unreadable); hl_cli_free_secret wipes it. */
char *hl_cli_read_secret(const char *path);
void hl_cli_free_secret(char *s);

/* --timings: hl_cli_timer_lap ends a stage and prints its wall and CPU seconds on stderr
 * ("hookline: timing <stage> <s> s wall <s> s cpu"), hl_cli_timer_part a part of the stage just
 * printed (CPU seconds the library measured), hl_cli_timer_end the total and the peak RSS.
 * Silent unless started with on. */
typedef struct hl_cli_timer {
    int on;
    double wall0, cpu0, wall, cpu;
} hl_cli_timer;
void hl_cli_timer_start(hl_cli_timer *t, int on);
void hl_cli_timer_lap(hl_cli_timer *t, const char *stage);
void hl_cli_timer_part(const hl_cli_timer *t, const char *part, double cpu_s);
void hl_cli_timer_end(hl_cli_timer *t);

/* Commands. */
int hl_cli_metrics(int argc, char **argv);
int hl_cli_stats(int argc, char **argv);
int hl_cli_analyze(int argc, char **argv);
int hl_cli_config(int argc, char **argv);
int hl_cli_rules(int argc, char **argv);
int hl_cli_recipe(int argc, char **argv);
int hl_cli_pull(int argc, char **argv);
int hl_cli_deliver(int argc, char **argv);
int hl_cli_mail(int argc, char **argv);
int hl_cli_run(int argc, char **argv);
int hl_cli_ingest(int argc, char **argv);
int hl_cli_store(int argc, char **argv);
int hl_cli_experiments(int argc, char **argv);
int hl_cli_merge(int argc, char **argv);
int hl_cli_report_command(int argc, char **argv); /* `report` (hl_cli_report prints errors) */

#endif
