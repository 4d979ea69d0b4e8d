/*
 * fmtnum.c — hl_fmt_fixed (see fmtnum.h). x * 10^d is computed in binary floating point, off
 * the exact product by at most one rounding (10^d is exact for d <= 22); below 10^12 that
 * error is under 2^-12, so unless the fraction lies within 10^-3 of one half, rounding the
 * computed product to the nearest integer rounds the exact one the same way, as printf does.
 */
#include "fmtnum.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const double pow10_tab[] = {1e0, 1e1, 1e2, 1e3, 1e4,  1e5,  1e6,  1e7,  1e8,
                                   1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17};

int hl_fmt_fixed(char *buf, size_t cap, double x, int digits, int plus)
{
    if (digits < 0 || digits > 17 || !isfinite(x))
        goto slow;
    double y = fabs(x) * pow10_tab[digits];
    if (!(y < 1e12))
        goto slow;
    double fl = floor(y), frac = y - fl;
    if (fabs(frac - 0.5) < 1e-3)
        goto slow;
    uint64_t q = (uint64_t)fl + (frac > 0.5);
    char tmp[64];
    int n = 0;
    /* digits of q, least significant first; the decimal point after `digits` of them */
    do {
        if (n == digits && digits > 0)
            tmp[n++] = '.';
        tmp[n++] = (char)('0' + q % 10);
        q /= 10;
    } while (q || n <= digits);
    if (signbit(x))
        tmp[n++] = '-';
    else if (plus)
        tmp[n++] = '+';
    if ((size_t)n < cap) {
        for (int i = 0; i < n; i++)
            buf[i] = tmp[n - 1 - i];
        buf[n] = '\0';
        return n;
    }
slow:
    return snprintf(buf, cap, plus ? "%+.*f" : "%.*f", digits, x);
}
