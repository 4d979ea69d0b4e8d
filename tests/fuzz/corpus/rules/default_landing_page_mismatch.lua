-- landing_page_mismatch.lua: the ad earns clicks (CTR fine or high) but the clicks do not convert
-- (CVR low): the ad promises what the page does not deliver. The field's remedy: align the page's
-- first screen with the ad's promise and vibe. Expected: half the CVR gap closed.

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
  name = "landing_page_mismatch_brief",
  on = { "landing_page_mismatch" },
  run = function(ctx)
    local ctr = evidence(ctx, "ctr") or {}
    local cvr = evidence(ctx, "cvr") or {}
    local lift = half_gap(cvr.value, cvr.reference)
    local target = cvr.value and cvr.value * (1 + lift)
    local hyp = { metric = "cvr", baseline = cvr.value, expected_lift = lift }
    return {
      title = "Align the landing page with " .. name_of(ctx) .. ": CTR " .. hl.pct(ctr.value, 2) ..
              " (" .. hl.signed_pct(ctr.lift, 0) .. " vs its ad group) but " ..
              hl.pct(cvr.value, 2) .. " of clicks convert vs " .. hl.pct(cvr.reference, 2),
      actions = {
        { type = "align_landing_page", hypothesis = hyp,
          details = { ctr = ctr.value, cvr = cvr.value, cvr_peers = cvr.reference },
          instructions = "The ad earns the click (CTR " .. hl.pct(ctr.value, 2) .. " vs " ..
                         hl.pct(ctr.reference, 2) .. ") and the page loses it (CVR " ..
                         hl.pct(cvr.value, 2) .. " vs " .. hl.pct(cvr.reference, 2) .. ", " ..
                         hl.signed_pct(cvr.lift) .. "). Make the page's first screen repeat the " ..
                         "ad's promise: the same product and offer, the hook's words as the " ..
                         "headline, the same look and tone (a UGC ad wants a UGC-style page). " ..
                         "Link to the product shown, not the home page. If the page is right, " ..
                         "change the ad's promise to what the page delivers. Aim for a CVR of " ..
                         hl.pct(target, 2) .. " (" .. hl.signed_pct(lift, 0) .. ")." },
      },
      hypothesis = hyp,
    }
  end,
}
