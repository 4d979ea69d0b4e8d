-- attack file (suppress rule)
suppress {
  name = "attack",
  run = function(ctx)
  --
    error(42, 0)
  end,
}
