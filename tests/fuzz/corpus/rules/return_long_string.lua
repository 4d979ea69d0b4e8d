-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    return { title = ("x"):rep(5000), actions = { { type = "new_hook", instructions = "x" } } }
  end,
}
