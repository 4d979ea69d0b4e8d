/*
 * gen_export.c — synthetic TikTok Ads Manager exports for the benchmarks: an agency's accounts
 * (advertisers > campaigns > ad groups > ads) over consecutive days, written as the CSV that Ads
 * Manager downloads (real header names, "$1,234.56" money, "16,743" counts quoted because of
 * their thousands separator, TikTok's own CTR/CPM columns) or as the JSON lines `hookline pull`
 * writes (the Marketing API's field names, values as strings).
 *
 * Every ad-day is a pure function of (seed, ad, day, number of days), so the 10^7-row file over
 * 200 days holds the same 50,000 ads as the 10^6-row file over 20 days. About 9 % of the ads
 * carry planted effects (weak hook, weak CTA, winner, landing-page mismatch, and fatigue or a
 * dead ad over the last days of the series) so the analysis has real diagnoses, briefs and
 * recipes to write.
 *
 *   gen_export --size 1e6 --out bench/data/export_1e6.csv
 *   gen_export --ads 50000 --days 200 --format jsonl --out bench/data/api_1e7.jsonl
 *
 * Not a test and not part of the library: a standalone program (it links nothing of hookline).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ADS_PER_GROUP 25
#define GROUPS_PER_CAMPAIGN 10
#define CAMPAIGNS_PER_ADVERTISER 2

typedef struct opts {
    long ads, days;
    const char *out;
    int jsonl;
    uint64_t seed;
    int start_y, start_m, start_d;
} opts;

/* ---------------------------------------------------------------- random numbers */

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t next(rng *r)
{
    r->s += 0x9e3779b97f4a7c15ULL;
    uint64_t z = r->s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double unif(rng *r)
{
    return ((double)(next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static double normal(rng *r)
{
    /* Box-Muller, one of the pair. */
    double u = unif(r), v = unif(r);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* A binomial draw by its normal approximation, clamped to [0, n] (exact enough for counts in
 * the thousands, and cheap: a benchmark needs realistic numbers, not exact sampling). */
static long binom(rng *r, long n, double p)
{
    if (n <= 0 || p <= 0)
        return 0;
    if (p >= 1)
        return n;
    double m = (double)n * p, sd = sqrt(m * (1 - p));
    long k = lround(m + sd * normal(r));
    return k < 0 ? 0 : k > n ? n : k;
}

/* ---------------------------------------------------------------- the world */

enum effect { E_NONE, E_WEAK_HOOK, E_WEAK_CTA, E_WINNER, E_LP_MISMATCH, E_FATIGUE, E_DEAD };

typedef struct ad {
    double imp, ctr, hook, hold, play, cvr, cpm, freq, aov;
    int effect;
} ad;

static ad make_ad(uint64_t seed, long i)
{
    rng r = {mix(seed ^ mix((uint64_t)i * 2654435761u + 17))};
    ad a;
    a.imp = exp(log(3000) + unif(&r) * (log(30000) - log(3000)));
    a.ctr = 0.010 * exp(0.15 * normal(&r));
    a.hook = 0.30 * exp(0.08 * normal(&r));
    a.hold = 0.45 * exp(0.06 * normal(&r));
    a.play = 0.90;
    a.cvr = 0.05 * exp(0.15 * normal(&r));
    a.cpm = 8.0 * exp(0.15 * normal(&r));
    a.freq = 1.1 + 0.2 * unif(&r);
    a.aov = 40.0 * exp(0.2 * normal(&r));
    /* planted effects on about 9 % of the ads */
    double u = unif(&r);
    a.effect = u < 0.02 ? E_WEAK_HOOK : u < 0.04 ? E_WEAK_CTA : u < 0.06 ? E_WINNER
             : u < 0.07 ? E_LP_MISMATCH : u < 0.08 ? E_FATIGUE : u < 0.09 ? E_DEAD : E_NONE;
    if (a.effect == E_WEAK_HOOK)
        a.hook *= 0.6;
    else if (a.effect == E_WEAK_CTA)
        a.ctr *= 0.5;
    else if (a.effect == E_WINNER)
        a.cvr *= 1.8;
    else if (a.effect == E_LP_MISMATCH) {
        a.ctr *= 1.6;
        a.cvr *= 0.4;
    }
    return a;
}

typedef struct day_counts {
    double spend, value;
    long imp, reach, clicks, conv, plays, v2, v6, p25, p50, p75, p100, lpv, atc, purch;
} day_counts;

static day_counts make_day(uint64_t seed, const ad *a, long i, long d, long ndays)
{
    rng r = {mix(seed ^ mix(((uint64_t)i << 20) ^ (uint64_t)d ^ 0x5bd1e995u))};
    day_counts c;
    double ctr = a->ctr * exp(0.12 * normal(&r)), cpm = a->cpm * exp(0.10 * normal(&r));
    double freq = a->freq * exp(0.03 * normal(&r));
    long imp = lround(a->imp * exp(0.25 * normal(&r) - 0.03125));
    if (a->effect == E_FATIGUE && d >= ndays - 14) {
        double f = (double)(d - (ndays - 14) + 1) / 14.0;
        ctr *= 1 - 0.6 * f;
        cpm *= 1 + 0.8 * f;
        freq *= 1 + 0.8 * f;
    }
    if (a->effect == E_DEAD && d >= ndays - 5)
        imp = 0;
    c.imp = imp < 0 ? 0 : imp;
    c.reach = freq > 1 ? lround((double)c.imp / freq) : c.imp;
    c.plays = binom(&r, c.imp, a->play);
    c.v2 = binom(&r, c.plays, a->hook / a->play * exp(0.08 * normal(&r)));
    c.v6 = binom(&r, c.v2, a->hold);
    c.p25 = binom(&r, c.v6, 0.70);
    c.p50 = binom(&r, c.p25, 0.60);
    c.p75 = binom(&r, c.p50, 0.65);
    c.p100 = binom(&r, c.p75, 0.70);
    c.clicks = binom(&r, c.imp, ctr);
    c.lpv = binom(&r, c.clicks, 0.85);
    c.conv = binom(&r, c.lpv, a->cvr / 0.85);
    c.atc = c.conv + binom(&r, c.lpv - c.conv, 0.12);
    c.purch = c.conv;
    c.spend = round((double)c.imp * cpm / 10.0) / 100.0;
    c.value = c.conv ? round(c.conv * a->aov * exp(0.3 * normal(&r)) * 100.0) / 100.0 : 0;
    return c;
}

/* ---------------------------------------------------------------- formatting */

typedef struct outbuf {
    FILE *f;
    char *b;
    size_t n, cap;
} outbuf;

static void flush(outbuf *o)
{
    if (o->n && fwrite(o->b, 1, o->n, o->f) != o->n) {
        perror("gen_export: write");
        exit(1);
    }
    o->n = 0;
}

static void put(outbuf *o, const char *s, size_t n)
{
    memcpy(o->b + o->n, s, n);
    o->n += n;
}

static void puts_(outbuf *o, const char *s)
{
    put(o, s, strlen(s));
}

/* Digits of v (>= 0) into o, with ',' between groups of three when sep. */
static void put_long(outbuf *o, long v, int sep)
{
    char tmp[32];
    int n = 0, g = 0;
    do {
        if (sep && g == 3) {
            tmp[n++] = ',';
            g = 0;
        }
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
        g++;
    } while (v > 0);
    while (n)
        o->b[o->n++] = tmp[--n];
}

/* A count as Ads Manager writes it: "16,743" (quoted, the comma is the separator) or 758. */
static void put_count(outbuf *o, long v)
{
    if (v >= 1000) {
        o->b[o->n++] = '"';
        put_long(o, v, 1);
        o->b[o->n++] = '"';
    } else {
        put_long(o, v, 0);
    }
}

/* Money with two decimals: "$1,234.56" (quoted when grouped) or plain 1234.56 for JSON. */
static void put_money(outbuf *o, double v, int csv)
{
    long cents = lround(v * 100.0);
    int quote = csv && cents >= 100000;
    if (quote)
        o->b[o->n++] = '"';
    if (csv)
        o->b[o->n++] = '$';
    put_long(o, cents / 100, csv);
    o->b[o->n++] = '.';
    o->b[o->n++] = (char)('0' + cents / 10 % 10);
    o->b[o->n++] = (char)('0' + cents % 10);
    if (quote)
        o->b[o->n++] = '"';
}

/* A ratio with two decimals (CTR as "1.03%", CPM as "$8.60"); empty when undefined. */
static void put_ratio(outbuf *o, double num, double den, double scale, const char *pre,
                      const char *suf)
{
    if (den <= 0) {
        o->b[o->n++] = '-';
        return;
    }
    long c = lround(num / den * scale * 100.0);
    puts_(o, pre);
    put_long(o, c / 100, 0);
    o->b[o->n++] = '.';
    o->b[o->n++] = (char)('0' + c / 10 % 10);
    o->b[o->n++] = (char)('0' + c % 10);
    puts_(o, suf);
}

static void put_id(outbuf *o, uint64_t prefix, long i)
{
    /* 19 digits: a level prefix and 17 scrambled digits (a bijection of the index: the
     * multiplier is prime to 10^17; exact for i < 2 * 10^9), like TikTok's 18... / 17... ids */
    const unsigned long long M = 100000000000000000ULL;
    unsigned long long s = ((unsigned long long)i * 7777777777ULL + 31415926535897932ULL) % M;
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%llu%017llu", (unsigned long long)prefix, s);
    put(o, tmp, (size_t)n);
}

static const char *const products[] = {"Glow Serum", "Night Cream", "SPF Stick", "Lip Oil",
                                       "Hair Mask", "Body Wash", "Eye Patch", "Toner"};
static const char *const markets[] = {"US", "UK", "DE", "FR", "CA", "AU"};
static const char *const stages[] = {"Prospecting", "Retargeting", "Spark", "Evergreen"};
static const char *const audiences[] = {"Broad 18-44 F", "LAL 1% buyers", "Interest beauty",
                                        "Broad 25-54", "Retarget 30d"};
static const char *const concepts[] = {"morning-routine", "unboxing", "founder-story",
                                       "before-after", "duet", "greenscreen", "asmr"};

/* 0-based civil date of start + d as "YYYY-MM-DD". */
static void date_str(const opts *op, long d, char out[11])
{
    /* days_from_civil and back (Howard Hinnant) */
    int y = op->start_y, m = op->start_m, dd = op->start_d;
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long z = era * 146097 + doe - 719468 + d;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long yy = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long day = doy - (153 * mp + 2) / 5 + 1;
    long mm = mp + (mp < 10 ? 3 : -9);
    yy += mm <= 2;
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%04ld-%02ld-%02ld", yy, mm, day);
    memcpy(out, tmp, 10);
    out[10] = '\0';
}

/* The text attributes of ad i, prebuilt once per ad (CSV and JSON differ in quoting). */
typedef struct names {
    char adv_id[24], adv_name[40], camp_id[24], camp_name[64], grp_id[24], grp_name[48],
        ad_id[24], ad_name[48];
} names;

static void make_names(long i, names *n)
{
    long g = i / ADS_PER_GROUP, c = g / GROUPS_PER_CAMPAIGN, a = c / CAMPAIGNS_PER_ADVERTISER;
    outbuf t;
    char buf[32];
    t.b = buf;
#define ID(dst, pfx, v)                                                                          \
    do {                                                                                         \
        t.n = 0;                                                                                 \
        put_id(&t, pfx, v);                                                                      \
        memcpy(dst, buf, t.n);                                                                   \
        dst[t.n] = '\0';                                                                         \
    } while (0)
    ID(n->adv_id, 70, a);
    ID(n->camp_id, 18, c);
    ID(n->grp_id, 17, g);
    ID(n->ad_id, 16, i);
#undef ID
    snprintf(n->adv_name, sizeof n->adv_name, "Brand %03ld", a);
    snprintf(n->camp_name, sizeof n->camp_name, "%s | %s | %s", stages[c % 4],
             products[(c / 4) % 8], markets[(c / 32) % 6]);
    snprintf(n->grp_name, sizeof n->grp_name, "%s %ld", audiences[g % 5], g);
    snprintf(n->ad_name, sizeof n->ad_name, "UGC_%s_v%ld", concepts[i % 7], i % ADS_PER_GROUP + 1);
}

static const char csv_header[] =
    "By Day,Advertiser ID,Advertiser name,Campaign name,Campaign ID,Ad group name,Ad group ID,"
    "Ad name,Ad ID,Currency,Cost,Impressions,Reach,Clicks (destination),CTR (destination),CPM,"
    "Conversions,Video views,2-second video views,6-second video views,Video views at 25%,"
    "Video views at 50%,Video views at 75%,Video views at 100%,Landing page views (website),"
    "Adds to cart (website),Purchases (website),Purchase value (website)\n";

/* A CSV cell, quoted when it holds the separator or a quote ("Prospecting | Glow, US"). */
static void put_text_csv(outbuf *o, const char *s)
{
    if (!strpbrk(s, ",\"\n")) {
        puts_(o, s);
        return;
    }
    o->b[o->n++] = '"';
    for (; *s; s++) {
        if (*s == '"')
            o->b[o->n++] = '"';
        o->b[o->n++] = *s;
    }
    o->b[o->n++] = '"';
}

static void row_csv(outbuf *o, const char *date, const names *n, const day_counts *c)
{
    puts_(o, date);
    o->b[o->n++] = ',';
    puts_(o, n->adv_id);
    o->b[o->n++] = ',';
    put_text_csv(o, n->adv_name);
    o->b[o->n++] = ',';
    put_text_csv(o, n->camp_name);
    o->b[o->n++] = ',';
    puts_(o, n->camp_id);
    o->b[o->n++] = ',';
    put_text_csv(o, n->grp_name);
    o->b[o->n++] = ',';
    puts_(o, n->grp_id);
    o->b[o->n++] = ',';
    put_text_csv(o, n->ad_name);
    o->b[o->n++] = ',';
    puts_(o, n->ad_id);
    puts_(o, ",USD,");
    put_money(o, c->spend, 1);
    o->b[o->n++] = ',';
    put_count(o, c->imp);
    o->b[o->n++] = ',';
    put_count(o, c->reach);
    o->b[o->n++] = ',';
    put_count(o, c->clicks);
    o->b[o->n++] = ',';
    put_ratio(o, (double)c->clicks, (double)c->imp, 100.0, "", "%");
    o->b[o->n++] = ',';
    put_ratio(o, c->spend, (double)c->imp, 1000.0, "$", "");
    o->b[o->n++] = ',';
    const long rest[] = {c->conv, c->plays, c->v2,  c->v6,  c->p25, c->p50,
                         c->p75,  c->p100,  c->lpv, c->atc, c->purch};
    for (size_t k = 0; k < sizeof rest / sizeof *rest; k++) {
        put_count(o, rest[k]);
        o->b[o->n++] = ',';
    }
    put_money(o, c->value, 1);
    o->b[o->n++] = '\n';
}

static void json_str(outbuf *o, const char *key, const char *v, int comma)
{
    if (comma)
        o->b[o->n++] = ',';
    o->b[o->n++] = '"';
    puts_(o, key);
    puts_(o, "\":\"");
    puts_(o, v); /* the generated names need no escaping */
    o->b[o->n++] = '"';
}

static void json_count(outbuf *o, const char *key, long v)
{
    o->b[o->n++] = ',';
    o->b[o->n++] = '"';
    puts_(o, key);
    puts_(o, "\":\"");
    put_long(o, v, 0);
    o->b[o->n++] = '"';
}

static void json_money(outbuf *o, const char *key, double v)
{
    o->b[o->n++] = ',';
    o->b[o->n++] = '"';
    puts_(o, key);
    puts_(o, "\":\"");
    put_money(o, v, 0);
    o->b[o->n++] = '"';
}

static void row_json(outbuf *o, const char *date, const names *n, const day_counts *c)
{
    puts_(o, "{\"advertiser_id\":\"");
    puts_(o, n->adv_id);
    puts_(o, "\",\"dimensions\":{");
    json_str(o, "ad_id", n->ad_id, 0);
    puts_(o, ",\"stat_time_day\":\"");
    puts_(o, date);
    puts_(o, " 00:00:00\"},\"metrics\":{");
    json_str(o, "campaign_id", n->camp_id, 0);
    json_str(o, "campaign_name", n->camp_name, 1);
    json_str(o, "adgroup_id", n->grp_id, 1);
    json_str(o, "adgroup_name", n->grp_name, 1);
    json_str(o, "ad_name", n->ad_name, 1);
    json_str(o, "currency", "USD", 1);
    json_money(o, "spend", c->spend);
    json_count(o, "impressions", c->imp);
    json_count(o, "reach", c->reach);
    json_count(o, "clicks", c->clicks);
    json_count(o, "conversion", c->conv);
    json_count(o, "video_play_actions", c->plays);
    json_count(o, "video_watched_2s", c->v2);
    json_count(o, "video_watched_6s", c->v6);
    json_count(o, "video_views_p25", c->p25);
    json_count(o, "video_views_p50", c->p50);
    json_count(o, "video_views_p75", c->p75);
    json_count(o, "video_views_p100", c->p100);
    json_count(o, "total_landing_page_view", c->lpv);
    json_count(o, "web_event_add_to_cart", c->atc);
    json_count(o, "complete_payment", c->purch);
    json_money(o, "total_complete_payment_rate", c->value);
    puts_(o, "}}\n");
}

/* ---------------------------------------------------------------- main */

static void usage(void)
{
    fprintf(stderr,
            "usage: gen_export (--size 1e4|1e5|1e6|1e7 | --ads N --days D) --out FILE\n"
            "                  [--format csv|jsonl] [--seed S] [--start YYYY-MM-DD]\n"
            "  sizes: 1e4 = 500 ads x 20 days, 1e5 = 5,000 x 20, 1e6 = 50,000 x 20,\n"
            "         1e7 = 50,000 x 200 (the same ads as 1e6); 25 ads an ad group,\n"
            "         10 ad groups a campaign, 2 campaigns an advertiser.\n"
            "  Rows go day by day (every ad of day 1, then day 2, ...), as Ads Manager\n"
            "  sorts a daily breakdown; the last day is start + days - 1.\n");
    exit(2);
}

int main(int argc, char **argv)
{
    opts op = {0, 0, NULL, 0, 20260101, 2026, 1, 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        if (strcmp(a, "--size") == 0) {
            double s = atof(v);
            if (s == 1e4)
                op.ads = 500, op.days = 20;
            else if (s == 1e5)
                op.ads = 5000, op.days = 20;
            else if (s == 1e6)
                op.ads = 50000, op.days = 20;
            else if (s == 1e7)
                op.ads = 50000, op.days = 200;
            else
                usage();
        } else if (strcmp(a, "--ads") == 0) {
            op.ads = atol(v);
        } else if (strcmp(a, "--days") == 0) {
            op.days = atol(v);
        } else if (strcmp(a, "--out") == 0) {
            op.out = v;
        } else if (strcmp(a, "--format") == 0) {
            if (strcmp(v, "csv") && strcmp(v, "jsonl"))
                usage();
            op.jsonl = strcmp(v, "jsonl") == 0;
        } else if (strcmp(a, "--seed") == 0) {
            op.seed = strtoull(v, NULL, 10);
        } else if (strcmp(a, "--start") == 0) {
            if (sscanf(v, "%d-%d-%d", &op.start_y, &op.start_m, &op.start_d) != 3)
                usage();
        } else {
            usage();
        }
        i++;
    }
    if (op.ads < 1 || op.days < 1 || !op.out)
        usage();

    ad *ads = malloc((size_t)op.ads * sizeof *ads);
    names *nm = malloc((size_t)op.ads * sizeof *nm);
    char *tmp = malloc(strlen(op.out) + 8);
    if (!ads || !nm || !tmp) {
        fprintf(stderr, "gen_export: out of memory\n");
        return 1;
    }
    for (long i = 0; i < op.ads; i++) {
        ads[i] = make_ad(op.seed, i);
        make_names(i, &nm[i]);
    }
    sprintf(tmp, "%s.tmp", op.out);
    outbuf o = {fopen(tmp, "wb"), NULL, 0, 1u << 20};
    if (!o.f) {
        perror(tmp);
        return 1;
    }
    o.b = malloc(o.cap + 4096);
    if (!o.b)
        return 1;
    if (!op.jsonl)
        puts_(&o, csv_header);
    for (long d = 0; d < op.days; d++) {
        char date[11];
        date_str(&op, d, date);
        for (long i = 0; i < op.ads; i++) {
            day_counts c = make_day(op.seed, &ads[i], i, d, op.days);
            if (op.jsonl)
                row_json(&o, date, &nm[i], &c);
            else
                row_csv(&o, date, &nm[i], &c);
            if (o.n > o.cap)
                flush(&o);
        }
    }
    flush(&o);
    if (fclose(o.f) != 0 || rename(tmp, op.out) != 0) {
        perror(op.out);
        return 1;
    }
    free(o.b);
    free(ads);
    free(nm);
    free(tmp);
    return 0;
}
