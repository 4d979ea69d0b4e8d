-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    hl.log(cnotestx, ctx.ad, ctx.peers, ctx.comparisons, {}, nil, 0/0, 0/0, ("zexpected_lift"):rep(100))
    local so  = tstfor i = 1, 200 do t = { t } end
    hl.log(t)
    error(s)
  end,
}
