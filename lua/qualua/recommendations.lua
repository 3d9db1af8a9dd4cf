--- qualua.recommendations: recommendations across a corpus.
-- The core finds each document's recommendations (with actors, action,
-- horizon, section and a group shared by near-duplicates within the
-- document).  This module gathers them from several documents, groups
-- near-duplicates across documents by the overlap of their content words
-- (the `key` the core gives each one), attaches the themes of a codebook,
-- and prints a table by actor.
-- @module qualua.recommendations
local ipairs, pairs, type, pcall, require = ipairs, pairs, type, pcall, require
local sort, concat, format, min = table.sort, table.concat, string.format, math.min

local M = {}

-- Documents of a source: a corpus (qualua.corpus()), one Doc, or a list of
-- Docs or {doc =, name =} tables.  Yields (index, doc, name).
local function documents(src)
  local list = {}
  if type(src) == "table" and src.docs and src.names then
    for i, d in ipairs(src.docs) do list[i] = { doc = d, name = src.names[i] } end
  elseif type(src) == "userdata" then
    list[1] = { doc = src, name = "document" }
  elseif type(src) == "table" then
    for i, x in ipairs(src) do
      if type(x) == "table" and x.doc then list[i] = { doc = x.doc, name = x.name or ("document " .. i) }
      else list[i] = { doc = x, name = "document " .. i } end
    end
  else
    error("bad argument #1 (a corpus, a document or a list of documents expected)", 3)
  end
  return list
end

-- Themes of each recommendation: the codings of a codebook that overlap it.
local function themes_for(doc, recs, codebook)
  local ok, coding = pcall(require, "qualua.coding")
  if not ok or not doc.code then return end
  local ok2, set = pcall(doc.code, doc, codebook)
  if not ok2 or not set then return end
  local codings = {}
  for _, c in ipairs(set) do codings[#codings + 1] = c end
  sort(codings, function(a, b) return a.start < b.start end)
  -- both lists are in text order: a sliding window finds the overlaps
  local lo = 1
  for _, r in ipairs(recs) do
    while lo <= #codings and codings[lo].stop < r.start do lo = lo + 1 end
    local seen, th = {}, {}
    local i = lo
    while i <= #codings and codings[i].start <= r.stop do
      local c = codings[i]
      if c.stop >= r.start and not seen[c.theme] then seen[c.theme] = true; th[#th + 1] = c.theme end
      i = i + 1
    end
    sort(th)
    r.themes = th
  end
  return coding
end

--- Gathers the recommendations of every document.
-- Each is the table doc:recommendations() gives, plus `doc` (the Doc),
-- `doc_name`, `doc_index` and `themes` (with opts.codebook: a Codebook,
-- a built-in codebook's name or a path, as qualua.coding accepts).
-- @param src a corpus, a Doc, or a list of Docs
-- @tparam[opt] table opts { codebook = ... }
-- @treturn table the recommendations, document by document
function M.collect(src, opts)
  opts = opts or {}
  local out = {}
  for i, x in ipairs(documents(src)) do
    local recs = x.doc:recommendations()
    for _, r in ipairs(recs) do
      r.doc, r.doc_name, r.doc_index, r.themes = x.doc, x.name, i, {}
    end
    if opts.codebook then themes_for(x.doc, recs, opts.codebook) end
    for _, r in ipairs(recs) do out[#out + 1] = r end
  end
  return out
end

-- Content words of a key; plurals folded here too, since each document
-- folds only the plurals its own vocabulary has the singular of.
local function word_set(key)
  local s, n = {}, 0
  for w in key:gmatch("%S+") do
    if #w > 3 and w:sub(-1) == "s" and w:sub(-2) ~= "ss" then w = w:sub(1, -2) end
    if not s[w] then s[w] = true; n = n + 1 end
  end
  return s, n
end

local function jaccard(a, na, b, nb)
  if na == 0 or nb == 0 then return 0 end
  local inter = 0
  if na > nb then a, b = b, a end
  for w in pairs(a) do if b[w] then inter = inter + 1 end end
  return inter / (na + nb - inter)
end

local HORIZON_ORDER = { ["short-term"] = 1, ["medium-term"] = 2, ["long-term"] = 3, mixed = 4, unspecified = 5 }

--- Groups near-duplicate recommendations across documents.
-- Recommendations a document already grouped stay together; groups of
-- different documents merge when their content words overlap (Jaccard
-- >= opts.threshold, default 0.5).  Candidates share one of the least
-- common words, so the work stays near linear in the number of groups.
-- Each group: { id, members = {rec...}, text, action, actors = {...},
-- horizon, themes = {...}, documents = n }.
-- @tparam table recs from M.collect
-- @tparam[opt] table opts { threshold = 0.5 }
-- @treturn table the groups, in order of first appearance
function M.group(recs, opts)
  opts = opts or {}
  local threshold = opts.threshold or 0.5
  -- the documents' own groups
  local units, by_local = {}, {}
  for _, r in ipairs(recs) do
    local id = r.doc_index .. ":" .. r.group
    local u = by_local[id]
    if not u then
      u = { members = {}, words = {}, n = 0 }
      by_local[id] = u
      units[#units + 1] = u
    end
    u.members[#u.members + 1] = r
    local s = word_set(r.key or "")
    for w in pairs(s) do if not u.words[w] then u.words[w] = true; u.n = u.n + 1 end end
  end
  -- union-find over units
  local parent = {}
  for i = 1, #units do parent[i] = i end
  local function find(i)
    while parent[i] ~= i do parent[i] = parent[parent[i]]; i = parent[i] end
    return i
  end
  local freq = {}
  for _, u in ipairs(units) do for w in pairs(u.words) do freq[w] = (freq[w] or 0) + 1 end end
  local buckets = {}
  for i, u in ipairs(units) do
    local picks = {}
    for w in pairs(u.words) do if freq[w] > 1 then picks[#picks + 1] = w end end
    sort(picks, function(a, b) if freq[a] ~= freq[b] then return freq[a] < freq[b] end return a < b end)
    for k = 1, min(4, #picks) do
      local b = buckets[picks[k]]
      if not b then b = {}; buckets[picks[k]] = b end
      for j = #b, math.max(1, #b - 15), -1 do
        local o = b[j]
        if find(o) ~= find(i) and jaccard(units[o].words, units[o].n, u.words, u.n) >= threshold then
          local x, y = find(o), find(i)
          if x < y then parent[y] = x else parent[x] = y end
        end
      end
      b[#b + 1] = i
    end
  end
  -- gather
  local groups, of_root = {}, {}
  for i, u in ipairs(units) do
    local root = find(i)
    local g = of_root[root]
    if not g then
      g = { id = #groups + 1, members = {} }
      of_root[root] = g
      groups[#groups + 1] = g
    end
    for _, r in ipairs(u.members) do g.members[#g.members + 1] = r end
  end
  for _, g in ipairs(groups) do
    local actors, seen_a, themes, seen_t, docs, votes = {}, {}, {}, {}, {}, {}
    local best
    for _, r in ipairs(g.members) do
      for _, a in ipairs(r.actors) do if not seen_a[a] then seen_a[a] = true; actors[#actors + 1] = a end end
      for _, t in ipairs(r.themes or {}) do if not seen_t[t] then seen_t[t] = true; themes[#themes + 1] = t end end
      docs[r.doc_index] = true
      if r.horizon_source == "heading" then votes[r.horizon] = (votes[r.horizon] or 0) + 1 end
      -- the representative: a list item names the recommendation most plainly
      if not best or (r.kind == "list" and best.kind ~= "list") then best = r end
    end
    local horizon, hv, tie = "unspecified", 0, false
    for h, v in pairs(votes) do
      if v > hv then horizon, hv, tie = h, v, false
      elseif v == hv then tie = true end
    end
    if tie then horizon = "mixed" end
    if hv == 0 then
      -- no heading says: keep what the documents' own groups concluded
      for _, r in ipairs(g.members) do
        if r.horizon ~= "unspecified" then horizon = r.horizon; break end
      end
    end
    sort(actors); sort(themes)
    local nd = 0
    for _ in pairs(docs) do nd = nd + 1 end
    g.text, g.action, g.actors, g.themes, g.horizon, g.documents = best.text, best.action, actors, themes, horizon, nd
  end
  return groups
end

--- Arranges groups by the actors they address.
-- @treturn table { {actor = name, groups = {...}}, ... } sorted by actor,
-- with the groups that name no actor last under "(no actor named)"
function M.by_actor(groups)
  local by, names = {}, {}
  local NONE = "(no actor named)"
  for _, g in ipairs(groups) do
    local list = #g.actors > 0 and g.actors or { NONE }
    for _, a in ipairs(list) do
      if not by[a] then by[a] = {}; names[#names + 1] = a end
      by[a][#by[a] + 1] = g
    end
  end
  sort(names, function(a, b)
    if a == NONE or b == NONE then return b == NONE and a ~= NONE end
    return a:lower() < b:lower()
  end)
  local out = {}
  for _, a in ipairs(names) do
    local gs = by[a]
    sort(gs, function(x, y)
      local hx, hy = HORIZON_ORDER[x.horizon] or 9, HORIZON_ORDER[y.horizon] or 9
      if hx ~= hy then return hx < hy end
      return x.id < y.id
    end)
    out[#out + 1] = { actor = a, groups = gs }
  end
  return out
end

local function clip(s, n)
  s = (s or ""):gsub("%s+", " ")
  if #s <= n then return s end
  local cut = n
  while cut > 1 and s:byte(cut) and s:byte(cut) >= 0x80 and s:byte(cut) < 0xC0 do cut = cut - 1 end
  return s:sub(1, cut - 1) .. "…"
end

local function places(g)
  local count, order = {}, {}
  for _, r in ipairs(g.members) do
    if not count[r.doc_name] then count[r.doc_name] = 0; order[#order + 1] = r.doc_name end
    count[r.doc_name] = count[r.doc_name] + 1
  end
  local parts = {}
  for _, name in ipairs(order) do
    local base = name:match("([^/]+)$") or name
    parts[#parts + 1] = count[name] > 1 and format("%s ×%d", base, count[name]) or base
  end
  return concat(parts, ", ")
end

local function cell(s) return (s:gsub("|", "\\|")) end

--- The recommendations table by actor, as Markdown.
-- @param src a corpus, a Doc or a list of Docs
-- @tparam[opt] table opts { codebook =, threshold =, width = 110 }
-- @treturn string
function M.table(src, opts)
  opts = opts or {}
  local groups = M.group(M.collect(src, opts), opts)
  local out = {}
  for _, entry in ipairs(M.by_actor(groups)) do
    out[#out + 1] = format("## %s (%d)\n", entry.actor, #entry.groups)
    out[#out + 1] = "| Horizon | Recommendation | Where | Themes |\n|---|---|---|---|\n"
    for _, g in ipairs(entry.groups) do
      out[#out + 1] = format("| %s | %s | %s | %s |\n", g.horizon, cell(clip(g.text, opts.width or 110)),
        cell(places(g)), cell(concat(g.themes, "; ")))
    end
    out[#out + 1] = "\n"
  end
  return concat(out)
end

--- Prints M.table(src, opts) to opts.out (default io.stdout).
function M.print(src, opts)
  opts = opts or {}
  local out = opts.out or io.stdout
  out:write(M.table(src, opts))
end

return M
