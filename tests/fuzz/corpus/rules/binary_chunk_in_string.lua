-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    local s = "\27Lua\84"
    return { title = s, actions = { { type = "new_hook", instructions = "x" } } }
  end,
}
