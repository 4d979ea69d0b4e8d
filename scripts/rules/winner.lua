-- winner.lua: an ad (or an audience) clearly better on the goal metric (CPA, or CTR without
-- conversions). The field's remedy: scale its budget in steps that keep the learning phase, and
-- make variations of it (new hooks on the winner's body) before it fatigues.

local function name_of(ctx)
  local s = ctx.subject
  if s.level == "ad" then return s.ad_name or s.ad_id or "this ad" end
  return "ad group " .. (s.adgroup_name or s.adgroup_id or "?")
end

local function fmt(metric, x, currency)
  if metric == "cpa" then return hl.money(x, currency) end
  return hl.pct(x, 2)
end

local ALSO = {
  fatigue = "It is fatiguing too (see its refresh brief): put the extra budget on the refreshed versions rather than on this one.",
  weak_hook = "Its hook is weak for its ad group (see its new-opening brief): the hook variations here double as that fix.",
}

rule {
  name = "winner_brief",
  on = { "winner" },
  run = function(ctx)
    -- The goal comparison among the evidence: the diagnosis may cite a trend first (a CPM
    -- rise), which is context, not the metric the winner wins on.
    local g
    local ev = ctx.diagnosis.evidence
    for i = 1, #ev do
      local m = ev[i].metric
      if m == "cpa" or m == "ctr" then g = ev[i]; break end
    end
    g = g or ctx.comparisons.cpa or ctx.comparisons.ctr or {}
    local m = g.metric or "cpa"
    local label = m == "cpa" and "CPA" or "CTR"
    local cur = ctx.currency
    local ad = ctx.subject.level == "ad"
    local peers = ad and "the rest of its ad group" or "the campaign's other ad groups"
    local numbers = label .. " " .. fmt(m, g.value, cur) .. " vs " .. fmt(m, g.reference, cur) ..
                    " for " .. peers .. " (" .. hl.signed_pct(g.lift) .. ")"
    local stop = ""
    if m == "cpa" and g.value then
      stop = " Stop raising it if the CPA climbs above " .. hl.money(g.value * 1.2, cur) .. " (+20%)."
    end
    local actions = {
      { type = "scale_budget",
        details = { step = 0.2, every_days = 3, stop_if_cpa_above = m == "cpa" and g.value and g.value * 1.2 or nil },
        instructions = (ad and "Give this ad more delivery: raise its ad group's daily budget"
                           or "Raise this ad group's daily budget") ..
                       " by 20% every 3 days (bigger jumps reset the learning phase)" ..
                       (ad and " and pause the group's losers so the budget flows to it."
                           or ", taking budget from the campaign's weaker ad groups.") ..
                       " Today: " .. numbers .. "." .. stop },
    }
    local hyp = nil
    if ad then
      -- The variations change the hook: judged on the hook rate (a verdict in days, where the
      -- goal metric would take months), +10 % over the winner's, at a goal metric no worse.
      local hook = ctx.comparisons.hook_rate
      local base = (hook and hook.value) or (ctx.ad and ctx.ad.metrics.hook_rate)
      if base then
        hyp = { metric = "hook_rate", baseline = base, expected_lift = 0.1 }
      else
        hyp = { metric = m, baseline = g.value, expected_lift = m == "cpa" and -0.1 or 0.1 }
      end
      local bar = base and ("whose hook rate beats the winner's " .. hl.pct(base) .. " by 10% (" ..
                            hl.pct(base * 1.1) .. ") at a " .. label .. " no worse than " ..
                            fmt(m, g.value, cur))
                  or ("that beats the winner's " .. label .. " " .. fmt(m, g.value, cur) .. " by 10%")
      actions[2] = { type = "new_hook", variants = 3, hypothesis = hyp, details = { hook_end_s = 3 },
        instructions = "Make 3 variations of the winner: new first 3 s on the same body and " ..
                       "ending, so fresh versions are ready before it fatigues. A variation " ..
                       bar .. " takes over its budget." }
    end
    local notes = {}
    for i = 1, #ctx.diagnoses do
      notes[#notes + 1] = ALSO[ctx.diagnoses[i].code]
    end
    return {
      title = "Scale " .. name_of(ctx) .. ": " .. numbers,
      actions = actions,
      hypothesis = hyp,
      notes = notes,
    }
  end,
}
