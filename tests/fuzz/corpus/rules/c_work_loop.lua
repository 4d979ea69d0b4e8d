-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "no_delivery" },
  run = function(ctx)
    while true do local s = ("x"):rep(2e7) end
  end,
}
