-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    return { title = "t", hypothesis = { metric = "hook_rate", baseline = 0.1,
             expected_lift = -math.huge }, actions = { { type = "new_hook", instructions = "x" } } }
  end,
}
