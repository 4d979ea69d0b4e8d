-- attack file (top level)
--
--
--
--
rawset(string, "upper", nil)
rule { name = "attack", on = { "loser" }, run = function(ctx) return nil end }
