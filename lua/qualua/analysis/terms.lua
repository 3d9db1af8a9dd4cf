--- qualua.analysis.terms: term frequencies, n-grams and keyness.
-- Terms are the case-folded token forms of the documents.  Punctuation and
-- symbol tokens are left out (opts.kinds = {"word", "number", ...} changes
-- that); opts.stopwords = true leaves out the shipped English list
-- (qualua.analysis.stopwords), or give a list of words.  An n-gram is n
-- counted tokens in a row within one sentence: a left-out token
-- (punctuation, stopword) breaks it rather than being skipped over.
-- @module qualua.analysis.terms
local util = require "qualua.analysis.util"
local stopwords = require "qualua.analysis.stopwords"

local type, ipairs, pairs, error, log, concat, sort = type, ipairs, pairs, error, math.log, table.concat, table.sort
local math_type = math.type

local M = {}

local function kind_set(kinds)
  local codes = {}
  for _, k in ipairs(kinds or { "word", "number" }) do
    local c = util.KIND_CODE[k]
    if not c then error("unknown token kind \"" .. tostring(k) .. "\" (word, number, punct, symbol)", 4) end
    codes[c] = true
  end
  return codes
end

-- Counts the n-grams of one document into acc (term -> n); returns the
-- number counted.  keep(i) says whether token i counts.
local function count_doc(doc, n, opts, acc)
  local toks = util.tokens(doc)
  local kinds, stop = opts._kinds, opts._stop
  local total = 0
  if n == 1 then
    local by_id = {}
    for i = 1, toks.n do
      if kinds[toks.kind[i]] then
        local id = toks.id[i]
        by_id[id] = (by_id[id] or 0) + 1
        if not toks.forms[id] then util.form(doc, toks, i) end
      end
    end
    for id, k in pairs(by_id) do
      local f = toks.forms[id]
      if not (stop and stop[f]) then
        acc[f] = (acc[f] or 0) + k
        total = total + k
      end
    end
    return total
  end
  local sents = util.spans(doc, "sentence")
  local si, run = 1, {}
  for i = 1, toks.n do
    local s = toks.start[i]
    while si <= sents.n and sents.stop[si] < s do si = si + 1; run = {} end
    local f = kinds[toks.kind[i]] and util.form(doc, toks, i) or nil
    if f == nil or (stop and stop[f]) then
      run = {}
    else
      run[#run + 1] = f
      if #run > n then table.remove(run, 1) end
      if #run == n then
        local g = concat(run, " ")
        acc[g] = (acc[g] or 0) + 1
        total = total + 1
      end
    end
  end
  return total
end

local function prepare(opts, level)
  opts = opts or {}
  local o = {}
  for k, v in pairs(opts) do o[k] = v end
  o._kinds = kind_set(opts.kinds)
  o._stop = stopwords.set(opts.stopwords)
  o.min = opts.min or 1
  if math_type(o.min) ~= "integer" then error("min must be an integer", level + 1) end
  return o
end

local function by_count(list)
  sort(list, function(a, b)
    if a.count ~= b.count then return a.count > b.count end
    return a.term < b.term
  end)
  return list
end

--- n-gram frequencies (n = 1: term frequencies) over a corpus, a coding
-- set, a document or a list of documents.
-- opts: stopwords, kinds, min (least count kept, default 1), top (keep the
-- first N).
-- Returns { n, total = n-grams counted, count = { [term] = n },
--   terms = { {term, count, docs = documents holding it}... } (most
--   frequent first, then alphabetical) }.
function M.ngrams(target, n, opts)
  if math_type(n) ~= "integer" or n < 1 then error("bad argument #2 to 'ngrams' (positive integer expected)", 2) end
  local o = prepare(opts, 2)
  local docs = util.docs_of(target, 2)
  local count, df, total = {}, {}, 0
  for _, doc in ipairs(docs) do
    local acc = {}
    total = total + count_doc(doc, n, o, acc)
    for t, k in pairs(acc) do
      count[t] = (count[t] or 0) + k
      df[t] = (df[t] or 0) + 1
    end
  end
  local list = {}
  for t, k in pairs(count) do
    if k >= o.min then list[#list + 1] = { term = t, count = k, docs = df[t] } end
  end
  by_count(list)
  if o.top and #list > o.top then for i = #list, o.top + 1, -1 do list[i] = nil end end
  return { n = n, total = total, count = count, terms = list }
end

--- Term frequencies: ngrams(target, 1, opts).
function M.frequencies(target, opts)
  return M.ngrams(target, 1, opts)
end

local function xlogx(o, e)
  if o == 0 then return 0 end
  return o * log(o / e)
end

--- Signed log-likelihood G² of a term seen a times in a target of size
-- c_total and b times in a reference of size d_total, over the 2×2 table
-- {a, b; c_total - a, d_total - b}: positive when the term is relatively
-- more frequent in the target (over-use), negative when less.
function M.g2(a, b, c_total, d_total)
  local c, d = c_total - a, d_total - b
  local n = a + b + c + d
  if n == 0 then return 0 end
  local r1, r2, k1, k2 = a + b, c + d, a + c, b + d
  local g = 2 * (xlogx(a, r1 * k1 / n) + xlogx(b, r1 * k2 / n) + xlogx(c, r2 * k1 / n) + xlogx(d, r2 * k2 / n))
  if g < 0 then g = 0 end -- rounding
  local pa, pb = k1 > 0 and a / k1 or 0, k2 > 0 and b / k2 or 0
  if pa < pb then g = -g end
  return g
end

-- The predicate for the target group: a document index, a name, a list of
-- those, or function(doc, i, name) -> boolean.
local function group_pred(group, names)
  if type(group) == "function" then return group end
  local list = type(group) == "table" and group or { group }
  local want = {}
  for _, g in ipairs(list) do
    if math_type(g) == "integer" then want[g] = true
    elseif type(g) == "string" then
      local hit = false
      for i, nm in ipairs(names) do if nm == g then want[i] = true; hit = true end end
      if not hit then error("keyness: no document named \"" .. g .. "\"", 4) end
    else error("keyness: a group is a document index, a name, a list of them or a function", 4) end
  end
  return function(_, i) return want[i] == true end
end

--- Keyness of one document or group against the rest of the target, by
-- the log-likelihood G² (see g2).
-- group: a document index or name, a list of them, or function(doc, i, name).
-- opts: n (n-grams, default 1), stopwords, kinds, min (least count over
-- both parts, default 1), top.
-- Returns { total_target, total_reference, terms = { {term, target,
--   reference, g2 (signed), target_per_10k, reference_per_10k}... } }
-- sorted by signed G² (the most over-used first, the most under-used last).
-- G² above 3.84, 6.63, 10.83 means p < 0.05, 0.01, 0.001 (one d.f.).
function M.keyness(target, group, opts)
  local o = prepare(opts, 2)
  local n = o.n or 1
  local docs, names = util.docs_of(target, 2)
  local pred = group_pred(group, names)
  local tc, rc, tt, rt = {}, {}, 0, 0
  local nt = 0
  for i, doc in ipairs(docs) do
    local acc = {}
    local k = count_doc(doc, n, o, acc)
    local into
    if pred(doc, i, names[i]) then into = tc; tt = tt + k; nt = nt + 1 else into = rc; rt = rt + k end
    for t, x in pairs(acc) do into[t] = (into[t] or 0) + x end
  end
  if nt == 0 then error("keyness: the target group holds no document", 2) end
  if nt == #docs then error("keyness: the target group holds every document; nothing to compare against", 2) end
  local list = {}
  local seen = {}
  local function add(t)
    if seen[t] then return end
    seen[t] = true
    local a, b = tc[t] or 0, rc[t] or 0
    if a + b >= o.min then
      list[#list + 1] = { term = t, target = a, reference = b, g2 = M.g2(a, b, tt, rt),
                          target_per_10k = tt > 0 and a * 1e4 / tt or 0,
                          reference_per_10k = rt > 0 and b * 1e4 / rt or 0 }
    end
  end
  for t in pairs(tc) do add(t) end
  for t in pairs(rc) do add(t) end
  sort(list, function(x, y)
    if x.g2 ~= y.g2 then return x.g2 > y.g2 end
    return x.term < y.term
  end)
  if o.top and #list > o.top then for i = #list, o.top + 1, -1 do list[i] = nil end end
  return { total_target = tt, total_reference = rt, terms = list }
end

return M
