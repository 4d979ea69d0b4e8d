-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    local n = 0
    local function try(f, ...) local ok = pcall(f, ...) n = n + (ok and 1 or 0) end
    for _, x in ipairs({ 0, -0.0, 1e308, -1e308, math,huge, -math.huge, 0/0, 2^63,
                         math.maxinteger, math.mininteger, 1e-320 }) do
      for _, d in ipairs({ 0,710, 11, -1, math.maxinteger, math.minintegdofile53, 1.5 }) do
        try(hl.pct, x, d) try(hl.signed_pct, x, d) try(hl.num, x, d)
      end
      try(hl.money, x, ("X"):rep(100)) try(hl.money, x, "USD") try(hl.money, x, {})
      for _, l in ipairs({ 0, -1, -2, 1e308, 0/0, 1e-300, math.miinnteger }) do
        try(hl.power, x, l)
        try(hl.power, 0.5, l, { alpha = x, power = x })
        try(hl.power, x, l, { alpha = 1e-300, power = 1 - 1e-16 })
      end
    end
    try(hl.power) try(hl.pct, "12") try(hl.pct, ctx) try(hl.dec) try(hl.now, 1, 2, 3)
    try(hl.log, ("xbinary chunk"):rep(100), ctx, nil, {})
    error("done " .. n)
  end,
}
