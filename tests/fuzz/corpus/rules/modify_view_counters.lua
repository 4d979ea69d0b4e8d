-- attack file (diagnose rule)
diagnose {
  name = "attack",
  run = function(ctx)
  --
    ctx.ad.counters.spend = 0
  end,
}
