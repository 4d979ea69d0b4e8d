-- tracking_discrepancy.lua: TikTok's conversions and the shop's own differ beyond the usual
-- 10-20 % gap. The field's remedy: check the pixel events (ViewContent, AddToCart,
-- CompletePayment) and the attribution window before trusting any CPA verdict.

rule {
  name = "tracking_discrepancy_brief",
  on = { "tracking_discrepancy" },
  run = function(ctx)
    local s = ctx.subject
    local where = s.campaign_name or s.campaign_id
    where = where and ("campaign " .. where) or "the account"
    local t = ctx.diagnosis.evidence[1] or {}
    local gap = t.change or (ctx.diagnosis.effect ~= 0 and ctx.diagnosis.effect or nil)
    local look
    if gap and gap > 0 then
      look = "TikTok counts more than the shop: look for CompletePayment firing twice (pixel and " ..
             "Events API without a shared event_id, or on every reload of the thank-you page) " ..
             "and for view-through conversions the shop never attributes."
    else
      look = "TikTok counts fewer than the shop: look for checkout paths without the pixel " ..
             "(one-page or third-party checkout, upsell pages), consent banners blocking it, " ..
             "and a missing Events API (server-side) connection."
    end
    return {
      title = "Check tracking in " .. where .. ": TikTok reports " .. hl.num(t.recent) ..
              " conversions, the shop " .. hl.num(t.prior) .. " (" .. hl.signed_pct(gap, 0) .. ")" ..
              (t.days and t.days > 0 and (" over " .. t.days .. " days") or ""),
      actions = {
        { type = "check_tracking",
          details = { events = "ViewContent, AddToCart, CompletePayment",
                      platform_conversions = t.recent, shop_conversions = t.prior, gap = gap },
          instructions = "The gap is " .. hl.signed_pct(gap) .. " (interval " .. hl.signed_pct(t.ci_low) ..
                         " to " .. hl.signed_pct(t.ci_high) .. "); 10-20% is normal. In Events " ..
                         "Manager, check that ViewContent fires on product pages, AddToCart on " ..
                         "add, and CompletePayment once per order with value and currency. " .. look ..
                         " Then compare like with like: TikTok's attribution window (default 7-day " ..
                         "click, 1-day view) against the shop's last-click orders." },
      },
      notes = { "Until this is fixed, CPA-based winners and losers here rest on TikTok's count." },
    }
  end,
}
