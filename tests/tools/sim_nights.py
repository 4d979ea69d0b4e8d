#!/usr/bin/env python3
"""sim_nights.py — a multi-night driver for `hookline run` (issue 8, "Tests"): a small simulated
account, one `hookline run` per night on the export as it was that night, and variants launched
from the night's new_hook recipes, named with their lineage tags, whose true effect is planted.
Debian's /usr/bin/python3 with numpy; deterministic per seed (hookline's ids are too).

Run by hand:
  /usr/bin/python3 tests/tools/sim_nights.py --hookline build/hookline --dir /tmp/nights \
      [--seed 20260801] [--first-night 8] [--last-night 35] [--cap 40] [-v]
leaves DIR/hookline.db, DIR/out/<date>/..., DIR/export.csv (the last night's) and
DIR/truth.json ("hookline.sim-nights/1"; see below).

The world (rates, noise and funnel as tests/tools/sim_world.py: BASE, NOISE, the lognormal
day-level overdispersion, binomial counts down the funnel)
----------------------------------------------------------------------------------------------
GROUPS ad groups (default 16) of 3-4 ads, 4 ad groups per campaign (each campaign draws its own
base rates, lognormal sd 0.10 around sim_world.BASE), DAYS = 35 days from sim_world.FIRST_DAY.
Scenario per ad group (one planted ad at a random position):
  weak_hook  (9 groups)  hook rate x0.6        -> weak_hook: new_hook / new_opening_shot recipes
  weak_cta   (2 groups)  CTR x0.5              -> weak_cta (other recipes)
  weak_hold  (2 groups)  hold rate x0.6        -> weak_hold (other recipes)
  null       (3 groups)  nothing (A/A)
Every ad-day: volume = the ad's mean (log-uniform 8k-22k impressions) x an account day factor
(sd 0.10) x an ad-day factor (sd 0.25), clipped to [5k, 40k]; every rate x exp(shared day shock
(sd 0.09, the same for every ad) + ad-day shock (sd 0.12)), on the complement for rates near 1.
Randomness is drawn per ad from its own stream (numpy SeedSequence([seed, ad id])) and the day
shocks from the world's stream, so an ad's rows never depend on which variants were launched.

The nights
----------
Night k = FIRST_NIGHT..LAST_NIGHT (default 8..35): the export of days 1..k (every ad that exists
on a day has a row that day) is written to DIR/export.csv and `hookline run --db DIR/hookline.db
--out DIR/out --input DIR/export.csv --as-of <day k>` runs. Its recipes.json is read; among the
recipes with action new_hook and success.metric hook_rate, the first variant (lowest `variant`)
of each brief is launched, provided that:
  - the launch day k + LAUNCH_LAG (2) is <= LAST_LAUNCH_DAY (30: at least 6 days of data by 35);
  - its parent ad had no launch in the last COOLDOWN (4) nights and fewer than PER_PARENT (3);
  - fewer than CAP (default 48) variants were launched in all;
  - (with --no-variant-parents) the parent is one of the original ads, not a variant.
A launched variant is a new ad (id "19" + 17 digits hashed from the seed and the tag) in the
parent's ad group, named "<parent name> <lineage_tag>", with rows from its launch day on. Its
true rates are the parent's true rates with the hook rate x (1 + effect); the effect is PLANTED
in launch order from the cycle EFFECTS = (+0.30, 0.00, +0.30, -0.20): half true improvements, a
quarter null, a quarter worse. Its mean volume is the parent's x a lognormal factor (sd 0.10).
A variant can itself be diagnosed and become a parent (its own true rates are then used); its
own variants then carry two tags in their names, the parent's first and their own last.

Truth JSON: schema "hookline.sim-nights/1", seed, first_day, days, nights [first, last],
parameters, groups[] ({scenario, adgroup_id, ad_ids, planted_ad_id, planted}), variants[]
({ad_id, ad_name, parent_ad_id, adgroup_id, recipe_id, brief_id, lineage_tag, night, launch_day,
launch_date, effect, parent_hook, hook, expected_lift (the recipe's target / baseline - 1)}) and
runs[] ({night, as_of, rc, seconds, launched}).
"""
import argparse
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sim_world  # noqa: E402

DAYS = 35
FIRST_NIGHT, LAST_NIGHT = 8, 35
LAUNCH_LAG = 2
LAST_LAUNCH_DAY = 30
COOLDOWN = 4
PER_PARENT = 3
CAP = 48
EFFECTS = (0.30, 0.00, 0.30, -0.20)
GROUPS_PER_CAMPAIGN = 4
# scenario -> (groups, planted rate multipliers)
SCENARIOS = [
    ("weak_hook", 9, dict(hook=0.6)),
    ("weak_cta", 2, dict(ctr=0.5)),
    ("weak_hold", 2, dict(hold=0.6)),
    ("null", 3, {}),
]

BASE, NOISE, VOLUME = sim_world.BASE, sim_world.NOISE, sim_world.VOLUME
HI_RATES, RATES = sim_world.HI_RATES, sim_world.RATES


def date_of(day):
    return (sim_world.FIRST_DAY + dt.timedelta(days=day - 1)).isoformat()


def _h64(*parts):
    return int.from_bytes(hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()[:8],
                          "big")


class World:
    """The account: base ads from the start, variants added by launch()."""

    def __init__(self, seed, scenarios=SCENARIOS, days=DAYS):
        self.seed, self.days = seed, days
        rng = np.random.default_rng(seed)
        used = set()
        self.used = used
        self.ads, self.groups = [], []
        self.by_id = {}
        camp_no = 0
        base = None
        n_group = 0
        for scen, n, planted in scenarios:
            for _ in range(n):
                if n_group % GROUPS_PER_CAMPAIGN == 0:
                    camp_no += 1
                    cid = sim_world._ids(rng, 1, "18", used)[0]
                    base = {k: v * float(np.exp(rng.normal(0, NOISE["campaign_sd"])))
                            for k, v in BASE.items()}
                    for k in HI_RATES:
                        base[k] = min(base[k], 0.97)
                    cname = f"Loop campaign {camp_no:02d}"
                n_group += 1
                gid = sim_world._ids(rng, 1, "18", used)[0]
                gname = f"Loop ad group {n_group:02d}"
                n_ads = int(rng.integers(3, 5))
                ids = sim_world._ids(rng, n_ads, "18", used)
                pos = int(rng.integers(0, n_ads))
                for j, aid in enumerate(ids):
                    rates = dict(base)
                    if j == pos:
                        for k, m in planted.items():
                            rates[k] *= m
                    mean_imp = float(np.exp(rng.uniform(np.log(VOLUME["imp_lo"]),
                                                        np.log(VOLUME["imp_hi"]))))
                    self._add(dict(ad_id=aid, ad_name=f"Loop ad {n_group:02d}-{j + 1}",
                                   adgroup_id=gid, adgroup_name=gname, campaign_id=cid,
                                   campaign_name=cname, rates=rates, mean_imp=mean_imp,
                                   freq0=float(rng.uniform(1.1, 1.3)), start_day=1))
                self.groups.append(dict(scenario=scen, campaign_id=cid, adgroup_id=gid,
                                        adgroup_name=gname, ad_ids=list(ids),
                                        planted_ad_id=ids[pos] if planted else None,
                                        planted=planted))
        # account-wide day components, the same for every ad (and every variant)
        self.vday = np.exp(rng.normal(0, NOISE["volume_day_sd"], days) -
                           NOISE["volume_day_sd"] ** 2 / 2)
        self.shared = {k: rng.normal(0, NOISE["shared_day_sd"], days) for k in RATES}
        self.variants = []

    def _add(self, ad):
        self.ads.append(ad)
        self.by_id[ad["ad_id"]] = ad

    def counts(self, ad):
        """The ad's daily counters (arrays over all days; zero before its start day)."""
        if "counts" in ad:
            return ad["counts"]
        D = self.days
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, int(ad["ad_id"])]))
        sd_v = NOISE["volume_ad_day_sd"]
        vad = np.exp(rng.normal(0, sd_v, D) - sd_v ** 2 / 2)
        imp = np.clip(np.rint(ad["mean_imp"] * self.vday * vad),
                      VOLUME["clip_lo"], VOLUME["clip_hi"]).astype(np.int64)
        var = NOISE["shared_day_sd"] ** 2 + NOISE["ad_day_sd"] ** 2
        t = {}
        for k in RATES:
            eps = self.shared[k] + rng.normal(0, NOISE["ad_day_sd"], D)
            shock = np.exp(eps - var / 2)
            b = ad["rates"][k]
            t[k] = np.clip(1.0 - (1.0 - b) * shock, 0.01, 0.995) if k in HI_RATES else b * shock
        freq = np.maximum(ad["freq0"] * np.exp(rng.normal(0, NOISE["freq_day_sd"], D)), 1.0)
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
        value = np.where(conv > 0, rng.gamma(np.maximum(conv, 1) * 2.0, t["aov"] / 2.0), 0.0)
        c = dict(spend=np.round(imp * t["cpm"] / 1000.0, 2), impressions=imp,
                 reach=np.maximum(1, np.rint(imp / freq)).astype(np.int64), clicks=clicks,
                 conversions=conv, video_plays=plays, views_2s=v2, views_6s=v6, views_p25=p25,
                 views_p50=p50, views_p75=p75, views_p100=p100, landing_page_views=lpv,
                 add_to_cart=atc, purchases=conv.copy(), purchase_value=np.round(value, 2))
        before = np.arange(1, D + 1) < ad["start_day"]
        for k in c:
            c[k] = np.where(before, 0, c[k])
        ad["counts"] = c
        return c

    def launch(self, parent_id, recipe, night, effect):
        """A new ad in the parent's group named '<parent name> <tag>', hook x (1 + effect)."""
        p = self.by_id[parent_id]
        tag = recipe["lineage_tag"]
        h = _h64(self.seed, tag)
        aid = "19" + str(h % 10 ** 17).zfill(17)
        while aid in self.used:
            h = _h64(self.seed, tag, h)
            aid = "19" + str(h % 10 ** 17).zfill(17)
        self.used.add(aid)
        rates = dict(p["rates"])
        rates["hook"] = p["rates"]["hook"] * (1 + effect)
        f = float(np.exp(np.random.default_rng(h).normal(0, 0.10)))
        day = night + LAUNCH_LAG
        ad = dict(ad_id=aid, ad_name=f"{p['ad_name']} {tag}", adgroup_id=p["adgroup_id"],
                  adgroup_name=p["adgroup_name"], campaign_id=p["campaign_id"],
                  campaign_name=p["campaign_name"], rates=rates, mean_imp=p["mean_imp"] * f,
                  freq0=p["freq0"], start_day=day)
        self._add(ad)
        succ = recipe.get("success") or {}
        base, target = succ.get("baseline"), succ.get("target")
        v = dict(ad_id=aid, ad_name=ad["ad_name"], parent_ad_id=parent_id,
                 adgroup_id=p["adgroup_id"], recipe_id=recipe["id"],
                 brief_id=recipe["brief_id"], lineage_tag=tag, night=night, launch_day=day,
                 launch_date=date_of(day), effect=effect, parent_hook=p["rates"]["hook"],
                 hook=rates["hook"],
                 expected_lift=(target / base - 1) if base and target else None)
        self.variants.append(v)
        return v

    def write_csv(self, path, days):
        """Days 1..days as an Ads Manager daily export (atomically): a row for every ad that
        exists on the day."""
        cols = {}
        for ad in self.ads:
            c = self.counts(ad)
            cols[ad["ad_id"]] = [np.char.mod("%.2f", c[k][:days]) if k in sim_world.MONEY
                                 else c[k][:days].astype(np.int64).astype(str)
                                 for _, k in sim_world.COLUMN_OF]
        q = sim_world._q
        prefix = {ad["ad_id"]: ",".join([q(ad["campaign_name"]), ad["campaign_id"],
                                         q(ad["adgroup_name"]), ad["adgroup_id"],
                                         q(ad["ad_name"]), ad["ad_id"], sim_world.CURRENCY])
                  for ad in self.ads}
        lines = [",".join(sim_world.HEADERS)]
        for d in range(days):
            ds = date_of(d + 1)
            for ad in self.ads:
                if ad["start_day"] > d + 1:
                    continue
                col = cols[ad["ad_id"]]
                lines.append(ds + "," + prefix[ad["ad_id"]] + "," + ",".join(x[d] for x in col))
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write("\n".join(lines) + "\n")
        os.replace(tmp, path)
        return len(lines) - 1

    def truth(self, first_night, last_night, runs):
        return {
            "schema": "hookline.sim-nights/1", "seed": self.seed,
            "first_day": sim_world.FIRST_DAY.isoformat(), "days": self.days,
            "nights": [first_night, last_night],
            "parameters": dict(base=BASE, noise=NOISE, volume=VOLUME, launch_lag=LAUNCH_LAG,
                               last_launch_day=LAST_LAUNCH_DAY, cooldown=COOLDOWN,
                               per_parent=PER_PARENT, effects=list(EFFECTS),
                               scenarios={s: dict(groups=n, planted=p) for s, n, p in SCENARIOS}),
            "groups": [{k: g[k] for k in ("scenario", "campaign_id", "adgroup_id",
                                          "adgroup_name", "ad_ids", "planted_ad_id", "planted")}
                       for g in self.groups],
            "variants": self.variants,
            "runs": runs,
        }


def pick_launches(recipes, night, world, launched_at, cap):
    """The night's launches: the first new_hook (hook_rate) variant of each brief, with the
    cooldown, per-parent and total caps."""
    if night + LAUNCH_LAG > LAST_LAUNCH_DAY:
        return []
    firsts = {}
    for r in recipes:
        succ = r.get("success") or {}
        if r.get("action") != "new_hook" or succ.get("metric") != "hook_rate":
            continue
        if not r.get("parent_ad_ids") or r["parent_ad_ids"][0] not in world.by_id:
            continue
        cur = firsts.get(r["brief_id"])
        if cur is None or r["variant"] < cur["variant"]:
            firsts[r["brief_id"]] = r
    out = []
    for bid in sorted(firsts, key=lambda b: (firsts[b]["parent_ad_ids"][0], b)):
        r = firsts[bid]
        parent = r["parent_ad_ids"][0]
        past = launched_at.get(parent, [])
        if len(world.variants) + len(out) >= cap:
            break
        if len(past) >= PER_PARENT or (past and night - past[-1] < COOLDOWN):
            continue
        if any(o["parent_ad_ids"][0] == parent for o in out):
            continue
        out.append(r)
    return out


def run_hookline(hookline, args, timeout=600, env=None):
    t0 = time.monotonic()
    p = subprocess.run([hookline, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=timeout, env=env)
    return p.returncode, p.stdout.decode("utf-8", "replace"), \
        p.stderr.decode("utf-8", "replace"), time.monotonic() - t0


def run_nights(hookline, workdir, seed=20260801, first_night=FIRST_NIGHT, last_night=LAST_NIGHT,
               cap=CAP, log=None, extra_args=(), env=None, scenarios=SCENARIOS,
               variant_parents=True, world=None):
    """Runs the nights; returns (truth dict, World). The truth is also written to
    workdir/truth.json. A night whose run fails (exit not 0/1, or no recipes.json) is recorded
    and the loop goes on. variant_parents=False launches only from the original ads."""
    os.makedirs(workdir, exist_ok=True)
    world = world or World(seed, scenarios=scenarios)
    db = os.path.join(workdir, "hookline.db")
    out = os.path.join(workdir, "out")
    csv = os.path.join(workdir, "export.csv")
    runs = []
    launched_at = {}
    effects_i = 0
    for k in range(first_night, last_night + 1):
        rows = world.write_csv(csv, k)
        as_of = date_of(k)
        rc, so, se, secs = run_hookline(hookline, ["run", "--db", db, "--out", out, "--input",
                                                   csv, "--as-of", as_of, *extra_args], env=env)
        rec = dict(night=k, as_of=as_of, rc=rc, seconds=round(secs, 3), rows=rows, launched=[],
                   stderr=se[-2000:] if rc not in (0, 1) else "")
        try:
            with open(os.path.join(out, as_of, "recipes.json"), encoding="utf-8") as fh:
                recipes = json.load(fh)["recipes"]
        except (OSError, ValueError, KeyError) as e:
            rec["error"] = f"recipes.json: {e}"
            recipes = []
        if not variant_parents:
            recipes = [r for r in recipes if r.get("parent_ad_ids")
                       and world.by_id.get(r["parent_ad_ids"][0], {}).get("start_day") == 1]
        for r in pick_launches(recipes, k, world, launched_at, cap):
            eff = EFFECTS[effects_i % len(EFFECTS)]
            effects_i += 1
            v = world.launch(r["parent_ad_ids"][0], r, k, eff)
            launched_at.setdefault(v["parent_ad_id"], []).append(k)
            rec["launched"].append(v["ad_id"])
        runs.append(rec)
        if log:
            log(f"night {k:2d} {as_of}: exit {rc} in {secs:.2f} s, {rows} rows, "
                f"{len(recipes)} recipes, launched {len(rec['launched'])}"
                + (f"  [{rec.get('error') or se.strip()[-300:]}]" if rc not in (0, 1) else ""))
    truth = world.truth(first_night, last_night, runs)
    tmp = os.path.join(workdir, "truth.json.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(truth, fh, indent=1, sort_keys=True)
        fh.write("\n")
    os.replace(tmp, os.path.join(workdir, "truth.json"))
    return truth, world


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hookline", default=os.environ.get("HOOKLINE", "build/hookline"))
    ap.add_argument("--dir", required=True)
    ap.add_argument("--seed", type=int, default=20260801)
    ap.add_argument("--first-night", type=int, default=FIRST_NIGHT)
    ap.add_argument("--last-night", type=int, default=LAST_NIGHT)
    ap.add_argument("--cap", type=int, default=CAP)
    ap.add_argument("--no-variant-parents", action="store_true",
                    help="launch only from the original ads, never from a variant")
    ap.add_argument("-v", action="store_true", help="one line per night on stderr")
    a = ap.parse_args(argv)
    if not 1 <= a.first_night <= a.last_night <= DAYS:
        ap.error(f"nights must be within 1..{DAYS}")
    t, _ = run_nights(a.hookline, a.dir, a.seed, a.first_night, a.last_night, a.cap,
                      variant_parents=not a.no_variant_parents,
                      log=(lambda s: print(s, file=sys.stderr)) if a.v else None)
    bad = [r for r in t["runs"] if r["rc"] not in (0, 1)]
    print(f"sim_nights: seed {a.seed}: nights {a.first_night}..{a.last_night}, "
          f"{len(t['variants'])} variants launched, {len(bad)} failed runs -> {a.dir}",
          file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
