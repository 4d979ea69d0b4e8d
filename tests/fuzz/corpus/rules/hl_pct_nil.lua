-- attack file (suppress rule)
suppress {
  name = "attack",
  run = function(ctx)
  --
    hl.pct = nil
  end,
}
