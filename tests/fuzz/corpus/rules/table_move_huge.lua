-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "no_delivery" },
  run = function(ctx)
    table.move({}, 1, 2^53, 1)
  end,
}
