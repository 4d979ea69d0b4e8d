#!/usr/bin/env python3
"""sim_world.py — a deterministic simulated TikTok ad account with planted truths, for validating
`hookline analyze` (issue 4, "Validation"). Debian's /usr/bin/python3 with numpy.

Writes a TikTok Ads Manager-style daily export (By Day x Ad, plain numbers, one row per ad and
day, header names as in examples/tiktok-export.csv) and a truth JSON saying, per ad group, which
scenario it is and which diagnosis code is expected on which ad.

Run:
  /usr/bin/python3 tests/tools/sim_world.py --seed 1 --csv world.csv --truth truth.json
  ... --days 12          write only days 1..12 (the world is the same; truncation only)
  ... --tiny             a small world (quick runs, smoke tests)
The same seed and options always give byte-identical files (numpy's PCG64 generator).

The model (all numbers are the defaults in BASE / SCENARIOS / NOISE below)
---------------------------------------------------------------------------
Account > campaigns > ad groups of 3-5 ads, 30 days from 2026-06-01. Every ad group belongs to
one scenario; a campaign holds up to 10 ad groups of one scenario (so ad-group-vs-ad-group
comparisons inside a campaign are between groups with the same truths). Each campaign draws its
own base rates (lognormal sd 0.10 around BASE); every ad in a group shares them unless planted.

Base rates (BASE):  play rate (video views / impressions) 0.90; hook rate (2 s views /
impressions) 0.30; hold rate (6 s / 2 s views) 0.45; retention p25/6s 0.70, p50/p25 0.60,
p75/p50 0.65, p100/p75 0.70 (so completion = p100 / plays ~ 3 %); CTR (destination clicks /
impressions) 1.0 %; landing page views / clicks 0.85; CVR (conversions / clicks) 5 %; adds to
cart: purchases + 12 % of the other landing page views; CPM $8; AOV $40 (gamma, shape 2, per
purchase); daily frequency (impressions / reach) 1.1-1.3 per ad.

Volume: each ad's mean daily impressions is log-uniform in [8k, 22k]; each ad-day is that times a
shared daily volume factor (lognormal sd 0.10) times an ad-day factor (lognormal sd 0.25),
clipped to [5k, 40k]. Low-volume groups: mean ~200 a day (lognormal sd 0.30, at least 20).

Day-level overdispersion (NOISE): on every ad-day, every rate gets a multiplicative lognormal
shock exp(e_shared[d] + e_ad[a,d] - var/2) with sd 0.09 for the account-wide day component and
sd 0.12 for the ad-day component (total sd 0.15 on the log scale). Rates close to 1 (play rate,
retention steps, landing page view rate) take the shock on their complement (1 - p) so they stay
below 1. Counts are then drawn binomially on top, down the funnel:
  plays ~ Bin(imp, play); views_2s ~ Bin(plays, hook/play); views_6s ~ Bin(views_2s, hold);
  p25 ~ Bin(views_6s, r25); p50 ~ Bin(p25, r50); p75 ~ Bin(p50, r75); p100 ~ Bin(p75, r100);
  clicks ~ Bin(imp, ctr); lpv ~ Bin(clicks, 0.85); conversions ~ Bin(lpv, cvr/0.85);
  purchases = conversions; spend = imp * cpm / 1000; reach = imp / frequency.
Rates are modelled independently (CTR is per impression, not per view), so each scenario moves
exactly the rates it names.

Why this matters: with ~15k impressions a day, an ad has ~150 clicks a day and ~4,500 2 s views a
day, so the binomial standard error of a 30-day rate is far smaller than the day-to-day wander
(0.12/sqrt(30) ~ 2.2 % relative). A plain binomial z-test therefore flags most A/A groups; an
overdispersion-aware test should not.

Scenarios (one planted ad per group, at a random position; replicates = ad groups)
  null            200 groups  all ads identical truths (A/A); no diagnosis expected
  winner_cvr       20 groups  one ad CVR x1.8 (CPA / 1.8)          -> winner
  weak_hook        20 groups  one ad hook rate x0.6                -> weak_hook
  weak_hold        20 groups  one ad hold rate x0.6, hook normal   -> weak_hold
  weak_cta         20 groups  one ad CTR x0.5, views normal        -> weak_cta
  lp_mismatch      20 groups  one ad CTR x1.6 and CVR x0.4         -> landing_page_mismatch
  fatigue          20 groups  one ad (a scaled one: 1.5x the volume): over the last 14 days
                              (days 17-30) CTR falls linearly to x0.4, CPM rises linearly to
                              x1.8, frequency to x1.8 (~1.2 -> ~2.2): over the last 7 days CTR
                              averages ~x0.53 and CPM ~x1.63 of the ad's earlier level -> fatigue
  dead_ad          20 groups  one ad has 0 impressions (explicit rows of zeros) on the last 5 days
                              (days 26-30) while the others deliver -> no_delivery
  kitbash          20 groups  ad A hook rate x1.5 (CTR normal), ad B CTR x1.6 (hook normal)
                              -> kitbash_candidate on A with B in related_ad_ids
  low_volume       50 groups  A/A truths, ~200 impressions a day -> at most insufficient_data
Detectability at day 30, measured on seed 20260601 by a simple honest test (quasi-binomial
leave-one-out z, dispersion = Pearson chi2/df over the group's ad-day cells, floored at 1; see
tests/integration/test_analyze_sim.py, which prints these), median |z| (10th percentile):
hook x0.6 13.8 (12.0), hold x0.6 12.1 (11.0), CTR x0.5 15.7 (12.5), lp_mismatch CTR 13.7 (12.4)
and CVR 9.1 (7.7), CVR x1.8 8.2 (7.2), kitbash hook of A 14.2 (11.8) and CTR of B 16.2 (13.3).
Fatigue is the hard one: a t-test of the slope of log(ad / rest of group) over the last 14 days
gives CTR median t 5.4 (10th pct 4.1) and CPM 4.4 (3.3) on that seed (5.8 (4.4) and 4.3 (2.9)
over seeds 0-4). With the literal "CTR to x0.5, CPM to x1.6 on day 30" ramps and unscaled volume
it was CTR 4.2 (2.7) and CPM 3.5 (2.2): at 0.15 day noise that is not clearly detectable in a
14-day window, hence the steeper ramps (whose last-7-day averages are the ~50 % / ~+60 % of the
brief) and the scaled ad. Null groups: the Pearson dispersion of the 30-day A/A comparison is
~120 for hook rate, ~90 for hold rate, ~3.7 for CTR and ~1.2 for CVR (1 = binomial).

--tiny: 12 null groups, 2 per planted scenario, 4 low-volume groups.

Truth JSON ("hookline.sim-truth/1"): seed, first_day, days (written), world_days, parameters,
and groups[]: {scenario, campaign_id, adgroup_id, ad_ids, planted: [{ad_id, code,
related_ad_ids, effect, from_day}]} where from_day is the first as-of day on which the planted
truth is in the data (dead_ad: 26; fatigue: 17; others: 1).
"""
import argparse
import datetime as dt
import json
import os
import sys

import numpy as np

FIRST_DAY = dt.date(2026, 6, 1)
WORLD_DAYS = 30
CURRENCY = "USD"

HEADERS = [
    "By Day", "Campaign name", "Campaign ID", "Ad group name", "Ad group ID", "Ad name", "Ad ID",
    "Currency", "Cost", "Impressions", "Reach", "Clicks (destination)", "Conversions",
    "Video views", "2-second video views", "6-second video views", "Video views at 25%",
    "Video views at 50%", "Video views at 75%", "Video views at 100%",
    "Landing page views (website)", "Adds to cart (website)", "Purchases (website)",
    "Purchase value (website)",
]

# True base rates (means over days). "hi" rates are shocked on their complement.
BASE = dict(play=0.90, hook=0.30, hold=0.45, r25=0.70, r50=0.60, r75=0.65, r100=0.70,
            ctr=0.010, lpv=0.85, cvr=0.05, atc=0.12, cpm=8.0, aov=40.0)
HI_RATES = ("play", "r25", "r50", "r75", "r100", "lpv")
RATES = tuple(BASE)

NOISE = dict(
    campaign_sd=0.10,      # campaign-to-campaign variation of the base rates (log scale)
    shared_day_sd=0.09,    # account-wide day shock on every rate (log scale)
    ad_day_sd=0.12,        # ad-day shock on every rate (log scale)
    volume_day_sd=0.10,    # account-wide daily volume factor
    volume_ad_day_sd=0.25, # ad-day volume factor
    freq_day_sd=0.03,      # day wander of an ad's frequency
)
VOLUME = dict(imp_lo=8000, imp_hi=22000, clip_lo=5000, clip_hi=40000,
              low_imp=200, low_sd=0.30, low_min=20)

# Fatigue: linear ramps over the last 14 days (days 17-30), ending at these multipliers on day 30;
# averaged over the last 7 days that is CTR ~x0.53 and CPM ~x1.63 of the ad's own earlier level.
# The fatigued ad is a scaled one (1.5x the mean daily impressions).
FATIGUE = dict(days=14, ctr_end=0.4, cpm_end=1.8, freq_end=1.8, volume=1.5)
DEAD_DAYS = 5

# scenario -> (groups in the full world, groups in --tiny, planted effect, expected code)
SCENARIOS = [
    ("null", 200, 12, None, None),
    ("winner_cvr", 20, 2, dict(cvr=1.8), "winner"),
    ("weak_hook", 20, 2, dict(hook=0.6), "weak_hook"),
    ("weak_hold", 20, 2, dict(hold=0.6), "weak_hold"),
    ("weak_cta", 20, 2, dict(ctr=0.5), "weak_cta"),
    ("lp_mismatch", 20, 2, dict(ctr=1.6, cvr=0.4), "landing_page_mismatch"),
    ("fatigue", 20, 2, dict(ctr_end=FATIGUE["ctr_end"], cpm_end=FATIGUE["cpm_end"],
                            freq_end=FATIGUE["freq_end"], over_last_days=FATIGUE["days"],
                            volume=FATIGUE["volume"]),
     "fatigue"),
    ("dead_ad", 20, 2, dict(zero_impressions_last_days=DEAD_DAYS), "no_delivery"),
    ("kitbash", 20, 2, dict(hook_donor_hook=1.5, cta_donor_ctr=1.6), "kitbash_candidate"),
    ("low_volume", 50, 4, dict(mean_daily_impressions=VOLUME["low_imp"]), None),
]
GROUPS_PER_CAMPAIGN = 10


def _ids(rng, n, prefix, used):
    """n distinct 19-digit TikTok-style ids starting with prefix."""
    out = []
    while len(out) < n:
        s = prefix + "".join(str(d) for d in rng.integers(0, 10, 19 - len(prefix)))
        if s not in used:
            used.add(s)
            out.append(s)
    return out


def build(seed, tiny=False):
    """Returns the world: dict with 'ads' (list of per-ad dicts), 'counts' (dict of arrays
    [n_ads, WORLD_DAYS]), 'groups' (truth) and 'parameters'."""
    rng = np.random.default_rng(seed)
    D = WORLD_DAYS
    used = set()
    ads, groups = [], []
    camp_base = {}
    camp_no = 0
    for scen, n_full, n_tiny, effect, code in SCENARIOS:
        n_groups = n_tiny if tiny else n_full
        for g in range(n_groups):
            if g % GROUPS_PER_CAMPAIGN == 0:
                camp_no += 1
                cid = _ids(rng, 1, "18", used)[0]
                base = {k: v * float(np.exp(rng.normal(0, NOISE["campaign_sd"])))
                        for k, v in BASE.items()}
                for k in HI_RATES:   # keep "hi" rates below 1
                    base[k] = min(base[k], 0.97)
                camp_base[cid] = base
                cname = f"Sim campaign {camp_no:03d}"
            gid = _ids(rng, 1, "18", used)[0]
            gname = f"Sim ad group {len(groups) + 1:04d}"
            n_ads = int(rng.integers(3, 6))
            ad_ids = _ids(rng, n_ads, "18", used)
            first_ad = len(ads)
            for j, aid in enumerate(ad_ids):
                ads.append(dict(
                    ad_id=aid, ad_name=f"Sim ad {len(groups) + 1:04d}-{j + 1}",
                    adgroup_id=gid, adgroup_name=gname, campaign_id=cid, campaign_name=cname,
                    scenario=scen, rates=dict(camp_base[cid]),
                    low_volume=(scen == "low_volume")))
            planted = []
            pos = rng.permutation(n_ads)
            a = first_ad + int(pos[0])
            if scen in ("winner_cvr", "weak_hook", "weak_hold", "weak_cta", "lp_mismatch"):
                for k, m in effect.items():
                    ads[a]["rates"][k] *= m
                planted.append(dict(ad_id=ads[a]["ad_id"], code=code, related_ad_ids=[],
                                    effect=effect, from_day=1))
            elif scen == "fatigue":
                ads[a]["fatigue"] = True
                planted.append(dict(ad_id=ads[a]["ad_id"], code=code, related_ad_ids=[],
                                    effect=effect, from_day=D - FATIGUE["days"] + 1))
            elif scen == "dead_ad":
                ads[a]["dead_from"] = D - DEAD_DAYS + 1
                planted.append(dict(ad_id=ads[a]["ad_id"], code=code, related_ad_ids=[],
                                    effect=effect, from_day=D - DEAD_DAYS + 1))
            elif scen == "kitbash":
                b = first_ad + int(pos[1])
                ads[a]["rates"]["hook"] *= effect["hook_donor_hook"]
                ads[b]["rates"]["ctr"] *= effect["cta_donor_ctr"]
                planted.append(dict(ad_id=ads[a]["ad_id"], code=code,
                                    related_ad_ids=[ads[b]["ad_id"]], effect=effect, from_day=1))
            groups.append(dict(scenario=scen, campaign_id=cid, campaign_name=cname,
                               adgroup_id=gid, adgroup_name=gname, ad_ids=ad_ids,
                               planted=planted))

    n = len(ads)
    # ---- volume
    mean_imp = np.exp(rng.uniform(np.log(VOLUME["imp_lo"]), np.log(VOLUME["imp_hi"]), n))
    low = np.array([ad["low_volume"] for ad in ads])
    mean_imp[low] = VOLUME["low_imp"]
    fat = np.array([ad.get("fatigue", False) for ad in ads])
    mean_imp[fat] *= FATIGUE["volume"]   # fatigue comes to the ads that were scaled
    vday = np.exp(rng.normal(0, NOISE["volume_day_sd"], D) - NOISE["volume_day_sd"] ** 2 / 2)
    sd_v = np.where(low, VOLUME["low_sd"], NOISE["volume_ad_day_sd"])[:, None]
    vad = np.exp(rng.normal(0, 1, (n, D)) * sd_v - sd_v ** 2 / 2)
    imp = np.rint(mean_imp[:, None] * vday[None, :] * vad)
    imp = np.where(low[:, None], np.maximum(imp, VOLUME["low_min"]),
                   np.clip(imp, VOLUME["clip_lo"], VOLUME["clip_hi"])).astype(np.int64)

    # ---- daily true rates: base x shared-day shock x ad-day shock (complement for hi rates)
    s_sh, s_ad = NOISE["shared_day_sd"], NOISE["ad_day_sd"]
    var = s_sh ** 2 + s_ad ** 2
    day = np.arange(1, D + 1)
    f = np.clip((day - (D - FATIGUE["days"])) / FATIGUE["days"], 0.0, 1.0)  # 0 .. 1 over last 14
    t = {}
    for k in RATES:
        base = np.array([ad["rates"][k] for ad in ads])[:, None]
        eps = rng.normal(0, s_sh, D)[None, :] + rng.normal(0, s_ad, (n, D))
        shock = np.exp(eps - var / 2)
        if k in HI_RATES:
            t[k] = np.clip(1.0 - (1.0 - base) * shock, 0.01, 0.995)
        else:
            t[k] = base * shock
    t["ctr"] = np.where(fat[:, None], t["ctr"] * (1 - (1 - FATIGUE["ctr_end"]) * f)[None, :],
                        t["ctr"])
    t["cpm"] = np.where(fat[:, None], t["cpm"] * (1 + (FATIGUE["cpm_end"] - 1) * f)[None, :],
                        t["cpm"])
    freq0 = rng.uniform(1.1, 1.3, n)[:, None]
    freq = freq0 * np.exp(rng.normal(0, NOISE["freq_day_sd"], (n, D)))
    freq = np.where(fat[:, None], freq * (1 + (FATIGUE["freq_end"] - 1) * f)[None, :], freq)
    freq = np.maximum(freq, 1.0)

    # ---- counts, down the funnel
    B = rng.binomial
    plays = B(imp, np.minimum(t["play"], 0.995))
    v2 = B(plays, np.minimum(t["hook"] / t["play"], 0.995))
    v6 = B(v2, np.minimum(t["hold"], 0.995))
    p25 = B(v6, t["r25"])
    p50 = B(p25, t["r50"])
    p75 = B(p50, t["r75"])
    p100 = B(p75, t["r100"])
    clicks = B(imp, np.minimum(t["ctr"], 0.5))
    lpv = B(clicks, t["lpv"])
    conv = B(lpv, np.minimum(t["cvr"] / t["lpv"], 0.995))
    atc = conv + B(lpv - conv, np.minimum(t["atc"], 0.995))
    shape = 2.0
    value = np.where(conv > 0, rng.gamma(np.maximum(conv, 1) * shape, t["aov"] / shape), 0.0)
    spend = imp * t["cpm"] / 1000.0
    reach = np.maximum(1, np.rint(imp / freq)).astype(np.int64)

    counts = dict(spend=spend, impressions=imp, reach=reach, clicks=clicks, conversions=conv,
                  video_plays=plays, views_2s=v2, views_6s=v6, views_p25=p25, views_p50=p50,
                  views_p75=p75, views_p100=p100, landing_page_views=lpv, add_to_cart=atc,
                  purchases=conv.copy(), purchase_value=value)
    # dead ads: explicit rows of zeros
    for i, ad in enumerate(ads):
        if "dead_from" in ad:
            for k in counts:
                counts[k][i, ad["dead_from"] - 1:] = 0
    counts["spend"] = np.round(counts["spend"], 2)
    counts["purchase_value"] = np.round(counts["purchase_value"], 2)

    parameters = dict(base=BASE, hi_rates_shocked_on_complement=list(HI_RATES), noise=NOISE,
                      volume=VOLUME, fatigue=FATIGUE, dead_days=DEAD_DAYS,
                      groups_per_campaign=GROUPS_PER_CAMPAIGN,
                      scenarios={s: dict(groups=(nt if tiny else nf), effect=e, code=c)
                                 for s, nf, nt, e, c in SCENARIOS})
    return dict(seed=seed, tiny=tiny, ads=ads, counts=counts, groups=groups,
                parameters=parameters)


COLUMN_OF = [
    ("Cost", "spend"), ("Impressions", "impressions"), ("Reach", "reach"),
    ("Clicks (destination)", "clicks"), ("Conversions", "conversions"),
    ("Video views", "video_plays"), ("2-second video views", "views_2s"),
    ("6-second video views", "views_6s"), ("Video views at 25%", "views_p25"),
    ("Video views at 50%", "views_p50"), ("Video views at 75%", "views_p75"),
    ("Video views at 100%", "views_p100"), ("Landing page views (website)", "landing_page_views"),
    ("Adds to cart (website)", "add_to_cart"), ("Purchases (website)", "purchases"),
    ("Purchase value (website)", "purchase_value"),
]
MONEY = ("spend", "purchase_value")


def _q(s):
    return '"' + s.replace('"', '""') + '"' if any(c in s for c in ',"\n\r') else s


def date_of(day):
    """1-based day -> 'YYYY-MM-DD'."""
    return (FIRST_DAY + dt.timedelta(days=day - 1)).isoformat()


def write_csv(world, path, days=WORLD_DAYS):
    """Writes days 1..days of the world as an Ads Manager daily export (atomically)."""
    ads, c = world["ads"], world["counts"]
    cols = []
    for _, k in COLUMN_OF:
        a = c[k]
        if k in MONEY:
            cols.append(np.char.mod("%.2f", a[:, :days]))
        else:
            cols.append(a[:, :days].astype(np.int64).astype(str))
    prefix = [",".join([_q(ad["campaign_name"]), ad["campaign_id"], _q(ad["adgroup_name"]),
                        ad["adgroup_id"], _q(ad["ad_name"]), ad["ad_id"], CURRENCY])
              for ad in ads]
    lines = [",".join(HEADERS)]
    for d in range(days):
        ds = date_of(d + 1)
        for i in range(len(ads)):
            lines.append(ds + "," + prefix[i] + "," + ",".join(col[i, d] for col in cols))
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write("\n".join(lines) + "\n")
    os.replace(tmp, path)


def truth(world, days=WORLD_DAYS):
    return {
        "schema": "hookline.sim-truth/1", "seed": world["seed"], "tiny": world["tiny"],
        "first_day": FIRST_DAY.isoformat(), "days": days, "world_days": WORLD_DAYS,
        "last_day": date_of(days), "parameters": world["parameters"],
        "groups": [{k: g[k] for k in ("scenario", "campaign_id", "campaign_name", "adgroup_id",
                                      "adgroup_name", "ad_ids", "planted")}
                   for g in world["groups"]],
    }


def write_truth(world, path, days=WORLD_DAYS):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(truth(world, days), fh, indent=1, sort_keys=True)
        fh.write("\n")
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--csv", required=True, help="export to write")
    ap.add_argument("--truth", help="truth JSON to write")
    ap.add_argument("--days", type=int, default=WORLD_DAYS,
                    help=f"write only days 1..DAYS (1..{WORLD_DAYS})")
    ap.add_argument("--tiny", action="store_true", help="a small world for quick runs")
    a = ap.parse_args(argv)
    if not 1 <= a.days <= WORLD_DAYS:
        ap.error(f"--days must be in 1..{WORLD_DAYS}")
    w = build(a.seed, tiny=a.tiny)
    write_csv(w, a.csv, a.days)
    if a.truth:
        write_truth(w, a.truth, a.days)
    n_groups = len(w["groups"])
    print(f"sim_world: seed {a.seed}: {len(w['ads'])} ads in {n_groups} ad groups, "
          f"days 1..{a.days} -> {a.csv}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
