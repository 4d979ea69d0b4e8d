/*
 * net.h — the network stage (libcurl): pulling reports from TikTok's Marketing API, delivering
 * recipes to a video generator's webhook, mailing the report. Every transfer is hardened the
 * same way: TLS verified, protocols restricted (https; http and plain smtp only for loopback
 * endpoints), connect and total timeouts, a cap on response size, no signals, URLs validated,
 * and secrets (API token, webhook secret, SMTP password) never printed or logged.
 */
#ifndef HOOKLINE_NET_H
#define HOOKLINE_NET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hookline/hookline.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Calls curl_global_init once (the CLI does it at start); returns 0 or -1. */
int hl_net_init(void);

/* Trust the CA certificates in the PEM file at path instead of the system's, for every
 * connection made after the call (a private CA in front of an internal relay, generator or
 * proxy). NULL goes back to the system's. HL_EINPUT when the file cannot be read. Not
 * thread-safe: the CLI sets it once, before any transfer. */
hl_status hl_net_set_ca_file(const char *path, hl_error *err);

/* Checks a URL for use as an endpoint: scheme https (or http / smtp only when the host is a
 * loopback address: 127.0.0.0/8, ::1, localhost), a host, no user or password in it. kind is
 * "http" or "smtp" (smtp accepts smtp:// and smtps://). HL_EINPUT with the reason. */
hl_status hl_net_check_url(const char *url, const char *kind, hl_error *err);

/* Progress and log lines (stderr by the CLI); NULL callbacks print nothing. */
typedef struct hl_net_log {
    void (*info)(void *ud, const char *line);     /* -v: what is happening */
    void (*progress)(void *ud, const char *line); /* a status line, when stderr is a TTY */
    void *ud;
} hl_net_log;

/* ---- pull ---- */
typedef struct hl_pull_opts {
    const char *api_base;        /* default https://business-api.tiktok.com */
    const char *token;           /* Access-Token (secret) */
    const char *const *advertisers;
    size_t nadvertisers;
    int32_t from, to;            /* inclusive dates (days since 1970-01-01) */
    double rate;                 /* requests per second, shared by all advertisers; 0 = 5 */
    int concurrency;             /* requests in flight; 0 = 4 */
    long timeout_ms;             /* whole request; 0 = 60000 */
    long connect_timeout_ms;     /* 0 = 10000 */
    int max_attempts;            /* per request; 0 = 8 */
    double retry_base_ms;        /* first backoff; 0 = 1000 (throttles wait 60x longer) */
    double retry_budget_s;       /* total time spent waiting on retries; 0 = 1800 */
    int max_restarts;            /* pagination restarts per window; 0 = 3 */
    int window_days;             /* at most 30 */
    int keep_partial;            /* write complete windows even if others failed */
    size_t max_response;         /* bytes; 0 = 64 MiB */
    hl_net_log log;
} hl_pull_opts;

typedef struct hl_pull_report {
    size_t rows, requests, retries, restarts, splits;
    size_t windows, windows_failed;
    char missing[2048];          /* "advertiser from..to" of failed windows, when keep_partial */
} hl_pull_report;

/* Pulls every advertiser's daily ad rows for [from, to] and writes them as JSON lines (one API
 * row per line, with "advertiser_id") to out_path atomically. HL_EEXTERNAL (exit 3) when a
 * window cannot be completed (then nothing is written, unless keep_partial); HL_EINPUT for bad
 * options. */
hl_status hl_pull(const hl_pull_opts *o, const char *out_path, hl_pull_report *rep,
                  hl_error *err);

/* ---- deliver ---- */
typedef struct hl_deliver_opts {
    const char *webhook;         /* URL */
    const char *secret;          /* HMAC-SHA256 key, or NULL: no signature */
    long timeout_ms;             /* 0 = 30000 */
    long connect_timeout_ms;     /* 0 = 10000 */
    int max_attempts;            /* per recipe per run; 0 = 6 */
    double retry_base_ms;        /* 0 = 500 */
    double retry_max_s;          /* longest single wait (Retry-After is capped by it); 0 = 120 */
    hl_net_log log;
} hl_deliver_opts;

/* One request body per recipe: id (the idempotency key) and JSON text. */
typedef struct hl_delivery_item {
    const char *id;
    const char *body;
} hl_delivery_item;

typedef struct hl_delivery_result {
    int delivered;               /* 1 if a 2xx answered */
    int skipped;                 /* already delivered by an earlier run */
    long http_status;            /* last status, 0 if none */
    int attempts;
    char error[256];
} hl_delivery_result;

/* Sends each item not marked delivered in `already` (may be NULL) with Idempotency-Key and,
 * when a secret is set, X-Hookline-Signature: sha256=<hex HMAC of the body>. Retries 5xx, 408,
 * 429 (honouring Retry-After), timeouts and connection errors with backoff; other 4xx fail that
 * item only. After each item, record(ud, index, result) is called so the caller can persist the
 * outcome at once. Returns HL_OK when every item is delivered, HL_EEXTERNAL otherwise. */
hl_status hl_deliver(const hl_deliver_opts *o, const hl_delivery_item *items, size_t n,
                     const unsigned char *already, hl_delivery_result *results,
                     void (*record)(void *ud, size_t i, const hl_delivery_result *r), void *ud,
                     hl_error *err);

/* HMAC-SHA256 of data with key as 64 lowercase hex digits (+ NUL). */
void hl_hmac_sha256_hex(const char *key, const void *data, size_t len, char out[65]);

/* ---- mail ---- */
typedef struct hl_mail_opts {
    const char *smtp_url;        /* smtp://host:port or smtps:// */
    const char *from;
    const char *const *to;
    size_t nto;
    const char *subject;
    const char *user, *password; /* from the environment; may be NULL */
    int allow_plain;             /* without it STARTTLS (or smtps) is required */
    long timeout_ms;             /* 0 = 60000 */
    hl_net_log log;
} hl_mail_opts;

/* Whether addr is a plain mailbox (local@domain, printable ASCII, no spaces, quotes, angle
 * brackets, commas or line breaks): header injection through it is impossible. */
int hl_mail_address_ok(const char *addr);

/* Builds the message (multipart/alternative: the text summary and the HTML report, both
 * base64) into a malloc'd string (*msg, owned by the caller). Subject encoded per RFC 2047;
 * CR and LF never reach a header. */
hl_status hl_mail_build(const hl_mail_opts *o, const char *text, const char *html, char **msg,
                        hl_error *err);

/* Sends msg over SMTP. HL_EEXTERNAL on failure (the password never appears in the message). */
hl_status hl_mail_send(const hl_mail_opts *o, const char *msg, hl_error *err);

#ifdef __cplusplus
}
#endif

#endif
