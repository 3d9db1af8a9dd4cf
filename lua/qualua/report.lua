--- qualua.report: the built-in report, as self-contained HTML (inline CSS
-- and SVG, no scripts, no network) or Markdown.
--
--     local report = require "qualua.report"
--     local set = corpus:code()                 -- a coding set
--     local html = report.render(set)           -- or { format = "md" }, { template = "mine.tpl" }
--     report.write("report.html", set)
--
-- `report.context(set)` builds the table the templates see (documented in
-- templates/report_html.lua); analysts can render it with their own template.
-- @module qualua.report
local template = require "qualua.template"

local ipairs, pairs, type, tostring, format = ipairs, pairs, type, tostring, string.format
local concat, sort, floor, min, max = table.concat, table.sort, math.floor, math.min, math.max
local esc = template.escape

local M = {}


---------------------------------------------------------------------------
-- Helpers
---------------------------------------------------------------------------

local function clip(s, n)
  s = tostring(s or ""):gsub("%s+", " ")
  if (utf8.len(s) or #s) <= n then return s end
  local cut = utf8.offset(s, n) or n
  return s:sub(1, cut - 1) .. "…"
end
M.clip = clip

local function basename(p) return (tostring(p):match("([^/]+)$") or tostring(p)) end

-- DOI syntax check: "10.<registrant>/<suffix>" with no spaces.
local function doi_ok(doi) return type(doi) == "string" and doi:match("^10%.%d%d%d%d+/%S+$") ~= nil end
M.doi_ok = doi_ok

-- Block index holding a position (binary search over the blocks).
local function block_at(doc, pos)
  local lo, hi = 1, doc:count("block")
  while lo <= hi do
    local mid = (lo + hi) // 2
    local b = doc:span("block", mid)
    if pos < b.start then hi = mid - 1
    elseif pos > b.stop then lo = mid + 1
    else return mid end
  end
  return nil
end

-- The root (top-level) theme of a path.
local function root_of(path) return path:match("^[^/]+") end

-- Colour ramp for heatmaps: 0 = white, 1 = deep blue; with readable text.
local function heat(v, vmax)
  if v == 0 or vmax == 0 then return "background:#fff;color:#999" end
  local t = v / vmax
  local a = 0.12 + 0.78 * t
  return format("background:rgba(31,96,180,%.2f);color:%s", a, a > 0.5 and "#fff" or "#123")
end

-- An excerpt as HTML: the unit's text clipped around the first matched term,
-- matched terms in <mark>.  Escapes everything it takes from the text.
local function excerpt_html(doc, c, width)
  local text = doc:text(c.start, c.stop)
  local terms = {}
  for _, t in ipairs(c.terms or {}) do
    if t.start and t.stop and t.start >= c.start and t.stop <= c.stop then
      terms[#terms + 1] = { t.start - c.start + 1, t.stop - c.start + 1 }
    end
  end
  sort(terms, function(a, b) return a[1] < b[1] end)
  -- window: start before the first term so it is visible
  local from = 1
  if #text > width and terms[1] and terms[1][1] > width // 3 then
    from = terms[1][1] - width // 3
    while from > 1 and text:byte(from) >= 0x80 and text:byte(from) < 0xC0 do from = from - 1 end
  end
  local to = min(#text, from + width - 1)
  while to < #text and text:byte(to + 1) and text:byte(to + 1) >= 0x80 and text:byte(to + 1) < 0xC0 do to = to + 1 end
  local out, pos = {}, from
  if from > 1 then out[1] = "…" end
  for _, t in ipairs(terms) do
    if t[1] >= pos and t[2] <= to then
      out[#out + 1] = esc(text:sub(pos, t[1] - 1):gsub("%s+", " "))
      out[#out + 1] = "<mark>" .. esc(text:sub(t[1], t[2])) .. "</mark>"
      pos = t[2] + 1
    end
  end
  out[#out + 1] = esc(text:sub(pos, to):gsub("%s+", " "))
  if to < #text then out[#out + 1] = "…" end
  return concat(out)
end

---------------------------------------------------------------------------
-- SVG charts (built here, escaped here; the template prints them raw)
---------------------------------------------------------------------------

-- Horizontal bars: items { label, value, color }.
local function svg_bars(items, title)
  local bar_h, gap, label_w, chart_w = 18, 6, 300, 420
  local vmax = 0
  for _, it in ipairs(items) do vmax = max(vmax, it.value) end
  local h = #items * (bar_h + gap) + gap
  local w = label_w + chart_w + 60
  local out = { format('<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">',
    w, h, w, h, esc(title)) }
  out[#out + 1] = format("<title>%s</title>", esc(title))
  for i, it in ipairs(items) do
    local y = gap + (i - 1) * (bar_h + gap)
    local bw = vmax > 0 and floor(it.value / vmax * chart_w + 0.5) or 0
    out[#out + 1] = format('<text x="%d" y="%d" text-anchor="end" class="lbl">%s</text>', label_w - 8, y + 13, esc(clip(it.label, 44)))
    out[#out + 1] = format('<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s: %d</title></rect>',
      label_w, y, max(bw, 1), bar_h, esc(it.color or "#1f60b4"), esc(it.label), it.value)
    out[#out + 1] = format('<text x="%d" y="%d" class="val">%d</text>', label_w + bw + 6, y + 13, it.value)
  end
  out[#out + 1] = "</svg>"
  return concat(out, "\n")
end
M.svg_bars = svg_bars

---------------------------------------------------------------------------
-- The context
---------------------------------------------------------------------------

-- Quantity kinds worth listing as key figures (markers are footnote slips).
local FIGURE_KINDS = { money = true, percent = true, count = true, ratio = true, number = true, range = true }

--- Builds the table the report templates render, from a coding set
-- (`corpus:code()`, or anything with the same shape: codings in the array
-- part, and docs, names, codebook).  opts: title, excerpts (per cell, 2),
-- excerpt_width (chars, 220), generated (a date string).
function M.context(set, opts)
  opts = opts or {}
  local docs, names, cb = set.docs, set.names, set.codebook
  local nexc, width = opts.excerpts or 2, opts.excerpt_width or 220
  local ctx = {
    title = opts.title or "qualua report",
    generated = opts.generated or os.date("!%Y-%m-%d %H:%M UTC"),
    codebook = { name = cb and (cb.title or cb.name) or "codebook", themes = cb and #cb:list() or 0 },
    total_codings = #set,
  }

  -- documents
  local dlist = {}
  for i, doc in ipairs(docs) do
    local m = doc:meta()
    local authors = m.authors or {}
    local a = #authors > 3 and (authors[1] .. " et al.") or concat(authors, "; ")
    local doi = m.doi
    dlist[i] = {
      index = i, id = "doc-" .. i, name = names[i], file = basename(names[i]), kind = doc:format(),
      title = m.title or basename(names[i]), has_title = m.title ~= nil,
      authors = a, year = m.year or "", journal = m.journal or "",
      doi = doi or "", doi_status = doi and (doi_ok(doi) and "valid" or "malformed") or "none",
      bytes = #doc, codings = 0, short = "D" .. i,
    }
  end
  ctx.docs = dlist

  -- theme counts and the document × theme matrix
  local themes, by_path = {}, {}
  for _, t in ipairs(cb:list()) do
    local row = { path = t.path, name = t.name, depth = t.depth, color = t.color,
                  indent = (t.depth - 1) * 1.2, total = 0, cells = {}, doc_n = 0, excerpts = {} }
    for i = 1, #docs do row.cells[i] = { count = 0, doc = dlist[i], list = {} } end
    themes[#themes + 1] = row
    by_path[t.path] = row
  end
  for _, c in ipairs(set) do
    local row = by_path[c.theme]
    if row then
      row.total = row.total + 1
      local cell = row.cells[c.doc]
      cell.count = cell.count + 1
      cell.list[#cell.list + 1] = c
      dlist[c.doc].codings = dlist[c.doc].codings + 1
    end
  end
  local vmax, tmax = 0, 0
  for _, row in ipairs(themes) do
    tmax = max(tmax, row.total)
    for _, cell in ipairs(row.cells) do
      vmax = max(vmax, cell.count)
      if cell.count > 0 then row.doc_n = row.doc_n + 1 end
    end
  end
  for _, row in ipairs(themes) do
    for _, cell in ipairs(row.cells) do cell.style = heat(cell.count, vmax) end
  end
  ctx.themes = themes
  ctx.max_count = vmax

  -- framework matrix: the best excerpts per cell, ranked by qualua.analysis
  -- (most distinct matched terms, ties in text order)
  local ranked_cells = require("qualua.analysis").matrix(set, { excerpts = nexc }).cells
  local matrix = {}
  for _, row in ipairs(themes) do
    if row.total > 0 then
      local mrow = { path = row.path, name = row.name, depth = row.depth, total = row.total, cells = {} }
      for i, cell in ipairs(row.cells) do
        local best = ranked_cells[row.path] and ranked_cells[row.path][i]
        local ex = {}
        for _, e in ipairs(best and best.excerpts or {}) do
          local c -- the coding behind the excerpt, for its term spans and block
          for _, x in ipairs(cell.list) do
            if x.start == e.start and x.stop == e.stop and x.unit == e.unit then c = x; break end
          end
          if c then
            local doc = docs[i]
            local b = c.block or block_at(doc, c.start)
            ex[#ex + 1] = { html = template.raw(excerpt_html(doc, c, width)), text = clip(doc:text(c.start, c.stop), width),
                            start = c.start - 1, stop = c.stop,
                            anchor = b and format("d%d-b%d", i, b) or ("doc-" .. i .. "-text"), unit = c.unit }
          end
        end
        mrow.cells[i] = { count = cell.count, excerpts = ex, more = max(0, cell.count - #ex) }
      end
      matrix[#matrix + 1] = mrow
    end
  end
  ctx.matrix = matrix

  -- frequency bars: the top-level themes (sub-themes included), then every theme
  local roots, root_rows = {}, {}
  for _, row in ipairs(themes) do
    if row.depth == 1 then
      local r = { label = row.name, value = 0, color = row.color, path = row.path }
      roots[#roots + 1] = r; root_rows[row.path] = r
    end
  end
  for _, c in ipairs(set) do
    local r = root_rows[root_of(c.theme)]
    if r then r.value = r.value + 1 end
  end
  local bars = {}
  for i, r in ipairs(roots) do bars[i] = r end
  sort(bars, function(a, b) if a.value ~= b.value then return a.value > b.value end return a.label < b.label end)
  ctx.root_themes = bars
  ctx.bars_svg = template.raw(svg_bars(bars, "Codings per top-level theme"))
  local all = {}
  for _, row in ipairs(themes) do
    if row.total > 0 then all[#all + 1] = { label = row.path, value = row.total, color = by_path[root_of(row.path)] and by_path[root_of(row.path)].color } end
  end
  sort(all, function(a, b) if a.value ~= b.value then return a.value > b.value end return a.label < b.label end)
  ctx.theme_bars_svg = template.raw(svg_bars(all, "Codings per theme"))
  ctx.themes_used = #all

  -- co-occurrence of top-level themes: documents' units coded with both
  -- (two codings co-occur when their spans overlap in one document)
  local rnames = {}
  for _, r in ipairs(roots) do rnames[#rnames + 1] = r.path end
  -- sentences coded with both top-level themes (sub-themes rolled up)
  local cooc = require("qualua.analysis").cooccurrence(set, { unit = "sentence", rollup = true, themes = rnames })
  local co = {}
  for i, pa in ipairs(rnames) do
    co[i] = {}
    for j, pb in ipairs(rnames) do co[i][j] = i ~= j and (cooc.count[pa] and cooc.count[pa][pb] or 0) or 0 end
  end
  local cmax = 0
  for i = 1, #rnames do for j = 1, #rnames do cmax = max(cmax, co[i][j]) end end
  local corows, top_pairs = {}, {}
  for i, p in ipairs(rnames) do
    local cells = {}
    for j = 1, #rnames do
      cells[j] = { count = co[i][j], style = i == j and "background:#eee;color:#eee" or heat(co[i][j], cmax), self = i == j }
      if j > i and co[i][j] > 0 then top_pairs[#top_pairs + 1] = { a = p, b = rnames[j], count = co[i][j] } end
    end
    corows[i] = { name = p, short = "T" .. i, cells = cells }
  end
  sort(top_pairs, function(a, b) if a.count ~= b.count then return a.count > b.count end return a.a .. a.b < b.a .. b.b end)
  for i = 11, #top_pairs do top_pairs[i] = nil end
  ctx.cooccurrence = { rows = corows, top = top_pairs, max = cmax }

  -- recommendations by actor, duplicates grouped
  local recm = require "qualua.recommendations"
  local corpus = { docs = docs, names = names }
  local ok, groups = pcall(function() return recm.group(recm.collect(corpus, { codebook = cb })) end)
  if not ok then groups = {} end
  local actors, nrec = {}, 0
  for _, g in ipairs(groups) do nrec = nrec + #g.members end
  for _, entry in ipairs(recm.by_actor(groups)) do
    local list = {}
    for _, g in ipairs(entry.groups) do
      local places, seen = {}, {}
      for _, r in ipairs(g.members) do
        local b = r.block or block_at(r.doc, r.start)
        local key = r.doc_index .. ":" .. (b or 0)
        if not seen[key] then
          seen[key] = true
          places[#places + 1] = { doc = dlist[r.doc_index], anchor = b and format("d%d-b%d", r.doc_index, b) or ("doc-" .. r.doc_index .. "-text") }
        end
      end
      list[#list + 1] = { id = g.id, text = clip(g.text, 400), horizon = g.horizon, themes = g.themes,
                          members = #g.members, documents = g.documents, places = places,
                          grouped = #g.members > 1 }
    end
    actors[#actors + 1] = { actor = entry.actor, groups = list, count = #list }
  end
  ctx.recommendations = { actors = actors, groups = #groups, total = nrec }

  -- key figures, glossary, references, data quality
  local figures, glossary, gl_by, refs, quality = {}, {}, {}, {}, {}
  local totals = { figures = 0, references = 0, refs_doi = 0, refs_bad = 0, repairs = 0, dropped = 0, flagged = 0 }
  for i, doc in ipairs(docs) do
    local d = dlist[i]
    local text = doc:text()
    local flist, flagged = {}, {}
    for _, q in ipairs(doc:quantities()) do
      local qtext = doc:text(q.start, q.stop)
      if #q.flags > 0 then
        flagged[#flagged + 1] = { text = qtext, kind = q.kind, flags = concat(q.flags, ", "), start = q.start - 1, stop = q.stop, note = q.note }
      end
      if FIGURE_KINDS[q.kind] then
        local ctxt = ""
        if q.sentence then
          local s = doc:span("sentence", q.sentence)
          if s then ctxt = clip(doc:text(s.start, s.stop), 200) end
        end
        flist[#flist + 1] = { text = qtext, kind = q.kind, value = q.value, unit = q.unit or "",
                              flags = concat(q.flags, ", "), context = ctxt,
                              anchor = block_at(doc, q.start) and format("d%d-b%d", i, block_at(doc, q.start)) }
      end
    end
    totals.figures = totals.figures + #flist
    if #flist > 0 then figures[#figures + 1] = { doc = d, list = flist } end

    for _, a in ipairs(doc:abbreviations()) do
      local key = a.short
      local g = gl_by[key]
      if not g then
        g = { short = a.short, long = a.long, docs = {}, uses = 0, variants = {} }
        gl_by[key] = g; glossary[#glossary + 1] = g
      elseif a.long and g.long and a.long:lower() ~= g.long:lower() then
        g.variants[#g.variants + 1] = a.long
      end
      g.uses = g.uses + (a.uses or 0)
      if g.docs[#g.docs] ~= d.short then g.docs[#g.docs + 1] = d.short end
    end

    local rlist, badrefs = {}, {}
    for _, r in ipairs(doc:references()) do
      local status = r.doi == nil and "none" or (r.doi_valid and "valid" or "damaged")
      local entry = { n = r.n or "", authors = clip(concat(r.authors or {}, ", "), 80), year = r.year or "",
                      title = clip(r.title or doc:text(r.start, r.stop), 160), doi = r.doi or "", status = status,
                      damage = r.doi_damage or "", url = r.url or "",
                      anchor = r.block and format("d%d-b%d", i, r.block) }
      rlist[#rlist + 1] = entry
      if r.doi then totals.refs_doi = totals.refs_doi + 1 end
      if status == "damaged" or r.doi_damage then badrefs[#badrefs + 1] = entry; totals.refs_bad = totals.refs_bad + 1 end
    end
    totals.references = totals.references + #rlist
    if #rlist > 0 then refs[#refs + 1] = { doc = d, list = rlist } end

    local reps = {}
    for _, r in ipairs(doc:repairs()) do
      reps[#reps + 1] = { rule = r.rule, from = r.from, to = r.to, start = r.start - 1 }
    end
    local drop_by, drop_list = {}, {}
    for _, x in ipairs(doc:dropped()) do
      local e = drop_by[x.reason]
      if not e then e = { reason = x.reason, count = 0, bytes = 0 }; drop_by[x.reason] = e; drop_list[#drop_list + 1] = e end
      e.count = e.count + 1
      e.bytes = e.bytes + (x.source_stop - x.source_start + 1)
    end
    sort(drop_list, function(a, b) return a.count > b.count end)
    local warns = {}
    for _, w in ipairs(doc:warnings()) do warns[#warns + 1] = { code = w.code, message = w.message } end
    if doi_ok(doc:meta().doi) == false and doc:meta().doi then
      badrefs[#badrefs + 1] = { n = "", title = "record DOI", doi = doc:meta().doi, status = "malformed", damage = "" }
    end
    totals.repairs = totals.repairs + #reps
    totals.dropped = totals.dropped + #doc:dropped()
    totals.flagged = totals.flagged + #flagged
    quality[#quality + 1] = { doc = d, repairs = reps, repairs_n = #reps, dropped = drop_list, dropped_n = #doc:dropped(),
                              warnings = warns, flagged = flagged, bad_dois = badrefs,
                              clean = #reps == 0 and #drop_list == 0 and #warns == 0 and #flagged == 0 and #badrefs == 0 }
    d.text_len = #text
  end
  sort(glossary, function(a, b) return a.short:lower() < b.short:lower() end)
  for _, g in ipairs(glossary) do g.docs_text = concat(g.docs, ", "); g.long = g.long or "(not defined)" end
  ctx.figures, ctx.glossary, ctx.references, ctx.quality, ctx.totals = figures, glossary, refs, quality, totals

  -- the documents' text, block by block, for the excerpt links
  if opts.texts ~= false then
    local texts = {}
    for i, doc in ipairs(docs) do
      local blocks = {}
      for bi, b in doc:blocks() do
        local kind = b.kind
        blocks[#blocks + 1] = { id = format("d%d-b%d", i, bi), kind = kind, heading = kind == "heading",
                                text = b:text(), start = b.start - 1, stop = b.stop }
      end
      texts[i] = { doc = dlist[i], blocks = blocks }
    end
    ctx.texts = texts
  end
  return ctx
end

---------------------------------------------------------------------------
-- Rendering
---------------------------------------------------------------------------

local cache = {}

-- Markdown table cells: one line, pipes escaped.
local MD_FILTERS = { cell = function(v) return (template.tostring(v):gsub("%s+", " "):gsub("|", "\\|")) end }
M.filters = MD_FILTERS

--- The compiled built-in template for "html" or "md".
function M.builtin(fmt)
  -- the templates are modules (qualua.templates.report_html/_md) so they install with the code
  local name = fmt == "md" and "report.md" or "report.html"
  local t = cache[name]
  if not t then
    t = template.compile(require("qualua.templates." .. name:gsub("%.", "_")), { name = name, filters = MD_FILTERS })
    cache[name] = t
  end
  return t
end

--- Renders the report of a coding set.  opts: format ("html" or "md"),
-- template (a path to a template of one's own), plus the context options.
function M.render(set, opts)
  opts = opts or {}
  local t
  if opts.template then t = template.load(opts.template, { filters = MD_FILTERS })
  else t = M.builtin(opts.format) end
  local ctx = M.context(set, { title = opts.title, excerpts = opts.excerpts, excerpt_width = opts.excerpt_width,
                               generated = opts.generated, texts = opts.format ~= "md" and opts.texts })
  ctx.markdown = opts.format == "md"
  return t:render(ctx)
end

--- Renders and writes to path; format from opts.format or the extension (.md).
function M.write(path, set, opts)
  opts = opts or {}
  local o = {}
  for k, v in pairs(opts) do o[k] = v end
  if not o.format then o.format = path:match("%.md$") and "md" or "html" end
  local s = M.render(set, o)
  local f, err = io.open(path, "wb")
  if not f then error(err, 2) end
  f:write(s)
  f:close()
  return #s
end

return M
