-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    getmetatable("").__index.upper = nil
  end,
}
