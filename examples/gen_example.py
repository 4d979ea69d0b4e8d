#!/usr/bin/env python3
"""gen_example.py — writes hookline's bundled example data, deterministically (fixed seed,
Python 3 standard library only):

  examples/tiktok-export.csv        an Ads Manager daily export (By Day x Ad), with the quirks
                                    real exports have (BOM, "12,345", "$1,234.56", "1.18%", "-",
                                    "--", "<5", RFC 4180 quoting, NBSP in a header, totals row)
  examples/tiktok-report.jsonl      the same rows as Marketing API report rows, one per line
  examples/tiktok-report-page.json  one saved API response body holding the first 50 rows

Run from anywhere:  python3 examples/gen_example.py
The same seed always gives byte-identical files.

One advertiser, 3 campaigns, 7 ad groups, 24 ads, 28 days (2026-10-01..2026-10-28). Each ad has a
personality (weak hook, weak hold, high CTR / low CVR, fatigue, stops delivering, ...) so that later
stages (compare, diagnose, brief) have something real to find. PERSONALITIES below documents them.
"""
import csv
import datetime as dt
import io
import json
import math
import os
import random

SEED = 20261028
FIRST_DAY = dt.date(2026, 10, 1)
NDAYS = 28
CURRENCY = "USD"
NBSP = "\u00a0"

HERE = os.path.dirname(os.path.abspath(__file__))

HEADERS = [
    "By Day", "Campaign name", "Campaign ID", "Ad group name", "Ad group ID", "Ad name", "Ad ID",
    "Currency", "Cost", "Impressions", "Reach", "Frequency", "Clicks (destination)",
    "CTR (destination)", "CPC (destination)", "CPM", "Conversions", "Cost per conversion",
    "Conversion rate (CVR)", "Video views", "2-second video views", "6-second video views",
    "Video views at 25%", "Video views at 50%", "Video views at 75%", "Video views at 100%",
    "Landing page views (website)", "Adds to cart (website)", "Purchases (website)",
    "Purchase value (website)", "Purchase ROAS (website)",
]
# Real exports sometimes carry a non-breaking space inside a header (copy-pasted column presets).
NBSP_HEADER = "Video views at 50%"
CSV_HEADERS = [h.replace("views at", "views" + NBSP + "at") if h == NBSP_HEADER else h
               for h in HEADERS]

# counter name (hookline) -> (export header, API metric name)
COUNTERS = [
    ("spend", "Cost", "spend"),
    ("impressions", "Impressions", "impressions"),
    ("reach", "Reach", "reach"),
    ("clicks", "Clicks (destination)", "clicks"),
    ("conversions", "Conversions", "conversion"),
    ("video_plays", "Video views", "video_play_actions"),
    ("views_2s", "2-second video views", "video_watched_2s"),
    ("views_6s", "6-second video views", "video_watched_6s"),
    ("views_p25", "Video views at 25%", "video_views_p25"),
    ("views_p50", "Video views at 50%", "video_views_p50"),
    ("views_p75", "Video views at 75%", "video_views_p75"),
    ("views_p100", "Video views at 100%", "video_views_p100"),
    ("landing_page_views", "Landing page views (website)", "total_landing_page_view"),
    ("add_to_cart", "Adds to cart (website)", "web_event_add_to_cart"),
    ("purchases", "Purchases (website)", "complete_payment"),
    ("purchase_value", "Purchase value (website)", "total_complete_payment_rate"),
]
MONEY = {"spend", "purchase_value"}

# Ad personalities. Rates are means; every ad-day gets multiplicative noise on volume and rates.
#   imp     mean daily impressions          play   video plays / impressions
#   hook    2 s views / impressions         hold   6 s views / 2 s views
#   ctr     clicks / impressions            cvr    conversions / clicks
#   cpm     cost per 1000 impressions       freq   daily impressions / reach
#   aov     average purchase value          tail   decay of p25->p50->p75->p100
#   start/stop: first delivering day / last delivering day (1-based; later days have 0 delivery)
#   fatigue: CTR sinks, CPM and frequency climb over the last 2 weeks
BASE = dict(imp=20000, play=0.93, hook=0.33, hold=0.45, ctr=0.011, cvr=0.055, cpm=9.0,
            freq=1.15, aov=42.0, tail=0.62, start=1, stop=NDAYS, fatigue=False)

PERSONALITIES = [
    # campaign, ad group, ad name, personality note, overrides
    ("Prospecting | Glow Serum | US", "Broad 18-44 F", [
        ("GS_UGC_morning-routine_v1", "steady baseline", {}),
        ("GS_UGC_unboxing_v2", "weak hook: 2 s rate ~20 %", dict(hook=0.205, hold=0.47)),
        ('GS_Creator_Maya, "honest review"', "winner: strong hook, hold, CTR and CVR",
         dict(imp=34000, hook=0.43, hold=0.55, ctr=0.0165, cvr=0.075)),
        ("GS_Static-slideshow_v1", "weak hold: hook fine, 6 s/2 s ~31 %",
         dict(hook=0.38, hold=0.31, ctr=0.009)),
    ]),
    ("Prospecting | Glow Serum | US", "Interest: Skincare 25-54", [
        ("GS_Problem-solution_v3", "steady baseline", dict(imp=16000)),
        ("GS_Before/after split\nscreen", "great CTR, low CVR (landing page mismatch)",
         dict(ctr=0.0195, cvr=0.021, hook=0.36)),
        ("GS_Greenscreen_FAQ", "weak CTA: views fine, CTR ~0.55 %",
         dict(hook=0.40, hold=0.52, ctr=0.0055)),
    ]),
    ("Prospecting | Glow Serum | US", "Lookalike 1% purchasers", [
        ("GS_Testimonial_Sofía 🔥 café", "fatigue over the last 2 weeks (CTR down, CPM up)",
         dict(imp=42000, ctr=0.016, hook=0.39, fatigue=True)),
        ("GS_Testimonial_Lena", "steady baseline", dict(imp=22000)),
        ("GS_Hook-test_POV", "best hook of its group, poor CTA (kit-bash hook donor)",
         dict(hook=0.45, hold=0.50, ctr=0.0062)),
    ]),
    ("Retargeting | Site visitors 30d", "Video viewers 30d", [
        ("RT_Offer-15off_v1", "retargeting: high frequency, high CVR",
         dict(imp=9000, freq=2.2, ctr=0.013, cvr=0.085, cpm=13.5)),
        ("RT_Offer-15off_v2", "stops delivering after day 20 (0 impressions)",
         dict(imp=8000, freq=2.1, ctr=0.012, cvr=0.08, cpm=13.0, stop=20)),
        ("RT_Reviews-montage", "retargeting baseline", dict(imp=7000, freq=2.0, cvr=0.07, cpm=12.0)),
    ]),
    ("Retargeting | Site visitors 30d", "Add-to-cart 14d", [
        ("RT_Cart-reminder_UGC", "tiny audience: ~2k impressions/day, frequency ~3",
         dict(imp=1900, freq=3.0, ctr=0.015, cvr=0.095, cpm=14.0)),
        ("RT_Cart-reminder_static", "tiny audience, weak hook", dict(imp=1700, freq=3.1, hook=0.21,
                                                                    ctr=0.012, cvr=0.09, cpm=14.5)),
        ("RT_Free-shipping_banner", "launched on day 15", dict(imp=2300, freq=2.6, ctr=0.014,
                                                               cvr=0.09, cpm=14.0, start=15)),
    ]),
    ("Prospecting | Body Lotion | US", "Broad 18-54", [
        ("BL_Launch_teaser", "landing page views not tracked ('--' every day)",
         dict(imp=26000, hook=0.30)),
        ("BL_Dermatologist_talk", "steady, slightly weak hold", dict(imp=18000, hold=0.38)),
        ("BL_ASMR_texture", "great hook, poor CTA (kit-bash hook donor)",
         dict(hook=0.44, hold=0.58, ctr=0.0058)),
        ("BL_Offer-bundle_CTA", "weak hook, best CTA of its group (kit-bash ending donor)",
         dict(hook=0.22, hold=0.36, ctr=0.019, cvr=0.07)),
        ("BL_Duet_reaction", "steady baseline", dict(imp=12000)),
    ]),
    ("Prospecting | Body Lotion | US", "Interest: Wellness", [
        ("BL_Routine_night", "steady baseline", dict(imp=15000, cvr=0.045)),
        ("BL_Routine_night – copy", "near-duplicate of BL_Routine_night", dict(imp=14000, cvr=0.044)),
        ("BL_Ingredient-spotlight", "low volume: ~2.5k impressions/day", dict(imp=2500)),
    ]),
]


def make_id(rng, prefix):
    return prefix + "".join(str(rng.randrange(10)) for _ in range(19 - len(prefix)))


def lognorm(rng, sigma):
    return math.exp(rng.gauss(0.0, sigma) - sigma * sigma / 2)


def draw(rng, n, p):
    """A binomial-ish count out of n with success rate p (normal approximation), in [0, n]."""
    mean = n * p
    if mean <= 0:
        return 0
    sd = math.sqrt(max(mean * (1 - min(p, 1.0)), 0.0))
    return max(0, min(n, int(round(rng.gauss(mean, sd)))))


def build(rng):
    """Returns (advertiser_id, ads, rows). rows: list of dicts with 'date', 'ad' and counters."""
    advertiser_id = make_id(rng, "73")
    ads = []
    camp_ids, ag_ids = {}, {}
    for campaign, adgroup, ad_list in PERSONALITIES:
        if campaign not in camp_ids:
            camp_ids[campaign] = make_id(rng, "18")
        ag_ids[(campaign, adgroup)] = make_id(rng, "18")
        for name, note, over in ad_list:
            p = dict(BASE)
            p.update(over)
            # every ad is a little different even when it is a "baseline"
            for k in ("hook", "hold", "ctr", "cvr", "cpm", "play", "aov", "tail"):
                p[k] *= lognorm(rng, 0.05)
            p["play"] = min(p["play"], 0.985)
            ads.append(dict(campaign_name=campaign, campaign_id=camp_ids[campaign],
                            adgroup_name=adgroup, adgroup_id=ag_ids[(campaign, adgroup)],
                            ad_name=name, ad_id=make_id(rng, "18"), note=note, p=p))

    day_effect = [lognorm(rng, 0.12) * (1.12 if (FIRST_DAY + dt.timedelta(d)).weekday() >= 5
                                        else 1.0) for d in range(NDAYS)]
    rows = []
    for d in range(NDAYS):
        date = FIRST_DAY + dt.timedelta(d)
        day = d + 1
        for ad in ads:
            p = ad["p"]
            if day < p["start"]:
                continue  # not launched yet: no row at all
            c = {}
            if day > p["stop"]:
                for name, _, _ in COUNTERS:
                    c[name] = 0
                c["spend"] = 0.0
                c["purchase_value"] = 0.0
                rows.append(dict(date=date, ad=ad, c=c))
                continue
            # fatigue: over the last 2 weeks CTR sinks to ~55 %, CPM rises ~45 %, frequency ~30 %
            f = 0.0
            if p["fatigue"] and day > NDAYS - 14:
                f = (day - (NDAYS - 14)) / 14.0
            ramp = min(1.0, 0.55 + 0.15 * (day - p["start"])) if p["start"] > 1 else 1.0
            imp = int(round(p["imp"] * day_effect[d] * lognorm(rng, 0.15) * ramp))
            imp = min(60000, imp if imp >= 1000 else 1000 + rng.randrange(150))
            freq = max(1.01, p["freq"] * (1 + 0.30 * f) * lognorm(rng, 0.04))
            reach = max(1, min(imp, int(round(imp / freq))))
            plays = draw(rng, imp, p["play"] * lognorm(rng, 0.01))
            v2 = min(plays, draw(rng, imp, p["hook"] * (1 - 0.10 * f) * lognorm(rng, 0.06)))
            v6 = draw(rng, v2, min(0.95, p["hold"] * lognorm(rng, 0.06)))
            p25 = min(v2, max(v6, int(round(v6 * 1.12 * lognorm(rng, 0.03)))))
            p50 = draw(rng, p25, min(0.95, 0.55 * p["tail"] / 0.62))
            p75 = draw(rng, p50, min(0.95, p["tail"] * 1.05))
            p100 = draw(rng, p75, min(0.95, p["tail"] * 1.1))
            clicks = draw(rng, imp, p["ctr"] * (1 - 0.45 * f) * lognorm(rng, 0.10))
            conv = draw(rng, clicks, min(0.9, p["cvr"] * lognorm(rng, 0.10)))
            lpv = draw(rng, clicks, 0.82)
            purchases = conv
            atc = min(lpv, purchases + draw(rng, max(0, lpv - purchases), 0.22))
            atc = max(atc, min(purchases, lpv))
            value = round(sum(p["aov"] * lognorm(rng, 0.25) for _ in range(purchases)), 2)
            spend = round(imp * p["cpm"] * (1 + 0.45 * f) * lognorm(rng, 0.05) / 1000.0, 2)
            c.update(spend=spend, impressions=imp, reach=reach, clicks=clicks, conversions=conv,
                     video_plays=plays, views_2s=v2, views_6s=v6, views_p25=p25, views_p50=p50,
                     views_p75=p75, views_p100=p100, landing_page_views=lpv, add_to_cart=atc,
                     purchases=purchases, purchase_value=value)
            rows.append(dict(date=date, ad=ad, c=c))
    return advertiser_id, ads, rows


class Missing:
    """A missing cell and how the export spelled it: "-", "--", "" or "<5"."""

    def __init__(self, spelling):
        self.spelling = spelling


def punch_holes(rng, rows):
    """Marks some cells missing, the way real exports do. Returns nothing; edits rows in place."""
    by_ad = {}
    for r in rows:
        by_ad.setdefault(r["ad"]["ad_name"], []).append(r)
    # Landing page views not tracked for one ad: "--" on every day -> null for the whole window.
    for r in by_ad["BL_Launch_teaser"]:
        r["c"]["landing_page_views"] = Missing("--")
    # Reach withheld ("-") on a few days of a few ads.
    for name in ("GS_Problem-solution_v3", "RT_Reviews-montage", "BL_Duet_reaction"):
        for r in rng.sample(by_ad[name], 3):
            r["c"]["reach"] = Missing("-")
    # Adds to cart empty on some days of the tiny ad groups.
    for name in ("RT_Cart-reminder_static", "RT_Free-shipping_banner"):
        for r in rng.sample(by_ad[name], 4):
            r["c"]["add_to_cart"] = Missing("")
    # Purchase value "--" on two days (pixel value parameter missing).
    for r in by_ad["GS_Greenscreen_FAQ"][5:7]:
        r["c"]["purchase_value"] = Missing("--")
    # One "<5" privacy-threshold cell: conversions of the tiny ad on its first day with 1..4.
    for r in by_ad["RT_Cart-reminder_UGC"]:
        if 1 <= r["c"]["conversions"] <= 4:
            r["c"]["conversions"] = Missing("<5")
            break
    else:
        raise SystemExit("gen_example: no day with 1..4 conversions for the '<5' cell")


def val(c, k):
    v = c.get(k)
    return None if isinstance(v, Missing) else v


def fmt_int(n):
    return f"{n:,}"


def fmt_money(x):
    return f"${x:,.2f}"


def fmt_cell(k, v):
    if isinstance(v, Missing):
        return v.spelling
    return fmt_money(v) if k in MONEY else fmt_int(v)


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def derived(c):
    """The export's own derived columns, as TikTok computes and rounds them."""
    spend, imp, reach = val(c, "spend"), val(c, "impressions"), val(c, "reach")
    clicks, conv, value = val(c, "clicks"), val(c, "conversions"), val(c, "purchase_value")

    def show(x, f):
        return "-" if x is None else f(x)
    return {
        "Frequency": show(ratio(imp, reach), lambda x: f"{x:.2f}"),
        "CTR (destination)": show(ratio(clicks, imp), lambda x: f"{100 * x:.2f}%"),
        "CPC (destination)": show(ratio(spend, clicks), fmt_money),
        "CPM": show(ratio(None if spend is None else 1000 * spend, imp), fmt_money),
        "Cost per conversion": show(ratio(spend, conv), fmt_money),
        "Conversion rate (CVR)": show(ratio(conv, clicks), lambda x: f"{100 * x:.2f}%"),
        "Purchase ROAS (website)": show(ratio(value, spend), lambda x: f"{x:.2f}"),
    }


def csv_rows(rows):
    header_of = {k: h for k, h, _ in COUNTERS}
    out = []
    for r in rows:
        ad, c = r["ad"], r["c"]
        cells = {
            "By Day": r["date"].isoformat(), "Campaign name": ad["campaign_name"],
            "Campaign ID": ad["campaign_id"], "Ad group name": ad["adgroup_name"],
            "Ad group ID": ad["adgroup_id"], "Ad name": ad["ad_name"], "Ad ID": ad["ad_id"],
            "Currency": CURRENCY,
        }
        for k, _, _ in COUNTERS:
            cells[header_of[k]] = fmt_cell(k, c[k])
        cells.update(derived(c))
        out.append([cells[h] for h in HEADERS])
    return out


def totals_row(rows):
    tot = {}
    for k, _, _ in COUNTERS:
        vs = [val(r["c"], k) for r in rows if val(r["c"], k) is not None]
        tot[k] = round(sum(vs), 2) if k in MONEY else sum(vs)
    tot["reach"] = Missing("-")  # reach over a window is not the sum of daily reach
    cells = {h: "-" for h in HEADERS}
    cells["By Day"] = f"Total of {len(rows)} results"
    cells["Currency"] = CURRENCY
    header_of = {k: h for k, h, _ in COUNTERS}
    for k, _, _ in COUNTERS:
        cells[header_of[k]] = fmt_cell(k, tot[k])
    d = derived(tot)
    d["Frequency"] = "-"
    cells.update(d)
    return [cells[h] for h in HEADERS]


def write_csv(path, rows):
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(CSV_HEADERS)
    for row in csv_rows(rows):
        w.writerow(row)
    w.writerow(totals_row(rows))
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        f.write(buf.getvalue())


def api_value(i, k, v):
    """How the Marketing API spells a metric: mostly strings, every 7th row bare numbers,
    "-" or null for missing (the export's "-" and "" -> "-", "--" and "<5" -> null)."""
    if isinstance(v, Missing):
        return "-" if v.spelling in ("-", "") else None
    if k in MONEY:
        return v if i % 7 == 3 else f"{v:.2f}"
    return v if i % 7 == 3 else str(v)


def api_rows(advertiser_id, rows):
    out = []
    for i, r in enumerate(rows):
        ad, c = r["ad"], r["c"]
        metrics = {"campaign_id": ad["campaign_id"], "campaign_name": ad["campaign_name"],
                   "adgroup_id": ad["adgroup_id"], "adgroup_name": ad["adgroup_name"],
                   "ad_name": ad["ad_name"], "currency": CURRENCY}
        for k, _, api in COUNTERS:
            metrics[api] = api_value(i, k, c[k])
        out.append({"advertiser_id": advertiser_id,
                    "dimensions": {"ad_id": ad["ad_id"],
                                   "stat_time_day": r["date"].isoformat() + " 00:00:00"},
                    "metrics": metrics})
    return out


def main():
    rng = random.Random(SEED)
    advertiser_id, ads, rows = build(rng)
    punch_holes(rng, rows)
    # sanity: the funnel is consistent, so the example raises no funnel warnings
    for r in rows:
        c = {k: val(r["c"], k) for k, _, _ in COUNTERS}
        chain = [c["impressions"], c["video_plays"], c["views_2s"], c["views_6s"]]
        tail = [c["video_plays"], c["views_p25"], c["views_p50"], c["views_p75"], c["views_p100"]]
        for seq in (chain, tail):
            seq = [x for x in seq if x is not None]
            assert all(a >= b for a, b in zip(seq, seq[1:])), (r["ad"]["ad_name"], r["date"], seq)
        if c["clicks"] is not None:
            assert c["clicks"] <= c["impressions"]
        if c["reach"] is not None:
            assert c["reach"] <= c["impressions"]

    write_csv(os.path.join(HERE, "tiktok-export.csv"), rows)
    api = api_rows(advertiser_id, rows)
    with open(os.path.join(HERE, "tiktok-report.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        for obj in api:
            f.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
    page_size = 50
    page = {"code": 0, "message": "OK", "request_id": "20261029031500A1B2C3D4E5F60718293A",
            "data": {"page_info": {"page": 1, "page_size": page_size, "total_number": len(api),
                                   "total_page": (len(api) + page_size - 1) // page_size},
                     "list": api[:page_size]}}
    with open(os.path.join(HERE, "tiktok-report-page.json"), "w", encoding="utf-8",
              newline="\n") as f:
        # the API escapes non-ASCII (emoji as surrogate pairs); keep that here
        json.dump(page, f, ensure_ascii=True, indent=1)
        f.write("\n")
    print(f"gen_example: {len(ads)} ads, {len(rows)} ad-day rows, advertiser {advertiser_id}")


if __name__ == "__main__":
    main()
