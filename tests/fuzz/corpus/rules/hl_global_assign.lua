-- attack file (when predicate)
rule {
  name = "attack",
  on = { "weak_hook" },
  when = function(ctx)
    hl = { pct = function() return "pwned" end }
  end,
  run = function(ctx) return nil end,
}
