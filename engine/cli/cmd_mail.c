/*
 * cmd_mail.c — `hookline mail`: send a run's report.html with a plain-text summary of the top
 * briefs. SMTP credentials come from HOOKLINE_SMTP_USER / HOOKLINE_SMTP_PASSWORD only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "hookline/net.h"

static const hl_cli_opt opts[] = {
    {"report", 0, HL_ARG_VALUE, "DIR", "a run's output directory (report.html, briefs.json)"},
    {"smtp", 0, HL_ARG_VALUE, "URL", "smtp://host:port (STARTTLS) or smtps://host:port"},
    {"from", 0, HL_ARG_VALUE, "ADDR", "sender address"},
    {"to", 0, HL_ARG_LIST, "ADDR[,ADDR]", "recipients"},
    {"subject", 0, HL_ARG_VALUE, "TEXT", "subject (default: hookline: N briefs for DATE)"},
    {"allow-plain", 0, HL_ARG_FLAG, NULL, "allow a relay on this machine without STARTTLS"},
    {"timeout-ms", 0, HL_ARG_VALUE, "MS", "whole transfer (default 60000)"},
    HL_CLI_CA_FILE_OPT,
};
#define NOPTS (sizeof opts / sizeof opts[0])

static const char usage[] =
    "--report DIR --smtp smtp://host:port --from ADDR --to ADDR[,ADDR] [--subject S]\n"
    "       [--allow-plain]\n"
    "\n"
    "Mails DIR/report.html with a plain-text summary of the top briefs (multipart/alternative).\n"
    "STARTTLS is required unless --allow-plain (only for a relay on this machine).\n"
    "Credentials: HOOKLINE_SMTP_USER, HOOKLINE_SMTP_PASSWORD.";

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *b = malloc(cap + 1);
    while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = cap < (64u << 20) ? realloc(b, cap * 2 + 1) : NULL;
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (b)
        b[n] = '\0';
    return b;
}

/* snprintf returns the length it wanted; the running length must never pass the buffer. */
static void bump(size_t *len, size_t cap, int wrote)
{
    if (wrote > 0)
        *len += (size_t)wrote;
    if (*len >= cap)
        *len = cap - 1;
}

/* The top briefs as text: title, first action, how it will be judged. Every field is cut:
 * briefs.json is input like any other and may hold anything. */
static char *summary(const char *briefs_json, char *subject, size_t subject_cap)
{
    cJSON *doc = briefs_json ? cJSON_Parse(briefs_json) : NULL;
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(doc, "briefs");
    const char *asof = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "as_of"));
    int n = cJSON_GetArraySize(list);
    size_t cap = 16384, len = 0;
    char *out = malloc(cap);
    if (!out) {
        cJSON_Delete(doc);
        return NULL;
    }
    bump(&len, cap,
         snprintf(out + len, cap - len, "hookline: %d creative brief%s as of %.40s.\n\n", n,
                  n == 1 ? "" : "s", asof ? asof : "?"));
    if (subject[0] == '\0')
        snprintf(subject, subject_cap, "hookline: %d brief%s for %.40s", n, n == 1 ? "" : "s",
                 asof ? asof : "today");
    int k = 0;
    const cJSON *b;
    cJSON_ArrayForEach(b, list)
    {
        if (++k > 10 || len + 2000 > cap)
            break;
        const char *title = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b, "title"));
        const cJSON *acts = cJSON_GetObjectItemCaseSensitive(b, "actions");
        const cJSON *a0 = cJSON_GetArrayItem(acts, 0);
        const char *ins = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a0, "instructions"));
        const char *typ = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a0, "type"));
        const cJSON *succ = cJSON_GetObjectItemCaseSensitive(b, "success");
        const char *crit = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(succ, "criterion"));
        bump(&len, cap,
             snprintf(out + len, cap - len, "%d. %.300s\n   %.40s: %.600s\n   Success: %.400s\n\n",
                      k, title ? title : "", typ ? typ : "action", ins ? ins : "",
                      crit ? crit : ""));
    }
    if (n > 10)
        bump(&len, cap,
             snprintf(out + len, cap - len, "... and %d more in the attached report.\n", n - 10));
    snprintf(out + len, cap - len, "\nThe full report (charts, funnels, evidence) is the HTML part "
                                   "of this message.\n");
    cJSON_Delete(doc);
    return out;
}

int hl_cli_mail(int argc, char **argv)
{
    hl_cli_args a;
    int rc = hl_cli_parse(argc, argv, "mail", usage, opts, NOPTS, &a);
    if (rc == 1)
        return 0;
    if (rc)
        return rc;
    if ((rc = hl_cli_ca_file(&a, NULL)) != 0) {
        hl_cli_args_free(&a);
        return rc;
    }
    rc = HL_EINPUT;
    char *html = NULL, *bj = NULL, *text = NULL, *msg = NULL;
    char **to = NULL;
    size_t nto = 0;
    const char *dir = hl_cli_get(&a, "report"), *smtp = hl_cli_get(&a, "smtp"),
               *from = hl_cli_get(&a, "from");
    size_t nraw;
    const char *const *raw = hl_cli_list(&a, "to", &nraw);
    if (!dir || !smtp || !from || !nraw) {
        hl_cli_errorf("mail: --report, --smtp, --from and --to are required");
        goto out;
    }
    for (size_t i = 0; i < nraw; i++) {
        char *copy = strdup(raw[i]), *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            while (*t == ' ')
                t++;
            char **nt = realloc(to, (nto + 1) * sizeof *nt);
            if (!nt)
                break;
            to = nt;
            to[nto++] = strdup(t);
        }
        free(copy);
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/report.html", dir);
    html = slurp(path);
    if (!html) {
        hl_cli_errorf("mail: no report at %s (run `hookline analyze ... --out %s` first)", path, dir);
        goto out;
    }
    snprintf(path, sizeof path, "%s/briefs.json", dir);
    bj = slurp(path);
    char subject[400] = "";
    const char *s = hl_cli_get(&a, "subject");
    if (s) {
        snprintf(subject, sizeof subject, "%s", s);
        /* a subject cut to fit ends on a character boundary */
        size_t l = strlen(subject);
        if (l < strlen(s)) {
            while (l > 0 && ((unsigned char)subject[l - 1] & 0xC0) == 0x80)
                l--;
            if (l > 0 && ((unsigned char)subject[l - 1] & 0xC0) == 0xC0)
                l--;
            subject[l] = '\0';
        }
    }
    text = summary(bj, subject, sizeof subject);
    hl_mail_opts o;
    memset(&o, 0, sizeof o);
    o.smtp_url = smtp;
    o.from = from;
    o.to = (const char *const *)to;
    o.nto = nto;
    o.subject = subject;
    o.user = getenv("HOOKLINE_SMTP_USER");
    o.password = getenv("HOOKLINE_SMTP_PASSWORD");
    o.allow_plain = hl_cli_flag(&a, "allow-plain");
    const char *t = hl_cli_get(&a, "timeout-ms");
    if (t)
        o.timeout_ms = strtol(t, NULL, 10);
    hl_error err;
    memset(&err, 0, sizeof err);
    if (hl_net_check_url(smtp, "smtp", &err) != HL_OK ||
        hl_mail_build(&o, text, html, &msg, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    hl_net_init();
    if (hl_mail_send(&o, msg, &err) != HL_OK) {
        rc = hl_cli_report(&err);
        goto out;
    }
    if (hl_cli_verbosity >= 1)
        fprintf(stderr, "hookline: report mailed to %zu recipient%s\n", nto, nto == 1 ? "" : "s");
    rc = 0;
out:
    for (size_t i = 0; i < nto; i++)
        free(to[i]);
    free(to);
    free(html);
    free(bj);
    free(text);
    free(msg);
    hl_cli_args_free(&a);
    return rc;
}
