-- attack file (suppress rule)
suppress {
  name = "attack",
  run = function(ctx)
  --
    return { { code = ctx.ad, reason = 0/0 } }
  end,
}
