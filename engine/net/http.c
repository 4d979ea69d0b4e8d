/*
 * http.c — the hardening every hookline transfer shares. One place sets TLS verification, the
 * protocol allow-list, timeouts, the no-signal flag and the response cap, so no command can
 * forget one; URLs are parsed with curl's own parser (the one that will use them) and refused
 * when they carry credentials or point plain-text protocols anywhere but loopback.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "net/internal.h"

int hl_net_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static char ca_file[4096]; /* "" = the system's trust store */

hl_status hl_net_set_ca_file(const char *path, hl_error *err)
{
    if (!path || !*path) {
        ca_file[0] = '\0';
        return HL_OK;
    }
    if (strlen(path) >= sizeof ca_file)
        return hl_error_set(err, HL_EINPUT, path, 0, 0, "CA file path too long");
    FILE *f = fopen(path, "rb");
    if (!f)
        return hl_error_set(err, HL_EINPUT, path, 0, 0, "cannot read the CA file: %s",
                            strerror(errno));
    char head[64] = "";
    size_t n = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    head[n] = '\0';
    if (!strstr(head, "-----BEGIN"))
        return hl_error_set(err, HL_EINPUT, path, 1, 1,
                            "not a PEM file (expected -----BEGIN CERTIFICATE-----)");
    memcpy(ca_file, path, strlen(path) + 1);
    return HL_OK;
}

static int host_is_loopback(const char *host)
{
    if (!host)
        return 0;
    if (strcasecmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 ||
        strcmp(host, "[::1]") == 0)
        return 1;
    /* 127.0.0.0/8 written as a dotted quad */
    int a, b, c, d;
    char tail;
    if (sscanf(host, "%d.%d.%d.%d%c", &a, &b, &c, &d, &tail) == 4)
        return a == 127 && b >= 0 && b <= 255 && c >= 0 && c <= 255 && d >= 0 && d <= 255;
    return 0;
}

int hl__net_is_loopback_url(const char *url)
{
    CURLU *u = curl_url();
    char *host = NULL;
    int yes = 0;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
        yes = host_is_loopback(host);
    curl_free(host);
    curl_url_cleanup(u);
    return yes;
}

hl_status hl_net_check_url(const char *url, const char *kind, hl_error *err)
{
    if (!url || !*url)
        return hl_error_set(err, HL_EINPUT, NULL, 0, 0, "empty URL");
    if (strlen(url) > 2048)
        return hl_error_set(err, HL_EINPUT, NULL, 0, 0, "URL longer than 2048 characters");
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return hl_error_set(err, HL_EINPUT, NULL, 0, 0,
                                "URL contains spaces or control characters");
    CURLU *u = curl_url();
    if (!u)
        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
    char *scheme = NULL, *host = NULL, *user = NULL, *pass = NULL;
    hl_status st = HL_OK;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        st = hl_error_set(err, HL_EINPUT, NULL, 0, 0, "not a valid URL: '%.200s'", url);
        goto done;
    }
    if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
        curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK) {
        /* never echo the URL: it holds a secret */
        st = hl_error_set(err, HL_EINPUT, NULL, 0, 0,
                          "credentials in a URL are not accepted (use the environment "
                          "variables documented for the command)");
        goto done;
    }
    int loop = host_is_loopback(host);
    if (strcmp(kind, "smtp") == 0) {
        if (strcmp(scheme, "smtps") != 0 && !(strcmp(scheme, "smtp") == 0))
            st = hl_error_set(err, HL_EINPUT, NULL, 0, 0, "expected an smtp:// or smtps:// URL");
    } else if (strcmp(scheme, "https") != 0 && !(strcmp(scheme, "http") == 0 && loop)) {
        st = hl_error_set(err, HL_EINPUT, NULL, 0, 0,
                          "only https:// URLs are allowed (http:// only to a loopback address)");
    }
done:
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_free(pass);
    curl_url_cleanup(u);
    return st;
}

void hl__buf_reset(hl_buf *b)
{
    b->len = 0;
    b->overflow = 0;
    if (b->data)
        b->data[0] = '\0';
}

void hl__buf_free(hl_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

size_t hl__buf_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
    hl_buf *b = ud;
    size_t n = size * nmemb;
    if (b->len + n > b->limit) {
        b->overflow = 1;
        return 0; /* aborts the transfer: the response is larger than anything legitimate */
    }
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 16384;
        while (nc < b->len + n + 1)
            nc *= 2;
        char *nd = realloc(b->data, nc);
        if (!nd)
            return 0;
        b->data = nd;
        b->cap = nc;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

int hl__net_harden(CURL *c, const char *url, long timeout_ms, long connect_ms, hl_buf *buf)
{
    int loop = hl__net_is_loopback_url(url);
    const char *protos = strncmp(url, "smtp", 4) == 0 ? (loop ? "smtp,smtps" : "smtps,smtp")
                                                      : (loop ? "https,http" : "https");
    if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK)
        return -1;
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protos);
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (ca_file[0])
        curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "hookline/" HL_VERSION);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    if (buf) {
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, hl__buf_write);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, buf);
        curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)buf->limit);
    }
    return 0;
}

double hl__backoff_ms(double base_ms, int attempt, double cap_ms, unsigned long long *seed)
{
    double d = base_ms;
    for (int i = 0; i < attempt && d < cap_ms; i++)
        d *= 2;
    if (d > cap_ms)
        d = cap_ms;
    /* xorshift jitter: spreads retries of concurrent workers apart */
    unsigned long long x = *seed ? *seed : 0x9e3779b97f4a7c15ULL;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *seed = x;
    double j = 0.5 + 0.5 * (double)(x >> 11) / 9007199254740992.0;
    return d * j;
}

double hl__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void hl__sleep_ms(double ms)
{
    if (ms <= 0)
        return;
    struct timespec ts;
    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000) * 1e6);
    while (nanosleep(&ts, &ts) != 0)
        ;
}

void hl_hmac_sha256_hex(const char *key, const void *data, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    HMAC(EVP_sha256(), key, (int)strlen(key), data, len, md, &mdlen);
    for (unsigned i = 0; i < 32 && i < mdlen; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    out[64] = '\0';
}
