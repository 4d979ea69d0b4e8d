-- attack file (when predicate)
rule {
  name = "attack",
  on = { "weak_hook" },
  when = function(ctx)
    while true do pcall(function() while true do end end) end
  end,
  run = function(ctx) return nil end,
}
