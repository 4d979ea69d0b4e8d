-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "no_delivery" },
  run = function(ctx)
    return string.find(string.rep("a", 3e5), ".-b")
  end,
}
