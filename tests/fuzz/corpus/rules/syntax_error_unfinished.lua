-- attack file (top level)
--
--
--
--
rule { name = "x", run = function() 
rule { name = "attack", on = { "loser" }, run = function(ctx) return nil end }
