-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    setmetatable(_ENV, { __index = function() return 1 end })
  end,
}
