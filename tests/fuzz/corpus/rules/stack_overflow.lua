-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "no_delivery" },
  run = function(ctx)
    local function f() return f() + 1 end return f()
  end,
}
