-- attack file (top level)
--
--
--
--
local n = 0
while true do n = n + 1 end
rule { name = "attack", on = { "loser" }, run = function(ctx) return nil end }
