-- attack file (top level)
--
--
--
--
local codes = {} for i = 1, 1000 do codes[i] = "acme.c" .. i end
rule { name = "many", on = codes, run = function() end }
rule { name = "attack", on = { "loser" }, run = function(ctx) return nil end }
