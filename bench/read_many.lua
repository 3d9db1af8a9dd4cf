-- Many documents in one process, as an import or `qualua stats` reads a
-- folder: FILE is cut into documents of about KB kilobytes (at blank lines),
-- each parsed with FORMAT (read, normalise, segment, tokenise) into one
-- shared vocabulary and dropped.  Prints "seconds peak_bytes documents
-- tokens": the parse time of all of them and the peak memory above what the
-- pieces themselves take.
local measure = dofile("bench/measure.lua")
local core = require "qualua.core"
local file, fmt, kb = arg[1], arg[2] or "auto", tonumber(arg[3]) or 100
local hwm = measure.hwm
local data = measure.slurp(file)
local pieces, i = {}, 1
while i <= #data do
  local j = data:find("\n\n", i + kb * 1000, true) or #data
  pieces[#pieces + 1] = data:sub(i, j + 1)
  i = j + 2
end
data = nil
collectgarbage()
local vocab = core.corpus()
measure.reset_hwm()
local base, tokens = hwm(), 0
local t0 = os.clock()
for k = 1, #pieces do
  tokens = tokens + core.parse(pieces[k], fmt, vocab):count("token")
end
local secs = os.clock() - t0
io.write(("%.6f %d %d %d\n"):format(secs, hwm() - base, #pieces, tokens))
