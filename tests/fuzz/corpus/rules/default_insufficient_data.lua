-- insufficient_data.lua: too few conversions (or impressions) to judge the goal metric yet.
-- The remedy: wait, saying how much more data the verdict needs (from the goal comparison);
-- when that is months away, say so and judge on the faster funnel metrics instead.

local function name_of(ctx)
  local s = ctx.subject
  if s.level == "ad" then return s.ad_name or s.ad_id or "this ad" end
  return "ad group " .. (s.adgroup_name or s.adgroup_id or "?")
end

rule {
  name = "insufficient_data_brief",
  on = { "insufficient_data" },
  run = function(ctx)
    local g = ctx.diagnosis.evidence[1] or ctx.comparisons.cpa or ctx.comparisons.ctr or {}
    local label = g.metric == "ctr" and "CTR" or "CPA"
    local unit = g.needed_unit or (g.metric == "ctr" and "impressions" or "conversions")
    local more = g.needed_remaining and ("about " .. hl.num(g.needed_remaining) .. " more " .. unit)
                 or "more data"
    local days = g.needed_days
    local when = days and (" (~" .. hl.num(math.ceil(days)) .. " days at the current pace)") or ""
    local text = "Leave it running as it is; no verdict on " .. label .. " until it has " .. more ..
                 when .. ", enough to detect a 10% difference from its peers."
    local title = "Wait for data on " .. name_of(ctx) .. ": " .. label .. " needs " .. more .. when
    local notes = {}
    if days and days > 60 then
      title = "No " .. label .. " verdict for " .. name_of(ctx) .. " at this spend: it needs " ..
              more .. when
      text = "At this pace a verdict on " .. label .. " is " .. hl.num(math.ceil(days)) ..
             " days away (" .. more .. "): do not wait for it. Judge this ad on the faster " ..
             "metrics (hook rate, hold rate, CTR)" .. (g.needed_remaining and (", or, if " ..
             label .. " must decide, budget it for about " .. hl.num(g.needed_remaining / 21) ..
             " more " .. unit .. " a day (a verdict in 3 weeks)") or "") .. "."
      notes[1] = "Consolidating ads with few conversions into fewer ad groups speeds up every verdict."
    end
    return {
      title = title,
      actions = {
        { type = "wait_for_data",
          details = { metric = g.metric, needed_remaining = g.needed_remaining,
                      needed_unit = g.needed_unit, needed_days = days },
          instructions = text },
      },
      notes = notes,
    }
  end,
}
