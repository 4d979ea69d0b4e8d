-- columns.lua — custom columns: formulas over a row's counters and metrics (scripts/SCRIPTING.md,
-- "Custom columns"). Usable by name in `hookline metrics --columns` and in report templates.
--
-- `r` is the aggregated row (an ad, ad group, campaign or account over the window): r.spend,
-- r.impressions, r.add_to_cart, ... (counters), r.ctr, r.hook_rate, ... (metrics), r.ad_name,
-- r.days, and other custom columns. A missing counter or undefined metric is nil; dividing by
-- zero or by a missing value gives an empty cell / JSON null, never inf or NaN.
--
-- Names must differ from the built-in counters and metrics (DESIGN.md §4): hookline already has
-- cost_per_add_to_cart, view_rate_p75 and hook_rate with these formulas; the seed's three columns
-- below keep their own names so that an account can redefine them (say, hook rate over video
-- plays instead of impressions) without touching the contract names.

column {
  name = "cost_per_atc",
  label = "Cost per Add to Cart",
  kind = "money",
  description = "spend / add_to_cart",
  formula = function(r) return r.spend / r.add_to_cart end,
}

column {
  name = "video_view_rate_75",
  label = "Video View Rate at 75%",
  kind = "proportion",
  description = "views_p75 / video_plays",
  formula = function(r) return r.views_p75 / r.video_plays end,
}

column {
  name = "hook_rate_2s",
  label = "Hook Rate",
  kind = "proportion",
  description = "views_2s / impressions (TikTok's 2-second hook rate)",
  formula = function(r) return r.views_2s / r.impressions end,
}
