-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "no_delivery" },
  run = function(ctx)
    local t = {}
    for i = 1, 100 do t[i] = ("x"):rep(1e6) end
    return { title = table.concat(t) }
  end,
}
