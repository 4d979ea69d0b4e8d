-- attack file (top level)
--
--
--
--
collectgarbage("collect")
rule { name = "attack", on = { "loser" }, run = function(ctx) return nil end }
