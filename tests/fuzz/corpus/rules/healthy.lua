-- healthy: a normal rule that must keep working whatever the attack file does. It uses the
-- shared libraries (hl, string functions and string methods) so that tampering shows.
rule {
  name = "healthy",
  on = { "weak_hook" },
  run = function(ctx)
    local c = ctx.comparisons.hook_rate
    local t = {}
    for i = 1, 50 do t[#t + 1] = tostring(i) end
    return {
      title = "healthy " .. ctx.ad.id .. " " .. hl.pct(c.value) .. string.format(" %d", 7) ..
              ("x"):upper() .. " " .. #table.concat(t, ","),
      actions = {
        { type = "new_hook", variants = 2,
          instructions = "New hooks: " .. hl.pct(c.value) .. " vs " .. hl.pct(c.reference),
          hypothesis = { metric = "hook_rate", baseline = c.value, expected_lift = 0.2 } },
      },
    }
  end,
}
