-- attack file (when predicate)
rule {
  name = "attack",
  on = { "weak_hook" },
  when = function(ctx)
    return load("return 1")()
  end,
  run = function(ctx) return nil end,
}
