-- attack file (diagnose rule)
diagnose {
  name = "attack",
  run = function(ctx)
  --
    return ("x"):rep(1e9)
  end,
}
