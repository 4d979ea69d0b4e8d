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

/* Terminal columns of one code point: 0 for combining marks, joiners and variation selectors,
 * 2 for East Asian wide characters and emoji, else 1 (a compact wcwidth that does not depend on
 * the process locale). */
static int cp_width(unsigned int c)
{
    if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F) || c == 0x2060 ||
        (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
        (c >= 0x20D0 && c <= 0x20FF) || (c >= 0xE0100 && c <= 0xE01EF))
        return 0;
    if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
        (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
        (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
        (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
        (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
        (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
        (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x1F680 && c <= 0x1F6FF) ||
        (c >= 0x1FA70 && c <= 0x1FAFF) || (c >= 0x20000 && c <= 0x3FFFD) ||
        (c >= 0x2600 && c <= 0x26FF && (c == 0x2614 || c == 0x2615 || (c >= 0x2648 && c <= 0x2653) ||
                                       c == 0x26A1 || c == 0x26AA || c == 0x26AB || c == 0x26BD ||
                                       c == 0x26BE || c == 0x26C4 || c == 0x26C5 || c == 0x26D4 ||
                                       c == 0x26EA || c == 0x26F2 || c == 0x26F3 || c == 0x26F5 ||
                                       c == 0x26FA || c == 0x26FD)) ||
        c == 0x2705 || c == 0x270A || c == 0x270B || c == 0x2728 || c == 0x274C ||
        c == 0x2753 || c == 0x2757 || c == 0x2B50 || c == 0x2B55)
        return 2;
    return 1;
}

/* Decodes the code point at p (valid UTF-8 is guaranteed by ingest; anything else counts as
 * one column per byte). Returns its byte length. */
static size_t decode(const unsigned char *p, unsigned int *cp)
{
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    size_t len = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC0 ? 2 : 1;
    unsigned int c = len == 4 ? p[0] & 0x07u : len == 3 ? p[0] & 0x0Fu : p[0] & 0x1Fu;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            *cp = p[0];
            return 1;
        }
        c = (c << 6) | (p[i] & 0x3Fu);
    }
    *cp = len == 1 ? p[0] : c;
    return len;
}

/* Terminal columns taken by UTF-8 text. */
static size_t display_width(const char *s)
{
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned int cp;
        p += decode(p, &cp);
        w += (size_t)cp_width(cp);
    }
    return w;
}

/* Copies s into out cutting at max display columns with an ellipsis; control bytes become
 * spaces so a name with a newline cannot break the layout. */
static void clip(char *out, size_t cap, const char *s, size_t max)
{
    size_t total = display_width(s);
    size_t limit = total > max ? max - 1 : max; /* room for the ellipsis */
    size_t w = 0, o = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned int cp;
        size_t len = decode(p, &cp);
        size_t cw = (size_t)cp_width(cp);
        if (w + cw > limit || o + len + 4 >= cap)
            break;
        for (size_t i = 0; i < len; i++)
            out[o++] = p[i] < 0x20 ? ' ' : (char)p[i];
        w += cw;
        p += len;
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
