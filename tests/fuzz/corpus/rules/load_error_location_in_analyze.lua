-- attack file (top level)
--
--
--
--
local x = = 1
rule { name = "attack", on = { "loser" }, run = function(ctx) return nil end }
