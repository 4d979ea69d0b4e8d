-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    hl.log(("x"):rep(1100)) error("logged")
  end,
}
