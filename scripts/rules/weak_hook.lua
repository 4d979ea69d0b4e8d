-- weak_hook.lua — a low 2-second hook rate: the opening does not stop the scroll.
-- The field's remedy: a new first 3 seconds (another opening shot, scene or visual) on the
-- same body, several hooks at once so the best can win.

rule {
  name = "weak_hook_brief",
  on = { "weak_hook" },
  run = function(ctx)
    local c = ctx.comparisons.hook_rate
    local target = math.min(c.reference, c.value * 1.3)
    local lift = target / c.value - 1
    return {
      title = "New opening for " .. (ctx.ad.name or ctx.ad.id) .. ": hook rate " ..
              hl.pct(c.value) .. " vs " .. hl.pct(c.reference) .. " in its ad group",
      actions = {
        { type = "new_hook", variants = 3,
          instructions = "Write 3 new first-3-second hooks on the same body: a bold claim, a " ..
                         "question, a pattern interrupt. The current opening holds " ..
                         hl.pct(c.value) .. " of impressions for 2 seconds against " ..
                         hl.pct(c.reference) .. " for its peers (" .. hl.signed_pct(c.lift) .. ").",
          hypothesis = { metric = "hook_rate", baseline = c.value, expected_lift = lift } },
        { type = "new_opening_shot", variants = 2,
          instructions = "Open on a different first frame: movement or a face in the first " ..
                         "0.5 s, product in hand, on-screen text in the top third." },
      },
    }
  end,
}
