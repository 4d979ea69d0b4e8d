/*
 * jsonw.c — JSON output primitives (see jsonw.h).
 */
#include "common/jsonw.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Writes the integer v (|v| < 10^15) as "%.0f" would, without printf. */
static void fmt_integer(char *buf, size_t cap, double v)
{
    char tmp[24];
    int n = 0;
    unsigned long long u = (unsigned long long)fabs(v);
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[n++] = '-';
    size_t o = 0;
    while (n && o + 1 < cap)
        buf[o++] = tmp[--n];
    buf[o] = '\0';
}

static const unsigned long long pow10_u64[20] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL,
    1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL,
    100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
    1000000000000000000ULL, 10000000000000000000ULL};

/* The loop in hl_fmt_exact below, without printf and strtod, for the numbers JSON outputs are
 * made of: 10^-3 <= |v| < 10^14. Exact integer arithmetic on v = m * 2^e: N = m * 10^k holds
 * v * 10^k * 2^-e exactly (k chosen so that v * 10^k has 17 integer digits), which gives the
 * correctly rounded 15-, 16- and 17-digit decimals (ties to even, as printf rounds) and tells
 * exactly whether each reads back as v (strtod rounds to nearest: within half an ulp, a tie
 * going to the even mantissa). Returns 0 to leave a case to the printf loop: outside the range,
 * a power of two (its lower neighbour is nearer than its upper one), or a buffer under 32 bytes.
 * The text is what "%.<P>g" prints: in this range always fixed notation, trailing zeros cut. */
static int fmt_fast(char *buf, size_t cap, double v)
{
    double a = fabs(v);
    if (!(a >= 1e-3 && a < 1e14) || cap < 32)
        return 0;
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint64_t frac = bits & ((1ULL << 52) - 1);
    int be = (int)((bits >> 52) & 0x7ff);
    if (frac == 0 || be == 0)
        return 0;
    uint64_t m = frac | (1ULL << 52);
    int shift = 1075 - be; /* v = m * 2^-shift; 5 <= shift <= 62 in this range */
    if (shift <= 0 || shift > 63)
        return 0;
    /* X = floor(log10(a)), estimated from the binary exponent (floor(e2 * log10 2), off by at
     * most one) and corrected on the integer result */
    int X = ((be - 1023) * 78913) >> 18;
    unsigned __int128 N = 0;
    uint64_t q = 0;
    int k = 0;
    for (int tries = 0; tries < 3; tries++) {
        k = 16 - X;
        if (k < 0 || k > 19)
            return 0;
        N = (unsigned __int128)m * pow10_u64[k];
        unsigned __int128 qq = N >> shift;
        if (qq < pow10_u64[16])
            X--;
        else if (qq >= pow10_u64[17])
            X++;
        else {
            q = (uint64_t)qq;
            break;
        }
    }
    if (q == 0)
        return 0;
    const unsigned __int128 rem = N - ((unsigned __int128)q << shift);
    const unsigned __int128 ten_k = pow10_u64[k];
    for (int P = 15; P <= 17; P++) {
        const int d = 17 - P;
        const uint64_t unit = pow10_u64[d];
        uint64_t t = q / unit;
        const unsigned __int128 R = ((unsigned __int128)(q % unit) << shift) + rem;
        const unsigned __int128 half = (unsigned __int128)unit << (shift - 1);
        if (R > half || (R == half && (t & 1)))
            t++;
        /* does t * 10^(X - P + 1) read back as v? Compare in N's scale. */
        const unsigned __int128 D = (unsigned __int128)(t * unit) << shift;
        const unsigned __int128 diff = D > N ? D - N : N - D;
        if (2 * diff > ten_k || (2 * diff == ten_k && (m & 1)))
            continue;
        /* t has P digits, or P + 1 after a carry (then it is 10^P: one more integer digit) */
        int XP = X;
        if (t >= pow10_u64[P]) {
            t /= 10;
            XP++;
        }
        char dig[20];
        int nd = P;
        for (int i = P - 1; i >= 0; i--) {
            dig[i] = (char)('0' + t % 10);
            t /= 10;
        }
        while (nd > 1 && dig[nd - 1] == '0')
            nd--;
        size_t o = 0;
        if (v < 0)
            buf[o++] = '-';
        if (XP >= 0) {
            for (int i = 0; i <= XP; i++)
                buf[o++] = i < nd ? dig[i] : '0';
            if (nd > XP + 1) {
                buf[o++] = '.';
                for (int i = XP + 1; i < nd; i++)
                    buf[o++] = dig[i];
            }
        } else {
            buf[o++] = '0';
            buf[o++] = '.';
            for (int i = -1; i > XP; i--)
                buf[o++] = '0';
            for (int i = 0; i < nd; i++)
                buf[o++] = dig[i];
        }
        buf[o] = '\0';
        return 1;
    }
    return 0;
}

void hl_fmt_exact(char *buf, size_t cap, double v)
{
    if (v == floor(v) && fabs(v) < 1e15) {
        fmt_integer(buf, cap, v == 0 ? 0.0 : v);
        return;
    }
    if (fmt_fast(buf, cap, v))
        return;
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

void hl_json_number(FILE *f, double v)
{
    if (!isfinite(v)) {
        fputs("null", f);
        return;
    }
    char buf[40];
    hl_fmt_exact(buf, sizeof buf, v);
    fputs(buf, f);
}

void hl_json_string(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        /* the run of characters that need no escape goes out in one write */
        const unsigned char *q = p;
        while (*q >= 0x20 && *q != '"' && *q != '\\')
            q++;
        if (q > p) {
            fwrite(p, 1, (size_t)(q - p), f);
            p = q;
            if (!*p)
                break;
        }
        switch (*p) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* ---- printing a cJSON tree with exact numbers ----
 * cJSON prints doubles with 15 significant digits when it judges them equal within an epsilon,
 * which loses the last digits of a value like 39963.22578326444; bodies that carry our numbers
 * (webhook payloads) must keep them exactly. */
#include <cjson/cJSON.h>
#include <string.h>

typedef struct jbuf {
    char *s;
    size_t len, cap;
    int oom;
} jbuf;

static void jput(jbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 1024;
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

static void jstr(jbuf *b, const char *s)
{
    jput(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        switch (*p) {
        case '"':
            jput(b, "\\\"", 2);
            break;
        case '\\':
            jput(b, "\\\\", 2);
            break;
        case '\n':
            jput(b, "\\n", 2);
            break;
        case '\r':
            jput(b, "\\r", 2);
            break;
        case '\t':
            jput(b, "\\t", 2);
            break;
        default:
            if (*p < 0x20) {
                snprintf(esc, sizeof esc, "\\u%04x", *p);
                jput(b, esc, 6);
            } else {
                jput(b, (const char *)p, 1);
            }
        }
    }
    jput(b, "\"", 1);
}

static void jtree(jbuf *b, const cJSON *j, int depth)
{
    if (depth > 200) {
        jput(b, "null", 4);
        return;
    }
    if (cJSON_IsObject(j) || cJSON_IsArray(j)) {
        int obj = cJSON_IsObject(j);
        jput(b, obj ? "{" : "[", 1);
        int first = 1;
        const cJSON *c;
        cJSON_ArrayForEach(c, j)
        {
            if (!first)
                jput(b, ",", 1);
            first = 0;
            if (obj) {
                jstr(b, c->string ? c->string : "");
                jput(b, ":", 1);
            }
            jtree(b, c, depth + 1);
        }
        jput(b, obj ? "}" : "]", 1);
    } else if (cJSON_IsString(j)) {
        jstr(b, j->valuestring);
    } else if (cJSON_IsNumber(j)) {
        char num[40];
        if (isfinite(j->valuedouble))
            hl_fmt_exact(num, sizeof num, j->valuedouble);
        else
            snprintf(num, sizeof num, "null");
        jput(b, num, strlen(num));
    } else if (cJSON_IsTrue(j)) {
        jput(b, "true", 4);
    } else if (cJSON_IsFalse(j)) {
        jput(b, "false", 5);
    } else {
        jput(b, "null", 4);
    }
}

char *hl_json_print_exact(const cJSON *j)
{
    jbuf b = {NULL, 0, 0, 0};
    jtree(&b, j, 0);
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}
