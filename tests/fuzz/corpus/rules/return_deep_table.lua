-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    local t = {} for i = 1, 10000 do t = { t } end return t
  end,
}
