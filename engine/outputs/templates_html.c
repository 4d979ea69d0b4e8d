/*
 * templates_html.c — a report template's rows as one self-contained HTML page: inline CSS, no
 * script, no external resource (safe to mail and to open offline), readable on a phone (the
 * table scrolls sideways). Every string — names, labels, titles — is escaped, so an ad named
 * "<script>…" or "=cmd|' /C calc'!A0" is shown as the text it is.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hookline/columns.h"

static void esc(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
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
            /* control characters would be invisible or break the layout */
            fputc(*p < 0x20 ? ' ' : *p, f);
        }
    }
}

/* "1,234,567.89" */
static void grouped(char *out, size_t cap, double x, int digits)
{
    char raw[64];
    snprintf(raw, sizeof raw, "%.*f", digits, fabs(x));
    const char *dot = strchr(raw, '.');
    size_t intlen = dot ? (size_t)(dot - raw) : strlen(raw);
    size_t o = 0;
    int neg = x < 0 && strspn(raw, "0.") != strlen(raw);
    if (neg && o + 1 < cap)
        out[o++] = '-';
    for (size_t i = 0; i < intlen && o + 2 < cap; i++) {
        if (i > 0 && (intlen - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = raw[i];
    }
    for (const char *p = dot; p && *p && o + 1 < cap; p++)
        out[o++] = *p;
    out[o] = '\0';
}

static void human(char *buf, size_t cap, hl_column_kind k, double v)
{
    if (fabs(v) >= 1e15) {
        snprintf(buf, cap, "%.6g", v);
        return;
    }
    switch (k) {
    case HL_COLUMN_PROPORTION:
        snprintf(buf, cap, "%.2f%%", 100.0 * v);
        break;
    case HL_COLUMN_MONEY:
    case HL_COLUMN_RATIO:
        grouped(buf, cap, v, 2);
        break;
    case HL_COLUMN_COUNT:
        grouped(buf, cap, v, v == floor(v) ? 0 : 2);
        break;
    default:
        snprintf(buf, cap, "%.6g", v);
    }
}

static const char css[] =
    "body{font:14px/1.45 -apple-system,BlinkMacSystemFont,\"Segoe UI\",Roboto,Helvetica,Arial,"
    "sans-serif;color:#1b1b1b;background:#fff;margin:16px}"
    "h1{font-size:20px;margin:0 0 4px}"
    "p.sub{color:#555;margin:0 0 12px}"
    ".wrap{overflow-x:auto;-webkit-overflow-scrolling:touch}"
    "table{border-collapse:collapse;min-width:100%}"
    "th,td{padding:6px 10px;border-bottom:1px solid #e4e4e4;white-space:nowrap}"
    "th{background:#f4f4f4;text-align:left;font-weight:600}"
    "th.n,td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "td.t{max-width:28em;overflow:hidden;text-overflow:ellipsis}"
    "td.na{color:#999}"
    "tbody tr:nth-child(even) td{background:#fafafa}"
    "p.foot{color:#777;font-size:12px;margin-top:12px}";

int hl_report_write_html(FILE *f, const hl_report *r, const char *title, const char *subtitle)
{
    size_t nc = hl_report_column_count(r), nr = hl_report_row_count(r);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          f);
    esc(f, title ? title : "hookline report");
    fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", css);
    esc(f, title ? title : "hookline report");
    fputs("</h1>\n", f);
    if (subtitle && *subtitle) {
        fputs("<p class=\"sub\">", f);
        esc(f, subtitle);
        fputs("</p>\n", f);
    }
    fputs("<div class=\"wrap\"><table>\n<thead><tr>", f);
    for (size_t c = 0; c < nc; c++) {
        int num = hl_report_column_kind(r, c) != HL_COLUMN_TEXT;
        fprintf(f, "<th scope=\"col\"%s title=\"", num ? " class=\"n\"" : "");
        esc(f, hl_report_column_name(r, c));
        fputs("\">", f);
        esc(f, hl_report_column_label(r, c));
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    char buf[96];
    for (size_t i = 0; i < nr; i++) {
        fputs("<tr>", f);
        for (size_t c = 0; c < nc; c++) {
            hl_report_cell cell;
            hl_report_cell_at(r, i, c, &cell);
            if (hl_report_column_kind(r, c) == HL_COLUMN_TEXT) {
                if (!cell.text) {
                    fputs("<td class=\"t na\"></td>", f);
                    continue;
                }
                fputs("<td class=\"t\" title=\"", f);
                esc(f, cell.text);
                fputs("\">", f);
                esc(f, cell.text);
                fputs("</td>", f);
            } else if (!cell.val.ok) {
                fputs("<td class=\"n na\" title=\"", f);
                esc(f, cell.val.why ? cell.val.why : "undefined");
                fputs("\"></td>", f);
            } else {
                human(buf, sizeof buf, hl_report_column_kind(r, c), cell.val.v);
                fputs("<td class=\"n\">", f);
                esc(f, buf);
                fputs("</td>", f);
            }
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table></div>\n<p class=\"foot\">", f);
    size_t matched = hl_report_matched_count(r);
    if (matched > nr)
        fprintf(f, "%zu of %zu rows shown", nr, matched);
    else
        fprintf(f, "%zu row%s", nr, nr == 1 ? "" : "s");
    fputs(" &middot; empty cells are undefined (division by zero or missing data) &middot; "
          "hookline ",
          f);
    esc(f, hl_version());
    fputs("</p>\n</body>\n</html>\n", f);
    return ferror(f) ? -1 : 0;
}
