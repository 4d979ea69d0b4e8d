-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    return { title = "t", actions = { { type = "new_hook", instructions = ctx.ad.name,
             details = { x = ctx.ad } } } }
  end,
}
