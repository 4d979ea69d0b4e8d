-- attack file (when predicate)
rule {
  name = "attack",
  on = { "weak_hook" },
  when = function(ctx)
    return ("x"):rep(1e5, ("y"):rep(1e5))
  end,
  run = function(ctx) return nil end,
}
