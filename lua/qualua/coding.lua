--- qualua.coding: coding documents against a codebook, and the coding set.
--
-- Requiring this module adds `corpus:code(codebook [, opts])`,
-- `doc:code(codebook [, opts])` and `corpus:count_themes(codebook)` /
-- `doc:count_themes(codebook)`, plus `codebook:code(target)` and
-- `codebook:count(target)`.  `codebook` may be a Codebook, a path (Lua,
-- .qdc, JSON, YAML), the name of a built-in codebook ("primary_care"), a
-- table that cb.codebook accepts, or nil for the built-in primary-care one.
--
-- A coding is a plain table:
--
--     {
--       theme = "Workforce/Morale", -- full path of the theme, "/"-separated
--       doc = 2,                    -- index of the document in the corpus (1 for doc:code)
--       unit = "sentence",          -- "sentence" | "paragraph" | "section" | "document"
--       start = 120, stop = 245,    -- the unit's span in doc:text(), 1-based inclusive
--       terms = {                   -- the matched terms, in text order, 1-based inclusive
--         { term = "burnout", pattern = "burnout", start = 131, stop = 137 },
--       },
--       rule = "Workforce/Morale#2",-- the first rule that fired: theme path # rule index or name
--       sentence = 7,               -- the sentence index (unit "sentence" only)
--       block = 3,                  -- the block (paragraph, list item...) holding the unit
--       section = 1,                -- the innermost section holding it (nil outside any)
--     }
--
-- Units: a rule's unit (its `unit`, else its theme's, else the codebook's,
-- default "sentence") is where its conditions are checked and what it codes.
-- A token outside every sentence is coded in its block ("paragraph"), one
-- outside every section by a section rule in the "document".  Codings of one
-- theme in one unit are merged (terms joined, `rule` the first that fired).
-- Codings are ordered by document, then start, then unit, then theme order.
--
-- A CodingSet holds the codings in its array part (`#set`, `set[i]`,
-- `ipairs(set)`) and:
--   set.codebook   the Codebook
--   set.docs       { doc, ... } the documents, by index
--   set.names      { name, ... } their names (paths for a corpus)
-- with methods filter, theme, doc, count, group, themes, text, terms (below).
-- @module qualua.coding
local lpeg = require "lpeg"
local core = require "qualua.core"
local cbm = require "qualua.codebook"

local type, error, pairs, ipairs, setmetatable, getmetatable, tostring = type, error, pairs, ipairs, setmetatable, getmetatable, tostring
local sort, concat = table.sort, table.concat

local M = {}

local UNIT_ORDER = { sentence = 1, paragraph = 2, section = 3, document = 4 }

---------------------------------------------------------------------------
-- Codebook argument
---------------------------------------------------------------------------

--- Turns what the caller gave into a Codebook (see the module comment).
function M.codebook(x)
  if x == nil then return cbm.builtin("primary_care") end
  if cbm.is_codebook(x) then return x end
  if type(x) == "string" then
    local f = io.open(x, "rb")
    if f then f:close(); return cbm.load(x) end
    if x:match("^[%w_]+$") then return cbm.builtin(x) end
    error("no codebook file or built-in codebook named " .. cbm.quote(x), 3)
  end
  if type(x) == "table" then return cbm.codebook(x.name or "codebook")(x) end
  error("bad codebook (Codebook, path or table expected, got " .. type(x) .. ")", 3)
end

---------------------------------------------------------------------------
-- LPeg rules (the escape hatch): searched in Lua over each unit's text
---------------------------------------------------------------------------

local search_cache = setmetatable({}, { __mode = "k" })
local function searcher(patt)
  local s = search_cache[patt]
  if not s then
    -- first position where patt matches, with its end
    s = lpeg.P{ lpeg.Cp() * patt * lpeg.Cp() + 1 * lpeg.V(1) }
    search_cache[patt] = s
  end
  return s
end

-- Block index (1-based) holding each position: a merge walk over the blocks.
local function block_finder(doc)
  local n, bi = doc:count("block"), 1
  return function(pos)
    while bi <= n do
      local b = doc:span("block", bi)
      if b.stop >= pos then
        if b.start <= pos then return bi, b end
        return nil
      end
      bi = bi + 1
    end
    return nil
  end
end

local function lpeg_codings(comp, doc, di, out)
  local text = doc:text()
  for _, e in ipairs(comp.lpeg) do
    local r, only = e.rule, e.only
    local search = searcher(r.lpeg)
    local find_block = block_finder(doc)
    local units = {}
    if e.unit == "document" then
      units[1] = { start = 1, stop = #text }
    else
      local what = e.unit == "paragraph" and "block" or e.unit
      for i, s in doc:iter(what) do units[#units + 1] = { start = s.start, stop = s.stop, index = i } end
    end
    for _, u in ipairs(units) do
      local bi, b = find_block(u.start)
      local sec = e.unit == "section" and u.index or (function()
        local sp = b and b.section
        return sp and sp.index or nil
      end)()
      local ok = true
      if only and only.block then
        ok = false
        local kind = b and b.kind
        for _, k in ipairs(only.block) do if k == kind then ok = true end end
      end
      if ok and only and (only.category or only.section) then
        ok = sec ~= nil and cbm.section_passes(doc, sec, only)
      end
      if ok then
        local sub, terms, pos = text:sub(u.start, u.stop), {}, 1
        while pos <= #sub do
          local s, stop = search:match(sub, pos)
          if not s then break end
          if stop > s then
            terms[#terms + 1] = { term = sub:sub(s, stop - 1), pattern = "lpeg", start = u.start + s - 1, stop = u.start + stop - 2 }
          end
          pos = stop > s and stop or s + 1
        end
        if #terms > 0 then
          local c = { theme = comp.themes[e.theme], doc = di, unit = e.unit, start = u.start, stop = u.stop,
                      rule = r.label, terms = terms, block = bi, section = sec }
          if e.unit == "sentence" then c.sentence = u.index end
          if e.unit == "section" or e.unit == "document" then c.block = nil end
          out[#out + 1] = c
        end
      end
    end
  end
end

-- Merges the LPeg codings into the matcher's, keeping one coding per
-- (theme, unit) and the order of the module comment.
local function merge(comp, list)
  local by, out = {}, {}
  for _, c in ipairs(list) do
    local key = c.theme .. "\0" .. c.unit .. "\0" .. c.start
    local o = by[key]
    if o then
      for _, t in ipairs(c.terms) do o.terms[#o.terms + 1] = t end
      sort(o.terms, function(a, b) return a.start < b.start or (a.start == b.start and a.stop < b.stop) end)
    else
      by[key] = c
      out[#out + 1] = c
    end
  end
  local ti = comp.theme_index
  sort(out, function(a, b)
    if a.start ~= b.start then return a.start < b.start end
    if a.unit ~= b.unit then return UNIT_ORDER[a.unit] < UNIT_ORDER[b.unit] end
    return ti[a.theme] < ti[b.theme]
  end)
  return out
end

---------------------------------------------------------------------------
-- Coding
---------------------------------------------------------------------------

-- The documents and names of a target: a qualua corpus, a Doc, or a list of Docs.
local function target_docs(target, opts)
  if type(target) == "userdata" then
    return { target }, { opts and opts.name or "document" }
  end
  if type(target) == "table" and type(target.docs) == "table" then
    return target.docs, target.names or {}
  end
  if type(target) == "table" then
    local names = {}
    for i = 1, #target do names[i] = "document " .. i end
    return target, names
  end
  error("bad target (corpus, document or list of documents expected, got " .. type(target) .. ")", 3)
end

local CodingSet = {}
CodingSet.__index = CodingSet
M.CodingSet = CodingSet

local function new_set(codebook, docs, names, corpus)
  return setmetatable({ codebook = codebook, docs = docs, names = names, corpus = corpus }, CodingSet)
end

--- Codes one document (index di in its set); returns its codings.
function M.code_doc(comp, doc, di)
  local pass = cbm.section_table(comp, doc)
  local list = comp.matcher:code(doc, di, pass)
  if #comp.lpeg > 0 then
    lpeg_codings(comp, doc, di, list)
    list = merge(comp, list)
  end
  return list
end

--- Codes a corpus, a document or a list of documents; returns a CodingSet.
function M.code(target, codebook, opts)
  local cb = M.codebook(codebook)
  local docs, names = target_docs(target, opts)
  local comp = cb:compile()
  local set = new_set(cb, docs, names, type(target) == "table" and target.docs and target or nil)
  local n = 0
  for di, doc in ipairs(docs) do
    for _, c in ipairs(M.code_doc(comp, doc, di)) do
      n = n + 1
      set[n] = c
    end
  end
  return set
end

--- Number of codings per theme over a target, without building codings
-- (the fast path: one C pass per document).  Returns { [path] = n } with
-- every theme of the codebook.
function M.count(target, codebook)
  local cb = M.codebook(codebook)
  local docs = target_docs(target)
  local comp = cb:compile()
  local acc = {}
  for _, doc in ipairs(docs) do
    comp.matcher:count(doc, cbm.section_table(comp, doc), acc)
  end
  local out = {}
  for i, path in ipairs(comp.themes) do out[path] = acc[i] or 0 end
  if #comp.lpeg > 0 then
    -- LPeg rules need the full path; count their extra units
    local set = M.code(target, cb)
    local c = set:count()
    for path, k in pairs(c) do out[path] = k end
  end
  return out
end

---------------------------------------------------------------------------
-- CodingSet
---------------------------------------------------------------------------

function CodingSet:__len() return rawlen(self) end

local function theme_pred(want, exact)
  local list = type(want) == "table" and want or { want }
  return function(c)
    for _, p in ipairs(list) do
      if c.theme == p then return true end
      if not exact and c.theme:sub(1, #p + 1) == p .. "/" then return true end
    end
    return false
  end
end

local function in_list(x, want)
  if type(want) ~= "table" then return x == want end
  for _, w in ipairs(want) do if x == w then return true end end
  return false
end

local FILTER_KEYS = { theme = true, exact = true, doc = true, unit = true, section = true, category = true,
                      rule = true, where = true }

--- A new set with the codings that pass every given condition:
--   theme = path or list (sub-themes included unless exact = true),
--   doc = index, name or list, unit = name or list,
--   section = title text (case-insensitive, the section or an ancestor) or index,
--   category = NLM category (the section or an ancestor), rule = label or list,
--   where = function(coding) -> boolean.  A function alone is `where`.
function CodingSet:filter(spec)
  if type(spec) == "function" then spec = { where = spec } end
  if type(spec) ~= "table" then error("bad argument #1 to 'filter' (table or function expected)", 2) end
  for k in pairs(spec) do
    if not FILTER_KEYS[k] then error("filter: unknown key " .. cbm.quote(tostring(k)), 2) end
  end
  local preds = {}
  if spec.theme then preds[#preds + 1] = theme_pred(spec.theme, spec.exact) end
  if spec.doc ~= nil then
    local want = type(spec.doc) == "table" and spec.doc or { spec.doc }
    local idx = {}
    for _, w in ipairs(want) do
      if type(w) == "number" then idx[w] = true
      else for i, n in ipairs(self.names) do if n == w then idx[i] = true end end end
    end
    preds[#preds + 1] = function(c) return idx[c.doc] == true end
  end
  if spec.unit then preds[#preds + 1] = function(c) return in_list(c.unit, spec.unit) end end
  if spec.rule then preds[#preds + 1] = function(c) return in_list(c.rule, spec.rule) end end
  if spec.section ~= nil or spec.category ~= nil then
    local f = {}
    if type(spec.section) == "string" then f.section = { spec.section } end
    if spec.category then
      f.category = type(spec.category) == "table" and spec.category or { spec.category }
      for i, c in ipairs(f.category) do f.category[i] = c:upper() end
    end
    local sec_index = type(spec.section) == "number" and spec.section or nil
    preds[#preds + 1] = function(c)
      if sec_index then return c.section == sec_index end
      return c.section ~= nil and cbm.section_passes(self.docs[c.doc], c.section, f)
    end
  end
  if spec.where then preds[#preds + 1] = spec.where end
  local out = new_set(self.codebook, self.docs, self.names, self.corpus)
  local n = 0
  for _, c in ipairs(self) do
    local ok = true
    for _, p in ipairs(preds) do
      if not p(c) then ok = false; break end
    end
    if ok then n = n + 1; out[n] = c end
  end
  return out
end

--- Shorthands: set:theme(path [, exact]), set:doc(index or name).
function CodingSet:theme(path, exact) return self:filter{ theme = path, exact = exact } end
function CodingSet:doc(d) return self:filter{ doc = d } end

local function key_fn(by)
  if by == nil or by == "theme" then return function(c) return c.theme end end
  if type(by) == "function" then return by end
  if type(by) == "string" then return function(c) return c[by] end end
  error("bad grouping (field name or function expected)", 3)
end

--- Counts codings by a field ("theme" by default, "doc", "unit", "rule"...)
-- or by a function.  By theme, every theme of the codebook is present.
function CodingSet:count(by)
  local f, out = key_fn(by), {}
  if by == nil or by == "theme" then
    for _, t in ipairs(self.codebook:list()) do out[t.path] = 0 end
  end
  for _, c in ipairs(self) do
    local k = f(c)
    if k ~= nil then out[k] = (out[k] or 0) + 1 end
  end
  return out
end

--- Splits the set by a field or function: { [key] = CodingSet }.
function CodingSet:group(by)
  local f, out = key_fn(by), {}
  for _, c in ipairs(self) do
    local k = f(c)
    if k ~= nil then
      local s = out[k]
      if not s then s = new_set(self.codebook, self.docs, self.names, self.corpus); out[k] = s end
      s[#s + 1] = c
    end
  end
  return out
end

--- Theme paths with at least one coding, in codebook order.
function CodingSet:themes()
  local seen, out = {}, {}
  for _, c in ipairs(self) do seen[c.theme] = true end
  for _, t in ipairs(self.codebook:list()) do
    if seen[t.path] then out[#out + 1] = t.path end
  end
  return out
end

--- The text of a coding's unit.
function CodingSet:text(c)
  return self.docs[c.doc]:text(c.start, c.stop)
end

--- Matched terms counted by pattern (or, by = "term", by their text case-folded).
function CodingSet:terms(by)
  local out = {}
  for _, c in ipairs(self) do
    for _, t in ipairs(c.terms) do
      local k = by == "term" and core.fold(t.term) or t.pattern
      out[k] = (out[k] or 0) + 1
    end
  end
  return out
end

--- Iterates (i, coding).
function CodingSet:each() return ipairs(self) end

function CodingSet:__tostring()
  return ("qualua.CodingSet(%d codings, %d documents)"):format(#self, #self.docs)
end

---------------------------------------------------------------------------
-- Wiring into the Corpus, Doc and Codebook types
---------------------------------------------------------------------------

--- Adds code/count_themes to a qualua module's Corpus and to Doc.
function M.install(qualua)
  local Doc = core.Doc
  Doc.code = function(doc, codebook, opts) return M.code(doc, codebook, opts) end
  Doc.count_themes = function(doc, codebook) return M.count(doc, codebook) end
  if qualua and qualua.Corpus then
    qualua.Corpus.code = function(corpus, codebook, opts) return M.code(corpus, codebook, opts) end
    qualua.Corpus.count_themes = function(corpus, codebook) return M.count(corpus, codebook) end
  end
  if qualua then
    qualua.code = M.code
    qualua.codebook = cbm
  end
  cbm.Codebook.code = function(cb, target, opts) return M.code(target, cb, opts) end
  cbm.Codebook.count = function(cb, target) return M.count(target, cb) end
end

-- qualua's init.lua may require this module while it is itself loading:
-- then it must publish itself in package.loaded first (see README).
M.install(package.loaded.qualua or require "qualua")

return M
