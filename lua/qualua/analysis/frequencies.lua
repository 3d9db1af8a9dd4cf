--- qualua.analysis.frequencies: theme frequencies and the framework matrix.
--
-- Both cross the themes of a coding set with a grouping of its codings:
--   "doc" (default)  the documents, every document a column, coded or not;
--   "section"        the innermost section of each coding (per document);
--   "format"         the reader that read the document (doc:format());
--   any other string a metadata key of the document ("year", "journal"...),
--                    "(none)" for documents without it;
--   a function       function(coding, set) -> key [, label]; nil leaves the
--                    coding out.
-- Counts are of codings, which are units (a theme codes a unit once).  With
-- `rollup = true` a theme also counts the units coded by its sub-themes (a
-- unit coded by a theme and its sub-theme counts once).
-- @module qualua.analysis.frequencies
local util = require "qualua.analysis.util"
local csv = require "qualua.csv"
local fold = require("qualua.core").fold

local type, ipairs, pairs, tostring, tonumber, error = type, ipairs, pairs, tostring, tonumber, error
local sort, concat = table.sort, table.concat
local math_type = math.type

local M = {}

local function meta_value(doc, key)
  local v = doc:meta()[key]
  if type(v) == "table" then v = v[1] end
  return v
end

-- A grouping: key_of(coding) -> key, label; columns(): the keys known
-- before looking at the codings ({key, label} in order).
local function grouping(set, by)
  by = by or "doc"
  if by == "doc" then
    return function(c) return c.doc, set.names[c.doc] end,
      function()
        local cols = {}
        for i = 1, #set.docs do cols[i] = { key = i, label = set.names[i] or ("document " .. i) } end
        return cols
      end
  end
  if by == "section" then
    return function(c)
      local doc = set.docs[c.doc]
      local key = c.doc .. ":" .. (c.section or 0)
      local title = c.section and doc:span("section", c.section).title or "(no section)"
      return key, (#set.docs > 1 and (set.names[c.doc] .. ": ") or "") .. title
    end, nil
  end
  local doc_key
  if by == "format" then doc_key = function(doc) return doc:format() end
  elseif type(by) == "string" then
    -- documents without the key are grouped, not dropped
    doc_key = function(doc) return meta_value(doc, by) or "(none)" end
  elseif type(by) == "function" then
    return function(c) return by(c, set) end, nil
  else
    error("bad grouping (\"doc\", \"section\", \"format\", a metadata key or a function expected)", 3)
  end
  local cache = {}
  local function of_doc(i)
    local v = cache[i]
    if v == nil then v = doc_key(set.docs[i]) or false; cache[i] = v end
    return v or nil
  end
  return function(c) return of_doc(c.doc) end,
    function()
      local seen, cols = {}, {}
      for i = 1, #set.docs do
        local k = of_doc(i)
        if k ~= nil and not seen[k] then seen[k] = true; cols[#cols + 1] = { key = k, label = tostring(k) } end
      end
      return cols
    end
end

local function sort_columns(cols)
  sort(cols, function(a, b)
    local ta, tb = type(a.key), type(b.key)
    if ta ~= tb then return ta < tb end
    if ta == "number" or ta == "string" then return a.key < b.key end
    return tostring(a.key) < tostring(b.key)
  end)
end

-- The theme paths a coding counts for: its own, plus its ancestors when
-- rolling up (only those in `rows`).
local function targets(c, rows, rollup)
  if not rollup then return rows[c.theme] and { c.theme } or {} end
  local out = {}
  for _, p in ipairs(util.lineage(c.theme)) do
    if rows[p] then out[#out + 1] = p end
  end
  return out
end

local function unit_key(c) return c.doc .. ":" .. c.unit .. ":" .. c.start .. ":" .. c.stop end

--- The core cross-tabulation: themes × groups, each cell with its units.
-- opts: by, rollup, themes (list of paths for the rows; default every
-- theme of the codebook, in codebook order), columns (list of keys, in
-- order; default the documents for "doc", else the keys found, sorted).
-- Returns { themes = {path...}, columns = {{key, label}...},
--           cells = { [path] = { [key] = { units = {coding...} } } } }
-- where a cell's units are one coding per unit (terms merged on rollup).
function M.crosstab(set, opts)
  opts = opts or {}
  local key_of, known = grouping(set, opts.by)
  local themes = opts.themes
  if not themes then
    themes = {}
    for i, t in ipairs(set.codebook:list()) do themes[i] = t.path end
  end
  local rows = {}
  for _, p in ipairs(themes) do rows[p] = true end

  local columns, col_index = {}, {}
  if opts.columns then
    for i, k in ipairs(opts.columns) do columns[i] = { key = k, label = tostring(k) } end
  elseif known then
    columns = known()
  end
  for _, c in ipairs(columns) do col_index[c.key] = c end
  local found = {}

  local cells = {}
  for _, p in ipairs(themes) do cells[p] = {} end
  for _, c in ipairs(set) do
    local key, label = key_of(c)
    if key ~= nil and (col_index[key] or not opts.columns) then
      if not col_index[key] then
        local col = { key = key, label = label ~= nil and tostring(label) or tostring(key) }
        col_index[key] = col
        found[#found + 1] = col
      end
      for _, p in ipairs(targets(c, rows, opts.rollup)) do
        local cell = cells[p][key]
        if not cell then cell = { units = {}, by_unit = {} }; cells[p][key] = cell end
        local uk = unit_key(c)
        local u = cell.by_unit[uk]
        if u then
          -- the same unit under a sub-theme: one unit, the terms of both
          local terms = {}
          for _, t in ipairs(u.terms) do terms[#terms + 1] = t end
          for _, t in ipairs(c.terms) do terms[#terms + 1] = t end
          u.terms = terms
        else
          u = { doc = c.doc, unit = c.unit, start = c.start, stop = c.stop, terms = c.terms, theme = c.theme }
          cell.by_unit[uk] = u
          cell.units[#cell.units + 1] = u
        end
      end
    end
  end
  if not opts.columns then
    local by = opts.by or "doc"
    for _, c in ipairs(found) do columns[#columns + 1] = c end
    if by == "section" then
      -- text order: document, then section index
      sort(columns, function(a, b)
        local da, sa = a.key:match("^(%d+):(%d+)$")
        local db, sb = b.key:match("^(%d+):(%d+)$")
        if da ~= db then return tonumber(da) < tonumber(db) end
        return tonumber(sa) < tonumber(sb)
      end)
    elseif by ~= "doc" then
      sort_columns(columns)
    end
  end
  for _, p in ipairs(themes) do
    for _, cell in pairs(cells[p]) do cell.by_unit = nil end
  end
  return { themes = themes, columns = columns, cells = cells }
end

--- Theme frequencies by document (by = "doc"), by section ("section"), or
-- any grouping (see the module comment), as counts and shares.
-- Returns { themes, columns, count = { [path] = { [key] = n } },
--   total = { [key] = codings in the group (after rollup) },
--   share = { [path] = { [key] = count / total of the group } },
--   theme_share = { [path] = { [key] = count / the theme's count over all groups } },
--   rows = { {theme, group, label, count, share, theme_share}... } (long form, every theme × group) }.
function M.frequencies(set, opts)
  if type(opts) == "string" or type(opts) == "function" then opts = { by = opts } end
  opts = opts or {}
  local x = M.crosstab(set, opts)
  local count, total, per_theme = {}, {}, {}
  for _, p in ipairs(x.themes) do
    count[p] = {}
    per_theme[p] = 0
    for _, col in ipairs(x.columns) do
      local cell = x.cells[p][col.key]
      local n = cell and #cell.units or 0
      count[p][col.key] = n
      total[col.key] = (total[col.key] or 0) + n
      per_theme[p] = per_theme[p] + n
    end
  end
  local share, theme_share, rows = {}, {}, {}
  for _, p in ipairs(x.themes) do
    share[p], theme_share[p] = {}, {}
    for _, col in ipairs(x.columns) do
      local n = count[p][col.key]
      local s = total[col.key] > 0 and n / total[col.key] or 0
      local ts = per_theme[p] > 0 and n / per_theme[p] or 0
      share[p][col.key], theme_share[p][col.key] = s, ts
      rows[#rows + 1] = { theme = p, group = col.key, label = col.label, count = n, share = s, theme_share = ts }
    end
  end
  return { themes = x.themes, columns = x.columns, count = count, total = total,
           share = share, theme_share = theme_share, rows = rows }
end

--- Frequencies as CSV in long form: theme, group, count, share, theme_share.
function M.frequencies_csv(f, opts)
  local list = {}
  for i, r in ipairs(f.rows) do
    list[i] = { theme = r.theme, group = r.label, count = r.count, share = r.share, theme_share = r.theme_share }
  end
  return csv.encode_tables(list, { "theme", "group", "count", "share", "theme_share" }, opts)
end

-- Distinct matched terms of a unit (case-folded text).
local function distinct_terms(u)
  local seen, n = {}, 0
  for _, t in ipairs(u.terms) do
    local k = t.term and fold(t.term) or (t.start .. ":" .. t.stop)
    if not seen[k] then seen[k] = true; n = n + 1 end
  end
  return n
end

--- The framework matrix: themes × documents (or any grouping: see the
-- module comment), each cell with its count and its best excerpts, the
-- units that carry the most distinct matched terms (ties: text order).
-- opts: by, rollup, themes, columns (as crosstab); excerpts = N (default 3,
-- 0 for none).
-- Returns { themes = {path...}, columns = {{key, label}...},
--   cells = { [path] = { [key] = { count = n, excerpts = {
--     { doc, name, unit, start, stop, text, terms = distinct terms }... } } } } },
--   total = { [key] = n } }
-- Every theme × column has a cell (count 0, no excerpts when empty).
function M.matrix(set, opts)
  if type(opts) == "string" or type(opts) == "function" then opts = { by = opts } end
  opts = opts or {}
  local n_ex = opts.excerpts
  if n_ex == nil then n_ex = 3 end
  if math_type(n_ex) ~= "integer" or n_ex < 0 then error("matrix: excerpts must be a non-negative integer", 2) end
  local x = M.crosstab(set, opts)
  local cells, total = {}, {}
  for _, p in ipairs(x.themes) do
    cells[p] = {}
    for _, col in ipairs(x.columns) do
      local cell = x.cells[p][col.key]
      local units = cell and cell.units or {}
      local ranked = {}
      for i, u in ipairs(units) do ranked[i] = { u = u, score = distinct_terms(u) } end
      sort(ranked, function(a, b)
        if a.score ~= b.score then return a.score > b.score end
        if a.u.doc ~= b.u.doc then return a.u.doc < b.u.doc end
        return a.u.start < b.u.start
      end)
      local ex = {}
      for i = 1, math.min(n_ex, #ranked) do
        local u = ranked[i].u
        ex[i] = { doc = u.doc, name = set.names[u.doc], unit = u.unit, start = u.start, stop = u.stop,
                  text = util.squash(set.docs[u.doc]:text(u.start, u.stop)), terms = ranked[i].score }
      end
      cells[p][col.key] = { count = #units, excerpts = ex }
      total[col.key] = (total[col.key] or 0) + #units
    end
  end
  return { themes = x.themes, columns = x.columns, cells = cells, total = total }
end

--- The framework matrix as CSV: a header ("theme", then the column
-- labels), then one record per theme with its counts.  opts.excerpts =
-- true adds after each count column a column "<label> excerpts" holding
-- the cell's excerpts, one per line; opts.eol as in qualua.csv.
function M.matrix_csv(m, opts)
  opts = opts or {}
  local header = { "theme" }
  for _, col in ipairs(m.columns) do
    header[#header + 1] = col.label
    if opts.excerpts then header[#header + 1] = col.label .. " excerpts" end
  end
  local rows = {}
  for _, p in ipairs(m.themes) do
    local r = { p }
    for _, col in ipairs(m.columns) do
      local cell = m.cells[p][col.key]
      r[#r + 1] = cell.count
      if opts.excerpts then
        local lines = {}
        for i, e in ipairs(cell.excerpts) do lines[i] = e.text end
        r[#r + 1] = concat(lines, "\n")
      end
    end
    rows[#rows + 1] = r
  end
  return csv.encode(rows, { header = header, eol = opts.eol })
end

return M
