-- attack file (diagnose rule)
diagnose {
  name = "attack",
  run = function(ctx)
  --
    counter = (counter or 0) + 1
  end,
}
