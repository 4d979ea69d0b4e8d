-- attack file (diagnose rule)
diagnose {
  name = "attack",
  run = function(ctx)
  --
    local t = { code = "acme.deep", summary = "s" }
    local e = t for i = 1, 2000 do e.effect = {} e = e.effect end
    return t
  end,
}
