-- attack file (suppress rule)
suppress {
  name = "attack",
  run = function(ctx)
  --
    while true do pcall(error, "x") end
  end,
}
