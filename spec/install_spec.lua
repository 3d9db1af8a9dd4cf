-- The package installs and runs away from the checkout: with LuaRocks into
-- a temporary tree (offline, Debian's dependencies), and with make install.
local H = require "spec.helpers"

local function sh(cmd)
  local p = io.popen("(" .. cmd .. ") 2>&1; echo \"exit=$?\"")
  local out = p:read("a")
  p:close()
  local code = tonumber(out:match("exit=(%d+)%s*$"))
  return code, out
end

local tmpdir = H.tmpdir

local root = io.popen("pwd"):read("l")

describe("installation", function()
  it("with luarocks make into a temporary tree, then qualua run from there", function()
    if sh("command -v luarocks") ~= 0 then
      error("luarocks is missing: make deps installs it")
    end
    local tree, work = tmpdir(), tmpdir()
    local code, out = sh(("luarocks --lua-version 5.4 make --deps-mode=none --tree %s rockspec/qualua-scm-1.rockspec"):format(tree))
    os.execute("rm -f src/*.o src/lua/*.o qualua/core.so; rmdir qualua 2>/dev/null") -- LuaRocks builds in place
    assert.equal(0, code, out)
    code, out = sh(('cd %s && eval "$(luarocks --lua-version 5.4 --tree %s path)" && %s/bin/qualua run %s/seeds -o report.html')
      :format(work, tree, tree, root))
    assert.equal(0, code, out)
    assert.matches("5 documents", out)
    local html = H.read_file(work .. "/report.html")
    assert.matches("<html", html)
    os.execute("rm -rf " .. tree .. " " .. work)
  end)

  it("with make install DESTDIR=...", function()
    local dest, work = tmpdir(), tmpdir()
    local code, out = sh(("make -s install DESTDIR=%s PREFIX=/usr/local"):format(dest))
    assert.equal(0, code, out)
    local env = ("LUA_PATH='%s/usr/local/share/lua/5.4/?.lua;%s/usr/local/share/lua/5.4/?/init.lua;;' LUA_CPATH='%s/usr/local/lib/lua/5.4/?.so;;'")
      :format(dest, dest, dest)
    code, out = sh(("cd %s && %s %s/usr/local/bin/qualua run %s/seeds -o report.md --markdown"):format(work, env, dest, root))
    assert.equal(0, code, out)
    assert.matches("^# qualua report", H.read_file(work .. "/report.md"))
    os.execute("rm -rf " .. dest .. " " .. work)
  end)
end)
