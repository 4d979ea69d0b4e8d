-- audience_too_narrow.lua: an ad group shows its ads to the same people several times a day.
-- The field's remedy: broaden the audience (TikTok's gauge at "Fairly broad"/"Balanced"), so that
-- daily frequency falls back under 2 and the ads reach new people.

local TARGET = 2.0 -- a healthy daily frequency

rule {
  name = "audience_too_narrow_brief",
  on = { "audience_too_narrow" },
  run = function(ctx)
    local d = ctx.diagnosis
    local s = ctx.subject
    -- the engine's effect is the share of impressions beyond its threshold, (f - max) / f; the
    -- daily frequency itself is in the summary ("shows its ads 4.20 times a day")
    local freq = tonumber(string.match(d.summary or "", "([%d%.]+) times a day"))
    if not freq or freq <= 0 then freq = nil end
    local lift = freq and freq > TARGET and math.floor((TARGET / freq - 1) * 100 - 0.5) / 100 or -0.2
    if lift < -0.95 then lift = -0.95 end
    local days = tonumber(string.match(d.summary or "", "last (%d+) day"))
    return {
      title = "Broaden ad group " .. (s.adgroup_name or s.adgroup_id or "?") ..
              (freq and (": the same people see its ads " .. hl.num(freq, 1) .. " times a day" ..
              (days and (" over the last " .. days .. " days") or "")) or ": its audience is used up"),
      actions = {
        { type = "broaden_audience",
          hypothesis = { metric = "frequency", baseline = freq, expected_lift = lift },
          instructions = "Daily frequency is at least " .. hl.num(freq, 2) .. ": the audience " ..
                         "is used up. Widen it until TikTok's audience-size gauge reads \"Fairly " ..
                         "broad\" or \"Balanced\": drop stacked interests, widen the age range, " ..
                         "go from a 1% to a 3-5% lookalike, or test broad targeting. Aim for a " ..
                         "daily frequency under " .. hl.num(TARGET, 1) .. " (" .. hl.signed_pct(lift, 0) .. ")." },
      },
      -- effect = the share of impressions that are repetition beyond the target
      priority = freq and freq > TARGET and d.spend_at_stake * (1 - TARGET / freq) or nil,
    }
  end,
}
