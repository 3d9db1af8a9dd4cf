--- bench/code_bench.lua: speed of coding alone (the C matcher) over a
-- generated corpus, with the 414-pattern codebook and a 10x smaller one.
--   lua5.4 bench/code_bench.lua [MB (default 10)] [codebook.json] [corpus file]
-- The corpus: seeds 003 and 004 (report text) concatenated and repeated,
-- one document per copy, in one corpus (one vocabulary); or, given a file
-- (e.g. from bench/gen.lua), that file read as one report document.  Coding alone is
-- timed with the count-only entry (matcher:count), after the matcher has
-- been prepared for the vocabulary; the full coding-set builder
-- (corpus:code) is timed too, for reference.
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "build/?.so;" .. package.cpath
local qualua = require "qualua"
local coding = require "qualua.coding"
local cbm = require "qualua.codebook"

local mb = tonumber(arg[1]) or 10
local cbpath = arg[2] or "../shared/bench/codebook-414.json"
if not io.open(cbpath) then cbpath = "/work/shared/bench/codebook-414.json" end

local function seed(prefix)
  for _, f in ipairs(qualua.files("seeds")) do
    if f:match("/" .. prefix .. "_[^/]*$") then return qualua.read_file(f) end
  end
  error("seed " .. prefix .. " not found")
end
local unit = seed("003") .. "\n\n" .. seed("004")

local t0 = os.clock()
local corpus = qualua.corpus()
local bytes = 0
if arg[3] then
  bytes = #corpus:add(arg[3], { format = "report" })
else
  while bytes < mb * 1e6 do
    local d = corpus:add(unit, { text = true, format = "report" })
    bytes = bytes + #d
  end
end
local read_s = os.clock() - t0

local big = cbm.load(cbpath)
-- every 10th pattern of the big codebook, theme by theme
local small_body, k = {}, 0
for _, t in ipairs(big:list()) do
  local pats = {}
  for _, r in ipairs(t.rules) do
    k = k + 1
    if k % 10 == 1 then pats[#pats + 1] = r.any[1].text end
  end
  if #pats > 0 then small_body[#small_body + 1] = cbm.theme(t.name)(pats) end
end
local small = cbm.codebook("small")(small_body)

-- One timed round: `passes` passes of the count-only coder over the corpus.
local function round(comp, passes)
  local acc, docs = {}, corpus.docs
  local t = os.clock()
  for _ = 1, passes do
    for i = 1, #docs do comp.matcher:count(docs[i], nil, acc) end
  end
  local dt = os.clock() - t
  local codings = 0
  for _, n in pairs(acc) do codings = codings + n end
  return dt, codings // passes
end

local function setup(cb)
  local comp = cb:compile()
  local tp = os.clock()
  local nseq = comp.matcher:prepare(corpus.docs[1])
  local r = { comp = comp, cb = cb, patterns = cb:size().patterns, themes = cb:size().themes, seq = nseq,
              prep = os.clock() - tp, secs = math.huge, passes = 1 }
  -- enough passes for a round to last about 0.2 s
  while true do
    local dt = round(comp, r.passes)
    if dt >= 0.2 then break end
    r.passes = r.passes * 2
  end
  return r
end

-- Best of 7 rounds each, the two codebooks taking turns so that a busy
-- machine slows both alike.
local r1, r2 = setup(big), setup(small)
for _ = 1, 7 do
  for _, r in ipairs{ r1, r2 } do
    local dt, n = round(r.comp, r.passes)
    r.secs = math.min(r.secs, dt / r.passes)
    r.codings = n
  end
end
for _, r in ipairs{ r1, r2 } do
  local tf = os.clock()
  r.set = #coding.code(corpus, r.cb)
  r.full = os.clock() - tf
end
local MB = bytes / 1e6
print(("corpus: %.1f MB of text, %d documents, %d tokens' vocabulary; read %.2f s (%.0f MB/s)"):format(
  MB, #corpus.docs, corpus.vocab:vocab_size(), read_s, MB / read_s))
for _, r in ipairs{ { "414-pattern", r1 }, { "10x smaller", r2 } } do
  local x = r[2]
  print(("%-12s %3d themes %4d patterns (%d id sequences, prepared in %.1f ms): coding alone %.3f s = %.0f MB/s, %d codings; full coding set (%d) %.2f s = %.0f MB/s"):format(
    r[1], x.themes, x.patterns, x.seq, x.prep * 1000, x.secs, MB / x.secs, x.codings, x.set, x.full, MB / x.full))
end
print(("smaller codebook is %.2fx faster (target <= 1.5x)"):format(r1.secs / r2.secs))
