-- attack file (when predicate)
rule {
  name = "attack",
  on = { "weak_hook" },
  when = function(ctx)
    local s = string.rep("a", 1e5)
    for _ in s:gmatch("a-a-a-b") do end
    return (s:gsub(".-.-.-b", ""))
  end,
  run = function(ctx) return nil end,
}
