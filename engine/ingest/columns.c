/*
 * columns.c — header aliases. Exports name columns by their Ads Manager label, which varies by
 * locale of the UI version and by what the user selected ("Cost", "Cost (USD)", "Spend";
 * "Video views at 25%" or "Video views (P25)"), and API rows use field names ("video_watched_2s").
 * One table serves both, so a CSV export and an API pull of the same data land identically.
 */
#include "ingest/columns.h"

#include <string.h>

typedef struct alias {
    const char *folded;
    hl_coltype type;
    int index;
} alias;

/* Order matters: an earlier alias of the same target has priority (e.g. "clicks (destination)"
 * over plain "clicks"), and the loser is kept as an extra column under its own name. */
static const alias aliases[] = {
    {"by day", HL_COL_DATE, 0},
    {"date", HL_COL_DATE, 0},
    {"day", HL_COL_DATE, 0},
    {"stat_time_day", HL_COL_DATE, 0},

    {"advertiser id", HL_COL_FIELD, HL_F_ADVERTISER_ID},
    {"advertiser_id", HL_COL_FIELD, HL_F_ADVERTISER_ID},
    {"account id", HL_COL_FIELD, HL_F_ADVERTISER_ID},
    {"advertiser name", HL_COL_FIELD, HL_F_ADVERTISER_NAME},
    {"advertiser_name", HL_COL_FIELD, HL_F_ADVERTISER_NAME},
    {"account name", HL_COL_FIELD, HL_F_ADVERTISER_NAME},
    {"account", HL_COL_FIELD, HL_F_ADVERTISER_NAME},
    {"campaign id", HL_COL_FIELD, HL_F_CAMPAIGN_ID},
    {"campaign_id", HL_COL_FIELD, HL_F_CAMPAIGN_ID},
    {"campaign name", HL_COL_FIELD, HL_F_CAMPAIGN_NAME},
    {"campaign_name", HL_COL_FIELD, HL_F_CAMPAIGN_NAME},
    {"campaign", HL_COL_FIELD, HL_F_CAMPAIGN_NAME},
    {"ad group id", HL_COL_FIELD, HL_F_ADGROUP_ID},
    {"adgroup id", HL_COL_FIELD, HL_F_ADGROUP_ID},
    {"adgroup_id", HL_COL_FIELD, HL_F_ADGROUP_ID},
    {"ad group name", HL_COL_FIELD, HL_F_ADGROUP_NAME},
    {"adgroup name", HL_COL_FIELD, HL_F_ADGROUP_NAME},
    {"adgroup_name", HL_COL_FIELD, HL_F_ADGROUP_NAME},
    {"ad group", HL_COL_FIELD, HL_F_ADGROUP_NAME},
    {"ad id", HL_COL_FIELD, HL_F_AD_ID},
    {"ad_id", HL_COL_FIELD, HL_F_AD_ID},
    {"ad name", HL_COL_FIELD, HL_F_AD_NAME},
    {"ad_name", HL_COL_FIELD, HL_F_AD_NAME},
    {"ad", HL_COL_FIELD, HL_F_AD_NAME},
    {"currency", HL_COL_FIELD, HL_F_CURRENCY},

    {"cost", HL_COL_COUNTER, HL_C_SPEND},
    {"spend", HL_COL_COUNTER, HL_C_SPEND},
    {"total cost", HL_COL_COUNTER, HL_C_SPEND},
    {"amount spent", HL_COL_COUNTER, HL_C_SPEND},
    {"impressions", HL_COL_COUNTER, HL_C_IMPRESSIONS},
    {"impression", HL_COL_COUNTER, HL_C_IMPRESSIONS},
    {"reach", HL_COL_COUNTER, HL_C_REACH},
    {"clicks (destination)", HL_COL_COUNTER, HL_C_CLICKS},
    {"clicks", HL_COL_COUNTER, HL_C_CLICKS},
    {"conversions", HL_COL_COUNTER, HL_C_CONVERSIONS},
    {"conversion", HL_COL_COUNTER, HL_C_CONVERSIONS},
    {"video views", HL_COL_COUNTER, HL_C_VIDEO_PLAYS},
    {"video_play_actions", HL_COL_COUNTER, HL_C_VIDEO_PLAYS},
    {"video plays", HL_COL_COUNTER, HL_C_VIDEO_PLAYS},
    {"2-second video views", HL_COL_COUNTER, HL_C_VIEWS_2S},
    {"2 second video views", HL_COL_COUNTER, HL_C_VIEWS_2S},
    {"video_watched_2s", HL_COL_COUNTER, HL_C_VIEWS_2S},
    {"6-second video views", HL_COL_COUNTER, HL_C_VIEWS_6S},
    {"6 second video views", HL_COL_COUNTER, HL_C_VIEWS_6S},
    {"video_watched_6s", HL_COL_COUNTER, HL_C_VIEWS_6S},
    {"video views at 25%", HL_COL_COUNTER, HL_C_VIEWS_P25},
    {"video views (p25)", HL_COL_COUNTER, HL_C_VIEWS_P25},
    {"video_views_p25", HL_COL_COUNTER, HL_C_VIEWS_P25},
    {"video views at 50%", HL_COL_COUNTER, HL_C_VIEWS_P50},
    {"video views (p50)", HL_COL_COUNTER, HL_C_VIEWS_P50},
    {"video_views_p50", HL_COL_COUNTER, HL_C_VIEWS_P50},
    {"video views at 75%", HL_COL_COUNTER, HL_C_VIEWS_P75},
    {"video views (p75)", HL_COL_COUNTER, HL_C_VIEWS_P75},
    {"video_views_p75", HL_COL_COUNTER, HL_C_VIEWS_P75},
    {"video views at 100%", HL_COL_COUNTER, HL_C_VIEWS_P100},
    {"video views (p100)", HL_COL_COUNTER, HL_C_VIEWS_P100},
    {"video_views_p100", HL_COL_COUNTER, HL_C_VIEWS_P100},
    {"landing page views (website)", HL_COL_COUNTER, HL_C_LANDING_PAGE_VIEWS},
    {"landing page views", HL_COL_COUNTER, HL_C_LANDING_PAGE_VIEWS},
    {"total_landing_page_view", HL_COL_COUNTER, HL_C_LANDING_PAGE_VIEWS},
    {"adds to cart (website)", HL_COL_COUNTER, HL_C_ADD_TO_CART},
    {"add to cart (website)", HL_COL_COUNTER, HL_C_ADD_TO_CART},
    {"adds to cart", HL_COL_COUNTER, HL_C_ADD_TO_CART},
    {"add to cart", HL_COL_COUNTER, HL_C_ADD_TO_CART},
    {"web_event_add_to_cart", HL_COL_COUNTER, HL_C_ADD_TO_CART},
    {"purchases (website)", HL_COL_COUNTER, HL_C_PURCHASES},
    {"purchases", HL_COL_COUNTER, HL_C_PURCHASES},
    {"complete payment (website)", HL_COL_COUNTER, HL_C_PURCHASES},
    {"complete_payment", HL_COL_COUNTER, HL_C_PURCHASES},
    {"purchase value (website)", HL_COL_COUNTER, HL_C_PURCHASE_VALUE},
    {"purchase value", HL_COL_COUNTER, HL_C_PURCHASE_VALUE},
    {"total purchase value (website)", HL_COL_COUNTER, HL_C_PURCHASE_VALUE},
    {"total_complete_payment_rate", HL_COL_COUNTER, HL_C_PURCHASE_VALUE},
    {"total_purchase_value", HL_COL_COUNTER, HL_C_PURCHASE_VALUE},

    /* Ratios TikTok computes; hookline computes its own from the counts (DESIGN.md §4). */
    {"ctr", HL_COL_DERIVED, 0},
    {"ctr (destination)", HL_COL_DERIVED, 0},
    {"ctr (all)", HL_COL_DERIVED, 0},
    {"cpc", HL_COL_DERIVED, 0},
    {"cpc (destination)", HL_COL_DERIVED, 0},
    {"cpm", HL_COL_DERIVED, 0},
    {"frequency", HL_COL_DERIVED, 0},
    {"cost per conversion", HL_COL_DERIVED, 0},
    {"cost_per_conversion", HL_COL_DERIVED, 0},
    {"conversion rate", HL_COL_DERIVED, 0},
    {"conversion rate (cvr)", HL_COL_DERIVED, 0},
    {"conversion_rate", HL_COL_DERIVED, 0},
    {"conversion_rate_v2", HL_COL_DERIVED, 0},
    {"cvr", HL_COL_DERIVED, 0},
    {"purchase roas (website)", HL_COL_DERIVED, 0},
    {"complete_payment_roas", HL_COL_DERIVED, 0},
    {"roas", HL_COL_DERIVED, 0},
};

size_t hl_col_fold(const char *s, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    int pending_space = 0;
    for (size_t i = 0; i < len && o + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        int space = c == ' ' || c == '\t' || c == '\r' || c == '\n';
        if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] == 0xA0) {
            space = 1;
            i++;
        } else if (c == 0xE2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
                   ((unsigned char)s[i + 2] == 0xAF || (unsigned char)s[i + 2] == 0x89)) {
            space = 1;
            i += 2;
        }
        if (space) {
            pending_space = o > 0;
            continue;
        }
        if (pending_space && o + 2 < cap)
            out[o++] = ' ';
        pending_space = 0;
        out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    if (cap)
        out[o < cap ? o : cap - 1] = '\0';
    return o;
}

size_t hl_col_normalise(const char *s, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    int pending = 0;
    for (size_t i = 0; i < len && o + 2 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            if (pending && o > 0)
                out[o++] = '_';
            pending = 0;
            out[o++] = (char)c;
        } else if (c == '%') {
            if (o + 5 > cap) /* "_pct" and the NUL must fit */
                break;
            if (o > 0)
                out[o++] = '_';
            out[o++] = 'p';
            out[o++] = 'c';
            out[o++] = 't';
            pending = 1;
        } else {
            pending = 1;
        }
    }
    if (cap)
        out[o] = '\0';
    return o;
}

/* "cost (usd)" and friends: a money column labelled with its currency code. */
static int strip_currency_suffix(const char *folded, char *base, size_t cap)
{
    size_t n = strlen(folded);
    if (n < 7 || folded[n - 1] != ')' || folded[n - 6] != ' ' || folded[n - 5] != '(')
        return 0;
    for (size_t i = n - 4; i < n - 1; i++)
        if (folded[i] < 'a' || folded[i] > 'z')
            return 0;
    if (n - 6 >= cap)
        return 0;
    memcpy(base, folded, n - 6);
    base[n - 6] = '\0';
    return 1;
}

hl_colmap hl_col_lookup(const char *folded)
{
    hl_colmap m = {HL_COL_EXTRA, -1, 0};
    for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++) {
        if (strcmp(aliases[i].folded, folded) == 0) {
            m.type = aliases[i].type;
            m.index = aliases[i].index;
            m.priority = (int)i;
            return m;
        }
    }
    char base[256];
    if (strip_currency_suffix(folded, base, sizeof base)) {
        hl_colmap b = hl_col_lookup(base);
        if (b.type == HL_COL_COUNTER &&
            (b.index == HL_C_SPEND || b.index == HL_C_PURCHASE_VALUE))
            return b;
        if (b.type == HL_COL_DERIVED)
            return b;
    }
    return m;
}

int hl_col_is_nonadditive(const char *n)
{
    static const char *const words[] = {"rate", "ratio", "cost_per", "per_", "average", "avg",
                                        "frequency", "roas", "ctr", "cpc", "cpm", "cpa", "cvr",
                                        "pct", "percent", "share", "score", "budget", "bid"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strstr(n, words[i]) != NULL)
            return 1;
    return 0;
}
