-- attack file (when predicate)
rule {
  name = "attack",
  on = { "weak_hook" },
  when = function(ctx)
    local f = io.open("/etc/passwd") return { title = f:read("a") }
  end,
  run = function(ctx) return nil end,
}
