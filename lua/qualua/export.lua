--- qualua.export: codings, the framework matrix and recommendations as CSV
-- or JSON; a REFI-QDA project (.qdpx) and codebook (.qdc).
--
-- Offsets in CSV and JSON are bytes of the document's normalised text,
-- 0-based and half-open (like `qualua show --json`).  Positions in a .qdpx
-- are Unicode code points over the exported source text (the normalised
-- text, `\n` line endings), 0-based, end exclusive, as QualCoder reads them.
--
-- Every function takes a coding set (`corpus:code()`, or the same shape:
-- codings in the array part, docs, names, codebook).
-- @module qualua.export
local json = require "qualua.json"
local cbm = require "qualua.codebook"

local ipairs, pairs, type, tostring, format = ipairs, pairs, type, tostring, string.format
local concat, sort = table.concat, table.sort
local spack = string.pack

local M = {}

---------------------------------------------------------------------------
-- CSV (RFC 4180, through qualua.csv); list values are joined with "; "
---------------------------------------------------------------------------

local function cell(v)
  if type(v) == "table" then return concat(v, "; ") end
  return v
end

--- CSV text from a header and rows (arrays, or tables keyed by the header).
function M.csv(header, rows)
  local records = {}
  for i, r in ipairs(rows) do
    local rec = {}
    local keyed = r[1] == nil and next(r) ~= nil
    for j, k in ipairs(header) do rec[j] = cell(keyed and r[k] or r[j]) end
    records[i] = rec
  end
  return require("qualua.csv").encode(records, { header = header })
end

---------------------------------------------------------------------------
-- Tables: codings, matrix, recommendations
---------------------------------------------------------------------------

M.CODING_COLUMNS = { "doc", "name", "theme", "unit", "start", "stop", "rule", "terms", "text" }

--- The codings as rows { doc, name, theme, unit, start (0-based), stop, rule, terms, text }.
function M.coding_rows(set)
  local rows = {}
  for i, c in ipairs(set) do
    local terms = {}
    for j, t in ipairs(c.terms or {}) do terms[j] = t.term end
    rows[i] = { doc = c.doc, name = set.names[c.doc], theme = c.theme, unit = c.unit or "",
                start = c.start - 1, stop = c.stop, rule = c.rule or "", terms = terms,
                text = (set.docs[c.doc]:text(c.start, c.stop):gsub("%s+", " ")) }
  end
  return rows
end

--- The theme × document counts: header { "theme", name1, ... } and rows.
function M.matrix_rows(set)
  -- the framework matrix of qualua.analysis (as `qualua code --matrix`), plus a total column
  local m = require("qualua.analysis").matrix(set, { excerpts = 0 })
  local header, rows = { "theme" }, {}
  for _, col in ipairs(m.columns) do header[#header + 1] = col.label end
  header[#header + 1] = "total"
  for _, theme in ipairs(m.themes) do
    local r, total = { theme }, 0
    for _, col in ipairs(m.columns) do
      local n = m.cells[theme][col.key].count
      r[#r + 1] = n
      total = total + n
    end
    r[#r + 1] = total
    rows[#rows + 1] = r
  end
  return header, rows
end

M.RECOMMENDATION_COLUMNS = { "group", "actors", "horizon", "text", "documents", "members", "places", "themes" }

--- Recommendation groups (near-duplicates merged) as rows.
function M.recommendation_rows(set)
  local recm = require "qualua.recommendations"
  local groups = recm.group(recm.collect({ docs = set.docs, names = set.names }, { codebook = set.codebook }))
  local rows = {}
  for i, g in ipairs(groups) do
    local places = {}
    for j, r in ipairs(g.members) do places[j] = format("%s@%d-%d", r.doc_name, r.start - 1, r.stop) end
    rows[i] = { group = g.id, actors = g.actors, horizon = g.horizon, text = g.text, documents = g.documents,
                members = #g.members, places = places, themes = g.themes }
  end
  return rows
end

--- CSV of "codings", "matrix" or "recommendations".
function M.to_csv(set, what)
  what = what or "codings"
  if what == "codings" then return M.csv(M.CODING_COLUMNS, M.coding_rows(set)) end
  if what == "matrix" then return M.csv(M.matrix_rows(set)) end
  if what == "recommendations" then return M.csv(M.RECOMMENDATION_COLUMNS, M.recommendation_rows(set)) end
  error("unknown table '" .. tostring(what) .. "' (codings, matrix or recommendations)", 2)
end

--- JSON of "codings", "matrix", "recommendations", or "all" (an object with the three).
function M.to_json(set, what)
  what = what or "all"
  local function codings()
    local rows = M.coding_rows(set)
    for _, r in ipairs(rows) do r.terms = json.array(r.terms) end
    return json.array(rows)
  end
  local function matrix()
    local header, rows = M.matrix_rows(set)
    local docs = json.array()
    for i = 2, #header - 1 do docs[#docs + 1] = header[i] end
    local out = json.array()
    for _, r in ipairs(rows) do
      local counts = json.array()
      for i = 2, #r - 1 do counts[#counts + 1] = r[i] end
      out[#out + 1] = { theme = r[1], counts = counts, total = r[#r] }
    end
    return { documents = docs, rows = out }
  end
  local function recs()
    local rows = M.recommendation_rows(set)
    for _, r in ipairs(rows) do
      r.actors, r.places, r.themes = json.array(r.actors), json.array(r.places), json.array(r.themes)
    end
    return json.array(rows)
  end
  local v
  if what == "codings" then v = codings()
  elseif what == "matrix" then v = matrix()
  elseif what == "recommendations" then v = recs()
  elseif what == "all" then v = { codings = codings(), matrix = matrix(), recommendations = recs() }
  else error("unknown table '" .. tostring(what) .. "' (codings, matrix, recommendations or all)", 2) end
  return json.encode(v) .. "\n"
end

---------------------------------------------------------------------------
-- Zip (stored entries, no compression: small, dependency-free, and every
-- QDA tool reads it)
---------------------------------------------------------------------------

local CRC = {}
for i = 0, 255 do
  local c = i
  for _ = 1, 8 do
    if c & 1 == 1 then c = 0xEDB88320 ~ (c >> 1) else c = c >> 1 end
  end
  CRC[i] = c
end

--- CRC-32 (IEEE) of a string.
function M.crc32(s)
  local c = 0xFFFFFFFF
  for i = 1, #s do c = CRC[(c ~ s:byte(i)) & 0xFF] ~ (c >> 8) end
  return c ~ 0xFFFFFFFF
end

--- A zip archive of entries { {name, data}, ... } (stored), as a string.
function M.zip(entries)
  local out, central, offset = {}, {}, 0
  -- fixed DOS date 1980-01-01 00:00 so the archive is reproducible
  local dtime, ddate = 0, (0 << 9) | (1 << 5) | 1
  for _, e in ipairs(entries) do
    local name, data = e[1], e[2]
    local crc = M.crc32(data)
    local head = spack("<I4I2I2I2I2I2I4I4I4I2I2", 0x04034b50, 20, 0x0800, 0, dtime, ddate, crc, #data, #data, #name, 0)
    out[#out + 1] = head .. name
    out[#out + 1] = data
    central[#central + 1] = spack("<I4I2I2I2I2I2I2I4I4I4I2I2I2I2I2I4I4", 0x02014b50, 20, 20, 0x0800, 0, dtime, ddate,
      crc, #data, #data, #name, 0, 0, 0, 0, 0, offset) .. name
    offset = offset + #head + #name + #data
  end
  local cd = concat(central)
  out[#out + 1] = cd
  out[#out + 1] = spack("<I4I2I2I2I2I4I4I2", 0x06054b50, 0, 0, #entries, #entries, #cd, offset, 0)
  return concat(out)
end

---------------------------------------------------------------------------
-- REFI-QDA
---------------------------------------------------------------------------

local xesc = cbm.xml.escape
local guid_of = cbm.guid_of

--- The exported text of a document: its normalised text with \n line endings.
function M.source_text(doc)
  local t = doc:text()
  if t:find("\r", 1, true) then t = t:gsub("\r\n?", "\n") end
  return t
end

-- Byte offsets -> code point offsets, for positions in ascending order.
local function cp_counter(text)
  local last_b, last_cp = 1, 0
  return function(b)  -- code points before byte b (1-based)
    if b < last_b then last_b, last_cp = 1, 0 end
    if b > last_b then last_cp = last_cp + (utf8.len(text, last_b, b - 1, true) or (b - last_b)) end
    last_b = b
    return last_cp
  end
end

--- The .qdc codebook XML of a codebook.
function M.qdc(cb) return (cbm.to_qdc(cb)) end

--- The parts of a .qdpx: { {"project.qde", xml}, {"sources/<guid>.txt", text}, ... }.
-- opts: name (project name), user (name of the creating user).
function M.qdpx_parts(set, opts)
  opts = opts or {}
  local cb = set.codebook
  local pname = opts.name or ("qualua: " .. (cb.title or cb.name))
  local now = os.date("!%Y-%m-%dT%H:%M:%SZ")
  local user = guid_of("qualua user\0" .. (opts.user or "qualua"))
  local out = {}
  out[#out + 1] = '<?xml version="1.0" encoding="utf-8"?>'
  out[#out + 1] = format('<Project xmlns="urn:QDA-XML:project:1.0" name="%s" origin="qualua" creatingUserGUID="%s" creationDateTime="%s">',
    xesc(pname, true), user, now)
  out[#out + 1] = format('  <Users>\n    <User guid="%s" name="%s"/>\n  </Users>', user, xesc(opts.user or "qualua", true))
  -- the codes, as the .qdc writes them (same GUIDs), inside the project's CodeBook
  local qdc = M.qdc(cb)
  local codes = qdc:match("(<Codes>.-</Codes>)")
  local code_guid = {}
  for _, t in ipairs(cb:list()) do code_guid[t.path] = t.guid or guid_of(cb.name .. "\0" .. t.path) end
  -- themes in the codings that the codebook lacks (hand codes) become codes too
  local extra = {}
  for _, c in ipairs(set) do
    if not code_guid[c.theme] then
      code_guid[c.theme] = guid_of(cb.name .. "\0" .. c.theme)
      extra[#extra + 1] = format('    <Code guid="%s" name="%s" isCodable="true"/>', code_guid[c.theme], xesc(c.theme, true))
    end
  end
  if codes then
    if #extra > 0 then codes = codes:gsub("</Codes>$", function() return concat(extra, "\n") .. "\n  </Codes>" end) end
    out[#out + 1] = "  <CodeBook>\n  " .. codes .. "\n  </CodeBook>"
  elseif #extra > 0 then
    out[#out + 1] = "  <CodeBook>\n  <Codes>\n" .. concat(extra, "\n") .. "\n  </Codes>\n  </CodeBook>"
  end
  local by_doc = {}
  for _, c in ipairs(set) do
    local l = by_doc[c.doc]
    if not l then l = {}; by_doc[c.doc] = l end
    l[#l + 1] = c
  end
  local parts = { { "project.qde", nil } }
  out[#out + 1] = "  <Sources>"
  for i, doc in ipairs(set.docs) do
    local name = set.names[i]
    local text = M.source_text(doc)
    local sguid = guid_of("source\0" .. name .. "\0" .. text)
    parts[#parts + 1] = { "sources/" .. sguid .. ".txt", text }
    out[#out + 1] = format('    <TextSource guid="%s" name="%s" plainTextPath="internal://%s.txt" creatingUser="%s" creationDateTime="%s">',
      sguid, xesc(name:match("([^/]+)$") or name, true), sguid, user, now)
    local list = by_doc[i] or {}
    sort(list, function(a, b) if a.start ~= b.start then return a.start < b.start end return a.stop < b.stop end)
    local cp = cp_counter(text)
    for k, c in ipairs(list) do
      local s = cp(c.start)
      local e = s + (utf8.len(text, c.start, c.stop, true) or (c.stop - c.start + 1))
      local key = name .. "\0" .. c.theme .. "\0" .. c.start .. "\0" .. c.stop .. "\0" .. k
      out[#out + 1] = format('      <PlainTextSelection guid="%s" name="%s" startPosition="%d" endPosition="%d" creatingUser="%s" creationDateTime="%s">',
        guid_of("sel\0" .. key), xesc(c.theme .. (c.rule and (" (" .. c.rule .. ")") or ""), true), s, e, user, now)
      out[#out + 1] = format('        <Coding guid="%s" creatingUser="%s" creationDateTime="%s">\n          <CodeRef targetGUID="%s"/>\n        </Coding>',
        guid_of("coding\0" .. key), user, now, code_guid[c.theme])
      out[#out + 1] = "      </PlainTextSelection>"
    end
    out[#out + 1] = "    </TextSource>"
  end
  out[#out + 1] = "  </Sources>"
  out[#out + 1] = "</Project>"
  parts[1][2] = concat(out, "\n") .. "\n"
  return parts
end

--- The .qdpx archive as a string.
function M.qdpx(set, opts) return M.zip(M.qdpx_parts(set, opts)) end

local function write(path, s)
  local f, err = io.open(path, "wb")
  if not f then error(err, 3) end
  f:write(s)
  f:close()
  return #s
end

--- Writes an export: to = "csv" | "json" | "qdpx" | "qdc"; opts.what picks
-- the table for csv/json ("codings", "matrix", "recommendations"; json also "all").
function M.write(path, set, to, opts)
  opts = opts or {}
  if to == "csv" then return write(path, M.to_csv(set, opts.what)) end
  if to == "json" then return write(path, M.to_json(set, opts.what)) end
  if to == "qdpx" then return write(path, M.qdpx(set, opts)) end
  if to == "qdc" then return write(path, M.qdc(set.codebook)) end
  error("unknown export format '" .. tostring(to) .. "' (csv, json, qdpx or qdc)", 2)
end

return M
