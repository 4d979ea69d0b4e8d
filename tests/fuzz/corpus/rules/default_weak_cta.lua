-- weak_cta.lua: people watch (hook and hold are not worse) but the click-through is low: no
-- reason to click. The field's remedy: rewrite the on-screen text and test a direct CTA against a
-- question CTA. Expected: half the CTR gap to the ad group closed.

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
  name = "weak_cta_brief",
  on = { "weak_cta" },
  run = function(ctx)
    local ctr = evidence(ctx, "ctr") or {}
    local hook = evidence(ctx, "hook_rate") or {}
    local hold = evidence(ctx, "hold_rate") or {}
    local lift = half_gap(ctr.value, ctr.reference)
    local target = ctr.value and ctr.value * (1 + lift)
    local hyp = { metric = "ctr", baseline = ctr.value, expected_lift = lift }
    return {
      title = "New call to action for " .. name_of(ctx) .. ": CTR " .. hl.pct(ctr.value, 2) ..
              " vs " .. hl.pct(ctr.reference, 2) .. " in its ad group, though people watch",
      actions = {
        { type = "new_cta", variants = 2, hypothesis = hyp,
          details = { styles = "direct, question" },
          instructions = "People watch (hook rate " .. hl.pct(hook.value) .. ", hold rate " ..
                         hl.pct(hold.value) .. ") but do not click: CTR " .. hl.pct(ctr.value, 2) ..
                         " vs " .. hl.pct(ctr.reference, 2) .. " (" .. hl.signed_pct(ctr.lift) ..
                         "). Replace the last 5 s with 2 endings: a direct CTA (\"Shop now\" + " ..
                         "the offer) and a question CTA (\"Ready to try it?\"), spoken and on " ..
                         "screen. Aim for a CTR of " .. hl.pct(target, 2) .. " (" ..
                         hl.signed_pct(lift, 0) .. ")." },
        { type = "new_onscreen_text", variants = 1, hypothesis = hyp,
          instructions = "Rewrite the on-screen text to give a reason to click: the offer or " ..
                         "price, one proof point, and a text CTA pointing at the button in " ..
                         "the last 3 s." },
      },
      hypothesis = hyp,
    }
  end,
}
