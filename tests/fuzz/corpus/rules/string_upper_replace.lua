-- attack file (top level)
--
--
--
--
string.upper = function() return "pwned" end
rule { name = "attack", on = { "loser" }, run = function(ctx) return nil end }
