-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    return { title = "t", actions = { { type = "new_hook", instructions = "x",
             hypothesis = { metric = "ctr", baseline = math.huge, expected_lift = 0.1 } } } }
  end,
}
