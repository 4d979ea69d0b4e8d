-- attack file (diagnose rule)
diagnose {
  name = "attack",
  run = function(ctx)
  --
    string.format = nil
  end,
}
