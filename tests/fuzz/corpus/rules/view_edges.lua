-- attack file (brief rule's run)
rule {
  name = "attack",
  on = { "weak_hook" },
  run = function(ctx)
    -- odd keys on every view: nil or an error, never a crash
    local n = 0
    local function try(f) local ok = pcall(f) n = n + (ok and 1 or 0) end
    try(function() return ctx.peers[math.mininteger] end)
    try(function() return ctx.peers[math.maxinteger] end)
    try(function() return ctx.peers[0] end)
    try(function() return ctx.peers[1.5] end)
    try(function() return ctx.ads[1] end)
    try(function() return ctx.ads[{}] end)
    try(function() return ctx.ads[("9"):rep(5000)] end)
    try(function() return ctx.ad.counters[true] end)
    try(function() return ctx.ad.metrics[ctx] end)
    try(function() return ctx.comparisons[1] end)
    try(function() return ctx.comparisons.no_such_metric end)
    try(function() return ctx.trends[math.huge] end)
    try(function() return ctx.diagnoses[-1] end)
    try(function() return ctx.diagnosis.evidence[1000000000000000000] end)
    try(function() return ctx.diagnosis.related_ad_ids[1 << 40] end)
    try(function() for k, v in pairs(ctx.ad.counters) do end end)
    try(function() for k, v in pairs(ctx.ad.metrics) do end end)
    try(function() for k, v in pairs(ctx.diagnosis.evidence) do local _ = v.metric end end)
    try(function() for k, v in pairs(ctx.peers) do local _ = v.id .. #v.name end end)
    try(function() for k, v in pairs(ctx.diagnoses) do local _ = v.code end end)
    try(function() for i, v in ipairs(ctx.peers) do local _ = v.counters.spend end end)
    try(function() return next(ctx) end)
    try(function() return #ctx end)
    try(function() return #ctx.ad end)
    try(function() return ctx < ctx end)
    try(function() return ctx .. "" end)
    try(function() return ctx() end)
    try(function() return -ctx end)
    try(function() local mt = ctx.ad.__index return mt end)
    try(function() local f = pairs(ctx) return f(ctx, "zz") end)
    try(function() local f = pairs(ctx.ad.counters) return f(ctx.ad.counters, 42) end)
    try(function() local f = pairs(ctx.ad.counters) return f(ctx.peers, "spend") end)
    try(function() local f = pairs(ctx.peers) return f(ctx.ad.counters, math.maxinteger) end)
    try(function() return ctx.subject.ad_id .. ctx.as_of .. tostring(ctx.currency) end)
    return nil
  end,
}
