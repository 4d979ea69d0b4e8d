-- attack file (top level)
--
--
--
--
local ok = pcall(rule, { name = "bad name!", run = function() end })
rule { name = "x", on = { "loser" }, run = 5 }
rule { name = "attack", on = { "loser" }, run = function(ctx) return nil end }
