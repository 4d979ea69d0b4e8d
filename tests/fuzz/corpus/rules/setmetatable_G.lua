-- attack file (top level)
--
--
--
--
setmetatable(_G, {})
rule { name = "attack", on = { "loser" }, run = function(ctx) return nil end }
