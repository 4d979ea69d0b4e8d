-- attack file (top level)
--
--
--
--
rule { name = ("n"):rep(10000), on = { "loser" }, run = print }
rule { name = "attack", on = { "loser" }, run = function(ctx) return nil end }
