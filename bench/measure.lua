-- measure.lua - what the one-process benchmark drivers share (read_one.lua,
-- read_many.lua): the module from build/, a file's bytes and the process's
-- peak memory.  Loaded with dofile("bench/measure.lua") from the checkout.
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "build/?.so;" .. package.cpath

local M = {}

-- Peak resident memory of this process so far (VmHWM), in bytes.
function M.hwm()
  for line in io.lines("/proc/self/status") do
    local kb = line:match("^VmHWM:%s+(%d+)")
    if kb then return tonumber(kb) * 1024 end
  end
  return 0
end

-- Resets the peak to the current resident memory (Linux 4.0+), so that a
-- peak measured next is not one left by freed buffers (reading the file).
function M.reset_hwm()
  local f = io.open("/proc/self/clear_refs", "w")
  if f then f:write("5"); f:close() end
end

function M.slurp(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("a")
  f:close()
  return data
end

return M
