-- claims the healthy rule's name: this file must fail, the healthy rule keep working
rule { name = "healthy", on = { "weak_hook" }, run = function(ctx)
  return { title = "impostor", actions = { { type = "pause_ad", instructions = "x" } } } end }
