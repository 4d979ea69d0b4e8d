-- Creative Performance: how each ad's creative does — click-through, the 2-second hook,
-- completion and cost per click — for ads with enough impressions to read. Best CTR first.
-- The format is described in scripts/SCRIPTING.md, "Report templates".
report {
  name = "creative_performance",
  title = "Creative Performance",
  description = "CTR, hook rate, completion rate and CPC per ad (ads with at least 1,000 impressions)",
  level = "ad",
  columns = {
    "ad_name", "ad_id", "adgroup_name", "spend", "impressions",
    { column = "ctr", label = "CTR" },
    { column = "hook_rate", label = "Hook rate (2 s)" },
    { column = "completion_rate", label = "Completion rate" },
    { column = "cpc", label = "CPC" },
  },
  filters = { { column = "impressions", op = ">=", value = 1000 } },
  sort = "ctr:desc",
  limit = 100,
}
