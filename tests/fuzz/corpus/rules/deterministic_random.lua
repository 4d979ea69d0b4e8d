-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    local x = math.random(1, 1000000) .. "/" .. math.random()
    return { title = "random " .. x, actions = { { type = "new_hook", instructions = x } } }
  end,
}
