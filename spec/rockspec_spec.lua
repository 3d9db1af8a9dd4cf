-- The rockspec builds what the Makefile builds: every C file of the core and
-- the binding, every Lua module, the same system libraries.
local H = require "spec.helpers"

local function load_rockspec()
  local env = {}
  local chunk = assert(loadfile("rockspec/qualua-scm-1.rockspec", "t", env))
  chunk()
  return env
end

local function ls(pattern)
  local out = {}
  local p = io.popen("ls " .. pattern .. " 2>/dev/null")
  for line in p:lines() do out[#out + 1] = line end
  p:close()
  return out
end

describe("rockspec", function()
  local rs = load_rockspec()
  local core = rs.build.modules["qualua.core"]

  it("lists every C source of the core and the binding", function()
    local listed = {}
    for _, s in ipairs(core.sources) do listed[s] = true end
    for _, f in ipairs(ls("src/*.c src/lua/*.c")) do
      assert.is_true(listed[f] ~= nil, f .. " is missing from the rockspec")
    end
    for s in pairs(listed) do assert.is_not_nil(io.open(s), s .. " is listed but absent") end
  end)

  it("installs every Lua module", function()
    local mods = {}
    for name, file in pairs(rs.build.modules) do if type(file) == "string" then mods[file] = name end end
    for _, f in ipairs(ls("lua/qualua/*.lua lua/qualua/*/*.lua")) do
      local name = f:gsub("^lua/", ""):gsub("/init%.lua$", ""):gsub("%.lua$", ""):gsub("/", ".")
      assert.equal(name, mods[f], f .. " is not installed by the rockspec")
    end
  end)

  it("links the libraries the Makefile links", function()
    local mk = H.read_file("Makefile")
    local libs = mk:match("\nLIBS = ([^\n]*)")
    for lib in libs:gmatch("%-l(%S+)") do
      local found = false
      for _, l in ipairs(core.libraries) do found = found or l == lib end
      assert.is_true(found, "-l" .. lib .. " is not in the rockspec's libraries")
    end
  end)
end)
