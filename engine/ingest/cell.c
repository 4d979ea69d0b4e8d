/*
 * cell.c — numbers and dates as spreadsheets and TikTok write them. A cell is untrusted text:
 * "1,234", "$1,234.56", "1.18%", "1.234,56" (European), "-", "<5", "1e400". The rules are
 * strict on purpose: a thousands separator must sit between groups of three, so "1,23" is an
 * error rather than a silent 123, and nothing non-finite ever comes out.
 */
#include "hookline/ingest.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Spaces a spreadsheet may put around or inside numbers: ASCII space/tab, NBSP (C2 A0),
 * narrow NBSP (E2 80 AF), thin space (E2 80 89). Returns the byte length of the space at s, 0 if
 * none. */
static size_t space_len(const char *s, const char *end)
{
    const unsigned char *u = (const unsigned char *)s;
    if (s >= end)
        return 0;
    if (u[0] == ' ' || u[0] == '\t')
        return 1;
    if (end - s >= 2 && u[0] == 0xC2 && u[1] == 0xA0)
        return 2;
    if (end - s >= 3 && u[0] == 0xE2 && u[1] == 0x80 && (u[2] == 0xAF || u[2] == 0x89))
        return 3;
    return 0;
}

static const char *const currency_symbols[] = {
    "US$", "R$", "A$", "C$", "HK$", "NT$", "S$", "$", "\xE2\x82\xAC" /* € */,
    "\xC2\xA3" /* £ */, "\xC2\xA5" /* ¥ */, "\xE2\x82\xA9" /* ₩ */, "\xE2\x82\xB9" /* ₹ */,
    "\xE2\x82\xBA" /* ₺ */, "\xE2\x82\xBD" /* ₽ */, "\xE2\x82\xAB" /* ₫ */, "\xE0\xB8\xBF" /* ฿ */,
    "\xE2\x82\xB1" /* ₱ */, "zł", "kr", "Rp", "RM",
};

static size_t currency_len(const char *s, const char *end)
{
    for (size_t i = 0; i < sizeof currency_symbols / sizeof *currency_symbols; i++) {
        size_t n = strlen(currency_symbols[i]);
        if ((size_t)(end - s) >= n && memcmp(s, currency_symbols[i], n) == 0)
            return n;
    }
    return 0;
}

static int is_missing_token(const char *s, size_t n)
{
    static const char *const tokens[] = {"-", "--", "---", "\xE2\x80\x94" /* — */, "N/A", "n/a",
                                         "NA", "null", "NULL", "None"};
    if (n == 0)
        return 1;
    for (size_t i = 0; i < sizeof tokens / sizeof *tokens; i++)
        if (strlen(tokens[i]) == n && memcmp(tokens[i], s, n) == 0)
            return 1;
    return 0;
}

/* 10^k for the fast path, all exact in a double. */
static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The cells of a real export almost all look alike: "16,743", "$131.40", "0.88%", 758. This
 * reads exactly those shapes — an optional '$', digits with thousands separators in valid groups
 * of three, an optional fraction, an optional '%' — and gives up (returns 0) on anything else,
 * which the general parser below then reads with its full rules and messages. The value is
 * exact and identical to strtod's: at most 15 significant digits make an integer mantissa below
 * 2^53, and dividing it by an exact power of ten rounds once, correctly (Clinger's fast path). */
static int parse_plain(const char *p, size_t n, int decimal_comma, double *out, int *percent)
{
    const char *end = p + n;
    const char group_sep = decimal_comma ? '.' : ',';
    const char dec_sep = decimal_comma ? ',' : '.';
    if (p < end && *p == '$')
        p++;
    int pct = 0;
    if (end > p && end[-1] == '%') {
        end--;
        pct = 1;
    }
    uint64_t m = 0;
    int digits = 0, group_digits = 0, groups = 0, frac = 0;
    for (; p < end; p++) {
        unsigned d = (unsigned)(unsigned char)*p - '0';
        if (d <= 9) {
            m = m * 10 + d;
            digits++;
            group_digits++;
        } else if (*p == group_sep) {
            if (group_digits < 1 || group_digits > 3 || (groups > 0 && group_digits != 3))
                return 0;
            groups++;
            group_digits = 0;
        } else {
            break;
        }
    }
    if (groups > 0 && group_digits != 3)
        return 0;
    if (p < end && *p == dec_sep) {
        for (p++; p < end; p++) {
            unsigned d = (unsigned)(unsigned char)*p - '0';
            if (d > 9)
                return 0;
            m = m * 10 + d;
            digits++;
            frac++;
        }
    }
    if (p != end || digits == 0 || digits > 15)
        return 0;
    double v = (double)m; /* exact: m < 10^15 < 2^53 */
    if (frac)
        v /= pow10_exact[frac];
    *out = v;
    if (percent)
        *percent = pct;
    return 1;
}

hl_cell_kind hl_parse_number(const char *s, size_t len, int decimal_comma, double *out,
                             int *percent, const char **why)
{
    if (len > 0 && parse_plain(s, len, decimal_comma, out, percent))
        return HL_CELL_NUMBER;
    const char *p = s, *end = s + len;
    const char *dummy;
    if (!why)
        why = &dummy;
    if (percent)
        *percent = 0;
    *out = 0;

    size_t k;
    while ((k = space_len(p, end)) > 0)
        p += k;
    while (end > p) {
        /* trailing spaces: check the last 1-3 bytes */
        if (end[-1] == ' ' || end[-1] == '\t')
            end--;
        else if (end - p >= 2 && (unsigned char)end[-2] == 0xC2 && (unsigned char)end[-1] == 0xA0)
            end -= 2;
        else if (end - p >= 3 && (unsigned char)end[-3] == 0xE2 && (unsigned char)end[-2] == 0x80 &&
                 ((unsigned char)end[-1] == 0xAF || (unsigned char)end[-1] == 0x89))
            end -= 3;
        else
            break;
    }
    size_t n = (size_t)(end - p);
    if (is_missing_token(p, n))
        return HL_CELL_MISSING;
    if (p[0] == '<') {
        const char *q = p + 1;
        while (q < end && *q == ' ')
            q++;
        if (q < end && *q >= '0' && *q <= '9')
            return HL_CELL_LT5;
    }

    int neg = 0, seen_sign = 0, seen_cur = 0;
    /* prefix: sign and currency in either order ("-$5", "$-5") */
    for (int round = 0; round < 2; round++) {
        if (!seen_sign && p < end && (*p == '-' || *p == '+' || (unsigned char)*p == 0xE2)) {
            if (*p == '-' || *p == '+') {
                neg = *p == '-';
                p++;
                seen_sign = 1;
            } else if (end - p >= 3 && (unsigned char)p[1] == 0x88 && (unsigned char)p[2] == 0x92) {
                neg = 1; /* U+2212 minus sign */
                p += 3;
                seen_sign = 1;
            }
        }
        if (!seen_cur && (k = currency_len(p, end)) > 0) {
            p += k;
            seen_cur = 1;
            while ((k = space_len(p, end)) > 0)
                p += k;
        }
    }
    /* suffix: percent or currency ("12,5 €", "1.18%") */
    if (end > p && end[-1] == '%') {
        end--;
        if (percent)
            *percent = 1;
    } else {
        for (size_t i = 0; i < sizeof currency_symbols / sizeof *currency_symbols; i++) {
            size_t cn = strlen(currency_symbols[i]);
            if ((size_t)(end - p) > cn && memcmp(end - cn, currency_symbols[i], cn) == 0 && !seen_cur) {
                end -= cn;
                seen_cur = 1;
                break;
            }
        }
    }
    while (end > p && (end[-1] == ' ' || (end - p >= 2 && (unsigned char)end[-2] == 0xC2 &&
                                          (unsigned char)end[-1] == 0xA0))) {
        end -= end[-1] == ' ' ? 1 : 2;
    }

    /* Copy the digits into a plain C number: integer part with validated grouping, fraction,
     * exponent. */
    char buf[128];
    size_t bl = 0;
    const char group_sep = decimal_comma ? '.' : ',';
    const char dec_sep = decimal_comma ? ',' : '.';
    if (neg)
        buf[bl++] = '-';
    int digits = 0, group_digits = 0, groups = 0;
    const char *q = p;
    while (q < end) {
        if (*q >= '0' && *q <= '9') {
            if (bl >= sizeof buf - 8) {
                *why = "number too long";
                return HL_CELL_BAD;
            }
            buf[bl++] = *q++;
            digits++;
            group_digits++;
            continue;
        }
        size_t sl = 0;
        if (*q == group_sep || *q == '\'' || (sl = space_len(q, end)) > 0) {
            /* a thousands separator: the group before it must be complete */
            if ((groups == 0 && (group_digits < 1 || group_digits > 3)) ||
                (groups > 0 && group_digits != 3)) {
                *why = "misplaced thousands separator";
                return HL_CELL_BAD;
            }
            groups++;
            group_digits = 0;
            q += sl ? sl : 1;
            continue;
        }
        break;
    }
    if (groups > 0 && group_digits != 3) {
        *why = "misplaced thousands separator";
        return HL_CELL_BAD;
    }
    if (q < end && *q == dec_sep) {
        buf[bl++] = '.';
        q++;
        while (q < end && *q >= '0' && *q <= '9') {
            if (bl >= sizeof buf - 8) {
                *why = "number too long";
                return HL_CELL_BAD;
            }
            buf[bl++] = *q++;
            digits++;
        }
    }
    if (digits == 0) {
        *why = "not a number";
        return HL_CELL_BAD;
    }
    if (q < end && (*q == 'e' || *q == 'E') && groups == 0) {
        buf[bl++] = 'e';
        q++;
        if (q < end && (*q == '+' || *q == '-'))
            buf[bl++] = *q++;
        int ed = 0;
        while (q < end && *q >= '0' && *q <= '9' && bl < sizeof buf - 1) {
            buf[bl++] = *q++;
            ed++;
        }
        if (ed == 0) {
            *why = "not a number";
            return HL_CELL_BAD;
        }
    }
    if (q != end) {
        *why = "not a number";
        return HL_CELL_BAD;
    }
    buf[bl] = '\0';
    errno = 0;
    char *ep;
    double v = strtod(buf, &ep);
    if (*ep != '\0' || !isfinite(v) || (errno == ERANGE && fabs(v) > 1.0)) {
        *why = "number out of range";
        return HL_CELL_BAD;
    }
    if (v == 0)
        v = 0; /* no negative zero downstream */
    *out = v;
    return HL_CELL_NUMBER;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int32_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

void hl_format_date(int32_t z, char buf[11])
{
    int zz = z + 719468;
    int era = (zz >= 0 ? zz : zz - 146096) / 146097;
    int doe = zz - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int y = yoe + era * 400;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    int d = doy - (153 * mp + 2) / 5 + 1;
    int m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
    if (y < 0 || y > 9999) {
        memcpy(buf, "0000-00-00", 11);
        return;
    }
    buf[0] = (char)('0' + y / 1000);
    buf[1] = (char)('0' + y / 100 % 10);
    buf[2] = (char)('0' + y / 10 % 10);
    buf[3] = (char)('0' + y % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + m / 10);
    buf[6] = (char)('0' + m % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + d / 10);
    buf[9] = (char)('0' + d % 10);
    buf[10] = '\0';
}

static int digits_at(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int hl_parse_date(const char *s, size_t len, int32_t *day, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    int y, m, d;
    if (len < 10 || digits_at(s, 4, &y) < 0 || (s[4] != '-' && s[4] != '/') || s[7] != s[4] ||
        digits_at(s + 5, 2, &m) < 0 || digits_at(s + 8, 2, &d) < 0) {
        *why = "not a date (expected YYYY-MM-DD)";
        return -1;
    }
    if (len > 10) {
        /* TikTok labels days "YYYY-MM-DD 00:00:00"; any other time means hourly data. */
        const char *t = s + 10;
        size_t tl = len - 10;
        if (!((tl == 9 && (t[0] == ' ' || t[0] == 'T') && memcmp(t + 1, "00:00:00", 8) == 0) ||
              (tl == 6 && (t[0] == ' ' || t[0] == 'T') && memcmp(t + 1, "00:00", 5) == 0))) {
            *why = "not a daily date (expected YYYY-MM-DD or YYYY-MM-DD 00:00:00)";
            return -1;
        }
    }
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap)) {
        *why = "impossible date";
        return -1;
    }
    *day = days_from_civil(y, m, d);
    return 0;
}
