-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    local r = {}
    for i = 1, 1000 do
      r[i] = { title = "t" .. i, actions = { { type = "new_hook", instructions = "x" } } }
    end
    return r
  end,
}
