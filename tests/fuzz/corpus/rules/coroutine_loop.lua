-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    coroutine.wrap(function() while true do coroutine.yield() end end)()
  end,
}
