-- attack file (top level)
--
--
--
--
local t = {} while true do t[#t + 1] = ("x"):rep(1e6 - 7) .. #t end
rule { name = "attack", on = { "loser" }, run = function(ctx) return nil end }
