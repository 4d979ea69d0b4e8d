-- attack file (top level)
--
--
--
--
local f = loadfile("/tmp/hl-sandbox-loadfile-xtdf0j_w/evil.lua") f()
rule { name = "attack", on = { "loser" }, run = function(ctx) return nil end }
