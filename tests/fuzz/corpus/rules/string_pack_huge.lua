-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "no_delivery" },
  run = function(ctx)
    return string.pack("c1000000000", "")
  end,
}
