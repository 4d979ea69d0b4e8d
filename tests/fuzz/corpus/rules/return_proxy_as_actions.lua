-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    return { title = "t", actions = hl.action_types }
  end,
}
