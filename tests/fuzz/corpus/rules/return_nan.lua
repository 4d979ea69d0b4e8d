-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    return { title = "t", priority = 0/0,
             actions = { { type = "new_hook", instructions = "x" } } }
  end,
}
