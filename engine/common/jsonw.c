/*
 * jsonw.c — JSON output primitives (see jsonw.h).
 */
#include "common/jsonw.h"

#include <math.h>
#include <stdlib.h>

void hl_fmt_exact(char *buf, size_t cap, double v)
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
