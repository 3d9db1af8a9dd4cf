--- qualua.analysis.cooccurrence: themes coded in the same unit.
-- A unit is a sentence, a paragraph (any block) or a section of a document.
-- A coding belongs to every sentence or block its span overlaps (a
-- paragraph coding to each of its sentences); at section level, to the
-- innermost section holding it (codings outside every section, and
-- document codings, share a per-document unit "no section").
-- @module qualua.analysis.cooccurrence
local util = require "qualua.analysis.util"
local csv = require "qualua.csv"

local ipairs, pairs, error, sort = ipairs, pairs, error, table.sort

local M = {}

local WHAT = { sentence = "sentence", paragraph = "block", block = "block", section = "section" }

-- Calls f(key) for each unit (of the given level) the coding belongs to.
local function units_of(set, c, what, f)
  if what == "section" then
    f(c.doc .. ":" .. (c.section or 0))
    return
  end
  if what == "sentence" and c.unit == "sentence" and c.sentence then
    f(c.doc .. ":" .. c.sentence)
    return
  end
  local t = util.spans(set.docs[c.doc], what)
  local first, last = util.overlapping(t, c.start, c.stop)
  for i = first, last do f(c.doc .. ":" .. i) end
end

--- Co-occurrence of themes within units.
-- opts: unit = "sentence" (default) | "paragraph" | "section";
-- rollup = true counts sub-theme codings for their ancestors too;
-- themes = list of paths (default every theme of the codebook).
-- Returns { unit, units = number of units holding a coding of the themes,
--   themes = {path...}, n = { [a] = units coded a },
--   count = { [a] = { [b] = units coded both } } (symmetric; count[a][a] = n[a]),
--   jaccard = { [a] = { [b] = count / (n[a] + n[b] - count) } },
--   pairs = { {a, b, count, jaccard}... } (a before b in codebook order,
--     count > 0; most frequent first, then by Jaccard) }
function M.cooccurrence(set, opts)
  opts = opts or {}
  local unit = opts.unit or "sentence"
  local what = WHAT[unit]
  if not what then error("cooccurrence: unit must be \"sentence\", \"paragraph\" or \"section\"", 2) end
  local themes = opts.themes
  if not themes then
    themes = {}
    for i, t in ipairs(set.codebook:list()) do themes[i] = t.path end
  end
  local order = {}
  for i, p in ipairs(themes) do order[p] = i end

  -- unit key -> set of theme paths
  local held, keys = {}, {}
  for _, c in ipairs(set) do
    local list = opts.rollup and util.lineage(c.theme) or { c.theme }
    for _, p in ipairs(list) do
      if order[p] then
        units_of(set, c, what, function(k)
          local h = held[k]
          if not h then h = {}; held[k] = h; keys[#keys + 1] = k end
          h[p] = true
        end)
      end
    end
  end

  local n, count = {}, {}
  for _, p in ipairs(themes) do n[p] = 0; count[p] = {} end
  for _, p in ipairs(themes) do for _, q in ipairs(themes) do count[p][q] = 0 end end
  for _, k in ipairs(keys) do
    local list = {}
    for p in pairs(held[k]) do list[#list + 1] = p end
    for _, p in ipairs(list) do
      n[p] = n[p] + 1
      for _, q in ipairs(list) do count[p][q] = count[p][q] + 1 end
    end
  end
  local jaccard, pairs_out = {}, {}
  for _, p in ipairs(themes) do
    jaccard[p] = {}
    for _, q in ipairs(themes) do
      local both = count[p][q]
      local union = n[p] + n[q] - both
      jaccard[p][q] = union > 0 and both / union or 0
    end
  end
  for i, p in ipairs(themes) do
    for j = i + 1, #themes do
      local q = themes[j]
      if count[p][q] > 0 then
        pairs_out[#pairs_out + 1] = { a = p, b = q, count = count[p][q], jaccard = jaccard[p][q] }
      end
    end
  end
  sort(pairs_out, function(x, y)
    if x.count ~= y.count then return x.count > y.count end
    if x.jaccard ~= y.jaccard then return x.jaccard > y.jaccard end
    if x.a ~= y.a then return order[x.a] < order[y.a] end
    return order[x.b] < order[y.b]
  end)
  return { unit = unit, units = #keys, themes = themes, n = n, count = count, jaccard = jaccard, pairs = pairs_out }
end

--- The pairs of a co-occurrence result as CSV: a, b, count, jaccard.
function M.csv(co, opts)
  return csv.encode_tables(co.pairs, { "a", "b", "count", "jaccard" }, opts)
end

return M
