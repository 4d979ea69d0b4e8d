-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    while true do pcall(function() while true do end end) end
  end,
}
