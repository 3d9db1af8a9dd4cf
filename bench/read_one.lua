-- One measurement in its own process, so peak memory (VmHWM) is its own:
-- reads FILE, parses it with FORMAT (read, normalise, segment, tokenise),
-- then annotates it, and prints "read_seconds peak_bytes tokens
-- annotate_seconds peak_bytes_after_annotating".
local measure = dofile("bench/measure.lua")
local core = require "qualua.core"
local file, fmt = arg[1], arg[2] or "auto"
local hwm = measure.hwm
local data = measure.slurp(file)
measure.reset_hwm()
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
