-- A user-defined template (tests/integration/test_report_cli.py): custom columns from
-- scripts/columns.lua, a text filter, two sort keys and a limit.
report {
  name = "atc_watch",
  title = "Add-to-cart watch <weekly> & \"costs\"",
  description = "Cost per add to cart and 75% view rate of campaign A's ads",
  level = "ad",
  columns = {
    "ad_name", "campaign_name", "spend", "add_to_cart",
    { column = "cost_per_atc", label = "CPATC" },
    "video_view_rate_75",
    "hook_rate_2s",
  },
  filters = {
    { column = "campaign_name", op = "contains", value = "HYPERLINK" },
    { column = "impressions", op = ">", value = 0 },
  },
  sort = { "cost_per_atc:asc", "ad_name" },
  limit = 2,
}

-- Replaces the bundled template of the same name.
report {
  name = "funnel_analysis",
  title = "Funnel (user copy)",
  level = "adgroup",
  columns = { "adgroup_name", "spend", "cost_per_add_to_cart", "roas" },
  sort = "adgroup_name",
}
