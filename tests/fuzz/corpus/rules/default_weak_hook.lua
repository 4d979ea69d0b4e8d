-- weak_hook.lua: a low 2-second hook rate, so the opening does not stop the scroll.
-- The field's remedy: a new first 3 seconds (another opening shot, scene or visual) on the same
-- body, several at once so the best can win. Expected: half the gap to the ad group closed.

local function name_of(ctx)
  return ctx.subject.ad_name or ctx.subject.ad_id or "this ad"
end

local function evidence(ctx, metric)
  local ev = ctx.diagnosis.evidence
  for i = 1, #ev do
    if ev[i].metric == metric then return ev[i] end
  end
  return ctx.comparisons[metric]
end

-- Half the gap to the peers, at least +10 % (the effect that matters), at most +100 %, and
-- the target below 1 (a rate); +20 % when a number is missing.
local function half_gap(value, reference)
  if not value or not reference or value <= 0 or value >= 1 then return 0.2 end
  local lift = math.max(0.1, math.min(1, (reference / value - 1) / 2))
  lift = math.min(lift, (1 + value) / 2 / value - 1)
  return math.floor(lift * 100 + 0.5) / 100
end

rule {
  name = "weak_hook_brief",
  on = { "weak_hook" },
  run = function(ctx)
    local c = evidence(ctx, "hook_rate") or {}
    local lift = half_gap(c.value, c.reference)
    local target = c.value and c.value * (1 + lift)
    local hyp = { metric = "hook_rate", baseline = c.value, expected_lift = lift }
    local notes = {}
    local cpa = ctx.comparisons.cpa
    if cpa and (cpa.decision == "better" or cpa.decision == "no_difference") then
      notes[1] = "The body converts (CPA " .. hl.money(cpa.value, ctx.currency) .. " vs " ..
                 hl.money(cpa.reference, ctx.currency) .. " for its peers): change only the opening."
    end
    return {
      title = "New opening for " .. name_of(ctx) .. ": hook rate " .. hl.pct(c.value) ..
              " vs " .. hl.pct(c.reference) .. " for the rest of its ad group",
      actions = {
        { type = "new_hook", variants = 3, hypothesis = hyp, details = { hook_end_s = 3 },
          instructions = "Replace the first 3 seconds with 3 new hooks on the same body: a " ..
                         "question, a bold claim, a pattern interrupt. Today " .. hl.pct(c.value) ..
                         " of impressions watch 2 seconds against " .. hl.pct(c.reference) ..
                         " for the ad group's other ads (" .. hl.signed_pct(c.lift) ..
                         "); aim for " .. hl.pct(target) .. " (" .. hl.signed_pct(lift, 0) .. ")." },
        { type = "new_opening_shot", variants = 2, hypothesis = hyp, details = { hook_end_s = 3 },
          instructions = "Shoot 2 new first frames: movement or a face in the first 0.5 s, the " ..
                         "product in hand, the promise as on-screen text in the top third. " ..
                         "Keep everything after 3 s as it is." },
      },
      hypothesis = hyp,
      notes = notes,
    }
  end,
}
