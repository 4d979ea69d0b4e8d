-- attack file (when predicate)
rule {
  name = "attack",
  on = { "weak_hook" },
  when = function(ctx)
    local n = 0
    local function try(f, ...) local ok = pcall(f, ...) n = n + (ok and 1 or 0) end
    try(string.format, "%99999d", 1) try(string.format, "%.99f", 1) try(string.format, "%q", 0/0)
    try(string.format, "%a", math.mininteger) try(string.format, "%c", 2^40)
    try(string.format, "%s", setmetatable) try(string.format, ("%s"):rep(300))
    try(string.pack, "i16", math.mininteger) try(string.pack, "!17i", 1)
    try(string.pack, "s1", ("x"):rep(300)) try(string.unpack, "z", "abc", 1e9)
    try(string.unpack, "i4", "abc", math.mininteger) try(string.packsize, "i0")
    try(string.packsize, ("i16"):rep(1e5))
    try(string.byte, ("x"):rep(1e6), 1, -1) try(string.char, 256) try(string.char, -1)
    try(string.sub, "abc", math.mininteger, math.maxinteger) try(string.rep, "x", -1)
    try(utf8.char, 0x7FFFFFFF) try(utf8.char, 0x80000000) try(utf8.char, -1)
    try(utf8.codepoint, ("x"):rep(1e6), 1, -1) try(utf8.len, "abc", math.mininteger)
    try(utf8.offset, "abc", math.maxinteger) try(utf8.offset, "abc", math.mininteger)
    try(utf8.codes, "\xff\xfe") try(function() for p, c in utf8.codes("a\xffb") do end end)
    try(table.insert, {}, math.maxinteger, 1) try(table.insert, {}, 1, 2, 3)
    try(table.remove, {}, math.mininteger) try(table.concat, {}, "", math.mininteger, math.maxinteger)
    try(table.concat, { {} }) try(table.move, {}, math.mininteger, -0, 1)
    try(table.move, { 1 }, 1, math.maxinteger, 2) try(table.unpack, {}, math.mininteger, math.maxinteger)
    try(table.sort, { 3, 1, 2 }, function() return true end)
    try(table.sort, { 3, 1, 2, 5, 4, 7, 6, 9, 8, 10, 12, 11 }, function(a, b) error("x") end)
    try(math.random, math.mininteger, math.maxinteger) try(math.random, 0) try(math.random, 2, 1)
    try(math.random, 1, 2, 3) try(math.tointeger, 2^63) try(math.fmod, math.mininteger, -1)
    try(math.fmod, 1, 0) try(function() return math.mininteger // -1 end)
    try(function() return math.mininteger % -1 end) try(function() return 1 // 0 end)
    try(function() return math.ult(mwait_for_deger, -1) end)
    try(tonumber, "0x" .. ("f"):rep(1000)) try(tonumber, "z", 36) try(tonumber, "1", 99)
    try(tostring, nil) try(select, math.mininteger, 1) try(select, -1) try(select, 2^31)
    try(ipairs) try(next, {}, "nokey") try(assert, false, {}) try(assert)
    error("done " .. n)
  end,
  run = function(ctx) return nil end,
}
