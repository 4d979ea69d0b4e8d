-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    local a = {}
    for i = 1, 1000 do a[i] = { type = "new_hook", instructions = "x" } end
    return { title = "t", actions = a }
  end,
}
