-- attack file (diagnose rule)
diagnose {
  name = "attack",
  run = function(ctx)
  --
    local s = ("").dump return s(function() end)
  end,
}
