--- qualua: read, model and analyse policy and research documents.
-- The C core (`qualua.core`) parses documents into flat arrays; this module
-- adds the public API on top: reading files, corpora, and convenience
-- methods on documents and spans.
-- @module qualua
local core = require "qualua.core"

local io_open, type, error, setmetatable, ipairs = io.open, type, error, setmetatable, ipairs
local tostring, select, format = tostring, select, string.format

local M = { core = core, _VERSION = "qualua 0.1.0" }

-- Metadata keys that may hold several values; every other key holds one.
local LIST_KEYS = { authors = true, keywords = true, affiliations = true, issn = true }
M.LIST_KEYS = LIST_KEYS

local Doc, Span = core.Doc, core.Span

--- Canonical metadata as a table: list keys map to arrays, others to the first value.
function Doc.meta(doc)
  local t = {}
  for _, f in ipairs(doc:meta_list()) do
    if LIST_KEYS[f.key] then
      local l = t[f.key]
      if not l then l = {}; t[f.key] = l end
      l[#l + 1] = f.value
    elseif t[f.key] == nil then
      t[f.key] = f.value
    end
  end
  return t
end

--- Iterators over the model; each step yields (index, Span).
function Doc.blocks(doc, kind) return doc:iter("block", kind) end
function Doc.sections(doc) return doc:iter("section") end
function Doc.sentences(doc) return doc:iter("sentence") end
function Doc.tokens(doc) return doc:iter("token") end

--- Text of a span; `doc.text` style access for symmetry.
function Span.sub(span, i, j) return span:text():sub(i, j) end

local function options(opts, level)
  if opts == nil then return {} end
  if type(opts) ~= "table" then error("options must be a table", level + 1) end
  return opts
end

--- Parses a string into a document. opts.format forces a reader.
function M.parse(text, opts)
  if type(text) ~= "string" then error("bad argument #1 to 'parse' (string expected, got " .. type(text) .. ")", 2) end
  opts = options(opts, 2)
  return core.parse(text, opts.format or "auto", opts.corpus)
end

local function read_file(path)
  local f, err = io_open(path, "rb")
  if not f then error(err, 3) end
  local data, rerr = f:read("a")
  f:close()
  if not data then error(path .. ": " .. tostring(rerr), 3) end
  return data
end
M.read_file = read_file

--- Reads a file into a document. Errors name the file.
function M.read(path, opts)
  if type(path) ~= "string" then error("bad argument #1 to 'read' (string expected, got " .. type(path) .. ")", 2) end
  opts = options(opts, 2)
  local data = read_file(path)
  local ok, doc = pcall(core.parse, data, opts.format or "auto", opts.corpus)
  if not ok then error(path .. ": " .. tostring(doc), 2) end
  return doc
end

-- A corpus: documents sharing one vocabulary of token forms.
local Corpus = {}
Corpus.__index = Corpus

--- Creates an empty corpus.
function M.corpus()
  return setmetatable({ vocab = core.corpus(), docs = {}, names = {} }, Corpus)
end

--- Adds a document: a path (opts.text = true for a string), read with the corpus vocabulary.
-- Returns the document.
function Corpus:add(src, opts)
  opts = options(opts, 2)
  local doc, name
  if opts.text then
    doc = core.parse(src, opts.format or "auto", self.vocab)
    name = opts.name or ("text " .. (#self.docs + 1))
  else
    local ok, d = pcall(core.parse, read_file(src), opts.format or "auto", self.vocab)
    if not ok then error(src .. ": " .. tostring(d), 2) end
    doc, name = d, opts.name or src
  end
  self.docs[#self.docs + 1] = doc
  self.names[#self.docs] = name
  return doc
end

function Corpus:__len() return #self.docs end

--- Iterates (index, doc, name).
function Corpus:each()
  local i = 0
  return function()
    i = i + 1
    local d = self.docs[i]
    if d then return i, d, self.names[i] end
  end
end

M.Corpus = Corpus

--- Lists the files under a path (a file, or a directory walked
-- recursively, hidden entries skipped), sorted by name.
function M.files(path)
  local lfs = require "lfs"
  local attr, err = lfs.attributes(path)
  if not attr then error(path .. ": " .. tostring(err), 2) end
  if attr.mode ~= "directory" then return { path } end
  local out = {}
  local function walk(dir)
    local names = {}
    for name in lfs.dir(dir) do
      if name:sub(1, 1) ~= "." then names[#names + 1] = name end
    end
    table.sort(names)
    for _, name in ipairs(names) do
      local p = dir .. "/" .. name
      local a = lfs.attributes(p)
      if a and a.mode == "directory" then walk(p)
      elseif a and a.mode == "file" then out[#out + 1] = p end
    end
  end
  walk((path:gsub("/+$", "")))
  return out
end

-- Modules that extend this table (qualua.open, ...) require "qualua" themselves.
package.loaded.qualua = M
require "qualua.store"   -- qualua.open: projects
require "qualua.coding"  -- corpus:code, doc:code: codebooks

return M
