-- fatigue.lua: CTR sinking against the ad group while CPM (vs the account) or frequency climbs:
-- the audience has seen the ad. The field's remedy: refresh the first 3 s, swap the voiceover
-- (tone, gender, energy), rewrite the text. Expected: half the lost CTR won back.

local function name_of(ctx)
  return ctx.subject.ad_name or ctx.subject.ad_id or "this ad"
end

local function trend(ctx, metric)
  local ev = ctx.diagnosis.evidence
  for i = 1, #ev do
    if ev[i].metric == metric then return ev[i] end
  end
  return ctx.trends[metric]
end

-- Half the CTR lost since the prior half of the window, at least +10 %, at most +100 %.
local function half_back(recent, prior)
  if not recent or not prior or recent <= 0 or recent >= 1 then return 0.2 end
  local lift = math.max(0.1, math.min(1, (prior / recent - 1) / 2))
  return math.floor(lift * 100 + 0.5) / 100
end

-- "down 41%" / "up 38%"
local function updown(x)
  if not x then return "falling" end
  return (x < 0 and "down " or "up ") .. hl.pct(math.abs(x), 0)
end

rule {
  name = "fatigue_brief",
  on = { "fatigue" },
  run = function(ctx)
    local ctr = trend(ctx, "ctr") or {}
    local cpm = trend(ctx, "cpm_vs_account")
    local freq = trend(ctx, "frequency")
    local lift = half_back(ctr.recent, ctr.prior)
    local hyp = { metric = "ctr", baseline = ctr.recent, expected_lift = lift }
    local title = "Refresh " .. name_of(ctx) .. ": CTR " .. updown(ctr.change) ..
                  " against its ad group" ..
                  ((ctr.days or 0) > 0 and (" over " .. ctr.days .. " days") or "")
    if cpm and cpm.change and cpm.direction == "rising" then
      title = title .. ", CPM " .. updown(cpm.change) .. " against the account"
    end
    if freq and freq.change and freq.direction == "rising" then
      title = title .. ", frequency " .. updown(freq.change)
    end
    local seen = "CTR went from " .. hl.pct(ctr.prior, 2) .. " to " .. hl.pct(ctr.recent, 2)
    if freq and freq.prior and freq.recent and freq.recent > freq.prior then
      seen = seen .. " while daily frequency rose from " .. hl.num(freq.prior, 2) .. " to " ..
             hl.num(freq.recent, 2)
    end
    return {
      title = title,
      actions = {
        { type = "new_hook", variants = 3, hypothesis = hyp, details = { hook_end_s = 3 },
          instructions = "The audience has seen this ad: " .. seen .. ". Cut 3 new first-3-second " ..
                         "openings (new first frame, new first line) on the same body; aim to win " ..
                         "back a CTR of " .. hl.pct((ctr.recent or 0) * (1 + lift), 2) ..
                         " (" .. hl.signed_pct(lift, 0) .. ")." },
        { type = "new_voiceover", variants = 2, hypothesis = hyp,
          details = { tone = "conversational", gender = "opposite of the current voice",
                      energy = "higher than the current voice" },
          instructions = "Swap the voiceover on the same visuals: another voice (the other " ..
                         "gender), another tone and a higher energy; keep the script's claims." },
        { type = "new_onscreen_text", variants = 2, hypothesis = hyp,
          instructions = "Rewrite the on-screen text: a new headline in the first 2 s and the " ..
                         "benefits in a new order, so the ad reads as new in the feed." },
      },
      hypothesis = hyp,
      notes = { "Before refreshing, rule out a budget change or a learning reset in the same " ..
                "days, and broken tracking. CPM is measured against the account's, so " ..
                "auction-wide inflation is already taken out." },
    }
  end,
}
