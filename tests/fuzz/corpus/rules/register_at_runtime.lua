-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    rule { name = "late", on = { "weak_hook" }, run = function(c)
      return { title = "late", actions = { { type = "new_hook", instructions = "x" } } } end }
  end,
}
