/*
 * report_svg.c — the report's drawing primitives: escaping, number formatting and the four inline
 * SVG charts (funnel, retention curve, forest plot, sparklines). report_html.c calls them. Each
 * chart has a viewBox and no fixed size, so it scales to a phone's width; text stays inside the
 * viewBox at every scale, and nothing is fetched (no fonts, no images, no script).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "outputs/report.h"

#define INK "#1f2328"
#define MUTED "#57606a"
#define GRID "#e6e9ed"
#define TRACK "#eef1f4"
#define HALO " stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\" stroke-linejoin=\"round\""

hl_rh_tone hl_rh_tone_of(const hl_comparison *c)
{
    if (!c)
        return HL_RH_NEUTRAL;
    if (c->gated)
        return HL_RH_UNDECIDED;
    switch (c->decision) {
    case HL_DEC_BETTER:
        return HL_RH_GOOD;
    case HL_DEC_WORSE:
        return HL_RH_BAD;
    case HL_DEC_NO_DIFFERENCE:
        return HL_RH_SAME;
    default:
        return HL_RH_UNDECIDED;
    }
}

const char *hl_rh_colour(hl_rh_tone t)
{
    switch (t) {
    case HL_RH_GOOD:
        return "#1a7f37";
    case HL_RH_BAD:
        return "#cf222e";
    case HL_RH_SAME:
        return "#6e7781";
    case HL_RH_UNDECIDED:
        return "#afb8c1";
    default:
        return "#8c959f";
    }
}

/* One byte of user text. Control characters are not allowed in HTML text: they become spaces. */
static void esc_byte(FILE *f, unsigned char c)
{
    switch (c) {
    case '&':
        fputs("&amp;", f);
        break;
    case '<':
        fputs("&lt;", f);
        break;
    case '>':
        fputs("&gt;", f);
        break;
    case '"':
        fputs("&quot;", f);
        break;
    case '\'':
        fputs("&#39;", f);
        break;
    default:
        fputc(c < 0x20 || c == 0x7f ? ' ' : c, f);
    }
}

void hl_rh_esc(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
        esc_byte(f, *p);
}

void hl_rh_esc_n(FILE *f, const char *s, size_t max)
{
    size_t cp = 0;
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        /* Count code points at their lead byte, so a cut never splits a UTF-8 sequence. */
        if ((*p & 0xC0) != 0x80 && cp++ == max) {
            fputs("\xe2\x80\xa6", f);
            return;
        }
        esc_byte(f, *p);
    }
}

const char *hl_rh_num(char *buf, size_t cap, double v, int decimals)
{
    char tmp[64];
    if (!isfinite(v) || fabs(v) >= 1e18) {
        snprintf(buf, cap, "%s", HL_RH_DASH);
        return buf;
    }
    snprintf(tmp, sizeof tmp, "%.*f", decimals, fabs(v));
    /* "-0.00" is zero: no sign. */
    int neg = v < 0 && strspn(tmp, "0.") != strlen(tmp);
    size_t intlen = strcspn(tmp, "."), o = 0;
    if (neg && o + 1 < cap)
        buf[o++] = '-';
    for (size_t i = 0; tmp[i] && o + 1 < cap; i++) {
        if (i && i < intlen && (intlen - i) % 3 == 0)
            buf[o++] = ',';
        if (o + 1 < cap)
            buf[o++] = tmp[i];
    }
    buf[o] = '\0';
    return buf;
}

const char *hl_rh_pct(char *buf, size_t cap, double share)
{
    double p = share * 100;
    if (!isfinite(p))
        return hl_rh_num(buf, cap, p, 0);
    hl_rh_num(buf, cap, p, fabs(p) < 10 ? 2 : 1);
    size_t len = strlen(buf);
    if (len + 1 < cap)
        memcpy(buf + len, "%", 2);
    return buf;
}

const char *hl_rh_lift(char *buf, size_t cap, double rel)
{
    char n[64];
    double p = rel * 100;
    if (!isfinite(p))
        return hl_rh_num(buf, cap, p, 0);
    hl_rh_num(n, sizeof n, fabs(p), fabs(p) >= 100 ? 0 : 1);
    int zero = strspn(n, "0.") == strlen(n);
    /* A typographic minus: "−48.2%" lines up with "+40.4%". */
    const char *sign = zero ? "" : p < 0 ? "\xe2\x88\x92" : "+";
    size_t ls = strlen(sign), ln = strlen(n);
    if (cap == 0)
        return buf;
    if (ls + ln + 2 > cap) { /* never for a real lift; a cut label beats a broken one */
        buf[0] = '\0';
        return buf;
    }
    memcpy(buf, sign, ls);
    memcpy(buf + ls, n, ln);
    memcpy(buf + ls + ln, "%", 2);
    return buf;
}

/* Coordinates: a non-finite value (never expected) must not reach the markup as "nan". */
static double co(double v)
{
    return isfinite(v) ? v : 0;
}

static void open_svg(FILE *f, const char *cls, double w, double h, const char *label, double font)
{
    fprintf(f,
            "<svg class=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
            "width=\"100%%\" role=\"img\" aria-label=\"%s\" font-size=\"%g\" fill=\"" INK "\">",
            cls, co(w), co(h), label, font);
}

static size_t codepoints(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

static void text(FILE *f, double x, double y, const char *anchor, const char *extra,
                 const char *s, int escape)
{
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\"%s%s%s%s>", co(x), co(y),
            anchor ? " text-anchor=\"" : "", anchor ? anchor : "", anchor ? "\"" : "",
            extra ? extra : "");
    if (escape)
        hl_rh_esc(f, s);
    else
        fputs(s, f);
    fputs("</text>", f);
}

void hl_rh_svg_funnel(FILE *f, const hl_rh_step steps[HL_RH_NSTEPS])
{
    const double row = 20, bx = 136, bw = 104;
    char num[64], line[96];
    open_svg(f, "funnel", 320, row * HL_RH_NSTEPS + 2, "Funnel", 11);
    for (int i = 0; i < HL_RH_NSTEPS; i++) {
        const hl_rh_step *s = &steps[i];
        double y = 1 + i * row;
        text(f, 0, y + 13, NULL, NULL, s->label, 1);
        text(f, 128, y + 13, "end", NULL,
             s->count.ok ? hl_rh_num(num, sizeof num, s->count.v, 0) : HL_RH_DASH, 0);
        fprintf(f, "<rect x=\"%.0f\" y=\"%.1f\" width=\"%.0f\" height=\"10\" rx=\"2\" fill=\"" TRACK
                   "\"/>",
                bx, y + 4, bw);
        if (s->bar.ok && s->bar.v > 0)
            fprintf(f, "<rect x=\"%.0f\" y=\"%.1f\" width=\"%.1f\" height=\"10\" rx=\"2\" "
                       "fill=\"%s\"/>",
                    bx, y + 4, co(bw * fmin(1, s->bar.v)), hl_rh_colour(s->tone));
        if (s->tick.ok && s->tick.v >= 0) {
            double x = bx + bw * fmin(1, s->tick.v);
            fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"" INK
                       "\" stroke-width=\"1.5\"/>",
                    co(x), co(x), y + 1, y + 17);
        }
        if (s->rate.ok)
            snprintf(line, sizeof line, "%s %s", hl_rh_pct(num, sizeof num, s->rate.v),
                     s->rate_name);
        else
            snprintf(line, sizeof line, "%s", s->rate_name[0] ? HL_RH_DASH : "");
        text(f, 320, y + 13, "end", NULL, line, 0);
    }
    fputs("</svg>", f);
}

/* A path through the defined points, broken where a point is missing; a point with no defined
 * neighbour is a dot. */
static void path(FILE *f, const double *x, const double *y, const unsigned char *ok, int n,
                 const char *stroke, double width, const char *extra)
{
    int pen = 0, any = 0;
    for (int i = 0; i < n; i++) {
        if (!ok[i]) {
            pen = 0;
            continue;
        }
        if (!pen && !(i + 1 < n && ok[i + 1]))
            continue;
        if (!any)
            fputs("<path d=\"", f);
        any = 1;
        fprintf(f, "%s%.1f %.1f", pen ? " L" : "M", co(x[i]), co(y[i]));
        pen = 1;
    }
    if (any)
        fprintf(f, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" stroke-linejoin=\"round\" "
                   "stroke-linecap=\"round\"%s/>",
                stroke, width, extra ? extra : "");
    for (int i = 0; i < n; i++)
        if (ok[i] && !(i > 0 && ok[i - 1]) && !(i + 1 < n && ok[i + 1]))
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\"/>", co(x[i]),
                    co(y[i]), width, stroke);
}

void hl_rh_svg_retention(FILE *f, const hl_val ad[HL_RH_NRET], const hl_val group[HL_RH_NRET])
{
    static const char *const lab[HL_RH_NRET] = {"2 s", "6 s", "25%", "50%", "75%", "100%"};
    const double x0 = 36, x1 = 306, top = 8, bot = 98;
    double hi = 0, xs[HL_RH_NRET], ya[HL_RH_NRET], yg[HL_RH_NRET];
    unsigned char oka[HL_RH_NRET], okg[HL_RH_NRET];
    char num[64];
    for (int i = 0; i < HL_RH_NRET; i++) {
        if (ad[i].ok && isfinite(ad[i].v))
            hi = fmax(hi, ad[i].v);
        if (group[i].ok && isfinite(group[i].v))
            hi = fmax(hi, group[i].v);
    }
    /* The scale tops out at the next 10 %, so curves of one ad group share a scale often. */
    double ymax = fmin(1, fmax(0.1, ceil(hi * 10 - 1e-9) / 10));
    open_svg(f, "retention", 320, 118, "Retention curve", 11);
    for (int k = 0; k <= 2; k++) {
        double v = ymax * k / 2, y = bot - (bot - top) * k / 2;
        fprintf(f, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"" GRID "\"/>",
                x0, x1, y, y);
        snprintf(num, sizeof num, "%.0f%%", 100 * v); /* whole tens: no decimals */
        text(f, x0 - 4, y + 4, "end", " fill=\"" MUTED "\"", num, 0);
    }
    for (int i = 0; i < HL_RH_NRET; i++) {
        xs[i] = x0 + (x1 - x0) * i / (HL_RH_NRET - 1);
        oka[i] = ad[i].ok && isfinite(ad[i].v);
        okg[i] = group[i].ok && isfinite(group[i].v);
        ya[i] = bot - (bot - top) * fmin(1, (oka[i] ? ad[i].v : 0) / ymax);
        yg[i] = bot - (bot - top) * fmin(1, (okg[i] ? group[i].v : 0) / ymax);
        text(f, xs[i], 113, "middle", " fill=\"" MUTED "\"", lab[i], 0);
    }
    path(f, xs, yg, okg, HL_RH_NRET, "#c4cbd3", 2, " stroke-dasharray=\"4 3\"");
    path(f, xs, ya, oka, HL_RH_NRET, "#2f3b4c", 2, NULL);
    for (int i = 0; i < HL_RH_NRET; i++)
        if (oka[i])
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"#2f3b4c\"/>", co(xs[i]),
                    co(ya[i]));
    fputs("</svg>", f);
}

/* A round step for about four ticks: 1, 2, 2.5 or 5 times a power of ten. */
static double nice_step(double span)
{
    double p = pow(10, floor(log10(span / 4))), m = span / 4 / p;
    return p * (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10);
}

void hl_rh_svg_forest(FILE *f, const hl_rh_forest_row *rows, size_t n, const char *axis_title)
{
    /* Rows are a text line (name left, lift and interval right) over the interval: no label
     * column, so the plot keeps the full width of a phone. */
    const double row = 40, px0 = 8, px1 = 352;
    /* Lifts are relative, so -100 % is the floor; far tails are cut at +300 % with an arrow. */
    const double floor_ = -1, ceil_ = 3;
    double lo = 0, hi = 0;
    char num[64], a[64], b[64], line[200];
    for (size_t i = 0; i < n; i++) {
        const hl_val *v[3] = {&rows[i].lift, &rows[i].lo, &rows[i].hi};
        for (int k = 0; k < 3; k++)
            if (v[k]->ok && isfinite(v[k]->v)) {
                lo = fmin(lo, v[k]->v);
                hi = fmax(hi, v[k]->v);
            }
    }
    lo = fmax(lo, floor_);
    hi = fmin(hi, ceil_);
    if (hi - lo < 0.1)
        hi = lo + 0.1;
    double step = nice_step(hi - lo);
    lo = floor(lo / step + 1e-9) * step;
    hi = ceil(hi / step - 1e-9) * step;
    double h = row * (double)n;
#define X(v) (px0 + (px1 - px0) * (fmin(hi, fmax(lo, (v))) - lo) / (hi - lo))
    open_svg(f, "forest", 360, h + 38, "Forest plot of lifts", 12.5);
    int nticks = (int)lround((hi - lo) / step);
    for (int k = 0; k <= nticks; k++) {
        double t = lo + step * k, x = X(t);
        int zero = fabs(t) < step / 2;
        fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"0\" y2=\"%.0f\" stroke=\"%s\"%s/>", co(x),
                co(x), h + 4, zero ? MUTED : GRID, zero ? " stroke-dasharray=\"3 3\"" : "");
        if (zero)
            snprintf(line, sizeof line, "0%%");
        else
            snprintf(line, sizeof line, "%s%.*f%%", t < 0 ? "\xe2\x88\x92" : "+",
                     step * 100 < 1 ? 1 : 0, fabs(t) * 100);
        text(f, x, h + 17, x < 20 ? "start" : x > 340 ? "end" : "middle",
             " fill=\"" MUTED "\"", line, 0);
    }
    fprintf(f, "<text x=\"180\" y=\"%.0f\" text-anchor=\"middle\" fill=\"" MUTED "\">", h + 34);
    hl_rh_esc(f, axis_title);
    fputs("</text>", f);
    for (size_t i = 0; i < n; i++) {
        const hl_rh_forest_row *r = &rows[i];
        double y = row * (double)i;
        const char *col = hl_rh_colour(r->tone);
        /* A white halo keeps names and values readable over the grid and the zero line. */
        if (!r->lift.ok)
            snprintf(line, sizeof line, "%s %s", HL_RH_DASH, r->why ? r->why : "");
        else if (r->lo.ok && r->hi.ok)
            snprintf(line, sizeof line, "%s (%s to %s)", hl_rh_lift(num, sizeof num, r->lift.v),
                     hl_rh_lift(a, sizeof a, r->lo.v), hl_rh_lift(b, sizeof b, r->hi.v));
        else
            snprintf(line, sizeof line, "%s", hl_rh_lift(num, sizeof num, r->lift.v));
        /* About 50 characters fit on a line at this size: the name gets what the numbers leave. */
        size_t used = codepoints(line), room = used < 34 ? 46 - used : 12;
        fprintf(f, "<text x=\"0\" y=\"%.0f\" font-weight=\"600\"" HALO ">", y + 14);
        hl_rh_esc_n(f, r->name, room);
        fputs("</text>", f);
        fprintf(f, "<text x=\"360\" y=\"%.0f\" text-anchor=\"end\" fill=\"%s\"" HALO ">", y + 14,
                r->tone == HL_RH_UNDECIDED || r->tone == HL_RH_NEUTRAL ? MUTED : col);
        hl_rh_esc(f, line);
        fputs("</text>", f);
        if (!r->lift.ok)
            continue;
        double ly = y + 29;
        if (r->lo.ok && r->hi.ok) {
            fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"%s\" "
                       "stroke-width=\"2.5\" stroke-linecap=\"round\"/>",
                    co(X(r->lo.v)), co(X(r->hi.v)), ly, ly, col);
            if (r->hi.v > hi) /* cut: an arrow says the interval goes on */
                fprintf(f, "<path d=\"M%.1f %.0fl-6 -4v8z\" fill=\"%s\"/>", px1 + 4, ly, col);
        }
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.0f\" r=\"4\" fill=\"%s\" stroke=\"#fff\" "
                   "stroke-width=\"1\"/>",
                co(X(r->lift.v)), ly, col);
    }
#undef X
    fputs("</svg>", f);
}

void hl_rh_svg_sparklines(FILE *f, const hl_rh_series *s, size_t n, int shade_from)
{
    enum { MAXD = 400 }; /* a longer window shows its last MAXD days */
    const double row = 34, x0 = 100, x1 = 316;
    double xs[MAXD], ys[MAXD];
    unsigned char ok[MAXD];
    open_svg(f, "sparkline", 320, row * (double)n, "Daily CTR and CPM", 11);
    for (size_t k = 0; k < n; k++) {
        const hl_rh_series *r = &s[k];
        double top = row * (double)k, lo = INFINITY, hi = -INFINITY;
        int m = r->n < MAXD ? r->n : MAXD, off = r->n - m, sh = shade_from - off;
        fprintf(f, "<text x=\"0\" y=\"%.0f\" font-weight=\"600\">", top + 13);
        hl_rh_esc(f, r->label);
        fputs("</text>", f);
        text(f, 0, top + 27, NULL, " font-size=\"10\" fill=\"" MUTED "\"", r->summary, 1);
        if (m > 1 && shade_from >= 0 && sh < m) {
            double sx = x0 + (x1 - x0) * (sh > 0 ? sh : 0) / (m - 1);
            fprintf(f, "<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\" "
                       "fill=\"#f1f3f6\"/>",
                    co(sx), top + 2, co(x1 - sx), row - 6);
        }
        for (int d = 0; d < m; d++) {
            ok[d] = r->ok[off + d] && isfinite(r->y[off + d]);
            if (ok[d]) {
                lo = fmin(lo, r->y[off + d]);
                hi = fmax(hi, r->y[off + d]);
            }
        }
        if (!(hi >= lo) || m < 2)
            continue;
        if (hi - lo < 1e-12 * fmax(1, fabs(hi))) { /* a flat series sits mid-row */
            lo -= 1;
            hi += 1;
        }
        for (int d = 0; d < m; d++) {
            xs[d] = x0 + (x1 - x0) * d / (m - 1);
            ys[d] = top + row - 8 - (row - 14) * ((ok[d] ? r->y[off + d] : lo) - lo) / (hi - lo);
        }
        const char *col = r->tone == HL_RH_BAD ? hl_rh_colour(HL_RH_BAD) : MUTED;
        path(f, xs, ys, ok, m, col, 1.5, NULL);
        for (int d = m - 1; d >= 0; d--)
            if (ok[d]) {
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>", co(xs[d]),
                        co(ys[d]), col);
                break;
            }
    }
    fputs("</svg>", f);
}
