-- attack file (suppress rule)
suppress {
  name = "attack",
  run = function(ctx)
  --
    ctx.learnings.x = 1
  end,
}
