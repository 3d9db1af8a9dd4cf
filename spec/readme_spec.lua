-- The README's Lua examples run as written (a newcomer copies them).
local H = require "spec.helpers"

describe("README", function()
  local readme = H.read_file("README.md")
  local n = 0
  for block in readme:gmatch("```lua\n(.-)```") do
    n = n + 1
    local n = n
    it("example " .. n .. " runs", function()
      local out = {}
      local sink = { write = function(self, ...) for _, v in ipairs { ... } do out[#out + 1] = tostring(v) end return self end }
      local fake_io = setmetatable({ stdout = sink, write = function(...) return sink:write(...) end }, { __index = io })
      local env = setmetatable({ io = fake_io, print = function(...)
        local t = table.pack(...)
        for i = 1, t.n do t[i] = tostring(t[i]) end
        out[#out + 1] = table.concat(t, " ")
      end }, { __index = _G })
      local chunk = assert(load(block, "README example " .. n, "t", env))
      chunk()
      -- "--> value" comments state what the line before prints
      for expected in block:gmatch("%-%->%s*([^\n]+)") do
        local found = false
        expected = expected:gsub("%s+$", "")
        for _, line in ipairs(out) do found = found or line:gsub("%s+", " "):find(expected, 1, true) ~= nil end
        assert.is_true(found, "README example " .. n .. " should print " .. expected)
      end
    end)
  end
  it("has examples", function() assert.is_true(n >= 4) end)
end)
