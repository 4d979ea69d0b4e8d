-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    return string.find(string.rep("a", 1e5), ".-.-.-.-b")
  end,
}
