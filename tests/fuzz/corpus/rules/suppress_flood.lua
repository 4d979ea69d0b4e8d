-- attack file (suppress rule)
suppress {
  name = "attack",
  run = function(ctx)
  --
    local r = {}
    for i = 1, 200 do r[i] = { code = "acme.none" .. i, reason = "r" } end
    return r
  end,
}
