--- qualua.analysis.kwic: keyword in context.
-- For a word or phrase, the documents' tokens are compared on their
-- case-folded forms (the query is cut into tokens by the same tokenizer,
-- so "GP's" is three tokens and "co-locate" one); a trailing `*` on a query
-- word matches any form that starts with it.  For a theme, every matched
-- term of its codings (sub-themes included) is a keyword, save terms lying
-- inside a longer one.  The window
-- counts tokens on each side, punctuation included (as quanteda does), and
-- does not stop at sentence or paragraph ends.
-- @module qualua.analysis.kwic
local util = require "qualua.analysis.util"

local type, ipairs, error, getmetatable, sort = type, ipairs, error, getmetatable, table.sort

local M = {}

-- The query as a list of { form = folded text, prefix = bool } token
-- patterns.
local function query_tokens(text)
  local qualua = require "qualua"
  local out = {}
  for word in text:gmatch("%S+") do
    local glob = word:match("%*+$") ~= nil
    local stem = word:gsub("%*+$", "")
    if stem == "" then error("kwic: a wildcard alone (" .. word .. ") matches every word", 3) end
    local d = qualua.parse(stem, { format = "text" })
    local n = d:count("token")
    for i = 1, n do
      out[#out + 1] = { form = (d:token_form(i)), prefix = glob and i == n }
    end
  end
  if #out == 0 then error("kwic: empty query", 3) end
  return out
end

local function matches(pat, form)
  if pat.prefix then return form:sub(1, #pat.form) == pat.form end
  return form == pat.form
end

-- One line: the keyword span [s, e] in doc (tokens i0..i1).
local function line(doc, di, name, toks, s, e, i0, i1, window)
  local n = toks.n
  local lo, hi = i0 - window, i1 + window
  if lo < 1 then lo = 1 end
  if hi > n then hi = n end
  local left = lo < i0 and doc:text(toks.start[lo], s - 1) or ""
  local right = hi > i1 and doc:text(e + 1, toks.stop[hi]) or ""
  return { doc = di, name = name, start = s, stop = e, token = i0,
           left = util.squash(left), keyword = util.squash(doc:text(s, e)), right = util.squash(right) }
end

local function word_kwic(docs, names, query, window)
  local pats = query_tokens(query)
  local m, out = #pats, {}
  for di, doc in ipairs(docs) do
    local toks = util.tokens(doc)
    local i = 1
    while i <= toks.n - m + 1 do
      local ok = true
      for j = 1, m do
        if not matches(pats[j], util.form(doc, toks, i + j - 1)) then ok = false; break end
      end
      if ok then
        out[#out + 1] = line(doc, di, names[di], toks, toks.start[i], toks.stop[i + m - 1], i, i + m - 1, window)
        i = i + m
      else
        i = i + 1
      end
    end
  end
  return out
end

local function theme_kwic(set, theme, exact, window)
  local seen, out = {}, {}
  local found = set.codebook:theme(theme) ~= nil
  if not found then error("kwic: no theme " .. ("%q"):format(theme) .. " in codebook " .. ("%q"):format(set.codebook.name), 3) end
  for _, c in ipairs(set) do
    if c.theme == theme or (not exact and util.under(c.theme, theme)) then
      local doc = set.docs[c.doc]
      local toks = util.tokens(doc)
      for _, t in ipairs(c.terms) do
        local k = c.doc .. ":" .. t.start .. ":" .. t.stop
        if not seen[k] then
          seen[k] = true
          local i0 = util.last_starting(toks.start, toks.n, t.start)
          if i0 == 0 or toks.stop[i0] < t.start then i0 = i0 + 1 end
          local i1 = util.last_starting(toks.start, toks.n, t.stop)
          if i1 < i0 then i1 = i0 end
          local l = line(doc, c.doc, set.names[c.doc], toks, t.start, t.stop, i0, i1, window)
          l.theme = c.theme
          out[#out + 1] = l
        end
      end
    end
  end
  -- longest first at each position, then drop the terms inside another
  -- ("additional roles" inside "additional roles reimbursement scheme")
  sort(out, function(a, b)
    if a.doc ~= b.doc then return a.doc < b.doc end
    if a.start ~= b.start then return a.start < b.start end
    return a.stop > b.stop
  end)
  local kept, doc, reach = {}, nil, 0
  for _, l in ipairs(out) do
    if l.doc ~= doc then doc, reach = l.doc, 0 end
    if l.stop > reach then
      kept[#kept + 1] = l
      reach = l.stop
    end
  end
  return kept
end

--- Keyword in context.
-- target: a corpus, a document, a list of documents or a CodingSet.
-- query: a word or phrase (a string, or { word = "..." } / { phrase = "..." }),
-- or { theme = "path" } for the matched terms of a theme's codings: from
-- target when it is a CodingSet, else from coding target with
-- opts.codebook (default the built-in one); opts.exact leaves sub-themes out.
-- opts.window: tokens on each side (default 5).
-- Returns a list, in text order, of { doc (index), name, start, stop (the
-- keyword's span, 1-based inclusive), token (index of its first token),
-- left, keyword, right (white space squashed), theme (for theme queries) }.
function M.kwic(target, query, opts)
  opts = opts or {}
  local window = opts.window or 5
  if math.type(window) ~= "integer" or window < 0 then error("kwic: window must be a non-negative integer", 2) end
  if type(query) == "string" then query = { word = query } end
  if type(query) ~= "table" then error("bad argument #2 to 'kwic' (string or table expected)", 2) end
  if query.theme then
    local set = target
    if getmetatable(target) ~= require("qualua.coding").CodingSet then
      set = require("qualua.coding").code(target, opts.codebook)
    end
    return theme_kwic(set, query.theme, opts.exact, window)
  end
  local text = query.word or query.phrase
  if type(text) ~= "string" then error("kwic: give a word, a phrase or a theme", 2) end
  local docs, names = util.docs_of(target, 2)
  return word_kwic(docs, names, text, window)
end

return M
