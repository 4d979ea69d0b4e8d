-- attack file (diagnose rule)
diagnose {
  name = "attack",
  run = function(ctx)
  --
    local io = require("io") io.open("/nonexistent/hl-canary", "w"):close()
  end,
}
