-- attack file (top level)
--
--
--
--
local f = loadfile("/tmp/hl-sandbox-loadfile-p97w3p_h/evil.lua") f()
rule { name = "attack", on = { "loser" }, run = function(ctx) return nil end }
