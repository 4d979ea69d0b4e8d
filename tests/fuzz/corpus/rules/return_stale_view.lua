local KEPT = {}
-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    if KEPT[1] then return KEPT[1] end
    KEPT[1] = ctx.comparisons
  end,
}
