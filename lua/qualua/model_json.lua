--- The document model as plain tables, the shape of `qualua show --json`.
-- Offsets here are 0-based and half-open (the convention of tools that read
-- JSON); `source` spans point into the original bytes.
-- @module qualua.model_json
local json = require "qualua.json"
local qualua = require "qualua"

local ipairs, pairs, type = ipairs, pairs, type

local M = {}

local array, null = json.array, json.null

local function meta_of(doc)
  local m = doc:meta()
  for k, v in pairs(m) do
    if type(v) == "table" then m[k] = array(v) end
  end
  local fields = array()
  for _, f in ipairs(doc:fields()) do fields[#fields + 1] = { key = f.key, value = f.value } end
  m.fields = fields
  return m
end

-- Annotations (issue 4): acronyms, actors, quantities, references and
-- recommendations.  Undefined acronyms are listed under abbreviations with
-- source "undefined", long null and the span of their first use.
local function or_null(v) if v == nil then return null end return v end

local function abbreviations_of(doc)
  local out = array()
  for _, a in ipairs(doc:abbreviations()) do
    out[#out + 1] = {
      short = a.short, long = a.long, key = a.key, start = a.start - 1, stop = a.stop, source = a.source,
      short_span = array { a.short_start - 1, a.short_stop }, long_span = array { a.long_start - 1, a.long_stop },
      uses = a.uses, duplicate_of = a.duplicate_of and a.duplicate_of - 1 or null,
    }
  end
  for _, u in ipairs(doc:undefined_acronyms()) do
    out[#out + 1] = { short = u.key, long = null, key = u.key, start = u.start - 1, stop = u.stop,
                      source = "undefined", uses = u.count }
  end
  return out
end

local function actors_of(doc)
  local out = array()
  for _, m in ipairs(doc:actors()) do
    out[#out + 1] = { name = m.name, canonical = m.canonical, start = m.start - 1, stop = m.stop, origin = m.origin }
  end
  return out
end

local function quantities_of(doc)
  local out = array()
  for _, q in ipairs(doc:quantities()) do
    out[#out + 1] = {
      kind = q.kind, value = or_null(q.value), high = or_null(q.high), unit = or_null(q.unit),
      start = q.start - 1, stop = q.stop, flags = array(q.flags),
      sentence = q.sentence and q.sentence - 1 or null, note = or_null(q.note),
    }
  end
  return out
end

local function references_of(doc)
  local out = array()
  for _, r in ipairs(doc:references()) do
    local markers = array()
    for _, m in ipairs(r.markers) do markers[#markers + 1] = array { m.start - 1, m.stop } end
    out[#out + 1] = {
      n = or_null(r.n), authors = array(r.authors), year = or_null(r.year), title = or_null(r.title),
      container = or_null(r.container), doi = or_null(r.doi),
      doi_valid = r.doi == nil and null or r.doi_valid, doi_damage = or_null(r.doi_damage), url = or_null(r.url),
      block = r.block and r.block - 1 or null, start = r.start - 1, stop = r.stop,
      ibid = r.ibid and r.ibid - 1 or null, markers = markers,
    }
  end
  return out
end

local function recommendations_of(doc)
  local out = array()
  for _, r in ipairs(doc:recommendations()) do
    out[#out + 1] = {
      text = r.text, start = r.start - 1, stop = r.stop, kind = r.kind, actors = array(r.actors),
      action = or_null(r.action), horizon = r.horizon, horizon_source = or_null(r.horizon_source),
      section = r.section and r.section - 1 or null, heading = or_null(r.heading), group = r.group - 1,
      key = r.key,
    }
  end
  return out
end

--- Returns the whole model of doc as a table ready for qualua.json.encode.
function M.model(doc)
  local sections, blocks, sentences = array(), array(), array()
  for _, s in doc:sections() do
    sections[#sections + 1] = {
      title = s.title, level = s.level, category = s.category or null,
      start = s.start - 1, stop = s.stop, parent = s.parent and s.parent - 1 or null,
    }
  end
  for _, b in doc:blocks() do
    local sec = b.section
    blocks[#blocks + 1] = {
      kind = b.kind, start = b.start - 1, stop = b.stop,
      section = sec and sec.index - 1 or null, n = b.n or null,
    }
  end
  for _, s in doc:sentences() do sentences[#sentences + 1] = array { s.start - 1, s.stop } end
  local enums = array()
  for _, e in ipairs(doc:enumerations()) do
    local items = array()
    for _, it in ipairs(e.items) do items[#items + 1] = array { it.start - 1, it.stop } end
    enums[#enums + 1] = { start = e.start - 1, stop = e.stop, items = items }
  end
  local notes = array()
  for _, f in ipairs(doc:footnotes()) do
    notes[#notes + 1] = { n = f.n, marker = array { f.start - 1, f.stop }, block = f.block and f.block - 1 or null }
  end
  local repairs = array()
  for _, r in ipairs(doc:repairs()) do
    repairs[#repairs + 1] = { rule = r.rule, from = r.from, to = r.to, start = r.start - 1,
                              source = array { r.source_start - 1, r.source_stop } }
  end
  local dropped = array()
  for _, x in ipairs(doc:dropped()) do
    dropped[#dropped + 1] = { reason = x.reason, source = array { x.source_start - 1, x.source_stop } }
  end
  local warnings = array()
  for _, w in ipairs(doc:warnings()) do
    warnings[#warnings + 1] = { code = w.code, message = w.message, start = w.start - 1 }
  end
  return {
    format = doc:format(), meta = meta_of(doc), text = doc:text(),
    sections = sections, blocks = blocks, sentences = sentences, enumerations = enums,
    footnotes = notes, repairs = repairs, dropped = dropped, warnings = warnings,
    abbreviations = abbreviations_of(doc), actors = actors_of(doc), quantities = quantities_of(doc),
    references = references_of(doc), recommendations = recommendations_of(doc),
  }
end

--- JSON text of the model.
function M.encode(doc)
  return json.encode(M.model(doc))
end

M.qualua = qualua
return M
