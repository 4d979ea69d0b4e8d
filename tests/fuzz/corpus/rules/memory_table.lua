-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "no_delivery", "winner" },
  run = function(ctx)
    local t = {} while true do t[#t + 1] = t end
  end,
}
