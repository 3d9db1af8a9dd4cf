-- Generates benchmark corpora from the seeds: report-style text (seeds 003
-- and 004 with numbers varied so the vocabulary grows as in a real corpus)
-- and multi-record RIS (seed 000 in the standard multi-line form).
-- Usage: lua5.4 bench/gen.lua KIND MEGABYTES OUT   (KIND: report | ris)
local kind, mb, out = arg[1], tonumber(arg[2]), arg[3]
assert(kind and mb and out, "usage: gen.lua report|ris MEGABYTES OUT")
local function slurp(p) local f = assert(io.open(p, "rb")); local s = f:read("a"); f:close(); return s end
local target = math.floor(mb * 1e6)
local f = assert(io.open(out, "wb"))
local written, n = 0, 0

if kind == "report" then
  local parts = { slurp("seeds/003_baa748464e6c1e5a.txt"), slurp("seeds/004_0f95950489b5cb3b.txt") }
  while written < target do
    n = n + 1
    local s = parts[n % 2 + 1]:gsub("(%d+)", function(d) return tostring((tonumber(d) or 0) + n % 97) end)
    f:write(s, "\n\n")
    written = written + #s + 2
  end
else
  local seed = slurp("seeds/000_c04e369ec0044b4a.txt")
  -- turn the flattened record into the standard multi-line form
  local record = seed:gsub(" (%u[%u%d]) %- ", "\n%1  - "):gsub("^TY %- ", "TY  - ")
  while written < target do
    n = n + 1
    local r = record:gsub("AN  %- %d+", "AN  - " .. (40000000 + n)):gsub("PY  %- %d+", "PY  - " .. (1990 + n % 35))
    f:write(r, "\n\n")
    written = written + #r + 2
  end
end
f:close()
io.write(("%s: %d bytes (%d copies)\n"):format(out, written, n))
