-- attack file (diagnose rule)
diagnose {
  name = "attack",
  run = function(ctx)
  --
    suppress { name = "late2", run = function() return nil end }
  end,
}
