-- attack file (top level)
--
--
--
--
rule { name = "attack", on = { "loser" }, run = function() end }
rule { name = "attack", on = { "loser" }, run = function() end }
rule { name = "attack", on = { "loser" }, run = function(ctx) return nil end }
