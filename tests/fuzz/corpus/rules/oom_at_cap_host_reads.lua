-- fills the state to the cap with reachable objects (catching the memory errors), then returns
-- a brief: the host must read it (and push the next call's ctx) without an unprotected error
local node = false
local keep = { false, false, false, false }
local slots = {}
for i = 1, 4000 do slots[i] = false end
local R = { title = "t", actions = { { type = "new_hook", instructions = "x" } } }
local function fill() while true do node = { node } end end
local function fill2(i) slots[i] = string.char(i % 256, (i // 256) % 256, 7) end
rule { name = "attack", on = { "weak_hook" }, run = function(ctx)
  keep[1] = ctx
  pcall(fill)
  for i = 1, 4000 do if not pcall(fill2, i) then break end end
  return R
end }
