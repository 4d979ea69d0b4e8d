-- weak_hold.lua: 2-second views are fine but viewers leave before 6 seconds, so the visual stops
-- the scroll and the opening narrative does not hold. The field's remedy: keep the concept and the
-- opening visual; test several new spoken/text hooks on the same core video.

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

-- Half the gap to the peers, at least +10 %, at most +100 %, target below 1; +20 % if unknown.
local function half_gap(value, reference)
  if not value or not reference or value <= 0 or value >= 1 then return 0.2 end
  local lift = math.max(0.1, math.min(1, (reference / value - 1) / 2))
  lift = math.min(lift, (1 + value) / 2 / value - 1)
  return math.floor(lift * 100 + 0.5) / 100
end

rule {
  name = "weak_hold_brief",
  on = { "weak_hold" },
  run = function(ctx)
    local hold = evidence(ctx, "hold_rate") or {}
    local hook = evidence(ctx, "hook_rate") or {}
    local lift = half_gap(hold.value, hold.reference)
    local target = hold.value and hold.value * (1 + lift)
    local hyp = { metric = "hold_rate", baseline = hold.value, expected_lift = lift }
    local keep = "Keep the footage and the concept: the opening stops the scroll (hook rate " ..
                 hl.pct(hook.value) .. " vs " .. hl.pct(hook.reference) .. " for its peers). "
    return {
      title = "Keep the visual, test 4 new hooks on " .. name_of(ctx) .. ": " ..
              hl.pct(hold.value) .. " of 2-second viewers stay to 6 s vs " ..
              hl.pct(hold.reference) .. " in its ad group",
      actions = {
        { type = "new_hook", variants = 4, hypothesis = hyp,
          details = { hook_end_s = 3, visual = "keep the current opening footage; change only " ..
                      "the spoken first line and the caption" },
          instructions = keep .. "Write 4 new spoken first lines with captions for 0-3 s on the " ..
                         "same core video, each opening a question the next seconds answer. " ..
                         "Today " .. hl.pct(hold.value) .. " of 2-second viewers reach 6 s vs " ..
                         hl.pct(hold.reference) .. " (" .. hl.signed_pct(hold.lift) .. "); aim for " ..
                         hl.pct(target) .. " (" .. hl.signed_pct(lift, 0) .. ")." },
        { type = "new_onscreen_text", variants = 2, hypothesis = hyp,
          instructions = "Add a text overlay from 0 to 6 s that promises a payoff later in the " ..
                         "video (a result, a reveal, \"3 reasons\") and cut any dead air before 6 s." },
      },
      hypothesis = hyp,
    }
  end,
}
