/*
 * test_table.c — unit tests of engine/table: metric formulas and undefined values, the duplicate
 * and override rules, and aggregation to every level with windows and by day, checked against
 * sums computed here.
 */
#include <string.h>

#include "hl_test.h"
#include "hookline/metrics.h"
#include "hookline/table.h"

static void test_metrics(void)
{
    double v[HL_NCOUNTERS] = {0};
    uint32_t present = 0;
    double out;
    v[HL_C_SPEND] = 50;
    v[HL_C_IMPRESSIONS] = 10000;
    v[HL_C_CLICKS] = 120;
    v[HL_C_CONVERSIONS] = 6;
    v[HL_C_VIEWS_2S] = 3000;
    v[HL_C_VIEWS_6S] = 1200;
    v[HL_C_PURCHASE_VALUE] = 150;
    v[HL_C_REACH] = 0;
    present = (1u << HL_C_SPEND) | (1u << HL_C_IMPRESSIONS) | (1u << HL_C_CLICKS) |
              (1u << HL_C_CONVERSIONS) | (1u << HL_C_VIEWS_2S) | (1u << HL_C_VIEWS_6S) |
              (1u << HL_C_PURCHASE_VALUE) | (1u << HL_C_REACH);
    CHECK(hl_metric_compute(HL_M_CTR, v, present, &out));
    CHECK_NEAR(out, 0.012, 1e-15, 0);
    CHECK(hl_metric_compute(HL_M_CPM, v, present, &out));
    CHECK_NEAR(out, 5.0, 1e-15, 0);
    CHECK(hl_metric_compute(HL_M_CPC, v, present, &out));
    CHECK_NEAR(out, 50.0 / 120, 1e-15, 0);
    CHECK(hl_metric_compute(HL_M_CVR, v, present, &out));
    CHECK_NEAR(out, 0.05, 1e-15, 0);
    CHECK(hl_metric_compute(HL_M_CPA, v, present, &out));
    CHECK_NEAR(out, 50.0 / 6, 1e-15, 0);
    CHECK(hl_metric_compute(HL_M_ROAS, v, present, &out));
    CHECK_NEAR(out, 3.0, 1e-15, 0);
    CHECK(hl_metric_compute(HL_M_HOOK_RATE, v, present, &out));
    CHECK_NEAR(out, 0.3, 1e-15, 0);
    CHECK(hl_metric_compute(HL_M_HOLD_RATE, v, present, &out));
    CHECK_NEAR(out, 0.4, 1e-15, 0);
    CHECK(hl_metric_compute(HL_M_VIEW_RATE_6S, v, present, &out));
    CHECK_NEAR(out, 0.12, 1e-15, 0);
    /* reach 0: frequency undefined, not inf */
    CHECK(!hl_metric_compute(HL_M_FREQUENCY, v, present, &out));
    /* video plays missing: play rate undefined */
    CHECK(!hl_metric_compute(HL_M_PLAY_RATE, v, present, &out));
    CHECK(!hl_metric_compute(HL_M_COMPLETION_RATE, v, present, &out));
    CHECK_INT(hl_metric_from_name("hold_rate"), HL_M_HOLD_RATE);
    CHECK_INT(hl_metric_from_name("nope"), -1);
    CHECK_STR(hl_metric_info(HL_M_HOOK_RATE)->formula, "views_2s / impressions");
}

static hl_row mkrow(const char *ad, const char *ag, const char *camp, int32_t day, double imps,
                    double clicks, uint32_t file, unsigned long line)
{
    hl_row r;
    memset(&r, 0, sizeof r);
    r.text[HL_F_AD_ID] = ad;
    r.text[HL_F_AD_NAME] = ad;
    r.text[HL_F_ADGROUP_ID] = ag;
    r.text[HL_F_CAMPAIGN_ID] = camp;
    r.day = day;
    r.v[HL_C_IMPRESSIONS] = imps;
    r.present = 1u << HL_C_IMPRESSIONS;
    if (clicks >= 0) {
        r.v[HL_C_CLICKS] = clicks;
        r.present |= 1u << HL_C_CLICKS;
    }
    r.file = "f.csv";
    r.file_index = file;
    r.line = line;
    return r;
}

static void test_table(void)
{
    hl_table *t = hl_table_new();
    hl_error err;
    hl_row r;
    r = mkrow("a1", "g1", "c1", 100, 1000, 10, 0, 2);
    CHECK_INT(hl_table_add(t, &r, &err), HL_OK);
    r = mkrow("a1", "g1", "c1", 101, 2000, -1, 0, 3); /* clicks missing that day */
    CHECK_INT(hl_table_add(t, &r, &err), HL_OK);
    r = mkrow("a2", "g1", "c1", 100, 500, 5, 0, 4);
    CHECK_INT(hl_table_add(t, &r, &err), HL_OK);
    r = mkrow("a3", "g2", "c1", 101, 300, -1, 0, 5);
    CHECK_INT(hl_table_add(t, &r, &err), HL_OK);
    /* identical duplicate inside a file: fine */
    r = mkrow("a2", "g1", "c1", 100, 500, 5, 0, 6);
    CHECK_INT(hl_table_add(t, &r, &err), HL_OK);
    /* different duplicate inside a file: an error naming both lines */
    r = mkrow("a2", "g1", "c1", 100, 501, 5, 0, 7);
    CHECK_INT(hl_table_add(t, &r, &err), HL_EINPUT);
    CHECK_INT(err.line, 7);
    CHECK(strstr(err.msg, "line 4") != NULL);
    /* a later file overrides */
    r = mkrow("a2", "g1", "c1", 100, 600, 6, 1, 2);
    CHECK_INT(hl_table_add(t, &r, &err), HL_OK);
    CHECK_INT(hl_table_take_overrides(t), 1);
    CHECK_INT(hl_table_take_overrides(t), 0);
    CHECK_INT(hl_table_ad_count(t), 3);
    CHECK_INT(hl_table_cell_count(t), 4);
    int32_t first, last;
    CHECK_INT(hl_table_date_range(t, &first, &last), 0);
    CHECK_INT(first, 100);
    CHECK_INT(last, 101);

    hl_agg *g;
    CHECK_INT(hl_table_aggregate(t, HL_LEVEL_AD, 100, 101, 0, &g, &err), HL_OK);
    CHECK_INT(hl_agg_count(g), 3);
    const hl_agg_row *a1 = hl_agg_row_at(g, 0);
    CHECK_STR(a1->text[HL_F_AD_ID], "a1");
    CHECK_NEAR(a1->v[HL_C_IMPRESSIONS], 3000, 0, 0);
    CHECK_NEAR(a1->v[HL_C_CLICKS], 10, 0, 0);
    CHECK_INT(a1->days, 2);
    const hl_agg_row *a3 = hl_agg_row_at(g, 2);
    CHECK(!(a3->present & (1u << HL_C_CLICKS))); /* missing on every day stays missing */
    double ctr;
    CHECK(!hl_metric_compute(HL_M_CTR, a3->v, a3->present, &ctr));
    hl_agg_free(g);

    CHECK_INT(hl_table_aggregate(t, HL_LEVEL_ADGROUP, 100, 101, 0, &g, &err), HL_OK);
    CHECK_INT(hl_agg_count(g), 2);
    CHECK_STR(hl_agg_row_at(g, 0)->text[HL_F_ADGROUP_ID], "g1");
    CHECK(hl_agg_row_at(g, 0)->text[HL_F_AD_ID] == NULL);
    CHECK_NEAR(hl_agg_row_at(g, 0)->v[HL_C_IMPRESSIONS], 3600, 0, 0);
    CHECK_INT(hl_agg_row_at(g, 0)->days, 2); /* two ads on day 100 count once */
    hl_agg_free(g);

    CHECK_INT(hl_table_aggregate(t, HL_LEVEL_CAMPAIGN, 101, 101, 0, &g, &err), HL_OK);
    CHECK_INT(hl_agg_count(g), 1);
    CHECK_NEAR(hl_agg_row_at(g, 0)->v[HL_C_IMPRESSIONS], 2300, 0, 0);
    hl_agg_free(g);

    CHECK_INT(hl_table_aggregate(t, HL_LEVEL_ADGROUP, 100, 101, 1, &g, &err), HL_OK);
    CHECK_INT(hl_agg_count(g), 3); /* g1 x 2 days, g2 x 1 */
    CHECK_INT(hl_agg_row_at(g, 0)->day, 100);
    CHECK_NEAR(hl_agg_row_at(g, 0)->v[HL_C_IMPRESSIONS], 1600, 0, 0);
    CHECK_INT(hl_agg_row_at(g, 1)->day, 101);
    hl_agg_free(g);

    CHECK_INT(hl_table_aggregate(t, HL_LEVEL_ADVERTISER, 0, 1000, 0, &g, &err), HL_OK);
    CHECK_INT(hl_agg_count(g), 1);
    CHECK(hl_agg_row_at(g, 0)->text[HL_F_ADVERTISER_ID] == NULL);
    CHECK_NEAR(hl_agg_row_at(g, 0)->v[HL_C_IMPRESSIONS], 3900, 0, 0);
    hl_agg_free(g);

    CHECK_INT(hl_table_aggregate(t, HL_LEVEL_AD, 200, 300, 0, &g, &err), HL_OK);
    CHECK_INT(hl_agg_count(g), 0);
    hl_agg_free(g);
    hl_table_free(t);
}

int main(void)
{
    test_metrics();
    test_table();
    TEST_MAIN_END();
}
