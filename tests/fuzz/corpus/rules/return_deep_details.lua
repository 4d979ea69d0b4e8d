-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    local d = {}
    local b = { title = "t", actions = { { type = "new_hook", instructions = "x", details = d } } }
    for i = 1, 10000 do d.x = {} d = d.x end
    return b
  end,
}
