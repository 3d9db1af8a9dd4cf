--- qualua.analysis.util: what the analyses share: the documents of a
-- target, flat per-document token and span arrays, span lookups, theme
-- ancestry.  Internal; the analyses are the public API.
-- @module qualua.analysis.util
local type, error, ipairs, setmetatable = type, error, ipairs, setmetatable

local M = {}

--- The documents and names of a target: a corpus ({docs, names}), a
-- CodingSet (same fields), a Doc, or a list of Docs.
function M.docs_of(target, level)
  if type(target) == "userdata" then return { target }, { "document" } end
  if type(target) == "table" and type(target.docs) == "table" then
    local names = {}
    for i = 1, #target.docs do names[i] = target.names and target.names[i] or ("document " .. i) end
    return target.docs, names
  end
  if type(target) == "table" and type(target[1]) == "userdata" then
    local names = {}
    for i = 1, #target do names[i] = "document " .. i end
    return target, names
  end
  error("bad target (corpus, coding set, document or list of documents expected, got " .. type(target) .. ")",
        (level or 2) + 1)
end

-- Per-document arrays, built once per document and dropped with it.
local token_cache = setmetatable({}, { __mode = "k" })
local span_cache = setmetatable({}, { __mode = "k" })

local KIND_CODE = { word = 1, number = 2, punct = 3, symbol = 4 }
M.KIND_CODE = KIND_CODE

--- The tokens of a document as flat arrays (1-based inclusive offsets):
-- { n =, start = {}, stop = {}, id = {}, kind = {} (codes of KIND_CODE) }.
-- Forms are fetched per distinct id by `form(doc, toks, i)`.
function M.tokens(doc)
  local t = token_cache[doc]
  if t then return t end
  local start, stop, id, kind = {}, {}, {}, {}
  local n = 0
  for i, s in doc:iter("token") do
    n = i
    start[i], stop[i], id[i], kind[i] = s.start, s.stop, s.id, KIND_CODE[s.kind] or 0
  end
  t = { n = n, start = start, stop = stop, id = id, kind = kind, forms = {} }
  token_cache[doc] = t
  return t
end

--- The case-folded form of token i (cached per id).
function M.form(doc, toks, i)
  local id = toks.id[i]
  local f = toks.forms[id]
  if not f then
    f = doc:token_form(i)
    toks.forms[id] = f
  end
  return f
end

--- Spans of one type ("sentence", "block", "section") as flat arrays:
-- { n =, start = {}, stop = {} }, plus kind = {} for blocks.
function M.spans(doc, what)
  local per = span_cache[doc]
  if not per then per = {}; span_cache[doc] = per end
  local t = per[what]
  if t then return t end
  local start, stop, kind = {}, {}, what == "block" and {} or nil
  local n = 0
  for i, s in doc:iter(what) do
    n = i
    start[i], stop[i] = s.start, s.stop
    if kind then kind[i] = s.kind end
  end
  t = { n = n, start = start, stop = stop, kind = kind }
  per[what] = t
  return t
end

--- Index of the last element whose start is <= pos (0 when none).
function M.last_starting(arr, n, pos)
  local lo, hi = 1, n
  local best = 0
  while lo <= hi do
    local mid = (lo + hi) // 2
    if arr[mid] <= pos then best = mid; lo = mid + 1 else hi = mid - 1 end
  end
  return best
end

--- Indices (first, last) of the spans of t overlapping [s, e]; first > last
-- when none does.  Spans of one type do not overlap and are in text order.
function M.overlapping(t, s, e)
  local first = M.last_starting(t.start, t.n, s)
  if first == 0 or t.stop[first] < s then first = first + 1 end
  local last = M.last_starting(t.start, t.n, e)
  return first, last
end

--- Is path the theme `anc` or one of its descendants?
function M.under(path, anc)
  return path == anc or (#path > #anc and path:sub(1, #anc + 1) == anc .. "/")
end

--- The ancestors of a theme path and the path itself, outermost first.
function M.lineage(path)
  local out, from = {}, 1
  while true do
    local i = path:find("/", from, true)
    if not i then break end
    out[#out + 1] = path:sub(1, i - 1)
    from = i + 1
  end
  out[#out + 1] = path
  return out
end

--- Text with runs of white space made one space, trimmed.
function M.squash(s)
  return (s:gsub("%s+", " "):gsub("^ ", ""):gsub(" $", ""))
end

return M
