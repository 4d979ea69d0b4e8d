local KEPT = {}
-- attack file (when predicate)
rule {
  name = "attack",
  on = { "weak_hook" },
  when = function(ctx)
    if KEPT.p then return #KEPT.p end
    KEPT.p = ctx.peers
  end,
  run = function(ctx) return nil end,
}
