-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    hl.action_types[1] = "pwned"
  end,
}
