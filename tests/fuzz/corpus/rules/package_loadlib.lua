-- attack file (suppress rule)
suppress {
  name = "attack",
  run = function(ctx)
  --
    local f = package.loadlib("libc.so.6", "system") f("touch /nonexistent/hl-canary")
  end,
}
