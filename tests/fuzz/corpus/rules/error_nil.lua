-- attack file (when predicate)
rule {
  name = "attack",
  on = { "weak_hook" },
  when = function(ctx)
    error()
  end,
  run = function(ctx) return nil end,
}
