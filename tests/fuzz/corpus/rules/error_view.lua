-- attack file (diagnose rule)
diagnose {
  name = "attack",
  run = function(ctx)
  --
    error(ctx.ad)
  end,
}
