-- attack file (diagnose rule)
diagnose {
  name = "attack",
  run = function(ctx)
  --
    local function f() table.sort({ 3, 2, 1 }, function(a, b) f() return a < b end) end
    f()
  end,
}
