-- attack file (top level)
--
--
--
--
local co = coroutine.create(function() while true do end end)
rule { name = "attack", on = { "loser" }, run = function(ctx) return nil end }
