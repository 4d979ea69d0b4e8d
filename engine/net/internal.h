/*
 * internal.h — what the network commands share: a hardened curl easy handle, a size-capped
 * response buffer, backoff with jitter, and the loopback test for plain-text endpoints.
 * Private to engine/net.
 */
#ifndef HL_NET_INTERNAL_H
#define HL_NET_INTERNAL_H

#include <curl/curl.h>

#include "hookline/net.h"

typedef struct hl_buf {
    char *data;
    size_t len, cap, limit;
    int overflow;
} hl_buf;

void hl__buf_reset(hl_buf *b);
void hl__buf_free(hl_buf *b);
size_t hl__buf_write(char *ptr, size_t size, size_t nmemb, void *ud);

/* Applies the common hardening to an easy handle for url: protocols (https, plus http/smtp
 * only for loopback hosts), TLS verification, no redirects, timeouts, no signals, response cap
 * through the write callback into buf (may be NULL). Returns 0 or -1 (url rejected). */
int hl__net_harden(CURL *c, const char *url, long timeout_ms, long connect_ms, hl_buf *buf);

/* Whether the URL's host is a loopback address. */
int hl__net_is_loopback_url(const char *url);

/* Backoff: base * 2^attempt, capped, times a jitter in [0.5, 1). Deterministic seedable. */
double hl__backoff_ms(double base_ms, int attempt, double cap_ms, unsigned long long *seed);

/* Monotonic milliseconds. */
double hl__now_ms(void);
void hl__sleep_ms(double ms);

#endif
