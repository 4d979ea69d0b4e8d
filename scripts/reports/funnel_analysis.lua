-- Funnel Analysis: what each step of the funnel costs per campaign — landing page views, adds to
-- cart, purchases — and the purchase ROAS. Biggest spend first.
-- The format is described in scripts/SCRIPTING.md, "Report templates".
report {
  name = "funnel_analysis",
  title = "Funnel Analysis",
  description = "Cost per landing page view, cost per add to cart and purchase ROAS per campaign",
  level = "campaign",
  columns = {
    "campaign_name", "campaign_id", "spend", "landing_page_views", "add_to_cart", "purchases",
    "purchase_value",
    { column = "cost_per_landing_page_view", label = "Cost per landing page view" },
    { column = "cost_per_add_to_cart", label = "Cost per add to cart" },
    { column = "roas", label = "Purchase ROAS" },
  },
  sort = "spend:desc",
}
