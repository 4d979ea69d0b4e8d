/*
 * tabular.c — the table printers. CSV cells that a spreadsheet would run as a formula (leading
 * = + - @ tab CR) get a leading apostrophe unless they are numbers, so an ad named
 * "=HYPERLINK(...)" stays text. JSON and CSV keep full precision; the aligned table rounds for
 * people and drops columns that do not fit, saying how many.
 */
#include "cli/tabular.h"
#include "common/jsonw.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int hl_fmt_from_name(const char *s, hl_fmt *out)
{
    static const char *const names[] = {"table", "csv", "json", "md"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (hl_fmt)i;
            return 0;
        }
    if (strcmp(s, "markdown") == 0) {
        *out = HL_FMT_MD;
        return 0;
    }
    return -1;
}

int hl_terminal_width(void)
{
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *c = getenv("COLUMNS");
    if (c) {
        long v = strtol(c, NULL, 10);
        if (v > 10 && v < 100000)
            return (int)v;
    }
    return 0;
}

static void write_json(FILE *f, const hl_tab *t)
{
    fputc('[', f);
    for (size_t r = 0; r < t->nrows; r++) {
        fputs(r ? ",\n  {" : "\n  {", f);
        for (size_t c = 0; c < t->ncols; c++) {
            hl_cellval v;
            t->get(t->ud, r, c, &v);
            if (c)
                fputs(", ", f);
            hl_json_string(f, t->names[c]);
            fputs(": ", f);
            if (v.is_null)
                fputs("null", f);
            else if (t->kinds[c] == HL_CK_TEXT)
                hl_json_string(f, v.text);
            else
                hl_json_number(f, v.num);
        }
        fputc('}', f);
    }
    fputs(t->nrows ? "\n]" : "]", f);
}

static void csv_cell(FILE *f, const char *s, int is_text)
{
    int quote = 0;
    for (const char *p = s; *p; p++)
        if (*p == ',' || *p == '"' || *p == '\n' || *p == '\r')
            quote = 1;
    /* Spreadsheet formula injection: text that starts like a formula is prefixed with an
     * apostrophe, which Excel, LibreOffice and Sheets show as plain text. */
    int neutralise = is_text && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
                                 s[0] == '\t' || s[0] == '\r');
    if (neutralise)
        quote = 1;
    if (!quote) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    if (neutralise)
        fputc('\'', f);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

static void write_csv(FILE *f, const hl_tab *t)
{
    for (size_t c = 0; c < t->ncols; c++) {
        if (c)
            fputc(',', f);
        csv_cell(f, t->names[c], 1);
    }
    fputs("\r\n", f);
    char buf[40];
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            hl_cellval v;
            t->get(t->ud, r, c, &v);
            if (c)
                fputc(',', f);
            if (v.is_null)
                continue;
            if (t->kinds[c] == HL_CK_TEXT) {
                csv_cell(f, v.text, 1);
            } else {
                hl_fmt_exact(buf, sizeof buf, v.num);
                fputs(buf, f);
            }
        }
        fputs("\r\n", f);
    }
}

/* Human rendering of a cell for the aligned table and Markdown. */
static void human(char *buf, size_t cap, hl_colkind k, const hl_cellval *v)
{
    if (v->is_null) {
        snprintf(buf, cap, "%s", "");
        return;
    }
    switch (k) {
    case HL_CK_TEXT:
        snprintf(buf, cap, "%s", v->text);
        break;
    case HL_CK_COUNT:
        if (v->num == floor(v->num) && fabs(v->num) < 1e15)
            snprintf(buf, cap, "%.0f", v->num);
        else
            snprintf(buf, cap, "%.2f", v->num);
        break;
    case HL_CK_MONEY:
    case HL_CK_RATIO:
        snprintf(buf, cap, "%.2f", v->num);
        break;
    case HL_CK_PROPORTION:
        snprintf(buf, cap, "%.2f%%", 100.0 * v->num);
        break;
    case HL_CK_NUMBER:
        snprintf(buf, cap, "%.6g", v->num);
        break;
    }
}

/* Display width of UTF-8 text (code points; good enough for names and numbers). */
static size_t display_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            w++;
    return w;
}

/* Copies s into out cutting at max display columns with an ellipsis; control bytes become
 * spaces so a name with a newline cannot break the layout. */
static void clip(char *out, size_t cap, const char *s, size_t max)
{
    size_t w = 0, o = 0;
    size_t total = display_width(s);
    for (const unsigned char *p = (const unsigned char *)s; *p && o + 4 < cap; p++) {
        if ((*p & 0xC0) != 0x80) {
            if (total > max && w + 1 >= max)
                break;
            w++;
        }
        out[o++] = *p < 0x20 ? ' ' : (char)*p;
    }
    if (total > max && o + 4 < cap) {
        memcpy(out + o, "\xE2\x80\xA6", 3); /* … */
        o += 3;
    }
    out[o] = '\0';
}

#define TEXT_MAX 32

static int write_table(FILE *f, const hl_tab *t, int width)
{
    size_t *w = calloc(t->ncols ? t->ncols : 1, sizeof *w);
    if (!w)
        return -1;
    char buf[256], cl[256];
    for (size_t c = 0; c < t->ncols; c++)
        w[c] = display_width(t->names[c]);
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            hl_cellval v;
            t->get(t->ud, r, c, &v);
            human(buf, sizeof buf, t->kinds[c], &v);
            clip(cl, sizeof cl, buf, TEXT_MAX);
            size_t dw = display_width(cl);
            if (dw > w[c])
                w[c] = dw;
        }
    /* Keep as many leading columns as fit the terminal. */
    size_t shown = t->ncols, total = 0;
    if (width > 0) {
        for (size_t c = 0; c < t->ncols; c++) {
            size_t add = w[c] + (c ? 2 : 0);
            if (c > 0 && total + add > (size_t)width) {
                shown = c;
                break;
            }
            total += add;
        }
    }
    for (size_t c = 0; c < shown; c++) {
        size_t pad = w[c] - display_width(t->names[c]);
        int right = t->kinds[c] != HL_CK_TEXT;
        fprintf(f, "%s%*s%s%*s", c ? "  " : "", right ? (int)pad : 0, "", t->names[c],
                right ? 0 : (c + 1 < shown ? (int)pad : 0), "");
    }
    fputc('\n', f);
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < shown; c++) {
            hl_cellval v;
            t->get(t->ud, r, c, &v);
            human(buf, sizeof buf, t->kinds[c], &v);
            clip(cl, sizeof cl, buf, TEXT_MAX);
            size_t pad = w[c] - display_width(cl);
            int right = t->kinds[c] != HL_CK_TEXT;
            fprintf(f, "%s%*s%s%*s", c ? "  " : "", right ? (int)pad : 0, "", cl,
                    right ? 0 : (c + 1 < shown ? (int)pad : 0), "");
        }
        fputc('\n', f);
    }
    if (shown < t->ncols)
        fprintf(f, "(%zu more column%s not shown at this width: use --columns, or --format csv|json)\n",
                t->ncols - shown, t->ncols - shown == 1 ? "" : "s");
    free(w);
    return 0;
}

static void md_cell(FILE *f, const char *s)
{
    for (const char *p = s; *p; p++) {
        switch (*p) {
        case '|':
            fputs("\\|", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '*':
        case '_':
        case '`':
        case '[':
        case ']':
            fputc('\\', f);
            fputc(*p, f);
            break;
        case '\n':
        case '\r':
        case '\t':
            fputc(' ', f);
            break;
        default:
            fputc(*p, f);
        }
    }
}

static void write_md(FILE *f, const hl_tab *t)
{
    fputc('|', f);
    for (size_t c = 0; c < t->ncols; c++) {
        fputc(' ', f);
        md_cell(f, t->names[c]);
        fputs(" |", f);
    }
    fputs("\n|", f);
    for (size_t c = 0; c < t->ncols; c++)
        fputs(t->kinds[c] == HL_CK_TEXT ? " --- |" : " ---: |", f);
    fputc('\n', f);
    char buf[256];
    for (size_t r = 0; r < t->nrows; r++) {
        fputc('|', f);
        for (size_t c = 0; c < t->ncols; c++) {
            hl_cellval v;
            t->get(t->ud, r, c, &v);
            fputc(' ', f);
            if (t->kinds[c] == HL_CK_TEXT && !v.is_null) {
                md_cell(f, v.text);
            } else {
                human(buf, sizeof buf, t->kinds[c], &v);
                fputs(buf, f);
            }
            fputs(" |", f);
        }
        fputc('\n', f);
    }
}

int hl_tab_write(FILE *f, const hl_tab *t, hl_fmt fmt, int width)
{
    switch (fmt) {
    case HL_FMT_JSON:
        write_json(f, t);
        break;
    case HL_FMT_CSV:
        write_csv(f, t);
        break;
    case HL_FMT_MD:
        write_md(f, t);
        break;
    case HL_FMT_TABLE:
        if (write_table(f, t, width) < 0)
            return -1;
        break;
    }
    return ferror(f) ? -1 : 0;
}
