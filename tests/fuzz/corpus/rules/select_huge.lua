-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    return select("#", table.unpack({}, 1, 1e6))
  end,
}
