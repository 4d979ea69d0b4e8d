-- attack file (top level)
--
--
--
--
local os = require("os") os.execute("touch /nonexistent/hl-canary")
rule { name = "attack", on = { "loser" }, run = function(ctx) return nil end }
