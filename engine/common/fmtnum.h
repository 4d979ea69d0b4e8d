/*
 * fmtnum.h — fixed-decimal number text, identical to printf's "%.*f" and "%+.*f" but without
 * printf: rules and briefs format a few numbers for every brief ("4.21%", "12,345", "+10%"),
 * and glibc's floating-point printf was a tenth of the rules stage at 100,000 ads.
 */
#ifndef HL_COMMON_FMTNUM_H
#define HL_COMMON_FMTNUM_H

#include <stddef.h>

/* Writes x with `digits` decimals (0..17) into buf, as snprintf(buf, cap, plus ? "%+.*f" :
 * "%.*f", digits, x) would, and returns the length written (or needed, as snprintf). Numbers
 * whose rounding the fast path cannot decide exactly (a tie within its error, |x| * 10^digits
 * over 10^12, NaN, inf) go to snprintf, so the text is always printf's. */
int hl_fmt_fixed(char *buf, size_t cap, double x, int digits, int plus);

#endif
