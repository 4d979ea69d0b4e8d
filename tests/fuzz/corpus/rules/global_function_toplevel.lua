-- attack file (top level)
--
--
--
--
function helper() end
rule { name = "attack", on = { "loser" }, run = function(ctx) return nil end }
