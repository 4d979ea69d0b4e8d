-- attack file (diagnose rule)
diagnose {
  name = "attack",
  run = function(ctx)
  --
    collectgarbage("stop")
  end,
}
