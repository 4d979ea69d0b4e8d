-- attack file (top level)
--
--
--
--
error(string.rep("y", 1e6))
rule { name = "attack", on = { "loser" }, run = function(ctx) return nil end }
