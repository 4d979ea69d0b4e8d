/*
 * deliver.c — POSTing recipes to a video generator's webhook. Each body carries its recipe id as
 * the Idempotency-Key and, when a secret is set, an HMAC-SHA256 signature, so the receiver can
 * both trust it and drop a duplicate. Transient failures (5xx, 408, 429 with Retry-After,
 * timeouts, refused connections) are retried with backoff; any other 4xx fails that recipe
 * alone. The caller records each outcome at once, which is what makes "never twice" hold
 * across runs.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "net/internal.h"

typedef struct hdrs {
    double retry_after_s; /* -1 when absent */
} hdrs;

static size_t on_header(char *buf, size_t size, size_t n, void *ud)
{
    hdrs *h = ud;
    size_t len = size * n;
    if (len > 12 && strncasecmp(buf, "Retry-After:", 12) == 0) {
        char v[64];
        size_t l = len - 12 < sizeof v - 1 ? len - 12 : sizeof v - 1;
        memcpy(v, buf + 12, l);
        v[l] = '\0';
        char *end;
        double s = strtod(v, &end);
        if (end != v && s >= 0)
            h->retry_after_s = s;
        else {
            /* an HTTP date: wait until then */
            time_t when = curl_getdate(v, NULL);
            if (when > 0) {
                double d = difftime(when, time(NULL));
                h->retry_after_s = d > 0 ? d : 0;
            }
        }
    }
    return len;
}

static void info(const hl_deliver_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void info(const hl_deliver_opts *o, const char *fmt, ...)
{
    if (!o->log.info)
        return;
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    o->log.info(o->log.ud, buf);
}

static void send_one(const hl_deliver_opts *o, const hl_delivery_item *it, hl_delivery_result *r,
                     unsigned long long *seed)
{
    int max_attempts = o->max_attempts > 0 ? o->max_attempts : 6;
    double base = o->retry_base_ms > 0 ? o->retry_base_ms : 500;
    double cap_ms = (o->retry_max_s > 0 ? o->retry_max_s : 120) * 1000;
    size_t blen = strlen(it->body);
    char sig[128] = "";
    if (o->secret && *o->secret) {
        char hex[65];
        hl_hmac_sha256_hex(o->secret, it->body, blen, hex);
        snprintf(sig, sizeof sig, "X-Hookline-Signature: sha256=%s", hex);
    }
    char key[160];
    snprintf(key, sizeof key, "Idempotency-Key: %.100s", it->id);
    for (r->attempts = 1; r->attempts <= max_attempts; r->attempts++) {
        CURL *c = curl_easy_init();
        hl_buf resp = {NULL, 0, 0, 1 << 20, 0};
        hdrs h = {-1};
        if (!c) {
            snprintf(r->error, sizeof r->error, "out of memory");
            return;
        }
        struct curl_slist *hl = curl_slist_append(NULL, "Content-Type: application/json");
        hl = curl_slist_append(hl, key);
        if (sig[0])
            hl = curl_slist_append(hl, sig);
        hl = curl_slist_append(hl, "Expect:");
        hl__net_harden(c, o->webhook, o->timeout_ms ? o->timeout_ms : 30000,
                       o->connect_timeout_ms ? o->connect_timeout_ms : 10000, &resp);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, it->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
        CURLcode res = curl_easy_perform(c);
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_slist_free_all(hl);
        curl_easy_cleanup(c);
        hl__buf_free(&resp);
        r->http_status = status;
        int transient;
        if (res != CURLE_OK) {
            snprintf(r->error, sizeof r->error, "%s", curl_easy_strerror(res));
            transient = 1;
        } else if (status >= 200 && status < 300) {
            r->delivered = 1;
            r->error[0] = '\0';
            info(o, "delivered %s (HTTP %ld, attempt %d)", it->id, status, r->attempts);
            return;
        } else {
            snprintf(r->error, sizeof r->error, "HTTP %ld", status);
            transient = status >= 500 || status == 408 || status == 429;
        }
        if (!transient || r->attempts == max_attempts) {
            info(o, "failed %s: %s", it->id, r->error);
            return;
        }
        double wait = h.retry_after_s >= 0 ? h.retry_after_s * 1000
                                           : hl__backoff_ms(base, r->attempts - 1, cap_ms, seed);
        if (wait > cap_ms)
            wait = cap_ms;
        info(o, "retrying %s in %.0f ms: %s", it->id, wait, r->error);
        hl__sleep_ms(wait);
    }
    r->attempts = max_attempts;
}

hl_status hl_deliver(const hl_deliver_opts *o, const hl_delivery_item *items, size_t n,
                     const unsigned char *already, hl_delivery_result *results,
                     void (*record)(void *ud, size_t i, const hl_delivery_result *r), void *ud,
                     hl_error *err)
{
    if (hl_net_check_url(o->webhook, "http", err) != HL_OK)
        return HL_EINPUT;
    unsigned long long seed = 0x853c49e6748fea9bULL;
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        hl_delivery_result *r = &results[i];
        memset(r, 0, sizeof *r);
        if (already && already[i]) {
            r->skipped = 1;
            r->delivered = 1;
            continue;
        }
        send_one(o, &items[i], r, &seed);
        if (!r->delivered)
            failed++;
        if (record)
            record(ud, i, r);
    }
    if (failed)
        return hl_error_set(err, HL_EEXTERNAL, NULL, 0, 0, "%zu of %zu recipe%s not delivered",
                            failed, n, n == 1 ? "" : "s");
    return HL_OK;
}
