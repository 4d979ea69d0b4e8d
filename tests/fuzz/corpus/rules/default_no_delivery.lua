-- no_delivery.lua: no impressions while the rest of the group (or account) delivers. The field's
-- remedy: one ad shares audience and bid with peers that deliver, so check its review and re-upload
-- it after 24 h stuck; an ad group: broaden the audience, switch to lowest-cost bidding.

local function name_of(ctx)
  local s = ctx.subject
  if s.level == "ad" then return s.ad_name or s.ad_id or "this ad" end
  return "ad group " .. (s.adgroup_name or s.adgroup_id or "?")
end

rule {
  name = "no_delivery_brief",
  on = { "no_delivery" },
  run = function(ctx)
    local d = ctx.diagnosis
    local cur = ctx.currency
    if ctx.subject.level == "ad" then
      local days = tonumber(string.match(d.summary or "", "last (%d+) day"))
      local spent = ctx.ad and ctx.ad.counters.impressions
      return {
        title = "Revive " .. name_of(ctx) .. ": no impressions " ..
                (days and ("for " .. days .. (days == 1 and " day" or " days")) or "lately") ..
                " while its ad group delivers",
        actions = {
          { type = "refresh_creative", details = { reupload = true, after_hours = 24 },
            instructions = "Check the ad's status in Ads Manager. Rejected: fix what the review " ..
                           "names and resubmit. In review for more than 24 h, or approved but " ..
                           "still at 0 impressions: re-upload the same video as a new ad in this " ..
                           "ad group" .. (spent and (" (it had " .. hl.num(spent) ..
                           " impressions earlier in the window)") or "") .. ". The audience and " ..
                           "bid are not the cause: the group's other ads deliver on them." },
        },
        notes = { "If the re-uploaded ad also gets nothing, TikTok is favouring its peers: " ..
                  "replace it with a new creative rather than forcing it." },
      }
    end
    return {
      title = "Restart " .. name_of(ctx) .. ": no spend on the last day" ..
              (d.spend_at_stake > 0 and (" after " .. hl.money(d.spend_at_stake, cur) ..
              " in the 7 days before") or ""),
      actions = {
        { type = "broaden_audience",
          instructions = "Widen the targeting until TikTok's audience-size gauge reads \"Fairly " ..
                         "broad\" or \"Balanced\": fewer stacked interests, a wider age range, " ..
                         "larger lookalikes, or broad targeting." },
        { type = "raise_bid", details = { bid_strategy = "lowest_cost" },
          instructions = "Switch to lowest-cost bidding (no cost cap or bid cap); if a cap must " ..
                         "stay, raise it above the campaign's recent CPA." },
      },
      notes = { "First rule out the obvious: budget or schedule ended, a payment problem, or " ..
                "all its ads rejected or in review (re-upload after 24 h in review)." },
      -- delivery lost entirely: effect 1 on what it spent in the week before
      priority = d.spend_at_stake,
    }
  end,
}
