/*
 * mail.c — the report by mail: a multipart/alternative message (a plain-text summary and the
 * HTML report), sent over SMTP with STARTTLS required unless the user allows plain text for a
 * local relay. Addresses are plain mailboxes and the subject is RFC 2047-encoded with line
 * breaks removed, so nothing a user typed can add a header.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/hash.h"
#include "net/internal.h"

int hl_mail_address_ok(const char *a)
{
    if (!a)
        return 0;
    size_t n = strlen(a);
    if (n < 3 || n > 254)
        return 0;
    const char *at = strchr(a, '@');
    if (!at || strchr(at + 1, '@') || at == a || at[1] == '\0')
        return 0;
    size_t local = (size_t)(at - a);
    if (local > 64 || a[0] == '.' || at[-1] == '.')
        return 0;
    for (const char *p = a; p < at; p++) {
        unsigned char c = (unsigned char)*p;
        if (!(isalnum(c) || strchr(".!#$%&'*+/=?^_`{|}~-", c)) || (c == '.' && p[1] == '.'))
            return 0;
    }
    const char *d = at + 1;
    if (*d == '.' || *d == '-' || d[strlen(d) - 1] == '.' || d[strlen(d) - 1] == '-')
        return 0;
    for (const char *p = d; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (!(isalnum(c) || c == '-' || c == '.') || (c == '.' && p[1] == '.'))
            return 0;
    }
    return 1;
}

typedef struct sb {
    char *s;
    size_t len, cap;
    int oom;
} sb;

static void put(sb *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 8192;
        while (nc < b->len + n + 1)
            nc *= 2;
        char *ns = realloc(b->s, nc);
        if (!ns) {
            b->oom = 1;
            return;
        }
        b->s = ns;
        b->cap = nc;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void puts_(sb *b, const char *s)
{
    put(b, s, strlen(s));
}

static void base64(sb *b, const unsigned char *d, size_t n, size_t line)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t col = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)d[i + 1] << 8;
        if (i + 2 < n)
            v |= d[i + 2];
        char q[4] = {t[(v >> 18) & 63], t[(v >> 12) & 63], i + 1 < n ? t[(v >> 6) & 63] : '=',
                     i + 2 < n ? t[v & 63] : '='};
        put(b, q, 4);
        col += 4;
        if (line && col >= line && i + 3 < n) {
            puts_(b, "\r\n");
            col = 0;
        }
    }
}

/* RFC 2047: =?UTF-8?B?...?= in chunks short enough for 76-character lines; CR/LF dropped. */
static void encoded_subject(sb *b, const char *subject)
{
    char clean[1000];
    size_t o = 0;
    for (const char *p = subject; *p && o + 1 < sizeof clean; p++)
        clean[o++] = (*p == '\r' || *p == '\n' || *p == '\t') ? ' ' : *p;
    clean[o] = '\0';
    size_t i = 0;
    int first = 1;
    while (i < o) {
        /* 45 bytes -> 60 base64 chars; do not split a UTF-8 sequence */
        size_t chunk = o - i < 45 ? o - i : 45;
        while (chunk > 1 && i + chunk < o && ((unsigned char)clean[i + chunk] & 0xC0) == 0x80)
            chunk--;
        if (!first)
            puts_(b, "\r\n ");
        puts_(b, "=?UTF-8?B?");
        base64(b, (const unsigned char *)clean + i, chunk, 0);
        puts_(b, "?=");
        i += chunk;
        first = 0;
    }
}

hl_status hl_mail_build(const hl_mail_opts *o, const char *text, const char *html, char **msg,
                        hl_error *err)
{
    *msg = NULL;
    if (!hl_mail_address_ok(o->from))
        return hl_error_set(err, HL_EINPUT, NULL, 0, 0, "--from is not a plain mail address");
    if (o->nto == 0)
        return hl_error_set(err, HL_EINPUT, NULL, 0, 0, "no recipient");
    for (size_t i = 0; i < o->nto; i++)
        if (!hl_mail_address_ok(o->to[i]))
            return hl_error_set(err, HL_EINPUT, NULL, 0, 0,
                                "recipient %zu is not a plain mail address", i + 1);
    sb b = {NULL, 0, 0, 0};
    char line[512];
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    strftime(line, sizeof line, "Date: %a, %d %b %Y %H:%M:%S +0000\r\n", &tmv);
    puts_(&b, line);
    snprintf(line, sizeof line, "From: <%s>\r\n", o->from);
    puts_(&b, line);
    puts_(&b, "To: ");
    for (size_t i = 0; i < o->nto; i++) {
        snprintf(line, sizeof line, "%s<%s>", i ? ",\r\n " : "", o->to[i]);
        puts_(&b, line);
    }
    puts_(&b, "\r\nSubject: ");
    encoded_subject(&b, o->subject ? o->subject : "hookline report");
    unsigned long long h = hl_hash_bytes(html ? html : "", html ? strlen(html) : 0) ^
                           (unsigned long long)now;
    snprintf(line, sizeof line,
             "\r\nMessage-ID: <%016llx.hookline@%s>\r\nMIME-Version: 1.0\r\n"
             "Content-Type: multipart/alternative; boundary=\"hl-%016llx\"\r\n\r\n",
             h, strchr(o->from, '@') + 1, h);
    puts_(&b, line);
    puts_(&b, "This is a multipart message in MIME format.\r\n");
    snprintf(line, sizeof line,
             "\r\n--hl-%016llx\r\nContent-Type: text/plain; charset=UTF-8\r\n"
             "Content-Transfer-Encoding: base64\r\n\r\n",
             h);
    puts_(&b, line);
    base64(&b, (const unsigned char *)(text ? text : ""), text ? strlen(text) : 0, 76);
    snprintf(line, sizeof line,
             "\r\n--hl-%016llx\r\nContent-Type: text/html; charset=UTF-8\r\n"
             "Content-Disposition: inline; filename=\"report.html\"\r\n"
             "Content-Transfer-Encoding: base64\r\n\r\n",
             h);
    puts_(&b, line);
    base64(&b, (const unsigned char *)(html ? html : ""), html ? strlen(html) : 0, 76);
    snprintf(line, sizeof line, "\r\n--hl-%016llx--\r\n", h);
    puts_(&b, line);
    if (b.oom) {
        free(b.s);
        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
    }
    *msg = b.s;
    return HL_OK;
}

typedef struct reader {
    const char *p;
    size_t left;
} reader;

static size_t read_cb(char *buf, size_t size, size_t n, void *ud)
{
    reader *r = ud;
    size_t want = size * n;
    size_t k = r->left < want ? r->left : want;
    memcpy(buf, r->p, k);
    r->p += k;
    r->left -= k;
    return k;
}

hl_status hl_mail_send(const hl_mail_opts *o, const char *msg, hl_error *err)
{
    if (hl_net_check_url(o->smtp_url, "smtp", err) != HL_OK)
        return HL_EINPUT;
    int loop = hl__net_is_loopback_url(o->smtp_url);
    if (o->allow_plain && !loop)
        return hl_error_set(err, HL_EINPUT, NULL, 0, 0,
                            "--allow-plain is only for a relay on this machine (loopback)");
    CURL *c = curl_easy_init();
    if (!c)
        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
    hl__net_harden(c, o->smtp_url, o->timeout_ms ? o->timeout_ms : 60000, 10000, NULL);
    struct curl_slist *rcpt = NULL;
    for (size_t i = 0; i < o->nto; i++)
        rcpt = curl_slist_append(rcpt, o->to[i]);
    char from[300];
    snprintf(from, sizeof from, "<%s>", o->from);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    /* STARTTLS is required (smtps:// is TLS from the start); a local relay may be allowed to
     * stay in clear text, and then TLS is still used if offered. */
    curl_easy_setopt(c, CURLOPT_USE_SSL, o->allow_plain ? (long)CURLUSESSL_TRY : (long)CURLUSESSL_ALL);
    if (o->user && *o->user) {
        curl_easy_setopt(c, CURLOPT_USERNAME, o->user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, o->password ? o->password : "");
    }
    reader r = {msg, strlen(msg)};
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &r);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    CURLcode res = curl_easy_perform(c);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
    if (res != CURLE_OK)
        return hl_error_set(err, HL_EEXTERNAL, NULL, 0, 0, "mail not sent: %s%s",
                            curl_easy_strerror(res),
                            res == CURLE_USE_SSL_FAILED
                                ? " (the server does not offer STARTTLS; --allow-plain for a "
                                  "local relay)"
                                : "");
    return HL_OK;
}
