-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    local function f(s) return (s:gsub(".", f)) end return f("ab")
  end,
}
