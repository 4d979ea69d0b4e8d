local KEPT = {}
-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    if KEPT.ad then return { title = KEPT.ad.name } end
    KEPT.ad = ctx.ad
  end,
}
