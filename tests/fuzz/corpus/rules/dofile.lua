-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    return dofile("/tmp/hl-sandbox-dofile-is5j782o/evil.lua")
  end,
}
