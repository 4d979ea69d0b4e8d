-- attack file (diagnose rule)
diagnose {
  name = "attack",
  run = function(ctx)
  --
    return { code = "acme.nan", summary = "s", effect = 0/0 }
  end,
}
