/*
 * pull.c — TikTok Marketing API reports, pulled the way the connectors that survive in
 * production do it: windows of at most 30 days, page_size 1000, the STATUS_ALL filter, every
 * page checked against the first (totals constant, no repeated (ad, date), rows adding up) with
 * a restart from page 1 on a mismatch, errors handled by their code, a shared token bucket for
 * all advertisers (fetched concurrently through the curl multi interface), and retries bounded
 * by a total budget. The output is written only when every window is complete.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "common/hash.h"
#include "common/jsonr.h"
#include "hookline/ingest.h"
#include "hookline/output.h"
#include "net/internal.h"

static const char metrics_param[] =
    "[\"spend\",\"impressions\",\"reach\",\"clicks\",\"conversion\",\"video_play_actions\","
    "\"video_watched_2s\",\"video_watched_6s\",\"video_views_p25\",\"video_views_p50\","
    "\"video_views_p75\",\"video_views_p100\",\"total_landing_page_view\","
    "\"web_event_add_to_cart\",\"complete_payment\",\"total_complete_payment_rate\","
    "\"campaign_id\",\"campaign_name\",\"adgroup_id\",\"adgroup_name\",\"ad_name\",\"currency\"]";

enum jstate { J_WAIT, J_FLIGHT, J_DONE, J_FAILED, J_REPLACED };
enum jkind { K_REPORT, K_CAMPAIGNS };

typedef struct job {
    enum jkind kind;
    enum jstate state;
    size_t adv;
    int32_t from, to;
    char *campaigns;        /* JSON array text for the campaign_ids filter, or NULL */
    int page;
    long total_number, total_page;
    size_t rows;
    hl_strpool *keys;       /* (ad, date) seen in this pass */
    hl_buf out;             /* JSON lines of this window */
    char **camp_ids;        /* K_CAMPAIGNS: ids collected */
    size_t ncamp;
    int attempts, restarts, throttles;
    double next_at;
    CURL *easy;
    hl_buf resp;
    int truncated;          /* X-Tt-Ads-Throttle seen */
    char error[300];
} job;

typedef struct puller {
    const hl_pull_opts *o;
    hl_pull_report *rep;
    job **jobs; /* each job allocated on its own: curl holds pointers to them */
    size_t n, cap;
    CURLM *multi;
    struct curl_slist *headers;
    double tokens, last_refill;
    double budget_used_ms;
    unsigned long long seed;
    int inflight;
    int auth_failed_adv[64];
} puller;

static job *add_job(puller *p, enum jkind kind, size_t adv, int32_t from, int32_t to,
                    const char *campaigns)
{
    if (p->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 32;
        job **nj = realloc(p->jobs, nc * sizeof *nj);
        if (!nj)
            return NULL;
        p->jobs = nj;
        p->cap = nc;
    }
    job *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    p->jobs[p->n++] = j;
    j->kind = kind;
    j->adv = adv;
    j->from = from;
    j->to = to;
    j->page = 1;
    j->total_number = -1;
    j->campaigns = campaigns ? strdup(campaigns) : NULL;
    j->out.limit = (size_t)1 << 34;
    j->resp.limit = p->o->max_response ? p->o->max_response : (size_t)64 << 20;
    j->keys = hl_strpool_new();
    return j->keys ? j : NULL;
}

static void info(puller *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void info(puller *p, const char *fmt, ...)
{
    if (!p->o->log.info)
        return;
    char buf[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    p->o->log.info(p->o->log.ud, buf);
}

static void append_param(char *url, size_t cap, CURL *c, const char *k, const char *v, int first)
{
    char *e = curl_easy_escape(c, v, 0);
    size_t l = strlen(url);
    snprintf(url + l, cap - l, "%s%s=%s", first ? "?" : "&", k, e ? e : "");
    curl_free(e);
}

static void build_url(puller *p, job *j, char *url, size_t cap)
{
    const char *base = p->o->api_base ? p->o->api_base : "https://business-api.tiktok.com";
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        bl--;
    char date0[11], date1[11], page[24];
    hl_format_date(j->from, date0);
    hl_format_date(j->to, date1);
    snprintf(page, sizeof page, "%d", j->page);
    const char *adv = p->o->advertisers[j->adv];
    if (j->kind == K_CAMPAIGNS) {
        snprintf(url, cap, "%.*s/open_api/v1.3/campaign/get/", (int)bl, base);
        append_param(url, cap, j->easy, "advertiser_id", adv, 1);
        append_param(url, cap, j->easy, "fields", "[\"campaign_id\"]", 0);
        append_param(url, cap, j->easy, "page", page, 0);
        append_param(url, cap, j->easy, "page_size", "1000", 0);
        return;
    }
    /* The trailing slash is required: without it the API answers 404. */
    snprintf(url, cap, "%.*s/open_api/v1.3/report/integrated/get/", (int)bl, base);
    append_param(url, cap, j->easy, "advertiser_id", adv, 1);
    append_param(url, cap, j->easy, "report_type", "BASIC", 0);
    append_param(url, cap, j->easy, "data_level", "AUCTION_AD", 0);
    append_param(url, cap, j->easy, "dimensions", "[\"ad_id\",\"stat_time_day\"]", 0);
    append_param(url, cap, j->easy, "metrics", metrics_param, 0);
    append_param(url, cap, j->easy, "start_date", date0, 0);
    append_param(url, cap, j->easy, "end_date", date1, 0);
    append_param(url, cap, j->easy, "page", page, 0);
    append_param(url, cap, j->easy, "page_size", "1000", 0);
    /* Without STATUS_ALL, deleted ads vanish from the report silently. filter_value is a JSON
     * array written as a string. */
    char filter[12000];
    if (j->campaigns) {
        cJSON *fv = cJSON_CreateString(j->campaigns);
        char *fvs = fv ? cJSON_PrintUnformatted(fv) : NULL;
        snprintf(filter, sizeof filter,
                 "[{\"field_name\":\"ad_status\",\"filter_type\":\"IN\",\"filter_value\":"
                 "\"[\\\"STATUS_ALL\\\"]\"},{\"field_name\":\"campaign_ids\",\"filter_type\":"
                 "\"IN\",\"filter_value\":%s}]",
                 fvs ? fvs : "\"[]\"");
        free(fvs);
        cJSON_Delete(fv);
    } else {
        snprintf(filter, sizeof filter,
                 "[{\"field_name\":\"ad_status\",\"filter_type\":\"IN\",\"filter_value\":"
                 "\"[\\\"STATUS_ALL\\\"]\"}]");
    }
    append_param(url, cap, j->easy, "filtering", filter, 0);
}

static size_t on_header(char *buf, size_t size, size_t n, void *ud)
{
    job *j = ud;
    size_t len = size * n;
    if (len >= 17 && strncasecmp(buf, "X-Tt-Ads-Throttle", 17) == 0)
        j->truncated = 1;
    return len;
}

static int start(puller *p, job *j)
{
    const hl_pull_opts *o = p->o;
    j->easy = curl_easy_init();
    if (!j->easy)
        return -1;
    hl__buf_reset(&j->resp);
    char url[16384];
    build_url(p, j, url, sizeof url);
    if (hl__net_harden(j->easy, url, o->timeout_ms ? o->timeout_ms : 60000,
                       o->connect_timeout_ms ? o->connect_timeout_ms : 10000, &j->resp) < 0)
        return -1;
    curl_easy_setopt(j->easy, CURLOPT_HTTPHEADER, p->headers);
    curl_easy_setopt(j->easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(j->easy, CURLOPT_HEADERDATA, j);
    curl_easy_setopt(j->easy, CURLOPT_PRIVATE, j);
    j->truncated = 0;
    char d0[11], d1[11];
    hl_format_date(j->from, d0);
    hl_format_date(j->to, d1);
    info(p, "GET %s advertiser %s %s..%s page %d%s", j->kind == K_CAMPAIGNS ? "campaign/get" : "report",
         o->advertisers[j->adv], d0, d1, j->page, j->campaigns ? " (campaign split)" : "");
    p->rep->requests++;
    if (curl_multi_add_handle(p->multi, j->easy) != CURLM_OK)
        return -1;
    j->state = J_FLIGHT;
    p->inflight++;
    return 0;
}

static void fail(puller *p, job *j, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(puller *p, job *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->error, sizeof j->error, fmt, ap);
    va_end(ap);
    j->state = J_FAILED;
    info(p, "failed: %s", j->error);
}

/* Schedules a retry after a backoff; throttles wait much longer after they repeat (per-minute
 * limits reset in minutes, not seconds). Fails the job when attempts or the budget run out. */
static void retry(puller *p, job *j, int throttle, const char *why)
{
    const hl_pull_opts *o = p->o;
    int max_attempts = o->max_attempts ? o->max_attempts : 8;
    double base = o->retry_base_ms > 0 ? o->retry_base_ms : 1000;
    double budget = (o->retry_budget_s > 0 ? o->retry_budget_s : 1800) * 1000;
    j->attempts++;
    if (throttle)
        j->throttles++;
    if (j->attempts >= max_attempts) {
        fail(p, j, "%s (gave up after %d attempts)", why, j->attempts);
        return;
    }
    double cap = throttle && j->throttles >= 3 ? base * 600 : base * 60;
    double b = throttle && j->throttles >= 3 ? base * 60 : base;
    double d = hl__backoff_ms(b, j->attempts - 1, cap, &p->seed);
    if (p->budget_used_ms + d > budget) {
        fail(p, j, "%s (retry budget of %.0f s exhausted)", why, budget / 1000);
        return;
    }
    p->budget_used_ms += d;
    p->rep->retries++;
    info(p, "retry in %.0f ms: %s", d, why);
    j->next_at = hl__now_ms() + d;
    j->state = J_WAIT;
}

static void restart(puller *p, job *j, const char *why)
{
    int maxr = p->o->max_restarts ? p->o->max_restarts : 3;
    if (++j->restarts > maxr) {
        fail(p, j, "pagination kept changing (%s); gave up after %d restarts", why, maxr);
        return;
    }
    p->rep->restarts++;
    info(p, "restarting the window from page 1: %s", why);
    j->page = 1;
    j->total_number = -1;
    j->rows = 0;
    hl__buf_reset(&j->out);
    hl_strpool_free(j->keys);
    j->keys = hl_strpool_new();
    j->state = J_WAIT;
    j->next_at = hl__now_ms();
}

static void fail_advertiser(puller *p, size_t adv, const char *msg)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->jobs[i]->adv == adv && p->jobs[i]->state != J_DONE &&
            p->jobs[i]->state != J_REPLACED) {
            if (p->jobs[i]->state == J_FLIGHT && p->jobs[i]->easy) {
                curl_multi_remove_handle(p->multi, p->jobs[i]->easy);
                curl_easy_cleanup(p->jobs[i]->easy);
                p->jobs[i]->easy = NULL;
                p->inflight--;
            }
            fail(p, p->jobs[i], "%s", msg);
        }
}

/* Splits a truncated window into one job per 100 campaigns (after listing them). */
static void split_by_campaigns(puller *p, job *cj)
{
    for (size_t i = 0; i < cj->ncamp; i += 100) {
        char list[8000] = "[";
        size_t l = 1;
        for (size_t k = i; k < cj->ncamp && k < i + 100 && l + 64 < sizeof list; k++)
            l += (size_t)snprintf(list + l, sizeof list - l, "%s\"%s\"", k > i ? "," : "",
                                  cj->camp_ids[k]);
        snprintf(list + l, sizeof list - l, "]");
        if (!add_job(p, K_REPORT, cj->adv, cj->from, cj->to, list))
            return;
    }
    p->rep->splits++;
}

static int valid_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

static void on_page(puller *p, job *j, cJSON *data)
{
    const cJSON *pi = cJSON_GetObjectItemCaseSensitive(data, "page_info");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(data, "list");
    const cJSON *tn = cJSON_GetObjectItemCaseSensitive(pi, "total_number");
    const cJSON *tp = cJSON_GetObjectItemCaseSensitive(pi, "total_page");
    if (!cJSON_IsArray(list) || !cJSON_IsNumber(tn) || !cJSON_IsNumber(tp)) {
        retry(p, j, 0, "malformed page (no data.list or page_info)");
        return;
    }
    /* checked before the conversion: a double beyond long is undefined C */
    if (!(tn->valuedouble >= 0 && tn->valuedouble <= 1e12) ||
        !(tp->valuedouble >= 0 && tp->valuedouble <= 1e9)) {
        retry(p, j, 0, "malformed page (page_info out of range)");
        return;
    }
    long total = (long)tn->valuedouble, pages = (long)tp->valuedouble;
    if (j->page == 1) {
        j->total_number = total;
        j->total_page = pages;
    } else if (total != j->total_number || pages != j->total_page) {
        restart(p, j, "the totals changed between pages");
        return;
    }
    if (j->kind == K_CAMPAIGNS) {
        const cJSON *it;
        cJSON_ArrayForEach(it, list)
        {
            const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "campaign_id"));
            if (!id || !valid_id(id))
                continue;
            char **nc = realloc(j->camp_ids, (j->ncamp + 1) * sizeof *nc);
            if (!nc)
                break;
            j->camp_ids = nc;
            j->camp_ids[j->ncamp++] = strdup(id);
        }
    } else {
        const cJSON *row;
        cJSON_ArrayForEach(row, list)
        {
            const cJSON *dims = cJSON_GetObjectItemCaseSensitive(row, "dimensions");
            const char *ad = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(dims, "ad_id"));
            const char *day =
                cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(dims, "stat_time_day"));
            if (!ad || !day) {
                retry(p, j, 0, "a row without dimensions.ad_id / stat_time_day");
                return;
            }
            if (hl_json_duplicate_key(row) || hl_json_duplicate_key(dims) ||
                hl_json_duplicate_key(cJSON_GetObjectItemCaseSensitive(row, "metrics"))) {
                retry(p, j, 0, "a row with a duplicate key");
                return;
            }
            char key[128];
            snprintf(key, sizeof key, "%.60s|%.30s", ad, day);
            int added;
            if (hl_strpool_intern(j->keys, key, strlen(key), &added) == HL_NONE) {
                fail(p, j, "out of memory");
                return;
            }
            if (!added) {
                restart(p, j, "an (ad, date) row repeated across pages");
                return;
            }
            cJSON *line = cJSON_CreateObject();
            cJSON_AddStringToObject(line, "advertiser_id", p->o->advertisers[j->adv]);
            cJSON_AddItemReferenceToObject(line, "dimensions", (cJSON *)(uintptr_t)dims);
            const cJSON *mets = cJSON_GetObjectItemCaseSensitive(row, "metrics");
            if (mets)
                cJSON_AddItemReferenceToObject(line, "metrics", (cJSON *)(uintptr_t)mets);
            char *txt = cJSON_PrintUnformatted(line);
            cJSON_Delete(line);
            if (!txt) {
                fail(p, j, "out of memory");
                return;
            }
            hl__buf_write(txt, 1, strlen(txt), &j->out);
            hl__buf_write((char *)(uintptr_t) "\n", 1, 1, &j->out);
            free(txt);
            j->rows++;
        }
    }
    if (j->kind == K_REPORT && j->truncated && !j->campaigns) {
        /* Over 20,000 ads: the synchronous report is cut. List the campaigns and pull the
         * window again in slices of at most 100 campaigns. */
        info(p, "report truncated (X-Tt-Ads-Throttle): splitting the window by campaign");
        job *cj = add_job(p, K_CAMPAIGNS, j->adv, j->from, j->to, NULL);
        if (!cj) {
            fail(p, j, "out of memory");
            return;
        }
        j->state = J_REPLACED;
        return;
    }
    j->attempts = 0;
    j->throttles = 0;
    if (j->page < j->total_page) {
        j->page++;
        j->state = J_WAIT;
        j->next_at = hl__now_ms();
        return;
    }
    if (j->kind == K_REPORT && (long)j->rows != j->total_number) {
        restart(p, j, "the rows do not add up to total_number");
        return;
    }
    j->state = J_DONE;
    if (j->kind == K_CAMPAIGNS) {
        if (j->ncamp == 0) {
            fail(p, j, "the report is truncated and the advertiser lists no campaigns to split by");
            return;
        }
        split_by_campaigns(p, j);
    }
}

static int is_retry_code(long code)
{
    return code == 20001 || code == 40016 || code == 40133 || code == 40132 || code == 50000 ||
           code == 50002 || (code >= 51000 && code <= 51999) || code == 60001 ||
           (code >= 40200 && code <= 40202) || code == 40700;
}

static void on_done(puller *p, job *j, CURLcode res)
{
    long http = 0;
    curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &http);
    curl_multi_remove_handle(p->multi, j->easy);
    curl_easy_cleanup(j->easy);
    j->easy = NULL;
    p->inflight--;
    j->state = J_WAIT; /* until this response decides */
    const char *adv = p->o->advertisers[j->adv];
    if (res != CURLE_OK) {
        char why[200];
        snprintf(why, sizeof why, "%s", j->resp.overflow ? "response larger than the cap"
                                                          : curl_easy_strerror(res));
        retry(p, j, 0, why);
        return;
    }
    if (http != 200) {
        char why[64];
        snprintf(why, sizeof why, "HTTP %ld", http);
        retry(p, j, http == 429, why);
        return;
    }
    cJSON *doc = cJSON_ParseWithLength(j->resp.data ? j->resp.data : "", j->resp.len);
    if (!doc || !cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        retry(p, j, 0, "a truncated or non-JSON body");
        return;
    }
    /* "code", "data", "list" or "page_info" twice: cJSON would use the first; which one the
     * server meant is unknowable, so the answer is as bad as a truncated one. */
    cJSON *data = cJSON_GetObjectItemCaseSensitive(doc, "data");
    if (hl_json_duplicate_key(doc) || hl_json_duplicate_key(data) ||
        hl_json_duplicate_key(cJSON_GetObjectItemCaseSensitive(data, "page_info"))) {
        cJSON_Delete(doc);
        retry(p, j, 0, "a body with a duplicate key");
        return;
    }
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(doc, "code");
    const char *msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "message"));
    long c = cJSON_IsNumber(code) && code->valuedouble >= -1e9 && code->valuedouble <= 1e9
                 ? (long)code->valuedouble
                 : -1;
    char safe[160] = "";
    if (msg)
        for (size_t i = 0, o = 0; msg[i] && o + 1 < sizeof safe; i++)
            safe[o++] = (unsigned char)msg[i] < 0x20 ? ' ' : msg[i], safe[o] = '\0';
    if (c == 0) {
        on_page(p, j, data);
    } else if (c == 40100) {
        retry(p, j, 1, "40100 too many requests");
    } else if (is_retry_code(c)) {
        char why[256];
        snprintf(why, sizeof why, "API code %ld: %s", c, safe);
        retry(p, j, c == 40016 || c == 40133 || c == 40132, why);
    } else if (c == 40102 || c == 40104 || c == 40105 || c == 40106) {
        char m[400];
        snprintf(m, sizeof m, "advertiser %s: the access token was refused (%ld: %s); check "
                              "HOOKLINE_TIKTOK_TOKEN or --token-file",
                 adv, c, safe);
        cJSON_Delete(doc);
        fail_advertiser(p, j->adv, m);
        return;
    } else if (c == 40067 && j->kind == K_REPORT && j->to > j->from) {
        /* Query too large: halve the window. */
        int32_t mid = j->from + (j->to - j->from) / 2;
        info(p, "40067 query too large: splitting the window in two");
        job *a = add_job(p, K_REPORT, j->adv, j->from, mid, j->campaigns);
        job *b = a ? add_job(p, K_REPORT, j->adv, mid + 1, j->to, j->campaigns) : NULL;
        if (!a || !b)
            fail(p, j, "out of memory");
        else
            j->state = J_REPLACED;
        p->rep->splits++;
    } else if (c == -1) {
        retry(p, j, 0, "a response without a code");
    } else {
        fail(p, j, "advertiser %s: API error %ld: %s", adv, c, safe);
    }
    cJSON_Delete(doc);
}

static void refill(puller *p, double rate)
{
    double now = hl__now_ms();
    double burst = rate < 1 ? 1 : rate;
    p->tokens += (now - p->last_refill) * rate / 1000.0;
    if (p->tokens > burst)
        p->tokens = burst;
    p->last_refill = now;
}

static void cleanup(puller *p)
{
    for (size_t i = 0; i < p->n; i++) {
        job *j = p->jobs[i];
        if (!j)
            continue;
        if (j->easy) {
            curl_multi_remove_handle(p->multi, j->easy);
            curl_easy_cleanup(j->easy);
        }
        free(j->campaigns);
        hl_strpool_free(j->keys);
        hl__buf_free(&j->out);
        hl__buf_free(&j->resp);
        for (size_t k = 0; k < j->ncamp; k++)
            free(j->camp_ids[k]);
        free(j->camp_ids);
        free(j);
    }
    free(p->jobs);
    if (p->multi)
        curl_multi_cleanup(p->multi);
    curl_slist_free_all(p->headers);
}

hl_status hl_pull(const hl_pull_opts *o, const char *out_path, hl_pull_report *rep,
                  hl_error *err)
{
    memset(rep, 0, sizeof *rep);
    if (!o->token || !*o->token)
        return hl_error_set(err, HL_EINPUT, NULL, 0, 0,
                            "no API token: set HOOKLINE_TIKTOK_TOKEN or pass --token-file");
    for (const char *t = o->token; *t; t++)
        if ((unsigned char)*t < 0x21 || *t == 0x7f)
            return hl_error_set(err, HL_EINPUT, NULL, 0, 0,
                                "the API token contains spaces or control characters");
    if (o->from > o->to)
        return hl_error_set(err, HL_EINPUT, NULL, 0, 0, "--from is after --to");
    if (o->nadvertisers == 0)
        return hl_error_set(err, HL_EINPUT, NULL, 0, 0, "no advertiser");
    for (size_t i = 0; i < o->nadvertisers; i++)
        if (!valid_id(o->advertisers[i]))
            return hl_error_set(err, HL_EINPUT, NULL, 0, 0,
                                "advertiser id '%.40s' is not a number", o->advertisers[i]);
    const char *base = o->api_base ? o->api_base : "https://business-api.tiktok.com";
    if (hl_net_check_url(base, "http", err) != HL_OK)
        return HL_EINPUT;

    puller p;
    memset(&p, 0, sizeof p);
    p.o = o;
    p.rep = rep;
    p.seed = 0x2545f4914f6cdd1dULL;
    hl_status st = HL_OK;
    char hdr[600];
    snprintf(hdr, sizeof hdr, "Access-Token: %s", o->token);
    p.headers = curl_slist_append(NULL, hdr);
    memset(hdr, 0, sizeof hdr); /* the token does not linger on the stack */
    p.multi = curl_multi_init();
    if (!p.headers || !p.multi) {
        cleanup(&p);
        return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
    }
    int wd = o->window_days > 0 && o->window_days <= 30 ? o->window_days : 30;
    for (size_t a = 0; a < o->nadvertisers; a++)
        for (int32_t f = o->from; f <= o->to; f += wd) {
            int32_t t = f + wd - 1 < o->to ? f + wd - 1 : o->to;
            if (!add_job(&p, K_REPORT, a, f, t, NULL)) {
                cleanup(&p);
                return hl_error_set(err, HL_EINTERNAL, NULL, 0, 0, "out of memory");
            }
        }
    double rate = o->rate > 0 ? o->rate : 5;
    int conc = o->concurrency > 0 ? o->concurrency : 4;
    p.tokens = 1;
    p.last_refill = hl__now_ms();
    for (;;) {
        size_t pending = 0, done = 0, total = 0;
        double now = hl__now_ms(), wake = now + 1000;
        refill(&p, rate);
        for (size_t i = 0; i < p.n; i++) {
            job *j = p.jobs[i];
            if (j->state == J_REPLACED)
                continue;
            total++;
            if (j->state == J_DONE || j->state == J_FAILED) {
                done++;
                continue;
            }
            pending++;
            if (j->state != J_WAIT)
                continue;
            if (j->next_at > now) {
                if (j->next_at < wake)
                    wake = j->next_at;
                continue;
            }
            if (p.inflight >= conc)
                continue;
            if (p.tokens < 1) {
                double t = now + (1 - p.tokens) * 1000.0 / rate;
                if (t < wake)
                    wake = t;
                continue;
            }
            p.tokens -= 1;
            if (start(&p, p.jobs[i]) < 0)
                fail(&p, p.jobs[i], "cannot start a request");
        }
        if (o->log.progress) {
            char line[160];
            snprintf(line, sizeof line, "pull: %zu/%zu windows, %zu requests, %zu rows", done,
                     total, rep->requests, rep->rows);
            o->log.progress(o->log.ud, line);
        }
        if (pending == 0)
            break;
        int running;
        curl_multi_perform(p.multi, &running);
        CURLMsg *m;
        int left, finished = 0;
        while ((m = curl_multi_info_read(p.multi, &left)) != NULL) {
            if (m->msg != CURLMSG_DONE)
                continue;
            job *j = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
            CURLcode res = m->data.result;
            if (j)
                on_done(&p, j, res);
            finished = 1;
        }
        /* A finished transfer changes the jobs (next page, retry time, done): plan again now
         * rather than sleep on a wake time computed before it. */
        if (finished)
            continue;
        double wait = wake - hl__now_ms();
        if (wait < 0)
            wait = 0;
        if (wait > 1000)
            wait = 1000;
        curl_multi_poll(p.multi, NULL, 0, p.inflight ? (int)(wait < 50 ? wait : 50) : (int)wait,
                        NULL);
    }
    if (o->log.progress)
        o->log.progress(o->log.ud, NULL);

    /* Every window (report job, after splits) must be complete. */
    size_t failed = 0;
    rep->windows = 0;
    for (size_t i = 0; i < p.n; i++) {
        job *j = p.jobs[i];
        if (j->state == J_REPLACED || j->kind != K_REPORT)
            continue;
        rep->windows++;
        if (j->state != J_DONE) {
            failed++;
            char d0[11], d1[11];
            hl_format_date(j->from, d0);
            hl_format_date(j->to, d1);
            size_t ml = strlen(rep->missing);
            if (ml + 80 < sizeof rep->missing)
                snprintf(rep->missing + ml, sizeof rep->missing - ml, "%s%s %s..%s%s",
                         ml ? "; " : "", o->advertisers[j->adv], d0, d1,
                         j->campaigns ? " (a campaign slice)" : "");
            if (st == HL_OK)
                st = hl_error_set(err, HL_EEXTERNAL, NULL, 0, 0, "%s", j->error);
        } else {
            rep->rows += j->rows;
        }
    }
    for (size_t i = 0; i < p.n; i++)
        if (p.jobs[i]->kind == K_CAMPAIGNS && p.jobs[i]->state == J_FAILED && st == HL_OK)
            st = hl_error_set(err, HL_EEXTERNAL, NULL, 0, 0, "%s", p.jobs[i]->error);
    rep->windows_failed = failed;
    if (st == HL_OK || o->keep_partial) {
        hl_error werr;
        hl_atomic_file *af = hl_atomic_open(out_path, &werr);
        if (!af) {
            cleanup(&p);
            if (err)
                *err = werr;
            return werr.status;
        }
        FILE *f = hl_atomic_stream(af);
        for (size_t i = 0; i < p.n; i++) {
            job *j = p.jobs[i];
            if (j->kind == K_REPORT && j->state == J_DONE && j->out.len)
                fwrite(j->out.data, 1, j->out.len, f);
        }
        hl_status ws = hl_atomic_commit(af, &werr);
        if (ws != HL_OK) {
            cleanup(&p);
            if (err)
                *err = werr;
            return ws;
        }
    }
    cleanup(&p);
    return st;
}
