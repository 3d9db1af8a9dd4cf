--- qualua.store: a project in one SQLite file.
--
-- `qualua.open(path [, opts])` opens or creates a project: documents with
-- their versions (source bytes, normalised text, metadata, and the model to
-- reopen them without reading again), codebooks, codings, memos, and an FTS5
-- index over the blocks of the current versions.
--
-- Every write runs in one transaction (BEGIN IMMEDIATE ... COMMIT, ROLLBACK
-- on error), so a crash or a kill leaves the previous state; the file is in
-- WAL mode, so readers work while one writer writes.  Re-adding an unchanged
-- file is a no-op (content hash, then the bytes); a changed one becomes a
-- new version, and the codings of the old version are carried to the new one
-- by their quote (a W3C TextQuoteSelector: exact text, prefix and suffix).
-- Those that cannot be placed stay on the old version and are listed by
-- `project:orphans()`; they are never dropped.
--
-- Offsets: the Lua API uses 1-based inclusive byte offsets, like string.sub
-- and the rest of qualua.  Inside the database (codings.start/stop, blocks)
-- they are 0-based and half-open, like the JSON exports and the W3C
-- TextPositionSelector, so other tools read the file without surprises.
--
-- Expected failures (a file that is not a project, a newer schema, a bad
-- search query) return `nil, message`; misuse and SQLite errors raise.
-- @module qualua.store
local core = require "qualua.core"
local json = require "qualua.json"

local type, error, pcall, ipairs, pairs, setmetatable, tostring, select = type, error, pcall, ipairs, pairs, setmetatable, tostring, select
local format, concat, unpack, pack = string.format, table.concat, table.unpack, table.pack
local byte, find, sub = string.byte, string.find, string.sub
local math_type, os_date, getenv = math.type, os.date, os.getenv

local M = {}

--- SQLite application_id of a qualua project ("QULA").
M.APPLICATION_ID = 0x51554C41

--- Characters of context kept before and after a coding's quote.
M.CONTEXT = 32

local qualua  -- the qualua module, set by install (it may still be loading)

local SQLITE_NOTADB = 26

---------------------------------------------------------------------------
-- Schema: migrations[v] takes a project from version v-1 to v.  A fresh
-- file runs them all; an older one the ones it lacks, in one transaction.
-- Each is SQL or a function(db).  The schema version is #migrations.
---------------------------------------------------------------------------

M.migrations = {
  [1] = [[
CREATE TABLE documents (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,        -- the path (or name) it was added under
  current INTEGER NOT NULL,         -- its latest version
  added_at TEXT NOT NULL
);
CREATE TABLE versions (
  document INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,         -- 1, 2, ... one per distinct content
  hash TEXT NOT NULL,               -- 64-bit content hash of source, 16 hex digits
  size INTEGER NOT NULL,            -- bytes of source
  format TEXT NOT NULL,             -- the reader that read it
  title TEXT,
  source BLOB NOT NULL,             -- the bytes as added
  text TEXT NOT NULL,               -- the normalised text every offset points into
  meta TEXT NOT NULL,               -- JSON: canonical metadata, raw fields in "fields"
  model BLOB NOT NULL,              -- the model (doc:save_blob without source and text)
  added_at TEXT NOT NULL,
  UNIQUE (document, version)
);
CREATE INDEX versions_hash ON versions(hash);
CREATE TABLE codebooks (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  hash TEXT NOT NULL,
  body TEXT NOT NULL,               -- the codebook source (Lua, .qdc XML, JSON...)
  added_at TEXT NOT NULL,
  UNIQUE (name, version)
);
CREATE TABLE codings (
  id INTEGER PRIMARY KEY,
  document INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,         -- the version its offsets point into
  theme TEXT NOT NULL,              -- theme path, "/"-separated
  start INTEGER NOT NULL,           -- byte offsets in that version's text,
  stop INTEGER NOT NULL,            --   0-based, half-open
  exact TEXT NOT NULL,              -- W3C TextQuoteSelector: the coded text,
  prefix TEXT NOT NULL,             --   the characters before it
  suffix TEXT NOT NULL,             --   and after it
  rule TEXT NOT NULL DEFAULT 'hand',-- the rule that made it, or 'hand'
  codebook TEXT,                    -- the codebook of a rule coding (name or name@version)
  unit TEXT,                        -- sentence, paragraph, section, document
  terms TEXT,                       -- JSON: matched terms, offsets as start/stop
  who TEXT,
  created_at TEXT NOT NULL,
  origin INTEGER REFERENCES codings(id) ON DELETE SET NULL, -- carried from this coding of an earlier version
  anchor TEXT,                      -- how it was carried: context, prefix, suffix, exact
  orphan INTEGER NOT NULL DEFAULT 0,-- 1: could not be carried to a later version
  FOREIGN KEY (document, version) REFERENCES versions(document, version)
);
CREATE INDEX codings_document ON codings(document, version);
CREATE INDEX codings_theme ON codings(theme);
CREATE INDEX codings_origin ON codings(origin);
CREATE TABLE memos (
  id INTEGER PRIMARY KEY,
  document INTEGER REFERENCES documents(id) ON DELETE CASCADE,
  version INTEGER,
  coding INTEGER REFERENCES codings(id) ON DELETE SET NULL,
  theme TEXT,
  start INTEGER, stop INTEGER,      -- an optional anchor in the text, 0-based half-open
  title TEXT,
  body TEXT NOT NULL,
  who TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
-- the blocks of the current versions; blocks_fts indexes their text
CREATE TABLE blocks (
  id INTEGER PRIMARY KEY,
  document INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  block INTEGER NOT NULL,           -- 1-based index in the document
  kind TEXT NOT NULL,
  start INTEGER NOT NULL, stop INTEGER NOT NULL, -- 0-based half-open
  text TEXT NOT NULL
);
CREATE INDEX blocks_document ON blocks(document);
CREATE VIRTUAL TABLE blocks_fts USING fts5(
  text, content = 'blocks', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
-- each document with its current version, for reports and exports
CREATE VIEW current_documents AS
  SELECT d.id, d.name, v.version, v.hash, v.size, v.format, v.title, v.meta,
         d.added_at, v.added_at AS updated_at
  FROM documents d JOIN versions v ON v.document = d.id AND v.version = d.current;
]],
  [2] = [[
-- the project's own actors, looked for in every document beside the
-- built-in gazetteer (doc:find_actors)
CREATE TABLE actors (
  name TEXT PRIMARY KEY,            -- as written in the documents
  canonical TEXT,                   -- the name it is counted under; NULL: itself
  added_at TEXT NOT NULL
);
]],
}

---------------------------------------------------------------------------
-- Small SQL helpers over a raw Db
---------------------------------------------------------------------------

local function scalar(db, sql)
  local st <close> = db:prepare(sql)
  if st:step() then return st:column(1) end
  return nil
end

local function now() return os_date("!%Y-%m-%dT%H:%M:%SZ") end

local Project = { __name = "qualua.Project" }
Project.__index = Project

--- Runs sql with parameters bound in order; returns nothing.
function Project:exec(sql, ...)
  local st = self:_stmt(sql)
  if select("#", ...) > 0 then st:bind_values(...) end
  while st:step() do end
  st:reset()
end

--- Runs sql and returns every row as a table keyed by column name.
function Project:query(sql, ...)
  local st = self:_stmt(sql)
  if select("#", ...) > 0 then st:bind_values(...) end
  local out = {}
  while st:step() do out[#out + 1] = st:named() end
  st:reset()
  return out
end

--- The first row of sql (named), or nil.
function Project:row(sql, ...)
  local st = self:_stmt(sql)
  if select("#", ...) > 0 then st:bind_values(...) end
  local r = st:step() and st:named() or nil
  st:reset()
  return r
end

--- The first column of the first row, or nil.
function Project:value(sql, ...)
  local st = self:_stmt(sql)
  if select("#", ...) > 0 then st:bind_values(...) end
  local v
  if st:step() then v = st:column(1) end
  st:reset()
  return v
end

-- Prepared statements are cached per SQL string for the life of the project.
function Project:_stmt(sql)
  local db = self.db
  if not db or not db:is_open() then error("project is closed", 3) end
  local st = self._stmts[sql]
  if not st then
    st = db:prepare(sql)
    self._stmts[sql] = st
  else
    st:reset()
    st:clear_bindings()
  end
  return st
end

---------------------------------------------------------------------------
-- Opening
---------------------------------------------------------------------------

local function refuse(db, msg)
  db:close()
  return nil, msg
end

--- Opens or creates the project at path.
-- opts.readonly: open for reading only (the file must be a project);
-- opts.create = false: refuse a missing file; opts.busy_timeout (ms, 5000);
-- opts.who: default author of codings and memos ($USER).
-- Returns the project, or nil and a message.
function M.open(path, opts)
  if type(path) ~= "string" then error("bad argument #1 to 'open' (string expected, got " .. type(path) .. ")", 2) end
  opts = opts or {}
  if type(opts) ~= "table" then error("bad argument #2 to 'open' (table expected, got " .. type(opts) .. ")", 2) end
  local mode = opts.readonly and "ro" or (opts.create == false and "rw" or "rwc")
  local ok, db = pcall(core.sqlite_open, path, mode)
  if not ok then return nil, tostring(db) end
  db:busy_timeout(opts.busy_timeout or 5000)
  local latest = #M.migrations

  local function header()
    return scalar(db, "PRAGMA application_id"), scalar(db, "PRAGMA user_version"),
           scalar(db, "SELECT count(*) FROM sqlite_master")
  end
  local ok2, app, version, nobjects = pcall(header)
  if not ok2 then
    if db:errcode() & 0xFF == SQLITE_NOTADB then
      return refuse(db, path .. " is not a qualua project (not an SQLite database)")
    end
    return refuse(db, path .. ": " .. tostring(app))
  end
  local fresh = app == 0 and version == 0 and nobjects == 0
  if app ~= M.APPLICATION_ID and not fresh then
    return refuse(db, format("%s is not a qualua project (an SQLite database %s)", path,
      app ~= 0 and format("with application id 0x%08X", app) or "of another application"))
  end
  if version > latest then
    return refuse(db, format("%s was written by a newer qualua (project schema version %d; this qualua reads up to %d): upgrade qualua to open it",
      path, version, latest))
  end
  if version < latest then
    if opts.readonly then
      return refuse(db, fresh and (path .. " is not a qualua project (empty)")
        or format("%s has project schema version %d and needs upgrading to %d: open it once for writing", path, version, latest))
    end
    if fresh then
      -- the journal mode cannot change inside a transaction, and it sticks to the file
      local okw, werr = pcall(db.exec, db, "PRAGMA journal_mode = WAL")
      if not okw then return refuse(db, path .. ": " .. tostring(werr)) end
    end
    local okm, merr = pcall(function()
      db:exec("BEGIN IMMEDIATE")
      -- another process may have created or migrated it meanwhile
      local a2, v2, n2 = header()
      if a2 ~= M.APPLICATION_ID and not (a2 == 0 and v2 == 0 and n2 == 0) then
        error(path .. " is not a qualua project", 0)
      end
      for v = v2 + 1, latest do
        local m = M.migrations[v]
        local okv, verr = pcall(function()
          if type(m) == "function" then m(db) else db:exec(m) end
        end)
        if not okv then
          error(format("%s: migration to project schema version %d failed: %s", path, v, tostring(verr)), 0)
        end
      end
      db:exec(format("PRAGMA application_id = %d", M.APPLICATION_ID))
      db:exec(format("PRAGMA user_version = %d", latest))
      db:exec("COMMIT")
    end)
    if not okm then
      if not db:autocommit() then pcall(db.exec, db, "ROLLBACK") end
      return refuse(db, tostring(merr))
    end
  end
  db:exec("PRAGMA foreign_keys = ON")
  local p = setmetatable({
    db = db, path = path, readonly = opts.readonly and true or false,
    who = opts.who or getenv("USER") or "unknown",
    corpus = core.corpus(),          -- one vocabulary for every document opened
    _stmts = {}, _depth = 0,
    _docs = setmetatable({}, { __mode = "v" }),
  }, Project)
  return p
end

--- Closes the project (idempotent; also its __close and __gc).
function Project:close()
  local db = self.db
  if db and db:is_open() then
    if not db:autocommit() then pcall(db.exec, db, "ROLLBACK") end
    db:close()   -- finalizes the cached statements too
  end
  self._stmts = {}
end
Project.__close = Project.close
Project.__gc = Project.close

--- The schema version of the open project.
function Project:schema_version() return self:value("PRAGMA user_version") end

---------------------------------------------------------------------------
-- Transactions
---------------------------------------------------------------------------

--- Runs fn(project, ...) in one transaction and returns its results.  On an
-- error everything fn wrote is rolled back and the error is raised again.
-- Nested calls run in savepoints, so an inner failure that is caught undoes
-- only the inner work.
function Project:transaction(fn, ...)
  if self.readonly then error("project is open read-only", 2) end
  local db = self.db
  if not db or not db:is_open() then error("project is closed", 2) end
  local depth = self._depth
  if depth == 0 then db:exec("BEGIN IMMEDIATE") else db:exec("SAVEPOINT ql" .. depth) end
  self._depth = depth + 1
  local r = pack(pcall(fn, self, ...))
  self._depth = depth
  if r[1] then
    local ok, err
    if depth == 0 then ok, err = pcall(db.exec, db, "COMMIT")
    else ok, err = pcall(db.exec, db, "RELEASE ql" .. depth) end
    if ok then return unpack(r, 2, r.n) end
    r[2] = err
  end
  if depth == 0 then
    if not db:autocommit() then pcall(db.exec, db, "ROLLBACK") end
  else
    pcall(db.exec, db, "ROLLBACK TO ql" .. depth)
    pcall(db.exec, db, "RELEASE ql" .. depth)
  end
  error(r[2], 0)
end

---------------------------------------------------------------------------
-- Documents
---------------------------------------------------------------------------

local function meta_json(doc)
  local m = doc:meta()
  for k, v in pairs(m) do
    if type(v) == "table" then m[k] = json.array(v) end
  end
  local fields = json.array()
  for _, f in ipairs(doc:fields()) do fields[#fields + 1] = { key = f.key, value = f.value } end
  m.fields = fields
  return json.encode(m)
end

-- Is this content already the current version of a document?  By name
-- first; a name not seen yet matches any document holding these bytes.
function Project:_same(name, hash, bytes)
  -- the bytes are fetched only when the hash matches, to rule out a collision
  local r = self:row([[SELECT d.id, d.current, CASE WHEN v.hash = ? THEN v.source END AS source FROM documents d
    JOIN versions v ON v.document = d.id AND v.version = d.current WHERE d.name = ?]], hash, name)
  if r then
    if r.source == bytes then return r.id, r.current end
    return nil
  end
  for _, x in ipairs(self:query([[SELECT d.id, d.current, v.source FROM versions v
      JOIN documents d ON d.id = v.document AND v.version = d.current WHERE v.hash = ?]], hash)) do
    if x.source == bytes then return x.id, x.current end
  end
  return nil
end

local function is_cont(b) return b and b >= 0x80 and b < 0xC0 end

-- Byte position n characters before byte position i (at a boundary).
local function back_chars(text, i, n)
  local p = i
  for _ = 1, n do
    if p <= 1 then return 1 end
    p = p - 1
    while p > 1 and is_cont(byte(text, p)) do p = p - 1 end
  end
  return p
end

-- Byte position just after n characters from byte position i.
local function forward_chars(text, i, n)
  local p, len = i, #text
  for _ = 1, n do
    if p > len then return len + 1 end
    p = p + 1
    while p <= len and is_cont(byte(text, p)) do p = p + 1 end
  end
  return p
end

-- The quote selector of text[s, e] (1-based inclusive).
local function quote(text, s, e)
  local n = M.CONTEXT
  return sub(text, s, e), sub(text, back_chars(text, s, n), s - 1), sub(text, e + 1, forward_chars(text, e + 1, n) - 1)
end
M.quote = quote

--- Finds where a quote (exact, prefix, suffix) sits in text.  Tries the
-- exact text with both contexts, then with one of them, then alone, each
-- time accepting a unique match (several matches with both contexts: the
-- one nearest near, a 1-based position).  Returns start, stop (1-based
-- inclusive) and how it was found ("context", "prefix", "suffix", "exact"),
-- or nil when it cannot be placed.
function M.place(text, exact, prefix, suffix, near)
  if exact == "" then return nil end
  local full, pre, suf, any = {}, {}, {}, {}
  local init = 1
  while true do
    local s, e = find(text, exact, init, true)
    if not s then break end
    local p = prefix == "" or (s > #prefix and sub(text, s - #prefix, s - 1) == prefix)
    local q = suffix == "" or sub(text, e + 1, e + #suffix) == suffix
    if p and q then full[#full + 1] = s
    elseif p then pre[#pre + 1] = s
    elseif q then suf[#suf + 1] = s end
    any[#any + 1] = s
    init = s + 1
  end
  local n = #exact
  if #full >= 1 then
    local best = full[1]
    if #full > 1 and near then
      for _, s in ipairs(full) do
        if math.abs(s - near) < math.abs(best - near) then best = s end
      end
    end
    return best, best + n - 1, "context"
  end
  if #pre == 1 and #suf == 0 then return pre[1], pre[1] + n - 1, "prefix" end
  if #suf == 1 and #pre == 0 then return suf[1], suf[1] + n - 1, "suffix" end
  if #any == 1 then return any[1], any[1] + n - 1, "exact" end
  return nil
end

local INSERT_CODING = [[INSERT INTO codings
  (document, version, theme, start, stop, exact, prefix, suffix, rule, codebook, unit, terms, who, created_at, origin, anchor)
  VALUES (:document, :version, :theme, :start, :stop, :exact, :prefix, :suffix, :rule, :codebook, :unit, :terms, :who, :created_at, :origin, :anchor)]]

function Project:_insert_coding(c)
  local st = self:_stmt(INSERT_CODING)
  st:bind_names(c)
  while st:step() do end
  st:reset()
  return self.db:last_insert_rowid()
end

-- Shifts a terms JSON string by delta bytes.
local function shift_terms(terms, delta)
  if not terms or delta == 0 then return terms end
  local t = json.decode(terms)
  for _, x in ipairs(t) do
    if x.start then x.start = x.start + delta end
    if x.stop then x.stop = x.stop + delta end
  end
  return json.encode(json.array(t))
end

-- Carries the live and orphaned codings of doc_id onto its new version.
function Project:_carry(doc_id, version, text)
  local placed, orphans = 0, 0
  -- the codings of the previous version, and the orphans of earlier ones
  local tips = self:query([[SELECT * FROM codings c WHERE c.document = ? AND (c.version = ? OR c.orphan = 1)
    AND NOT EXISTS (SELECT 1 FROM codings n WHERE n.origin = c.id) ORDER BY c.id]], doc_id, version - 1)
  for _, c in ipairs(tips) do
    local s, e, how = M.place(text, c.exact, c.prefix, c.suffix, c.start + 1)
    if s then
      local ex, pre, suf = quote(text, s, e)
      self:_insert_coding {
        document = doc_id, version = version, theme = c.theme, start = s - 1, stop = e,
        exact = ex, prefix = pre, suffix = suf, rule = c.rule, codebook = c.codebook, unit = c.unit,
        terms = shift_terms(c.terms, (s - 1) - c.start), who = c.who, created_at = c.created_at,
        origin = c.id, anchor = how,
      }
      placed = placed + 1
    else
      self:exec("UPDATE codings SET orphan = 1 WHERE id = ?", c.id)
      orphans = orphans + 1
    end
  end
  return { placed = placed, orphans = orphans }
end

local function block_rows(doc)
  local rows = {}
  for i, b in doc:blocks() do
    rows[#rows + 1] = { i, b.kind, b.start - 1, b.stop, b:text() }
  end
  return rows
end

-- Replaces the indexed blocks of doc_id by those of doc (version).
function Project:_index_blocks(doc_id, version, doc)
  self:exec([[INSERT INTO blocks_fts (blocks_fts, rowid, text)
    SELECT 'delete', id, text FROM blocks WHERE document = ?]], doc_id)
  self:exec("DELETE FROM blocks WHERE document = ?", doc_id)
  local ins = self:_stmt("INSERT INTO blocks (document, version, block, kind, start, stop, text) VALUES (?, ?, ?, ?, ?, ?, ?)")
  local fts = self:_stmt("INSERT INTO blocks_fts (rowid, text) VALUES (?, ?)")
  for _, r in ipairs(block_rows(doc)) do
    ins:reset(); ins:bind_values(doc_id, version, r[1], r[2], r[3], r[4], r[5])
    while ins:step() do end
    fts:reset(); fts:bind_values(self.db:last_insert_rowid(), r[5])
    while fts:step() do end
  end
  ins:reset(); fts:reset()
end

local function parse_with_name(self, bytes, fmt, name)
  local ok, doc = pcall(core.parse, bytes, fmt or "auto", self.corpus)
  if not ok then error(name .. ": " .. tostring(doc), 3) end
  return doc
end

--- Adds a document: a path, or with opts.text = true the string itself.
-- opts.name: the name to file it under (default: the path, or "text:<hash>");
-- opts.format: force a reader.
-- Returns id, added (false when the same content was already there),
-- version, and for a new version of a document { placed = n, orphans = m }:
-- its codings carried over and left behind.  Raises when the file cannot
-- be read or the reader refuses it (binary input), naming it.
function Project:add(src, opts)
  opts = opts or {}
  if type(src) ~= "string" then error("bad argument #1 to 'add' (string expected, got " .. type(src) .. ")", 2) end
  if type(opts) ~= "table" then error("bad argument #2 to 'add' (table expected, got " .. type(opts) .. ")", 2) end
  local bytes, name
  if opts.text then bytes = src
  else
    local f, err = io.open(src, "rb")
    if not f then error(err, 2) end
    bytes, err = f:read("a")
    f:close()
    if not bytes then error(src .. ": " .. tostring(err), 2) end
  end
  local hash = core.hash64(bytes)
  name = opts.name or (opts.text and "text:" .. hash) or src
  -- unchanged: answer without parsing and without taking the write lock
  local id, version = self:_same(name, hash, bytes)
  if id then return id, false, version end
  local doc = parse_with_name(self, bytes, opts.format, name)
  return self:transaction(function()
    local id2, v2 = self:_same(name, hash, bytes)
    if id2 then return id2, false, v2 end
    local t = now()
    local d = self:row("SELECT id, current FROM documents WHERE name = ?", name)
    local doc_id, ver
    if d then
      doc_id, ver = d.id, d.current + 1
      self:exec("UPDATE documents SET current = ? WHERE id = ?", ver, doc_id)
    else
      self:exec("INSERT INTO documents (name, current, added_at) VALUES (?, 1, ?)", name, t)
      doc_id, ver = self.db:last_insert_rowid(), 1
    end
    local text = doc:text()
    local st = self:_stmt([[INSERT INTO versions
      (document, version, hash, size, format, title, source, text, meta, model, added_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)]])
    st:bind_values(doc_id, ver, hash, #bytes, doc:format(), doc:meta().title, "", text,
                   meta_json(doc), "", t)
    st:bind_blob(7, bytes)
    st:bind_blob(10, doc:save_blob { source = false, text = false })
    while st:step() do end
    st:reset()
    self:_index_blocks(doc_id, ver, doc)
    local carried
    if ver > 1 then carried = self:_carry(doc_id, ver, text) end
    self:_keep(doc_id .. ":" .. ver, doc)
    return doc_id, true, ver, carried
  end)
end

--- Adds several documents (paths, or strings with opts.text) in one
-- transaction, which is much faster than one add each.  Returns a list of
-- { id, added, version, carried } in the order given.
function Project:add_many(sources, opts)
  if type(sources) ~= "table" then error("bad argument #1 to 'add_many' (table expected, got " .. type(sources) .. ")", 2) end
  return self:transaction(function()
    local out = {}
    for i, src in ipairs(sources) do
      local ok, id, added, version, carried = pcall(self.add, self, src, opts)
      if not ok then error(id, 0) end
      out[i] = { id = id, added = added, version = version, carried = carried }
    end
    return out
  end)
end

--- Every document with its current version: a list of
-- { id, name, version, hash, size, format, title, added_at, updated_at }.
function Project:documents()
  return self:query([[SELECT id, name, version, hash, size, format, title, added_at, updated_at
    FROM current_documents ORDER BY id]])
end

--- The id and current version of the document filed under name, or nil.
function Project:lookup(name)
  local r = self:row("SELECT id, current FROM documents WHERE name = ?", name)
  if r then return r.id, r.current end
  return nil
end

--- The versions of a document: { version, hash, size, format, title, added_at }.
function Project:versions(id)
  return self:query("SELECT version, hash, size, format, title, added_at FROM versions WHERE document = ? ORDER BY version", id)
end

-- Caches an open document under "id:version", with the project's own
-- actors found in it.
function Project:_keep(key, doc)
  local actors = self:actors()
  if #actors > 0 then doc:find_actors(actors) end
  self._docs[key] = doc
end

--- Reopens a document (its current version, or the given one) from its
-- stored model, without reading it again.  The Doc shares the project's
-- vocabulary (project.corpus).  Raises when there is no such document.
function Project:document(id, version)
  if math_type(id) ~= "integer" then error("bad argument #1 to 'document' (integer expected, got " .. type(id) .. ")", 2) end
  version = version or self:value("SELECT current FROM documents WHERE id = ?", id)
  if not version then error("no document " .. id, 2) end
  local key = id .. ":" .. version
  local doc = self._docs[key]
  if doc then return doc end
  local r = self:row("SELECT source, text, model, format FROM versions WHERE document = ? AND version = ?", id, version)
  if not r then error(format("document %d has no version %d", id, version), 2) end
  local ok, loaded = pcall(core.load_blob, r.model, self.corpus, r.source, r.text)
  if ok then doc = loaded
  else
    -- a model from another qualua: read the source again, if that gives the
    -- very text the codings point into
    local ok2, again = pcall(core.parse, r.source, r.format, self.corpus)
    if not (ok2 and again:text() == r.text) then
      error(format("document %d version %d cannot be reopened (%s), and reading its source again gives another text: add it again",
        id, version, tostring(loaded)), 2)
    end
    doc = again
  end
  self:_keep(key, doc)
  return doc
end

--- The current documents as a qualua Corpus (shared vocabulary), with
-- corpus.ids[i] the project id of corpus.docs[i].
function Project:corpus_of()
  local c = setmetatable({ vocab = self.corpus, docs = {}, names = {}, ids = {} }, qualua.Corpus)
  for _, d in ipairs(self:documents()) do
    local i = #c.docs + 1
    c.docs[i], c.names[i], c.ids[i] = self:document(d.id, d.version), d.name, d.id
  end
  return c
end

---------------------------------------------------------------------------
-- Codings
---------------------------------------------------------------------------

local function check_int(v, what, i)
  if math_type(v) ~= "integer" then error(format("coding %d: %s must be an integer (got %s)", i, what, type(v)), 4) end
  return v
end

--- Adds codings to the current version of document doc_id, in one
-- transaction.  Each is a table { theme, start, stop (1-based inclusive, as
-- qualua.coding makes them), rule (default "hand"), who, unit, terms,
-- codebook }; opts.who and opts.codebook give defaults.  Returns the ids.
function Project:add_codings(doc_id, list, opts)
  opts = opts or {}
  if math_type(doc_id) ~= "integer" then error("bad argument #1 to 'add_codings' (integer expected, got " .. type(doc_id) .. ")", 2) end
  if type(list) ~= "table" then error("bad argument #2 to 'add_codings' (table expected, got " .. type(list) .. ")", 2) end
  local cur = self:row([[SELECT d.current, v.text FROM documents d
    JOIN versions v ON v.document = d.id AND v.version = d.current WHERE d.id = ?]], doc_id)
  if not cur then error("no document " .. doc_id, 2) end
  local text, n = cur.text, #cur.text
  local rows = {}
  for i, c in ipairs(list) do
    if type(c) ~= "table" then error(format("coding %d: table expected, got %s", i, type(c)), 2) end
    if type(c.theme) ~= "string" or c.theme == "" then error(format("coding %d: theme must be a non-empty string", i), 2) end
    local s, e = check_int(c.start, "start", i), check_int(c.stop, "stop", i)
    if s < 1 or e < s or e > n then
      error(format("coding %d: [%d, %d] is not a non-empty range of the text (1..%d)", i, s, e, n), 2)
    end
    if c.version and c.version ~= cur.current then
      error(format("coding %d: version %d is not the current version (%d)", i, c.version, cur.current), 2)
    end
    local terms
    if type(c.terms) == "table" and #c.terms > 0 then
      local t = json.array()
      for _, x in ipairs(c.terms) do
        t[#t + 1] = { term = x.term, pattern = x.pattern, start = x.start and x.start - 1, stop = x.stop }
      end
      terms = json.encode(t)
    end
    local ex, pre, suf = quote(text, s, e)
    rows[i] = {
      document = doc_id, version = cur.current, theme = c.theme, start = s - 1, stop = e,
      exact = ex, prefix = pre, suffix = suf, rule = c.rule or "hand",
      codebook = c.codebook or opts.codebook, unit = c.unit, terms = terms,
      who = c.who or opts.who or self.who, created_at = c.created_at or now(),
    }
  end
  return self:transaction(function()
    local ids = {}
    for i, r in ipairs(rows) do ids[i] = self:_insert_coding(r) end
    return ids
  end)
end

local function like_escape(s) return (s:gsub("[\\%%_]", "\\%0")) end

local function coding_filter(f, orphans)
  f = f or {}
  local where, args = {}, {}
  local function add(cond, ...)
    where[#where + 1] = cond
    for i = 1, select("#", ...) do args[#args + 1] = select(i, ...) end
  end
  if orphans then
    add("c.orphan = 1 AND NOT EXISTS (SELECT 1 FROM codings n WHERE n.origin = c.id)")
  elseif f.version then add("c.version = ?", f.version)
  elseif not f.all then add("c.version = d.current") end
  if f.document then add("c.document = ?", f.document) end
  if f.theme then add("(c.theme = ? OR c.theme LIKE ? ESCAPE '\\')", f.theme, like_escape(f.theme) .. "/%") end
  if f.rule then add("c.rule = ?", f.rule) end
  if f.hand then add("c.rule = 'hand'") end
  if f.who then add("c.who = ?", f.who) end
  if f.codebook then add("c.codebook = ?", f.codebook) end
  return (#where > 0 and " WHERE " .. concat(where, " AND ") or ""), args
end

local function coding_of(r)
  r.start = r.start + 1   -- back to 1-based inclusive
  if r.terms then
    local t = json.decode(r.terms)
    for _, x in ipairs(t) do if x.start then x.start = x.start + 1 end end
    r.terms = t
  end
  return r
end

local CODING_COLUMNS = [[SELECT c.id, c.document, d.name, c.version, c.theme, c.start, c.stop, c.exact, c.prefix,
  c.suffix, c.rule, c.codebook, c.unit, c.terms, c.who, c.created_at, c.origin, c.anchor
  FROM codings c JOIN documents d ON d.id = c.document]]

--- Codings, by default those of the current versions.  filter: document,
-- theme (the theme or any below it), rule, hand = true, who, codebook,
-- version (that version's), all = true (every version).  Each coding is
-- { id, document, name, version, theme, start, stop (1-based inclusive),
-- exact, prefix, suffix, rule, codebook, unit, terms, who, created_at,
-- origin, anchor }.
function Project:codings(filter)
  local where, args = coding_filter(filter)
  local out = self:query(CODING_COLUMNS .. where .. " ORDER BY c.document, c.version, c.start, c.id", unpack(args))
  for _, r in ipairs(out) do coding_of(r) end
  return out
end

--- Codings that could not be carried to their document's current version
-- (their quote is gone); they keep their old version, offsets and quote.
-- Same filter keys as codings.
function Project:orphans(filter)
  local where, args = coding_filter(filter, true)
  local out = self:query(CODING_COLUMNS .. where .. " ORDER BY c.document, c.version, c.start, c.id", unpack(args))
  for _, r in ipairs(out) do coding_of(r) end
  return out
end

--- Deletes the codings matching filter (as for codings; {} is refused,
-- use { all = true } to delete every coding).  Returns how many.
function Project:delete_codings(filter)
  if type(filter) ~= "table" or next(filter) == nil then
    error("bad argument #1 to 'delete_codings' (a non-empty filter expected; { all = true } for every coding)", 2)
  end
  local where, args = coding_filter(filter)
  return self:transaction(function()
    self:exec("DELETE FROM codings WHERE id IN (SELECT c.id FROM codings c JOIN documents d ON d.id = c.document"
      .. where .. ")", unpack(args))
    return self.db:changes()
  end)
end

---------------------------------------------------------------------------
-- Actors
---------------------------------------------------------------------------

--- The project's own actors: { {name =, canonical =}, ... } by name
-- (canonical nil when a name counts as itself).
function Project:actors()
  return self:query("SELECT name, canonical FROM actors ORDER BY name")
end

-- One entry of an actor list, as doc:find_actors takes them: "Pears",
-- {name = "Healthwatch Kent", canonical = "Healthwatch"}, {"Mind", "Mind (charity)"},
-- or the pair ["Mind"] = "Mind (charity)".
local function actor_entry(k, v)
  local name, canonical
  if math_type(k) == "integer" then
    if type(v) == "string" then name = v
    elseif type(v) == "table" then name, canonical = v.name or v[1], v.canonical or v[2]
    else error(format("bad actor #%d: a name or a {name =, canonical =} table expected, got %s", k, type(v)), 3) end
  else name, canonical = k, v end
  if type(name) ~= "string" or not find(name, "%S") then error("bad actor: every actor needs a non-empty name", 3) end
  if canonical ~= nil and type(canonical) ~= "string" then
    error(format("bad actor '%s': its canonical name must be a string, got %s", tostring(name), type(canonical)), 3)
  end
  return name, canonical
end

--- Adds actors to look for in every document of the project, beside the
-- built-in gazetteer: a list as doc:find_actors takes.  A name already
-- there takes the new canonical name.  Documents already open find them at
-- once; documents opened later find them when they are opened.
function Project:add_actors(list)
  if type(list) ~= "table" then error("bad argument #1 to 'add_actors' (table expected, got " .. type(list) .. ")", 2) end
  local rows = {}
  for k, v in pairs(list) do
    local name, canonical = actor_entry(k, v)
    rows[#rows + 1] = { name, canonical }
  end
  self:transaction(function()
    local t = now()
    for _, r in ipairs(rows) do
      self:exec([[INSERT INTO actors (name, canonical, added_at) VALUES (?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET canonical = excluded.canonical]], r[1], r[2], t)
    end
  end)
  local actors = self:actors()
  for _, doc in pairs(self._docs) do doc:find_actors(actors) end
  return #rows
end

---------------------------------------------------------------------------
-- Codebooks
---------------------------------------------------------------------------

--- Stores a codebook's source under name.  Returns id, version, added
-- (false when it equals the latest version of that name).
function Project:add_codebook(name, body)
  if type(name) ~= "string" or type(body) ~= "string" then error("bad arguments to 'add_codebook' (name and body strings expected)", 2) end
  local hash = core.hash64(body)
  return self:transaction(function()
    local last = self:row("SELECT id, version, body FROM codebooks WHERE name = ? ORDER BY version DESC LIMIT 1", name)
    if last and last.body == body then return last.id, last.version, false end
    local v = last and last.version + 1 or 1
    self:exec("INSERT INTO codebooks (name, version, hash, body, added_at) VALUES (?, ?, ?, ?, ?)", name, v, hash, body, now())
    return self.db:last_insert_rowid(), v, true
  end)
end

--- The body and version of a codebook (its latest version by default), or nil.
function Project:codebook(name, version)
  local r
  if version then r = self:row("SELECT body, version FROM codebooks WHERE name = ? AND version = ?", name, version)
  else r = self:row("SELECT body, version FROM codebooks WHERE name = ? ORDER BY version DESC LIMIT 1", name) end
  if r then return r.body, r.version end
  return nil
end

--- Every codebook version: { id, name, version, hash, added_at }.
function Project:codebooks()
  return self:query("SELECT id, name, version, hash, added_at FROM codebooks ORDER BY name, version")
end

---------------------------------------------------------------------------
-- Memos
---------------------------------------------------------------------------

--- Writes a memo and returns its id.  m: { body (required), title,
-- document, coding, theme, start, stop (1-based inclusive, in the document's
-- current version), who }; with m.id, updates that memo's title and body.
function Project:memo(m)
  if type(m) ~= "table" or type(m.body) ~= "string" then error("bad argument #1 to 'memo' (table with a body string expected)", 2) end
  return self:transaction(function()
    local t = now()
    if m.id then
      self:exec("UPDATE memos SET body = ?, title = coalesce(?, title), updated_at = ? WHERE id = ?", m.body, m.title, t, m.id)
      if self.db:changes() == 0 then error("no memo " .. tostring(m.id), 0) end
      return m.id
    end
    local version
    if m.document then
      version = self:value("SELECT current FROM documents WHERE id = ?", m.document)
      if not version then error("no document " .. tostring(m.document), 0) end
    end
    self:exec([[INSERT INTO memos (document, version, coding, theme, start, stop, title, body, who, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)]], m.document, version, m.coding, m.theme,
      m.start and m.start - 1, m.stop, m.title, m.body, m.who or self.who, t, t)
    return self.db:last_insert_rowid()
  end)
end

--- Memos, filtered by document, coding or theme: { id, document, version,
-- coding, theme, start, stop, title, body, who, created_at, updated_at }.
function Project:memos(filter)
  filter = filter or {}
  local where, args = {}, {}
  for _, k in ipairs { "document", "coding", "theme" } do
    if filter[k] ~= nil then where[#where + 1] = k .. " = ?"; args[#args + 1] = filter[k] end
  end
  local out = self:query("SELECT * FROM memos" .. (#where > 0 and " WHERE " .. concat(where, " AND ") or "")
    .. " ORDER BY id", unpack(args))
  for _, r in ipairs(out) do if r.start then r.start = r.start + 1 end end
  return out
end

---------------------------------------------------------------------------
-- Search
---------------------------------------------------------------------------

--- Full-text search (FTS5 query syntax) over the blocks of the current
-- versions.  opts: limit (50), open/close marks around hits ("[", "]"),
-- ellipsis ("…"), tokens (words of context, 12).  Returns a list of
-- { document, name, version, block, kind, start, stop (1-based inclusive),
-- snippet, rank } best first, or nil and a message for a bad query.
function Project:search(q, opts)
  if type(q) ~= "string" then error("bad argument #1 to 'search' (string expected, got " .. type(q) .. ")", 2) end
  opts = opts or {}
  local ok, res = pcall(self.query, self, [[
    SELECT b.document, d.name, b.version, b.block, b.kind, b.start, b.stop,
           snippet(blocks_fts, 0, ?, ?, ?, ?) AS snippet, bm25(blocks_fts) AS rank
    FROM blocks_fts JOIN blocks b ON b.id = blocks_fts.rowid JOIN documents d ON d.id = b.document
    WHERE blocks_fts MATCH ? ORDER BY rank LIMIT ?]],
    opts.open or "[", opts.close or "]", opts.ellipsis or "…", opts.tokens or 12, q, opts.limit or 50)
  if not ok then
    local msg = tostring(res):gsub("^.-:%d+: ", "")
    return nil, "bad search query '" .. q .. "': " .. msg
  end
  for _, r in ipairs(res) do r.start = r.start + 1 end
  return res
end

---------------------------------------------------------------------------

--- Checks the database file: "ok" or SQLite's list of problems.
function Project:check()
  local out = {}
  for _, r in ipairs(self:query("PRAGMA integrity_check")) do out[#out + 1] = r.integrity_check end
  return concat(out, "\n")
end

--- Adds qualua.open to a qualua module table.
function M.install(q)
  qualua = q
  q.open = M.open
  q.Project = Project
end

M.Project = Project

-- qualua's init.lua may require this module while it is itself loading:
-- then it has published itself in package.loaded first.
M.install(package.loaded.qualua or require "qualua")

return M
