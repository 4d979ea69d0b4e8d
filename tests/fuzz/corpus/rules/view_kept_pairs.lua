local KEPT = {}
-- attack file (diagnose rule)
diagnose {
  name = "attack",
  run = function(ctx)
  --
    if KEPT.c then for k, v in pairs(KEPT.c) do end end
    KEPT.c = ctx.ad.counters
  end,
}
