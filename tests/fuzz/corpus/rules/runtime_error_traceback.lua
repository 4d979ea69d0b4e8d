-- a runtime error two helpers deep: the report has file:line and a traceback
local function inner(x)
  local y = x * 2
  error("boom in helper " .. y)
end
local function outer(x) local r = inner(x + 1) return r end
rule { name = "attack", on = { "weak_hook" }, run = function(ctx) return outer(1) end }
