-- attack file (when predicate)
rule {
  name = "attack",
  on = { "weak_hook" },
  when = function(ctx)
    local function f() local ok, e = pcall(f) error(e, 0) end f()
  end,
  run = function(ctx) return nil end,
}
