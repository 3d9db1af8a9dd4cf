--- qualua.analysis.validation: a codebook against hand coding, and the
-- agreement of two codings.
--
-- Hand codings are plain tables shaped like codings:
--     { theme = "Workforce", doc = 2 (index or name), start = 120, stop = 245 }
-- with 1-based inclusive offsets into doc:text().  Everything is measured
-- over sentence units: a sentence is coded with a theme when a coding (or
-- hand coding) of that theme overlaps it by at least one byte, so a
-- paragraph coding codes each of its sentences.
-- @module qualua.analysis.validation
local util = require "qualua.analysis.util"

local type, ipairs, pairs, error, tostring, getmetatable = type, ipairs, pairs, error, tostring, getmetatable
local sort, format = table.sort, string.format
local math_type = math.type

local M = {}

---------------------------------------------------------------------------
-- Agreement coefficients
---------------------------------------------------------------------------

--- Cohen's kappa of two coders who labelled the same items: a and b are
-- lists of equal length (any non-nil labels).  Returns kappa (nil when the
-- expected agreement is 1, i.e. both used one and the same label
-- throughout), the observed agreement p_o and the expected p_e.
function M.kappa(a, b)
  local n = #a
  if n ~= #b then error("kappa: the two lists differ in length", 2) end
  if n == 0 then return nil, nil, nil end
  local agree, ma, mb = 0, {}, {}
  for i = 1, n do
    local x, y = a[i], b[i]
    if x == y then agree = agree + 1 end
    ma[x] = (ma[x] or 0) + 1
    mb[y] = (mb[y] or 0) + 1
  end
  local po, pe = agree / n, 0
  for k, ca in pairs(ma) do pe = pe + ca * (mb[k] or 0) end
  pe = pe / (n * n)
  if pe >= 1 then return nil, po, pe end
  return (po - pe) / (1 - pe), po, pe
end

--- Krippendorff's alpha for nominal data.  data: a list of coders, each a
-- table from unit index to value (nil where the coder gave none).  Units
-- with fewer than two values are not pairable and do not count.  Returns
-- alpha (nil when no variation is possible: fewer than two values in all,
-- or a single value throughout), the observed and the expected
-- disagreement.
function M.alpha(data)
  local units = 0
  for _, coder in ipairs(data) do
    for u in pairs(coder) do
      if math_type(u) ~= "integer" or u < 1 then error("alpha: units are positive integers", 2) end
      if u > units then units = u end
    end
  end
  -- coincidence matrix o[c][k] over pairable values
  local o, nc = {}, {}
  for u = 1, units do
    local vals = {}
    for _, coder in ipairs(data) do
      local v = coder[u]
      if v ~= nil then vals[#vals + 1] = v end
    end
    local m = #vals
    if m >= 2 then
      for i = 1, m do
        for j = 1, m do
          if i ~= j then
            local c, k = vals[i], vals[j]
            local row = o[c]
            if not row then row = {}; o[c] = row end
            row[k] = (row[k] or 0) + 1 / (m - 1)
          end
        end
      end
    end
  end
  local n = 0
  for c, row in pairs(o) do
    local s = 0
    for _, x in pairs(row) do s = s + x end
    nc[c] = s
    n = n + s
  end
  if n < 2 then return nil end
  local disagree, expected = 0, 0
  for c, row in pairs(o) do
    for k, x in pairs(row) do if c ~= k then disagree = disagree + x end end
  end
  for c, a in pairs(nc) do
    for k, b in pairs(nc) do if c ~= k then expected = expected + a * b end end
  end
  local d_o, d_e = disagree / n, expected / (n * (n - 1))
  if expected == 0 then return nil, d_o, d_e end
  return 1 - (n - 1) * disagree / expected, d_o, d_e
end

---------------------------------------------------------------------------
-- Sentence units
---------------------------------------------------------------------------

local function doc_index(d, names, level)
  if math_type(d) == "integer" then return d end
  if type(d) == "string" then
    for i, nm in ipairs(names) do if nm == d then return i end end
  end
  error("no document " .. tostring(d) .. " in the coding set", level + 1)
end

-- Hand codings with integer doc indices, checked.
local function normalise_hand(hand, docs, names, level)
  if type(hand) ~= "table" then error("hand codings must be a list", level + 1) end
  if getmetatable(hand) == require("qualua.coding").CodingSet then return hand end
  local out = {}
  for i, h in ipairs(hand) do
    if type(h) ~= "table" or type(h.theme) ~= "string" or math_type(h.start) ~= "integer"
      or math_type(h.stop) ~= "integer" then
      error(format("hand coding #%d: theme (string), doc, start and stop (integers) expected", i), level + 1)
    end
    local di = doc_index(h.doc or 1, names, level + 1)
    if not docs[di] then error(format("hand coding #%d: no document %s", i, tostring(h.doc)), level + 1) end
    out[i] = { theme = h.theme, doc = di, start = h.start, stop = h.stop }
  end
  return out
end

-- Is the sentence [s, e] in a heading block of doc?
local function in_heading(doc, s)
  local b = util.spans(doc, "block")
  local i = util.last_starting(b.start, b.n, s)
  return i > 0 and b.stop[i] >= s and b.kind[i] == "heading"
end

--- The sentence units of the documents: a list of { doc, index, start, stop }.
-- opts.within: a list of spans {doc, start, stop}: only sentences
-- overlapping one of them; opts.headings = false leaves out sentences of
-- heading blocks.
function M.units(docs, opts)
  opts = opts or {}
  local within
  if opts.within then
    within = {}
    for _, w in ipairs(opts.within) do
      local l = within[w.doc]
      if not l then l = {}; within[w.doc] = l end
      l[#l + 1] = w
    end
  end
  local out = {}
  for di, doc in ipairs(docs) do
    local sents = util.spans(doc, "sentence")
    local spans = within and within[di]
    if not within or spans then
      for i = 1, sents.n do
        local s, e = sents.start[i], sents.stop[i]
        local ok = true
        if spans then
          ok = false
          for _, w in ipairs(spans) do
            if w.start <= e and w.stop >= s then ok = true; break end
          end
        end
        if ok and opts.headings == false and in_heading(doc, s) then ok = false end
        if ok then out[#out + 1] = { doc = di, index = i, start = s, stop = e } end
      end
    end
  end
  return out
end

-- Marks, for each unit, the themes of the codings overlapping it:
-- returns marks[unit position][label] = true, where label(theme) gives the
-- labels a coding's theme counts for (a list).
local function mark(units, codings, labels_of)
  -- units of each document, in text order, by position
  local per = {}
  for ui, u in ipairs(units) do
    local l = per[u.doc]
    if not l then l = { start = {}, stop = {}, pos = {}, n = 0 }; per[u.doc] = l end
    l.n = l.n + 1
    l.start[l.n], l.stop[l.n], l.pos[l.n] = u.start, u.stop, ui
  end
  local marks = {}
  for _, c in ipairs(codings) do
    local l = per[c.doc]
    local labels = l and labels_of(c.theme)
    if labels and #labels > 0 then
      local first, last = util.overlapping(l, c.start, c.stop)
      for i = first, last do
        local ui = l.pos[i]
        local m = marks[ui]
        if not m then m = {}; marks[ui] = m end
        for _, lab in ipairs(labels) do m[lab] = true end
      end
    end
  end
  return marks
end

local function ratio(a, b) if b == 0 then return nil end return a / b end

local function scores(tp, fp, fn)
  local p, r = ratio(tp, tp + fp), ratio(tp, tp + fn)
  local f1
  if p and r and p + r > 0 then f1 = 2 * p * r / (p + r) elseif p and r then f1 = 0 end
  return p, r, f1
end

--- Precision, recall and F1 of a coding set against hand codings, per
-- hand theme, over sentence units.
-- opts.map: { [hand theme] = codebook theme path or list of paths }: the
--   themes whose codings stand for each hand theme (default: the hand
--   theme itself); a theme's sub-themes count for it unless opts.exact.
-- opts.within: a list of spans, or "hand" for the hand-coded spans
--   themselves (the units a hand coder looked at); default every sentence
--   of the set's documents.  opts.headings = false leaves heading sentences out.
-- Returns { themes = { [hand theme] = { tp, fp, fn, tn, hand, coded,
--   precision, recall, f1 } }, overall = the same, micro-averaged over the
--   themes, units = number of sentence units }.  precision, recall and f1
--   are nil when undefined (nothing coded, nothing hand-coded).
function M.precision_recall(set, hand, opts)
  opts = opts or {}
  local docs, names = util.docs_of(set, 2)
  hand = normalise_hand(hand, docs, names, 2)
  local hand_themes, seen = {}, {}
  for _, h in ipairs(hand) do
    if not seen[h.theme] then seen[h.theme] = true; hand_themes[#hand_themes + 1] = h.theme end
  end
  if opts.map then
    for h in pairs(opts.map) do
      if not seen[h] then seen[h] = true; hand_themes[#hand_themes + 1] = h end
    end
  end
  sort(hand_themes)
  local within = opts.within
  if within == "hand" then within = hand end
  local units = M.units(docs, { within = within, headings = opts.headings })

  -- codebook theme -> the hand themes it stands for
  local targets = {}
  for _, h in ipairs(hand_themes) do
    local m = opts.map and opts.map[h] or h
    if type(m) == "string" then m = { m } end
    targets[h] = m
  end
  local function labels_of(path)
    local out = {}
    for _, h in ipairs(hand_themes) do
      for _, p in ipairs(targets[h]) do
        if path == p or (not opts.exact and util.under(path, p)) then out[#out + 1] = h; break end
      end
    end
    return out
  end
  local got = mark(units, set, labels_of)
  local want = mark(units, hand, function(t) return seen[t] and { t } or {} end)

  local res, all = {}, { tp = 0, fp = 0, fn = 0, tn = 0, hand = 0, coded = 0 }
  for _, h in ipairs(hand_themes) do
    local r = { tp = 0, fp = 0, fn = 0, tn = 0 }
    for ui = 1, #units do
      local g = got[ui] and got[ui][h] or false
      local w = want[ui] and want[ui][h] or false
      if g and w then r.tp = r.tp + 1 elseif g then r.fp = r.fp + 1 elseif w then r.fn = r.fn + 1 else r.tn = r.tn + 1 end
    end
    r.hand, r.coded = r.tp + r.fn, r.tp + r.fp
    r.precision, r.recall, r.f1 = scores(r.tp, r.fp, r.fn)
    res[h] = r
    for _, k in ipairs{ "tp", "fp", "fn", "tn", "hand", "coded" } do all[k] = all[k] + r[k] end
  end
  all.precision, all.recall, all.f1 = scores(all.tp, all.fp, all.fn)
  return { themes = res, overall = all, units = #units }
end

--- Agreement of two codings over sentence units, per theme (a sentence is
-- coded with the theme or not) and overall (pooled over every sentence ×
-- theme), as Cohen's kappa and Krippendorff's alpha (nominal).
-- a, b: CodingSets or lists of hand codings.  opts.docs (and opts.names)
-- give the documents when neither is a CodingSet; opts.themes the themes
-- (default every theme either coding uses); opts.rollup counts sub-theme
-- codings for their ancestors; opts.within, opts.headings as for
-- precision_recall.
-- Returns { themes = { [theme] = { kappa, alpha, agreement (observed
--   proportion), a, b (units coded by each), units } }, overall = same,
--   units = number of sentence units }.  kappa and alpha are nil where
--   undefined (neither coding varies).
function M.agreement(a, b, opts)
  opts = opts or {}
  local CodingSet = require("qualua.coding").CodingSet
  local src = getmetatable(a) == CodingSet and a or getmetatable(b) == CodingSet and b or nil
  local docs, names
  if opts.docs then docs, names = opts.docs, opts.names or {}
    for i = #names + 1, #docs do names[i] = "document " .. i end
  elseif src then docs, names = util.docs_of(src, 2)
  else error("agreement: give opts.docs when neither coding is a CodingSet", 2) end
  a = normalise_hand(a, docs, names, 2)
  b = normalise_hand(b, docs, names, 2)
  local themes = opts.themes
  if not themes then
    local seen = {}
    themes = {}
    for _, list in ipairs{ a, b } do
      for _, c in ipairs(list) do
        local ps = opts.rollup and util.lineage(c.theme) or { c.theme }
        for _, p in ipairs(ps) do
          if not seen[p] then seen[p] = true; themes[#themes + 1] = p end
        end
      end
    end
    local order = {}
    if src then for i, t in ipairs(src.codebook:list()) do order[t.path] = i end end
    sort(themes, function(x, y)
      local ox, oy = order[x] or math.huge, order[y] or math.huge
      if ox ~= oy then return ox < oy end
      return x < y
    end)
  end
  local wanted = {}
  for _, t in ipairs(themes) do wanted[t] = true end
  local function labels_of(path)
    if not opts.rollup then return wanted[path] and { path } or {} end
    local out = {}
    for _, p in ipairs(util.lineage(path)) do if wanted[p] then out[#out + 1] = p end end
    return out
  end
  local within = opts.within
  local units = M.units(docs, { within = within, headings = opts.headings })
  local ma, mb = mark(units, a, labels_of), mark(units, b, labels_of)

  local res = {}
  local pa, pb = {}, {}
  for _, t in ipairs(themes) do
    local va, vb = {}, {}
    local na, nb, same = 0, 0, 0
    for ui = 1, #units do
      local x = ma[ui] and ma[ui][t] and 1 or 0
      local y = mb[ui] and mb[ui][t] and 1 or 0
      va[ui], vb[ui] = x, y
      pa[#pa + 1], pb[#pb + 1] = x, y
      na, nb = na + x, nb + y
      if x == y then same = same + 1 end
    end
    res[t] = { kappa = (M.kappa(va, vb)), alpha = (M.alpha{ va, vb }), agreement = ratio(same, #units),
               a = na, b = nb, units = #units }
  end
  local same, na, nb = 0, 0, 0
  for i = 1, #pa do
    if pa[i] == pb[i] then same = same + 1 end
    na, nb = na + pa[i], nb + pb[i]
  end
  local overall = { kappa = (M.kappa(pa, pb)), alpha = (M.alpha{ pa, pb }), agreement = ratio(same, #pa),
                    a = na, b = nb, units = #pa }
  return { themes = res, overall = overall, units = #units }
end

--- Hand codings from a document's own section headings: the sections whose
-- titles (case-insensitive, white space squashed) are keys of map are
-- coded with map[title] (a theme name, or a list of them).
-- target: a CodingSet, a corpus, a document or a list of documents.
-- opts.to = "section" (default): each coding spans its section and
--   sub-sections; "next": up to the start of the next mapped section of the
--   same document (for reports whose boxes are read as sibling sections),
--   the last one to the end of its own section.
-- Returns a list of hand codings { theme, doc, start, stop, title }.
function M.from_sections(target, map, opts)
  opts = opts or {}
  local docs = util.docs_of(target, 2)
  local keyed = {}
  for k, v in pairs(map) do keyed[util.squash(k):lower()] = type(v) == "table" and v or { v } end
  local out = {}
  for di, doc in ipairs(docs) do
    local found = {}
    for _, s in doc:iter("section") do
      local themes = keyed[util.squash(s.title):lower()]
      if themes then found[#found + 1] = { start = s.start, stop = s.stop, title = s.title, themes = themes } end
    end
    for i, f in ipairs(found) do
      local stop = f.stop
      if opts.to == "next" and found[i + 1] then stop = found[i + 1].start - 1 end
      for _, t in ipairs(f.themes) do
        out[#out + 1] = { theme = t, doc = di, start = f.start, stop = stop, title = f.title }
      end
    end
  end
  return out
end

return M
