local HOARD = {}
-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook", "loser" },
  run = function(ctx)
    -- keeps everything it allocates in a file-level table, then hits the cap
    while true do HOARD[#HOARD + 1] = ("x"):rep(1000) .. #HOARD end
  end,
}
