-- attack file (diagnose rule)
diagnose {
  name = "attack",
  run = function(ctx)
  --
    while true do
      xpcall(function() while true do end end, function() while true do end end)
    end
  end,
}
