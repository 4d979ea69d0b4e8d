-- kitbash_candidate.lua: one ad has the ad group's best hook, another its best click-through.
-- The field's remedy (the seed's "super ad"): splice the first 3 s of the hook donor with the
-- last 5 s of the CTA donor; the plan goes into details for the recipe and the editor.

local function evidence_of(ctx, metric, ad_id)
  local ev = ctx.diagnosis.evidence
  for i = 1, #ev do
    local s = ev[i].subject -- a comparison's or a trend's subject
    if ev[i].metric == metric and (not ad_id or (s and s.ad_id == ad_id)) then return ev[i] end
  end
end

-- The CTA donor: the related ad, else the peer with the best CTR lift that is "better".
local function ending_ad(ctx)
  local id = ctx.diagnosis.related_ad_ids[1]
  if id then return id, ctx.ads[id] end
  local best, lift = nil, 0
  for i = 1, #ctx.peers do
    local c = ctx.peers[i].comparisons.ctr
    if c and c.decision == "better" and c.lift and c.lift > lift then best, lift = ctx.peers[i], c.lift end
  end
  if best then return best.id, best end
end

rule {
  name = "kitbash_brief",
  on = { "kitbash_candidate" },
  run = function(ctx)
    local hook_id = ctx.subject.ad_id
    -- the engine reports a kit-bash on the hook donor ad; a findings file may name an ad group
    -- instead, and there is no hook to take then
    if not hook_id then return nil end
    local hook_name = ctx.subject.ad_name or hook_id
    local end_id, end_ad = ending_ad(ctx)
    local end_name = end_ad and end_ad.name or end_id or "the ad group's best-CTR ad"
    local hook = evidence_of(ctx, "hook_rate", hook_id) or ctx.comparisons.hook_rate or {}
    local ctr = (end_id and evidence_of(ctx, "ctr", end_id)) or
                (end_ad and end_ad.comparisons.ctr) or {}
    -- The splice should keep the ending's click-through and add viewers: half the hook's edge.
    local lift = 0.1
    if hook.lift then lift = math.max(0.1, math.min(1, math.floor(hook.lift * 50 + 0.5) / 100)) end
    local hyp = { metric = "ctr", baseline = ctr.value, expected_lift = lift }
    return {
      title = "Kit-bash: first 3 s of " .. hook_name .. " (hook rate " .. hl.pct(hook.value) ..
              " vs " .. hl.pct(hook.reference) .. ") + last 5 s of " .. end_name .. " (CTR " ..
              hl.pct(ctr.value, 2) .. " vs " .. hl.pct(ctr.reference, 2) .. ")",
      actions = {
        { type = "combine_segments", hypothesis = hyp,
          details = { hook_ad_id = hook_id, hook_start_s = 0, hook_end_s = 3,
                      ending_ad_id = end_id, ending_seconds = 5 },
          instructions = "Splice 0-3 s of " .. hook_name .. " (" .. hook_id .. ": hook rate " ..
                         hl.pct(hook.value) .. " vs " .. hl.pct(hook.reference) ..
                         " for its peers) with the last 5 s of " .. end_name .. " (" ..
                         (end_id or "pick it in the ad group") .. ": CTR " .. hl.pct(ctr.value, 2) ..
                         " vs " .. hl.pct(ctr.reference, 2) .. "). Cut on a beat and match " ..
                         "colour and loudness across the splice. Aim for a CTR of " ..
                         hl.pct(ctr.value and ctr.value * (1 + lift), 2) .. " (" ..
                         hl.signed_pct(lift, 0) .. " on the ending's)." },
      },
      hypothesis = hyp,
    }
  end,
}
