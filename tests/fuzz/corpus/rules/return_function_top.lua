-- attack file (diagnose rule)
diagnose {
  name = "attack",
  run = function(ctx)
  --
    return function() end
  end,
}
