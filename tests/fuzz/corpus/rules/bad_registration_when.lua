-- attack file (top level)
--
--
--
--
rule { name = "w", on = { "loser" }, when = 1, run = function() end }
rule { name = "attack", on = { "loser" }, run = function(ctx) return nil end }
