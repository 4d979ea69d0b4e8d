-- fills the state at load time (catching the memory error) and keeps it all reachable
local node = false
local function fill() while true do node = { node } end end
rule { name = "attack", on = { "loser" }, run = function(ctx) return node and nil end }
pcall(fill)
