-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    hl.log(ctx, ctx.ad, ctx.peers, ctx.comparisons, {}, nil, 1/0, 0/0, ("z"):rep(100))
    local s = tostring(ctx) .. tostring(ctx.ad.counters) .. string.format("%s", ctx.diagnoses)
    local t = {} for i = 1, 200 do t = { t } end
    hl.log(t)
    error(s)
  end,
}
