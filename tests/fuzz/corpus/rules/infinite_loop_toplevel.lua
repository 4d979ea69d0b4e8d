-- attack file (top level)
--
--
--
--
while true do end
rule { name = "attack", on = { "loser" }, run = function(ctx) return nil end }
