-- loser.lua: an ad (or an audience) clearly worse on the goal metric (CPA, or CTR without
-- conversions). The field's remedy: pause it and let the budget flow to its better peers; a
-- creative fix, if one is diagnosed, comes as its own brief.

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
  weak_hook = "It also has a weak hook: relaunch it with a new opening (see its brief) rather than keeping this version on.",
  weak_hold = "It also loses viewers before 6 s: relaunch it with new hooks on the same video (see its brief) rather than keeping this version on.",
  weak_cta = "It also has a weak call to action: relaunch it with a new ending (see its brief) rather than keeping this version on.",
  landing_page_mismatch = "Its clicks do not convert on the landing page: align the page (see its brief) before judging the ad again.",
  kitbash_candidate = "Its opening is the best of its ad group: keep the footage for the kit-bash (see its brief).",
}

rule {
  name = "loser_brief",
  on = { "loser" },
  run = function(ctx)
    local g = ctx.diagnosis.evidence[1] or ctx.comparisons.cpa or ctx.comparisons.ctr or {}
    local m = g.metric or "cpa"
    local label = m == "cpa" and "CPA" or "CTR"
    local cur = ctx.currency
    local ad = ctx.subject.level == "ad"
    local spend = ctx.diagnosis.spend_at_stake
    local numbers = label .. " " .. fmt(m, g.value, cur) .. " vs " .. fmt(m, g.reference, cur) ..
                    " for " .. (ad and "the rest of its ad group" or "the campaign's other ad groups") ..
                    " (" .. hl.signed_pct(g.lift) .. ")"
    local text = "Pause " .. (ad and "the ad" or "the ad group") .. ": " .. numbers .. " after " ..
                 hl.money(spend, cur) .. " of spend. "
    if m == "cpa" and g.value and g.reference and g.value > 0 and g.reference > 0 then
      text = text .. "At its peers' CPA the same spend would have bought about " ..
             hl.num(spend / g.reference) .. " conversions instead of " .. hl.num(spend / g.value) .. ". "
    end
    text = text .. (ad and "Its budget then flows to the ad group's other ads."
                        or "Move its budget to the campaign's better ad groups; if one of its " ..
                           "ads is a winner, duplicate that ad into a better ad group first.")
    local notes = {}
    for i = 1, #ctx.diagnoses do
      local also = ALSO[ctx.diagnoses[i].code]
      if also then notes[#notes + 1] = also end
    end
    return {
      title = "Pause " .. name_of(ctx) .. ": " .. numbers,
      actions = { { type = "pause_ad", instructions = text } },
      notes = notes,
    }
  end,
}
