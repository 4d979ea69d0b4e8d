-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    local d = {}
    for i = 1, 10000 do d["k" .. i] = i end
    return { title = "t", actions = { { type = "new_hook", instructions = "x", details = d } } }
  end,
}
