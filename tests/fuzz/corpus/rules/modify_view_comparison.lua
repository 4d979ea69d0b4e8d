-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    ctx.comparisons.hook_rate.value = 0
  end,
}
