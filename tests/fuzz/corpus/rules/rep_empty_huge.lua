-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "no_delivery" },
  run = function(ctx)
    return ("").rep("", math.maxinteger)
  end,
}
