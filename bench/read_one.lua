-- One measurement in its own process, so peak memory (VmHWM) is its own:
-- reads FILE, parses it with FORMAT (read, normalise, segment, tokenise),
-- then annotates it, and prints "read_seconds peak_bytes tokens
-- annotate_seconds peak_bytes_after_annotating".
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "build/?.so;" .. package.cpath
local core = require "qualua.core"
local file, fmt = arg[1], arg[2] or "auto"
local function hwm()
  for line in io.lines("/proc/self/status") do
    local kb = line:match("^VmHWM:%s+(%d+)")
    if kb then return tonumber(kb) * 1024 end
  end
  return 0
end
local f = assert(io.open(file, "rb"))
local data = f:read("a")
f:close()
local base = hwm()
local t0 = os.clock()
local doc = core.parse(data, fmt)
local secs = os.clock() - t0
local peak = hwm() - base
data = nil
t0 = os.clock()
doc:annotate()
local asecs = os.clock() - t0
io.write(("%.6f %d %d %.6f %d\n"):format(secs, peak, doc:count("token"), asecs, hwm() - base))
