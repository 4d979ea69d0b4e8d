-- attack file (diagnose rule)
diagnose {
  name = "attack",
  run = function(ctx)
  --
    local r = {}
    for i = 1, 100 do r[i] = { code = "acme.flood", summary = "s" .. i, effect = 0 } end
    return r
  end,
}
