/*
 * test_fastpaths.c — the performance fast paths must give exactly what the general code gives:
 * hl_fmt_exact (integer arithmetic instead of printf + strtod) against the printf loop it
 * replaces, hl_fmt_fixed (rules' and briefs' "%.*f") against printf itself, and hl_parse_number's plain-cell path (digits, '$', groups, fraction, '%') against
 * strtod of the same digits. Seeded random cases over the ranges outputs and exports hold, plus
 * the edges: ties, carries, powers of two and of ten, neighbours of each. And the table's floor
 * (memory bound by the analysis window) and compact cells: the window aggregates as without
 * the floor, with every value exactly as added.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fmtnum.h"
#include "common/jsonw.h"
#include "hl_test.h"
#include "hookline/ingest.h"
#include "hookline/table.h"

/* The reference: what hl_fmt_exact did before its fast path. */
static void fmt_reference(char *buf, size_t cap, double v)
{
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, cap, "%.0f", v == 0 ? 0.0 : v);
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

static uint64_t rng_state = 0x243F6A8885A308D3ULL;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static double unif(void)
{
    return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0);
}

static int fmt_mismatches;
static void check_fmt(double v)
{
    char a[40], b[40];
    hl_fmt_exact(a, sizeof a, v);
    fmt_reference(b, sizeof b, v);
    hl_test_checks++;
    if (strcmp(a, b) != 0) {
        hl_test_failures++;
        if (fmt_mismatches++ < 20)
            fprintf(stderr, "hl_fmt_exact(%.17g) = \"%s\", expected \"%s\"\n", v, a, b);
    }
}

static void check_fmt_around(double v)
{
    check_fmt(v);
    check_fmt(-v);
    check_fmt(nextafter(v, 0));
    check_fmt(nextafter(v, INFINITY));
}

static void test_fmt_exact(void)
{
    /* uniform in log space over 10^-6 .. 10^16 */
    for (int i = 0; i < 200000; i++)
        check_fmt(pow(10, -6 + 22 * unif()));
    /* ratios of counts, as metrics are */
    for (int i = 0; i < 100000; i++) {
        double x = (double)(rnd() % 100000), n = (double)(1 + rnd() % 10000000);
        check_fmt(x / n);
        check_fmt(n / (x + 1));
    }
    /* money sums: cents added up in doubles */
    for (int i = 0; i < 20000; i++) {
        double s = 0;
        int terms = 1 + (int)(rnd() % 40);
        for (int k = 0; k < terms; k++)
            s += (double)(rnd() % 100000) / 100.0;
        check_fmt(s);
    }
    /* short decimals and their neighbours */
    for (int i = 0; i < 20000; i++) {
        double v = (double)(rnd() % 10000000) / pow(10, (double)(rnd() % 9));
        check_fmt_around(v);
    }
    /* random bit patterns in and around the fast range */
    for (int i = 0; i < 100000; i++) {
        uint64_t bits = (rnd() & ((1ULL << 52) - 1)) | ((uint64_t)(1012 + rnd() % 45) << 52);
        double v;
        memcpy(&v, &bits, sizeof v);
        check_fmt(v);
    }
    /* edges: powers of ten and of two, range limits, halves at 15 and 16 digits */
    for (int e = -8; e <= 16; e++) {
        check_fmt_around(pow(10, e));
        check_fmt_around(5 * pow(10, e));
        check_fmt_around(9.999999999999999 * pow(10, e));
        check_fmt_around(9.9999999999999995 * pow(10, e));
    }
    for (int e = -30; e <= 50; e++)
        check_fmt_around(ldexp(1, e));
    const double edge[] = {0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 0.001, 0.0010000000000000002,
                           99999999999999.98, 123456789012345.6, 1.5, 2.5, 0.125, 1e-3,
                           0.00099999999999999998, 1e14, 4503599627370495.5,
                           1.0000000000000002, 0.30000000000000004, 1234.5678901234567,
                           100000000000000.02, 2526.8200000000006, 15510.070000000002};
    for (size_t i = 0; i < sizeof edge / sizeof *edge; i++)
        check_fmt_around(edge[i]);
    /* integers, zero, negative zero, non-finite */
    const double ints[] = {0.0, -0.0, 1, -1, 42, 999999999999999, -999999999999999, 1e15,
                           1e300, INFINITY, -INFINITY, NAN};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
        check_fmt(ints[i]);
    for (int i = 0; i < 20000; i++)
        check_fmt((double)(int64_t)(rnd() % 2000000000000000ULL) - 1e15);
}

/* ---- hl_parse_number: plain cells against strtod of their digits */

static int parse_mismatches;
static void check_parse(const char *cell, const char *digits, int decimal_comma, int pct)
{
    double v = -1, want = strtod(digits, NULL);
    int percent = -1;
    const char *why = NULL;
    hl_cell_kind k = hl_parse_number(cell, strlen(cell), decimal_comma, &v, &percent, &why);
    hl_test_checks++;
    if (k != HL_CELL_NUMBER || v != want || percent != pct) {
        hl_test_failures++;
        if (parse_mismatches++ < 20)
            fprintf(stderr, "hl_parse_number(\"%s\") = kind %d, %.17g, percent %d; expected %.17g%s\n",
                    cell, (int)k, v, percent, want, pct ? " with percent" : "");
    }
}

/* Writes the digits of u with separators every three digits. */
static size_t grouped(char *out, uint64_t u, char sep)
{
    char tmp[40];
    int n = 0, g = 0;
    do {
        if (g == 3) {
            tmp[n++] = sep;
            g = 0;
        }
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
        g++;
    } while (u);
    size_t o = 0;
    while (n)
        out[o++] = tmp[--n];
    out[o] = '\0';
    return o;
}

static void test_parse_plain(void)
{
    for (int i = 0; i < 200000; i++) {
        int decimal_comma = (int)(rnd() % 4 == 0);
        char gsep = decimal_comma ? '.' : ',', dsep = decimal_comma ? ',' : '.';
        uint64_t ip = rnd() % (rnd() % 2 ? 1000000ULL : 100000000000000ULL);
        int nfrac = (int)(rnd() % 8);
        uint64_t fp = nfrac ? rnd() % (uint64_t)pow(10, nfrac) : 0;
        int group = (int)(rnd() % 2), dollar = (int)(rnd() % 3 == 0), pct = (int)(rnd() % 5 == 0);
        char cell[80], digits[80];
        size_t o = 0, d = 0;
        if (dollar)
            cell[o++] = '$';
        if (group)
            o += grouped(cell + o, ip, gsep);
        else
            o += (size_t)sprintf(cell + o, "%llu", (unsigned long long)ip);
        d += (size_t)sprintf(digits + d, "%llu", (unsigned long long)ip);
        if (nfrac) {
            cell[o++] = dsep;
            digits[d++] = '.';
            o += (size_t)sprintf(cell + o, "%0*llu", nfrac, (unsigned long long)fp);
            d += (size_t)sprintf(digits + d, "%0*llu", nfrac, (unsigned long long)fp);
        }
        if (pct)
            cell[o++] = '%';
        cell[o] = '\0';
        digits[d] = '\0';
        check_parse(cell, digits, decimal_comma, pct);
    }
    /* shapes at the edge of the plain path */
    check_parse(".5", "0.5", 0, 0);
    check_parse("5.", "5", 0, 0);
    check_parse("007", "7", 0, 0);
    check_parse("0.00", "0", 0, 0);
    check_parse("$0.10", "0.1", 0, 0);
    check_parse("1,234.", "1234", 0, 0);
    check_parse("999999999999999", "999999999999999", 0, 0);
    check_parse("9999999999999999", "9999999999999999", 0, 0);     /* 16 digits: general path */
    check_parse("0.1234567890123456789", "0.1234567890123456789", 0, 0);
    check_parse("1.234,56", "1234.56", 1, 0);
    check_parse("12,5%", "12.5", 1, 1);
    /* what the plain path must leave to the general parser, with the same answer as before */
    double v;
    const char *why;
    CHECK_INT(hl_parse_number("1,23", 4, 0, &v, NULL, &why), HL_CELL_BAD);
    CHECK_INT(hl_parse_number("12,34,567", 9, 0, &v, NULL, &why), HL_CELL_BAD);
    CHECK_INT(hl_parse_number(",123", 4, 0, &v, NULL, &why), HL_CELL_BAD);
    CHECK_INT(hl_parse_number("1,", 2, 0, &v, NULL, &why), HL_CELL_BAD);
    CHECK_INT(hl_parse_number("$", 1, 0, &v, NULL, &why), HL_CELL_BAD);
    CHECK_INT(hl_parse_number("%", 1, 0, &v, NULL, &why), HL_CELL_BAD);
    CHECK_INT(hl_parse_number(".", 1, 0, &v, NULL, &why), HL_CELL_BAD);
    CHECK_INT(hl_parse_number("-", 1, 0, &v, NULL, &why), HL_CELL_MISSING);
    CHECK_INT(hl_parse_number("<5", 2, 0, &v, NULL, &why), HL_CELL_LT5);
    CHECK_INT(hl_parse_number("-5", 2, 0, &v, NULL, &why), HL_CELL_NUMBER);
    CHECK(v == -5);
    CHECK_INT(hl_parse_number("1e3", 3, 0, &v, NULL, &why), HL_CELL_NUMBER);
    CHECK(v == 1000);
    CHECK_INT(hl_parse_number(" 1,234 ", 7, 0, &v, NULL, &why), HL_CELL_NUMBER);
    CHECK(v == 1234);
    CHECK_INT(hl_parse_number("1 234", 5, 0, &v, NULL, &why), HL_CELL_NUMBER);
    CHECK(v == 1234);
}

/* ---- the table's floor: a table that drops what is before the window (and compacts) must
 * aggregate the window exactly as one that kept everything: same rows in the same order, same
 * sums, same date range. */

static void add_rows(hl_table *t, int order, int with_floor, int window)
{
    enum { ADS = 300, DAYS = 60 };
    int32_t maxday = INT32_MIN;
    for (int k = 0; k < ADS * DAYS; k++) {
        int a, d;
        if (order == 0) { /* day by day */
            d = k / ADS;
            a = k % ADS;
        } else if (order == 1) { /* newest first */
            d = DAYS - 1 - k / ADS;
            a = k % ADS;
        } else { /* ad by ad */
            a = k / DAYS;
            d = k % DAYS;
        }
        char ad[24], grp[24], camp[24], name[32];
        snprintf(ad, sizeof ad, "16%017d", a * 7919 % 100003);
        snprintf(grp, sizeof grp, "17%017d", a / 25);
        snprintf(camp, sizeof camp, "18%017d", a / 250);
        snprintf(name, sizeof name, "ad %d%s", a, d > 40 ? " v2" : "");
        hl_row r;
        memset(&r, 0, sizeof r);
        r.text[HL_F_AD_ID] = ad;
        r.text[HL_F_AD_NAME] = name;
        r.text[HL_F_ADGROUP_ID] = grp;
        r.text[HL_F_CAMPAIGN_ID] = camp;
        r.day = 20000 + d;
        r.file = "t.csv";
        r.line = (unsigned long)k + 2;
        for (int c = 0; c < HL_NCOUNTERS; c++)
            if ((a + c) % 7) {
                r.present |= 1u << c;
                /* spend in cents, or (odd ads) in tenths of cents: values a cell keeps as
                 * doubles; and one count too large for four bytes */
                r.v[c] = (double)((a * 31 + d * 17 + c) % 1000) /
                         (c == 0 ? (a % 2 ? 1000.0 : 100.0) : 1.0);
        if (a == 7 && (r.present & 2u))
            r.v[1] = 6e9 + d;
            }
        if (with_floor && r.day > maxday) {
            maxday = r.day;
            hl_table_set_floor(t, r.day - window + 1);
        }
        hl_error err;
        CHECK_INT(hl_table_add(t, &r, &err), HL_OK);
    }
}

static void test_table_floor(void)
{
    const int window = 14;
    for (int order = 0; order < 3; order++) {
        hl_table *all = hl_table_new(), *win = hl_table_new();
        add_rows(all, order, 0, window);
        add_rows(win, order, 1, window);
        int32_t f1, l1, f2, l2;
        CHECK_INT(hl_table_date_range(all, &f1, &l1), 0);
        CHECK_INT(hl_table_date_range(win, &f2, &l2), 0);
        CHECK_INT(f1, f2);
        CHECK_INT(l1, l2);
        CHECK(hl_table_cell_count(win) < hl_table_cell_count(all));
        /* values come back exactly, compact (cents, counts) or not (tenths of cents, 6e9) */
        hl_agg *one;
        hl_error e1;
        CHECK_INT(hl_table_aggregate(all, HL_LEVEL_AD, l1, l1, 1, &one, &e1), HL_OK);
        for (size_t i = 0; i < hl_agg_count(one); i++) {
            const hl_agg_row *x = hl_agg_row_at(one, i);
            const char *an = x->text[HL_F_AD_NAME];
            int a = an && strncmp(an, "ad ", 3) == 0 ? (int)strtol(an + 3, NULL, 10) : -1;
            int d = l1 - 20000;
            if (x->present & 1u)
                CHECK(x->v[0] == (double)((a * 31 + d * 17) % 1000) / (a % 2 ? 1000.0 : 100.0));
            if (a == 7 && (x->present & 2u))
                CHECK(x->v[1] == 6e9 + d);
        }
        hl_agg_free(one);
        for (int level = 0; level < 4; level++)
            for (int by_day = 0; by_day < 2; by_day++) {
                hl_agg *ga, *gw;
                hl_error err;
                CHECK_INT(hl_table_aggregate(all, (hl_level)level, l1 - window + 1, l1, by_day,
                                             &ga, &err), HL_OK);
                CHECK_INT(hl_table_aggregate(win, (hl_level)level, l1 - window + 1, l1, by_day,
                                             &gw, &err), HL_OK);
                CHECK_INT(hl_agg_count(ga), hl_agg_count(gw));
                int same = 1;
                for (size_t i = 0; i < hl_agg_count(ga) && i < hl_agg_count(gw); i++) {
                    const hl_agg_row *x = hl_agg_row_at(ga, i), *y = hl_agg_row_at(gw, i);
                    same &= x->day == y->day && x->days == y->days && x->present == y->present &&
                            memcmp(x->v, y->v, sizeof x->v) == 0;
                    for (int fld = 0; fld < HL_NFIELDS; fld++)
                        same &= (!x->text[fld] && !y->text[fld]) ||
                                (x->text[fld] && y->text[fld] && strcmp(x->text[fld], y->text[fld]) == 0);
                }
                CHECK(same);
                hl_agg_free(ga);
                hl_agg_free(gw);
            }
        hl_table_free(all);
        hl_table_free(win);
    }
}


/* hl_fmt_fixed against snprintf: ties (x.5 at every scale), values just beside them, negative
 * zero and tiny negatives ("-0.0"), the edge of the fast path (10^12), and seeded random
 * values over the ranges briefs print (percentages, money, counts), digits 0..10, with and
 * without the sign. */
static void test_fmt_fixed(void)
{
    static const double edge[] = {0.0,    -0.0,    0.5,       1.5,     2.5,      0.125,
                                  0.375,  -0.05,   0.05,      0.045,   1e11,     999999.9995,
                                  0.0049999, 1e-300, -1e-300, 123.455, 2.675,    1.005,
                                  1e12,   -1e12,   999999999999.5, 4503599627370496.5, 1e300};
    char a[400], b[400];
    long bad = 0, n = 0;
    for (int d = 0; d <= 10; d++)
        for (size_t i = 0; i < sizeof edge / sizeof *edge; i++)
            for (int p = 0; p < 2; p++) {
                hl_fmt_fixed(a, sizeof a, edge[i], d, p);
                snprintf(b, sizeof b, p ? "%+.*f" : "%.*f", d, edge[i]);
                n++;
                if (strcmp(a, b) != 0 && bad++ < 10)
                    fprintf(stderr, "hl_fmt_fixed(%.17g, %d, %d) = %s, printf %s\n", edge[i], d, p,
                            a, b);
            }
    for (long k = 0; k < 400000; k++) {
        uint64_t r = rnd();
        double x;
        switch (k % 3) {
        case 0:
            x = (double)(r % 2000000) / 1000.0 - 1000; /* money, three decimals */
            break;
        case 1:
            x = ldexp((double)(r >> 11), -53) * pow(10, (int)(rnd() % 14) - 4);
            break;
        default:
            x = ((double)(r % 100000) + 0.5) / pow(10, (int)(rnd() % 6)); /* near ties */
        }
        int d = (int)(rnd() % 11), p = (int)(rnd() % 2);
        hl_fmt_fixed(a, sizeof a, x, d, p);
        snprintf(b, sizeof b, p ? "%+.*f" : "%.*f", d, x);
        n++;
        if (strcmp(a, b) != 0 && bad++ < 10)
            fprintf(stderr, "hl_fmt_fixed(%.17g, %d, %d) = %s, printf %s\n", x, d, p, a, b);
    }
    CHECK_INT(bad, 0);
    CHECK(n > 400000);
    /* a short buffer: cut like snprintf, returning the full length */
    CHECK_INT(hl_fmt_fixed(a, 4, 12345.678, 2, 0), 8);
    CHECK_STR(a, "123");
}

int main(void)
{
    test_fmt_exact();
    test_parse_plain();
    test_fmt_fixed();
    test_table_floor();
    TEST_MAIN_END();
}
