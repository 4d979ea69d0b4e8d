-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    return table.unpack({}, 1, 1e8)
  end,
}
