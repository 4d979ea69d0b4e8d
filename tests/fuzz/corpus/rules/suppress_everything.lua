-- attack file (suppress rule)
suppress {
  name = "attack",
  run = function(ctx)
  --
    -- a legitimate pack that ends with no brief at all: every diagnosis suppressed
    local r = {}
    for i, d in ipairs({ "weak_hook", "loser", "winner", "weak_hold", "weak_cta", "fatigue",
                         "landing_page_mismatch", "kitbash_candidate", "no_delivery" }) do
      r[i] = { code = d, reason = "suppressed by the test" }
    end
    return r
  end,
}
