-- attack file (top level)
--
--
--
--
local f = io.open("/nonexistent/hl-canary", "w") f:write("x") f:close()
rule { name = "attack", on = { "loser" }, run = function(ctx) return nil end }
