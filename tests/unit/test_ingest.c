/*
 * test_ingest.c — unit tests of engine/ingest: numeric cells and dates as exports write them,
 * header folding and aliases, the streaming CSV reader (quotes, line ends, positions, limits),
 * and whole-file ingest of CSV and API JSON through the public API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hl_test.h"
#include "hookline/ingest.h"
#include "ingest/columns.h"
#include "ingest/csv.h"

static hl_cell_kind num(const char *s, int dc, double *v)
{
    int pct;
    const char *why;
    return hl_parse_number(s, strlen(s), dc, v, &pct, &why);
}

static void test_numbers(void)
{
    double v;
    CHECK_INT(num("1234", 0, &v), HL_CELL_NUMBER);
    CHECK_NEAR(v, 1234, 0, 0);
    CHECK_INT(num("1,234", 0, &v), HL_CELL_NUMBER);
    CHECK_NEAR(v, 1234, 0, 0);
    CHECK_INT(num("12,345,678.5", 0, &v), HL_CELL_NUMBER);
    CHECK_NEAR(v, 12345678.5, 0, 0);
    CHECK_INT(num("$1,234.56", 0, &v), HL_CELL_NUMBER);
    CHECK_NEAR(v, 1234.56, 1e-15, 0);
    CHECK_INT(num(" \xC2\xA0" "14.68 ", 0, &v), HL_CELL_NUMBER);
    CHECK_NEAR(v, 14.68, 1e-15, 0);
    int pct = 0;
    CHECK_INT(hl_parse_number("1.18%", 5, 0, &v, &pct, NULL), HL_CELL_NUMBER);
    CHECK_NEAR(v, 1.18, 1e-15, 0);
    CHECK_INT(pct, 1);
    CHECK_INT(num("1.234,56", 1, &v), HL_CELL_NUMBER);
    CHECK_NEAR(v, 1234.56, 1e-15, 0);
    CHECK_INT(num("12,5", 1, &v), HL_CELL_NUMBER);
    CHECK_NEAR(v, 12.5, 0, 0);
    CHECK_INT(num("1 234,5 \xE2\x82\xAC", 1, &v), HL_CELL_NUMBER); /* 1 234,5 € */
    CHECK_NEAR(v, 1234.5, 0, 0);
    CHECK_INT(num("1.5E+06", 0, &v), HL_CELL_NUMBER);
    CHECK_NEAR(v, 1.5e6, 0, 0);
    CHECK_INT(num("-0", 0, &v), HL_CELL_NUMBER);
    CHECK(v == 0 && !signbit(v));
    CHECK_INT(num("-$5", 0, &v), HL_CELL_NUMBER);
    CHECK_NEAR(v, -5, 0, 0);

    CHECK_INT(num("", 0, &v), HL_CELL_MISSING);
    CHECK_INT(num("-", 0, &v), HL_CELL_MISSING);
    CHECK_INT(num("--", 0, &v), HL_CELL_MISSING);
    CHECK_INT(num("  ", 0, &v), HL_CELL_MISSING);
    CHECK_INT(num("<5", 0, &v), HL_CELL_LT5);
    CHECK_INT(num("< 5", 0, &v), HL_CELL_LT5);

    CHECK_INT(num("12x", 0, &v), HL_CELL_BAD);
    CHECK_INT(num("1,23", 0, &v), HL_CELL_BAD);   /* not a thousands group */
    CHECK_INT(num("1,2345", 0, &v), HL_CELL_BAD);
    CHECK_INT(num("1e400", 0, &v), HL_CELL_BAD);  /* out of range, never inf */
    CHECK_INT(num("NaN", 0, &v), HL_CELL_BAD);
    CHECK_INT(num("inf", 0, &v), HL_CELL_BAD);
    CHECK_INT(num("Infinity", 0, &v), HL_CELL_BAD);
    CHECK_INT(num("1.2.3", 0, &v), HL_CELL_BAD);
    CHECK_INT(num("$", 0, &v), HL_CELL_BAD);
    CHECK_INT(num("0x10", 0, &v), HL_CELL_BAD);
    char big[300];
    memset(big, '9', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK_INT(num(big, 0, &v), HL_CELL_BAD);
}

static void test_dates(void)
{
    int32_t d;
    const char *why;
    CHECK_INT(hl_parse_date("1970-01-01", 10, &d, &why), 0);
    CHECK_INT(d, 0);
    CHECK_INT(hl_parse_date("2026-10-28", 10, &d, &why), 0);
    CHECK_INT(d, 20754);
    CHECK_INT(hl_parse_date("2026-10-28 00:00:00", 19, &d, &why), 0);
    CHECK_INT(d, 20754);
    CHECK_INT(hl_parse_date("2026/10/28", 10, &d, &why), 0);
    CHECK_INT(d, 20754);
    CHECK_INT(hl_parse_date("2024-02-29", 10, &d, &why), 0);
    CHECK_INT(hl_parse_date("2026-02-29", 10, &d, &why), -1);
    CHECK_STR(why, "impossible date");
    CHECK_INT(hl_parse_date("2026-02-30", 10, &d, &why), -1);
    CHECK_INT(hl_parse_date("2026-13-01", 10, &d, &why), -1);
    CHECK_INT(hl_parse_date("2026-10-28 13:00:00", 19, &d, &why), -1);
    CHECK_INT(hl_parse_date("28/10/2026", 10, &d, &why), -1);
    CHECK_INT(hl_parse_date("2026-1-2", 8, &d, &why), -1);
    char buf[11];
    hl_format_date(20754, buf);
    CHECK_STR(buf, "2026-10-28");
    hl_format_date(0, buf);
    CHECK_STR(buf, "1970-01-01");
    hl_format_date(19417, buf);
    CHECK_STR(buf, "2023-03-01");
}

static void test_columns(void)
{
    char f[128];
    const char *h = "  Video\xC2\xA0views  at 50% ";
    hl_col_fold(h, strlen(h), f, sizeof f);
    CHECK_STR(f, "video views at 50%");
    hl_colmap m = hl_col_lookup(f);
    CHECK_INT(m.type, HL_COL_COUNTER);
    CHECK_INT(m.index, HL_C_VIEWS_P50);
    hl_col_fold("Cost (USD)", 10, f, sizeof f);
    m = hl_col_lookup(f);
    CHECK_INT(m.type, HL_COL_COUNTER);
    CHECK_INT(m.index, HL_C_SPEND);
    m = hl_col_lookup("by day");
    CHECK_INT(m.type, HL_COL_DATE);
    m = hl_col_lookup("video_watched_2s");
    CHECK_INT(m.index, HL_C_VIEWS_2S);
    m = hl_col_lookup("ctr (destination)");
    CHECK_INT(m.type, HL_COL_DERIVED);
    m = hl_col_lookup("likes");
    CHECK_INT(m.type, HL_COL_EXTRA);
    char n[128];
    hl_col_normalise("Paid Likes (organic)", 20, n, sizeof n);
    CHECK_STR(n, "paid_likes_organic");
    CHECK(hl_col_is_nonadditive("average_play_time_per_video_view"));
    CHECK(!hl_col_is_nonadditive("likes"));
}

static FILE *mem(const char *s)
{
    FILE *f = tmpfile();
    fwrite(s, 1, strlen(s), f);
    rewind(f);
    return f;
}

static void test_csv_reader(void)
{
    FILE *f = mem("\xEF\xBB\xBF" "a,b,c\r\n1,\"x, \"\"y\"\"\nz\",3\r\n\r\n4,,\"\"\rlast,é,\"q\"");
    hl_csv *c = hl_csv_open(f, "t.csv", 0);
    char sep;
    hl_error err;
    CHECK_INT(hl_csv_detect(c, &sep, &err), HL_OK);
    CHECK_INT(sep, ',');
    const hl_csv_field *fl;
    size_t n;
    CHECK_INT(hl_csv_next(c, &fl, &n, &err), 1);
    CHECK_INT(n, 3);
    CHECK_STR(fl[0].p, "a");
    CHECK_INT(fl[0].line, 1);
    CHECK_INT(fl[2].col, 5);
    CHECK_INT(hl_csv_next(c, &fl, &n, &err), 1);
    CHECK_INT(n, 3);
    CHECK_STR(fl[1].p, "x, \"y\"\nz");
    CHECK_INT(fl[1].line, 2);
    CHECK_INT(fl[1].col, 3);
    CHECK_INT(fl[2].line, 3); /* after the newline inside the quoted cell */
    CHECK_INT(fl[2].col, 4);
    CHECK_INT(hl_csv_next(c, &fl, &n, &err), 1); /* blank line skipped */
    CHECK_INT(hl_csv_record_line(c), 5);
    CHECK_STR(fl[0].p, "4");
    CHECK_INT(fl[1].len, 0);
    CHECK_INT(fl[2].quoted, 1);
    CHECK_INT(hl_csv_next(c, &fl, &n, &err), 1); /* lone CR ended the line */
    CHECK_INT(hl_csv_record_line(c), 6);
    CHECK_STR(fl[1].p, "é");
    CHECK_INT(fl[2].col, 8); /* characters, not bytes */
    CHECK_INT(hl_csv_next(c, &fl, &n, &err), 0);
    hl_csv_close(c);
    fclose(f);

    f = mem("a;b\n\"1,5\";2\n");
    c = hl_csv_open(f, "t.csv", 0);
    CHECK_INT(hl_csv_detect(c, &sep, &err), HL_OK);
    CHECK_INT(sep, ';');
    CHECK_INT(hl_csv_next(c, &fl, &n, &err), 1);
    CHECK_INT(hl_csv_next(c, &fl, &n, &err), 1);
    CHECK_STR(fl[0].p, "1,5");
    hl_csv_close(c);
    fclose(f);

    f = mem("a,b\n1,\"open\n2,3\n");
    c = hl_csv_open(f, "t.csv", 0);
    CHECK_INT(hl_csv_detect(c, &sep, &err), HL_OK);
    CHECK_INT(hl_csv_next(c, &fl, &n, &err), 1);
    CHECK_INT(hl_csv_next(c, &fl, &n, &err), -1);
    CHECK_INT(err.status, HL_EINPUT);
    CHECK_INT(err.line, 2);
    CHECK_INT(err.col, 3);
    CHECK(strstr(err.msg, "unterminated") != NULL);
    hl_csv_close(c);
    fclose(f);

    /* A record over the limit is an error, not a crash or a huge allocation. */
    size_t big = 5000;
    char *s = malloc(big + 16);
    if (!s)
        abort();
    s[0] = 'a';
    s[1] = '\n';
    memset(s + 2, 'x', big);
    s[2 + big] = '\n';
    s[3 + big] = '\0';
    f = mem(s);
    free(s);
    c = hl_csv_open(f, "t.csv", 1024);
    CHECK_INT(hl_csv_detect(c, &sep, &err), HL_OK);
    CHECK_INT(hl_csv_next(c, &fl, &n, &err), 1);
    CHECK_INT(hl_csv_next(c, &fl, &n, &err), -1);
    CHECK(strstr(err.msg, "longer than") != NULL);
    hl_csv_close(c);
    fclose(f);

    f = tmpfile();
    fwrite("a,b\n1,\0" "2\n", 1, 8, f);
    rewind(f);
    c = hl_csv_open(f, "t.csv", 0);
    CHECK_INT(hl_csv_detect(c, &sep, &err), HL_OK);
    CHECK_INT(hl_csv_next(c, &fl, &n, &err), 1);
    CHECK_INT(hl_csv_next(c, &fl, &n, &err), -1);
    CHECK(strstr(err.msg, "NUL") != NULL);
    hl_csv_close(c);
    fclose(f);
}

/* Whole-file ingest through the public API. */
typedef struct collected {
    int rows;
    double impressions, spend;
    int32_t last_day;
    char ad[64];
    uint32_t present;
} collected;

static hl_status collect(void *ud, const hl_row *row, hl_error *err)
{
    (void)err;
    collected *c = ud;
    c->rows++;
    c->impressions += row->v[HL_C_IMPRESSIONS];
    c->spend += row->v[HL_C_SPEND];
    c->last_day = row->day;
    c->present = row->present;
    snprintf(c->ad, sizeof c->ad, "%s", row->text[HL_F_AD_ID]);
    return HL_OK;
}

static const char *write_tmp(const char *name, const char *content)
{
    static char path[256];
    snprintf(path, sizeof path, "/tmp/hl_test_ingest_%d_%s", (int)getpid(), name);
    FILE *f = fopen(path, "wb");
    fputs(content, f);
    fclose(f);
    return path;
}

static void test_files(void)
{
    hl_ingest *ing = hl_ingest_new(NULL);
    hl_error err;
    collected c;
    memset(&c, 0, sizeof c);
    const char *p = write_tmp("a.csv", "By Day,Ad ID,Ad name,Cost,Impressions,Clicks\n"
                                       "2026-10-01,1800000000000000001,A,\"$1,000.50\",\"2,000\",10\n"
                                       "2026-10-02,1800000000000000001,A,-,<5,--\n"
                                       "Total of 2 results,,,,,\n");
    CHECK_INT(hl_ingest_file(ing, p, collect, &c, &err), HL_OK);
    CHECK_INT(c.rows, 2);
    CHECK_NEAR(c.impressions, 2000, 0, 0);
    CHECK_NEAR(c.spend, 1000.5, 0, 0);
    CHECK_STR(c.ad, "1800000000000000001");
    CHECK_INT(c.present, 0); /* the second row has no counter at all */
    CHECK(hl_ingest_warning_count(ing) >= 1);
    unlink(p);

    memset(&c, 0, sizeof c);
    p = write_tmp("b.jsonl",
                  "{\"advertiser_id\":\"7\",\"dimensions\":{\"ad_id\":\"1800000000000000002\","
                  "\"stat_time_day\":\"2026-10-03 00:00:00\"},\"metrics\":{\"spend\":\"14.68\","
                  "\"impressions\":1079,\"clicks\":null,\"conversion\":\"-\"}}\n");
    CHECK_INT(hl_ingest_file(ing, p, collect, &c, &err), HL_OK);
    CHECK_INT(c.rows, 1);
    CHECK_NEAR(c.spend, 14.68, 1e-15, 0);
    CHECK_NEAR(c.impressions, 1079, 0, 0);
    CHECK_INT(c.present, (1u << HL_C_SPEND) | (1u << HL_C_IMPRESSIONS));
    unlink(p);

    p = write_tmp("c.csv", "By Day,Ad ID,Impressions\n2026-10-01,1,12x\n");
    CHECK_INT(hl_ingest_file(ing, p, collect, &c, &err), HL_EINPUT);
    CHECK_INT(err.line, 2);
    CHECK_INT(err.col, 14);
    CHECK(strstr(err.msg, "Impressions") && strstr(err.msg, "12x"));
    unlink(p);

    p = write_tmp("d.csv", "Foo,Bar\n1,2\n");
    CHECK_INT(hl_ingest_file(ing, p, collect, &c, &err), HL_EINPUT);
    CHECK(strstr(err.msg, "missing column") && strstr(err.msg, "'Foo'"));
    unlink(p);

    p = write_tmp("e.json", "{\"code\":40105,\"message\":\"Access token is invalid\",\"data\":{}}");
    CHECK_INT(hl_ingest_file(ing, p, collect, &c, &err), HL_EINPUT);
    CHECK(strstr(err.msg, "40105") != NULL);
    unlink(p);

    p = write_tmp("f.jsonl",
                  "{\"dimensions\":{\"ad_id\":\"1\",\"stat_time_day\":\"2026-10-03\"},"
                  "\"metrics\":{\"impressions\":\"5\",\"impressions\":\"6\"}}\n");
    CHECK_INT(hl_ingest_file(ing, p, collect, &c, &err), HL_EINPUT);
    CHECK(strstr(err.msg, "duplicate key") != NULL);
    unlink(p);

    p = write_tmp("g.jsonl", "{\"dimensions\":{\"ad_id\":\"1\",\"stat_time_day\":\"2026-10-03\"}}\n{\"dim");
    CHECK_INT(hl_ingest_file(ing, p, collect, &c, &err), HL_EINPUT);
    CHECK_INT(err.line, 2);
    unlink(p);

    hl_ingest_free(ing);

    hl_ingest_opts strict = {1, 0};
    ing = hl_ingest_new(&strict);
    p = write_tmp("h.csv", "By Day,Ad ID,Impressions,Clicks\n2026-10-01,1,10,12\n");
    CHECK_INT(hl_ingest_file(ing, p, collect, &c, &err), HL_EINPUT);
    CHECK(strstr(err.msg, "clicks > impressions") != NULL);
    CHECK_INT(err.line, 2);
    unlink(p);
    hl_ingest_free(ing);
}

int main(void)
{
    test_numbers();
    test_dates();
    test_columns();
    test_csv_reader();
    test_files();
    TEST_MAIN_END();
}
