-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    for i = 1, 100000 do hl.log(("x"):rep(200)) end
  end,
}
