-- attack file (top level)
--
--
--
--
local t = nil
local x = t.field
rule { name = "attack", on = { "loser" }, run = function(ctx) return nil end }
