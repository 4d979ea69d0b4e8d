#!/usr/bin/env python3
"""gen_ingest_fixtures.py — writes the small ingest fixtures under tests/data/ingest/, one per
quirk of real TikTok exports/reports and one per bad-input case. Python 3 standard library only;
the output is byte-identical on every run (the contents are literals; the one random file uses a
fixed seed). Run:  python3 tests/tools/gen_ingest_fixtures.py

The fixtures are meant to be checked by hand: every expected number in
tests/integration/test_metrics_cli.py can be added up from the lines below. Unless a fixture says
otherwise, it has the 16 columns of H, two ads of one ad group, and dates in October 2026:

  campaign  1800000000000000001 "Camp A"
  ad group  1800000000000000011 "AG 1"
  ads       1800000000000000101 "Ad one", 1800000000000000102 "Ad two"
"""
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "data", "ingest"))

BOM = "\ufeff"
NBSP = "\u00a0"

H = ("By Day,Campaign name,Campaign ID,Ad group name,Ad group ID,Ad name,Ad ID,Currency,"
     "Cost,Impressions,Reach,Clicks (destination),Conversions,Video views,"
     "2-second video views,6-second video views")
P1 = "Camp A,1800000000000000001,AG 1,1800000000000000011,Ad one,1800000000000000101,USD"
P2 = "Camp A,1800000000000000001,AG 1,1800000000000000011,Ad two,1800000000000000102,USD"


def lines(*ls, eol="\n"):
    return eol.join(ls) + eol


# Columns of H after the prefix:  Cost,Impressions,Reach,Clicks,Conversions,Video views,2s,6s
BASIC = lines(
    H,
    f"2026-10-01,{P1},10.00,1000,900,10,1,950,300,120",
    f"2026-10-01,{P2},5.25,800,780,4,0,760,200,60",
    f"2026-10-02,{P1},12.50,1500,1300,20,2,1400,450,200",
    f"2026-10-02,{P2},4.75,700,650,3,1,650,150,40",
)
# Expected totals of BASIC (used by several fixtures that carry the same numbers):
#   Ad one: spend 22.50, impressions 2500, reach 2200, clicks 30, conversions 3,
#           video_plays 2350, views_2s 750, views_6s 320
#   Ad two: spend 10.00, impressions 1500, reach 1430, clicks 7, conversions 1,
#           video_plays 1410, views_2s 350, views_6s 100

FIXTURES = {}

# ---------------------------------------------------------------- quirks that must ingest fine

FIXTURES["bom.csv"] = BOM + BASIC

# Names with commas, doubled quotes, an embedded newline, and a formula-looking name (CSV output
# must neutralise it, DESIGN.md §10). Expected names:
#   101 'Hook A, v2'   102 'The "best" hook'   103 'Line one\nline two'   104 '=HYPERLINK("http://x")'
# campaign name 'Camp A, "spring"'. Impressions 1000, 2000, 3000, 4000 in that order.
QP = 'Camp A, ""spring""",1800000000000000001,AG 1,1800000000000000011'
FIXTURES["quoted_names.csv"] = lines(
    H,
    f'2026-10-01,"{QP},"Hook A, v2",1800000000000000101,USD,1.00,1000,900,10,1,950,300,120',
    f'2026-10-01,"{QP},"The ""best"" hook",1800000000000000102,USD,2.00,2000,1800,20,2,1900,600,240',
    f'2026-10-01,"{QP},"Line one\nline two",1800000000000000103,USD,3.00,3000,2700,30,3,2850,900,360',
    f'2026-10-01,"{QP},"=HYPERLINK(""http://x"")",1800000000000000104,USD,4.00,4000,3600,40,4,3800,1200,480',
)

# Thousands separators, currency symbols, percent signs (the derived CTR/CVR/CPC columns are
# ignored by hookline). Expected:
#   Ad one: spend 1234.56 + 2000.00 = 3234.56, impressions 1234567 + 2000000 = 3234567,
#           reach 987654 + 1500000 = 2487654, clicks 12345 + 20000 = 32345,
#           conversions 1234 + 1000 = 2234, video_plays 1200000 + 1900000 = 3100000,
#           views_2s 400000 + 600000 = 1000000, views_6s 150000 + 250000 = 400000
#   Ad two: spend 0.99, impressions 999, reach 950, clicks 9, conversions 0, video_plays 900,
#           views_2s 300, views_6s 100
FIXTURES["thousands_currency_percent.csv"] = lines(
    H + ",CTR (destination),CPC (destination),Conversion rate (CVR)",
    f'2026-10-01,{P1},"$1,234.56","1,234,567","987,654","12,345","1,234","1,200,000","400,000",'
    '"150,000",1.00%,$0.10,10.00%',
    f'2026-10-01,{P2},$0.99,999,950,9,0,900,300,100,0.90%,$0.11,0.00%',
    f'2026-10-02,{P1},"$2,000.00","2,000,000","1,500,000","20,000","1,000","1,900,000","600,000",'
    '"250,000",1.00%,$0.10,5.00%',
)

# "-", "--" and empty are missing, never 0; a counter missing on every day of an ad is null.
HM = H + ",Landing page views (website),Purchase value (website)"
FIXTURES["missing_values.csv"] = lines(
    HM,
    f"2026-10-01,{P1},10.00,1000,-,10,-,900,300,100,-,",
    f"2026-10-02,{P1},20.00,2000,--,20,3,1800,600,200,--,",
    f"2026-10-03,{P1},30.00,3000,,30,2,2700,900,300,,-",
    f"2026-10-01,{P2},5.00,500,450,0,0,-,100,50,0,0.00",
    f"2026-10-02,{P2},5.00,500,400,0,0,--,120,,0,0.00",
)
# Expected:
#   Ad one: spend 60, impressions 6000, reach null, clicks 60, conversions 5, video_plays 5400,
#           views_2s 1800, views_6s 600, landing_page_views null, purchase_value null
#           -> frequency null, cost_per_landing_page_view null, roas null, cvr 5/60, cpa 12
#   Ad two: spend 10, impressions 1000, reach 850, clicks 0, conversions 0, video_plays null,
#           views_2s 220, views_6s 50 (only day 1 has it), landing_page_views 0, purchase_value 0
#           -> ctr 0, cpc null, cvr null, cpa null, roas 0, play_rate null, hold_rate 50/220

# "<5": missing, with a note. Ad one conversions: "<5" + 7 = 7; Ad two: "<5" on both days = null.
FIXTURES["lt5.csv"] = lines(
    H,
    f"2026-10-01,{P1},10.00,1000,900,10,<5,950,300,120",
    f"2026-10-01,{P2},5.25,800,780,4,<5,760,200,60",
    f"2026-10-02,{P1},12.50,1500,1300,20,7,1400,450,200",
    f"2026-10-02,{P2},4.75,700,650,3,<5,650,150,40",
)

# The closing totals row is skipped, not counted. Same numbers as BASIC.
FIXTURES["totals_row.csv"] = BASIC + lines(
    "Total of 4 results,-,-,-,-,-,-,USD,32.50,4000,-,37,4,3760,1100,420")

# Date column spelled "By Day", "Date", "day" (case-insensitive): same numbers as BASIC.
FIXTURES["date_header_by_day.csv"] = BASIC
FIXTURES["date_header_date.csv"] = BASIC.replace("By Day,", "Date,", 1)
FIXTURES["date_header_day.csv"] = BASIC.replace("By Day,", "day,", 1)

# No ID columns: the key is campaign + ad group + ad name (warning: names are not unique).
# "Hook test" exists in two ad groups of Camp A, and "AG 1" in two campaigns: 3 ads, 3 ad groups,
# 2 campaigns. Expected impressions: Camp A/AG 1/Hook test 1000+1100 = 2100,
# Camp A/AG 2/Hook test 2000, Camp B/AG 1/Other 3000; Camp A 4100, Camp B 3000.
FIXTURES["no_ad_id.csv"] = lines(
    "By Day,Campaign name,Ad group name,Ad name,Currency,Cost,Impressions,Reach,"
    "Clicks (destination),Conversions,Video views,2-second video views,6-second video views",
    "2026-10-01,Camp A,AG 1,Hook test,USD,10.00,1000,900,10,1,950,300,120",
    "2026-10-02,Camp A,AG 1,Hook test,USD,11.00,1100,1000,11,1,1000,330,130",
    "2026-10-01,Camp A,AG 2,Hook test,USD,20.00,2000,1800,20,2,1900,600,240",
    "2026-10-01,Camp B,AG 1,Other,USD,30.00,3000,2700,30,3,2850,900,360",
)

# Headers with NBSP, extra spaces and odd case. Same numbers as BASIC.
NB_H = (f"By{NBSP}Day,Campaign name,Campaign ID,Ad group name,Ad group ID,Ad{NBSP}name,"
        f"Ad{NBSP}ID,Currency, Cost ,IMPRESSIONS,Reach{NBSP},Clicks  (destination),Conversions,"
        f"Video views,2-second{NBSP}video views,6-second video{NBSP}views")
FIXTURES["nbsp_header.csv"] = BASIC.replace(H, NB_H, 1)

# European Excel: ';' separator, decimal comma, '.' thousands, "12,5%". Names may hold commas
# unquoted (the separator is ';'); a name holding ';' is quoted. Expected:
#   Ad one (101, 'Ad, one'): spend 1234.56, impressions 12345, reach 10000, clicks 123,
#          conversions 4, video_plays 11000, views_2s 3500, views_6s 1200
#   Ad two (102, 'Ad "two"; EU'): spend 45.10, impressions 999, reach 950, clicks 8,
#          conversions 1, video_plays 900, views_2s 300, views_6s 100
EU_H = H.replace(",", ";") + ";CTR (destination);Conversion rate (CVR)"
FIXTURES["semicolon_decimal_comma.csv"] = lines(
    EU_H,
    "2026-10-01;Camp A, EU;1800000000000000001;AG 1;1800000000000000011;Ad, one;"
    "1800000000000000101;EUR;1.234,56;12.345;10.000;123;4;11.000;3.500;1.200;1,00%;3,25%",
    "2026-10-01;Camp A, EU;1800000000000000001;AG 1;1800000000000000011;\"Ad \"\"two\"\"; EU\";"
    "1800000000000000102;EUR;45,10;999;950;8;1;900;300;100;0,80%;12,5%",
)

# Windows line endings; the last column is a number, so a stray '\r' would be "not a number".
# A quoted name holds a CRLF. Same numbers as BASIC; Ad two's name is "Ad\r\ntwo" (or "Ad\ntwo").
P2_CRLF = P2.replace(",Ad two,", ',"Ad\r\ntwo",')
FIXTURES["crlf.csv"] = lines(
    H,
    f"2026-10-01,{P1},10.00,1000,900,10,1,950,300,120",
    f"2026-10-01,{P2_CRLF},5.25,800,780,4,0,760,200,60",
    f"2026-10-02,{P1},12.50,1500,1300,20,2,1400,450,200",
    f"2026-10-02,{P2_CRLF},4.75,700,650,3,1,650,150,40",
    eol="\r\n",
)

# A saved Marketing API response body (no advertiser_id in the rows, as for a one-advertiser
# request). Expected: Ad one spend 22.75, impressions 3000, reach 2700, clicks 30, conversions 3,
# video_plays 2850, views_2s 1000, views_6s 370; Ad three (103) spend 7.5, impressions 700,
# reach 650, clicks 7, conversions 0, video_plays 690, views_2s 210, views_6s 90.
FIXTURES["api_page.json"] = """{"code": 0, "message": "OK", "request_id": "20261029031500ABCDEF0123456789AB",
 "data": {"page_info": {"page": 1, "page_size": 1000, "total_number": 3, "total_page": 1},
  "list": [
   {"dimensions": {"ad_id": "1800000000000000101", "stat_time_day": "2026-10-01 00:00:00"},
    "metrics": {"campaign_id": "1800000000000000001", "campaign_name": "Camp A",
                "adgroup_id": "1800000000000000011", "adgroup_name": "AG 1", "ad_name": "Ad one",
                "currency": "USD", "spend": "10.50", "impressions": "1000", "reach": "900",
                "clicks": "10", "conversion": "1", "video_play_actions": "950",
                "video_watched_2s": "300", "video_watched_6s": "120"}},
   {"dimensions": {"ad_id": "1800000000000000101", "stat_time_day": "2026-10-02 00:00:00"},
    "metrics": {"campaign_id": "1800000000000000001", "campaign_name": "Camp A",
                "adgroup_id": "1800000000000000011", "adgroup_name": "AG 1", "ad_name": "Ad one",
                "currency": "USD", "spend": "12.25", "impressions": "2000", "reach": "1800",
                "clicks": "20", "conversion": "2", "video_play_actions": "1900",
                "video_watched_2s": "700", "video_watched_6s": "250"}},
   {"dimensions": {"ad_id": "1800000000000000103", "stat_time_day": "2026-10-01 00:00:00"},
    "metrics": {"campaign_id": "1800000000000000001", "campaign_name": "Camp A",
                "adgroup_id": "1800000000000000011", "adgroup_name": "AG 1",
                "ad_name": "Ad three \\u2728", "currency": "USD", "spend": "7.50",
                "impressions": "700", "reach": "650", "clicks": "7", "conversion": "0",
                "video_play_actions": "690", "video_watched_2s": "210", "video_watched_6s": "90"}}
  ]}}
"""

# JSON lines: values as strings, bare numbers, null and "-". Expected:
#   Ad one: spend 10.50 + 12.25 = 22.75, impressions 3000, reach 2700, clicks 30, conversions 3,
#           video_plays 2850, views_2s 1000, views_6s 370
#   Ad two: spend 5 + 5 = 10, impressions 1100, reach null, clicks 6, conversions null,
#           video_plays 1070, views_2s 250, views_6s 100
#   advertiser_id "7000000000000000001" (19 digits: must stay a string, exact)
_M = ('"campaign_id":"1800000000000000001","campaign_name":"Camp A","adgroup_id":'
      '"1800000000000000011","adgroup_name":"AG 1","currency":"USD"')
FIXTURES["api_rows.jsonl"] = lines(
    '{"advertiser_id":"7000000000000000001","dimensions":{"ad_id":"1800000000000000101",'
    '"stat_time_day":"2026-10-01 00:00:00"},"metrics":{' + _M + ',"ad_name":"Ad one",'
    '"spend":"10.50","impressions":"1000","reach":"900","clicks":"10","conversion":"1",'
    '"video_play_actions":"950","video_watched_2s":"300","video_watched_6s":"120"}}',
    '{"advertiser_id":"7000000000000000001","dimensions":{"ad_id":"1800000000000000101",'
    '"stat_time_day":"2026-10-02 00:00:00"},"metrics":{' + _M + ',"ad_name":"Ad one",'
    '"spend":12.25,"impressions":2000,"reach":1800,"clicks":20,"conversion":2,'
    '"video_play_actions":1900,"video_watched_2s":700,"video_watched_6s":250}}',
    '{"advertiser_id":"7000000000000000001","dimensions":{"ad_id":"1800000000000000102",'
    '"stat_time_day":"2026-10-01 00:00:00"},"metrics":{' + _M + ',"ad_name":"Ad two",'
    '"spend":"5.00","impressions":"500","reach":null,"clicks":"-","conversion":null,'
    '"video_play_actions":"480","video_watched_2s":"100","video_watched_6s":"40"}}',
    '{"advertiser_id":"7000000000000000001","dimensions":{"ad_id":"1800000000000000102",'
    '"stat_time_day":"2026-10-02 00:00:00"},"metrics":{' + _M + ',"ad_name":"Ad two",'
    '"spend":5,"impressions":600,"reach":"-","clicks":6,"conversion":"-",'
    '"video_play_actions":590,"video_watched_2s":150,"video_watched_6s":60}}',
)

# A later file overrides an earlier one for the same (ad, date): late conversions.
#   a then b: Ad one impressions 3000, conversions 1 + 5 = 6; Ad two impressions 1100,
#             conversions 1; "1 (ad, date) rows of override_b.csv override earlier files"
#   b then a: Ad one conversions 1 + 2 = 3; Ad two the same.
FIXTURES["override_a.csv"] = lines(
    H,
    f"2026-10-01,{P1},10.00,1000,900,10,1,950,300,120",
    f"2026-10-02,{P1},20.00,2000,1800,20,2,1900,600,240",
    f"2026-10-01,{P2},5.00,500,450,5,0,480,150,60",
)
FIXTURES["override_b.csv"] = lines(
    H,
    f"2026-10-02,{P1},20.00,2000,1800,20,5,1900,600,240",
    f"2026-10-02,{P2},6.00,600,540,6,1,580,180,70",
)

# The same (ad, date) twice with identical values: fine, counted once. Same numbers as BASIC.
FIXTURES["dup_identical.csv"] = BASIC + lines(f"2026-10-01,{P1},10.00,1000,900,10,1,950,300,120")

# Funnel inconsistencies: clicks > impressions (line 2), 6 s views > 2 s views (line 3).
# Warnings (one, with the count 2 and the first locations); errors under --strict.
FIXTURES["funnel_warn.csv"] = lines(
    H,
    f"2026-10-01,{P1},10.00,1000,900,1200,1,950,300,120",
    f"2026-10-01,{P2},5.00,800,780,4,0,760,300,500",
    f"2026-10-02,{P1},12.50,1500,1300,20,2,1400,450,200",
)

# Extra numeric columns are kept by their normalised name: paid_likes 7 + 5 = 12 (Ad one),
# paid_comments "-" + 2 = 2 (Ad one).
FIXTURES["extra_column.csv"] = lines(
    H + ",Paid likes,Paid comments",
    f"2026-10-01,{P1},10.00,1000,900,10,1,950,300,120,7,-",
    f"2026-10-02,{P1},12.50,1500,1300,20,2,1400,450,200,5,2",
)

# Header aliases: "Date", "Cost (USD)", "Video views (P25)" ... Expected Ad one: spend 22.50,
# impressions 2500, views_p25 500 + 700 = 1200, views_p50 300 + 400 = 700, views_p75 150 + 200 =
# 350, views_p100 100 + 120 = 220.
FIXTURES["aliases.csv"] = lines(
    "Date,Campaign name,Campaign ID,Ad group name,Ad group ID,Ad name,Ad ID,Currency,Cost (USD),"
    "Impressions,Clicks (destination),Video views (P25),Video views (P50),Video views (P75),"
    "Video views (P100)",
    f"2026-10-01,{P1},10.00,1000,10,500,300,150,100",
    f"2026-10-02,{P1},12.50,1500,20,700,400,200,120",
)

# Header only: a valid export with no rows -> exit 0, "rows": [].
FIXTURES["header_only.csv"] = lines(H)

# ------------------------------------------------------- bad input: exit 2, nothing written

FIXTURES["not_tiktok.csv"] = lines("name,age,city", "alice,30,Paris", "bob,41,Lyon")

# Line 3, column 'Impressions' holds "12x".
FIXTURES["bad_number.csv"] = lines(
    H,
    f"2026-10-01,{P1},10.00,1000,900,10,1,950,300,120",
    f"2026-10-01,{P2},5.25,12x,780,4,0,760,200,60",
)

# Line 3, column 'Impressions' holds "-5".
FIXTURES["negative_count.csv"] = lines(
    H,
    f"2026-10-01,{P1},10.00,1000,900,10,1,950,300,120",
    f"2026-10-01,{P2},5.25,-5,780,4,0,760,200,60",
)

# Line 3, column 'By Day' holds "2026-02-30" (line 2's 2026-02-28 is fine).
FIXTURES["impossible_date.csv"] = lines(
    H,
    f"2026-02-28,{P1},10.00,1000,900,10,1,950,300,120",
    f"2026-02-30,{P2},5.25,800,780,4,0,760,200,60",
)

# Ad one on 2026-10-01 at lines 2 and 4 with different clicks.
FIXTURES["dup_conflict.csv"] = lines(
    H,
    f"2026-10-01,{P1},10.00,1000,900,10,1,950,300,120",
    f"2026-10-01,{P2},5.25,800,780,4,0,760,200,60",
    f"2026-10-01,{P1},10.00,1000,900,11,1,950,300,120",
)

# Line 3 has a doubled comma.
FIXTURES["bad_json.jsonl"] = lines(
    '{"dimensions":{"ad_id":"1800000000000000101","stat_time_day":"2026-10-01 00:00:00"},'
    '"metrics":{"ad_name":"Ad one","spend":"10.00","impressions":"1000"}}',
    '{"dimensions":{"ad_id":"1800000000000000102","stat_time_day":"2026-10-01 00:00:00"},'
    '"metrics":{"ad_name":"Ad two","spend":"5.00","impressions":"500"}}',
    '{"dimensions":{"ad_id":"1800000000000000103","stat_time_day":"2026-10-01 00:00:00"},'
    '"metrics":{"ad_name":"Ad three","spend":"1.00",,"impressions":"100"}}',
)

FIXTURES["api_error_code.json"] = (
    '{"code":40105,"message":"Access token is invalid",'
    '"request_id":"202610290315000000000000000000AB","data":{}}\n')

# Valid JSON that is not a report.
FIXTURES["not_report.json"] = '{"name": "alice", "items": [1, 2, 3]}\n'

FIXTURES["empty.csv"] = ""

# The quote opened on line 3 never closes.
FIXTURES["unterminated_quote.csv"] = lines(
    H,
    f"2026-10-01,{P1},10.00,1000,900,10,1,950,300,120",
    '2026-10-01,Camp A,1800000000000000001,AG 1,1800000000000000011,"Broken name,'
    "1800000000000000102,USD,5.25,800,780,4,0,760,200,60",
    f"2026-10-02,{P1},12.50,1500,1300,20,2,1400,450,200",
)


def binary_garbage():
    rng = random.Random(0xB1A2)
    head = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    return head + bytes(rng.randrange(256) for _ in range(496))


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, text in FIXTURES.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(text.encode("utf-8"))
    with open(os.path.join(OUT, "binary_garbage.bin"), "wb") as f:
        f.write(binary_garbage())
    print(f"gen_ingest_fixtures: wrote {len(FIXTURES) + 1} files to {OUT}")


if __name__ == "__main__":
    main()
