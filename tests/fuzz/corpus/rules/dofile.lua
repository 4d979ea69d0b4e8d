-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    return dofile("/tmp/hl-sandbox-dofile-ln0vgo9v/evil.lua")
  end,
}
