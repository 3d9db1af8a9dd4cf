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
  }
end

--- JSON text of the model.
function M.encode(doc)
  return json.encode(M.model(doc))
end

M.qualua = qualua
return M
