-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    -- __pairs of the read-only library proxies must not hand out the real tables
    local _, s = pairs(string)
    local _, h = pairs(hl)
    local _, m = pairs(math)
    s.upper = function() return "pwned" end
    s.format = function() return "pwned" end
    h.pct = function() return "pwned" end
    m.floor = nil
  end,
}
