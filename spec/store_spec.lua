-- The project store (qualua.open): documents round-trip through the SQLite
-- file, re-adding is a no-op, changed files become versions whose codings
-- follow their quotes (or are listed as orphans), FTS5 search, refusals of
-- foreign and newer files, schema migration, a reader during a write, and
-- a writer killed with SIGKILL in the middle of a transaction.
local H = require "spec.helpers"
local qualua = require "qualua"
local store = require "qualua.store"
local model_json = require "qualua.model_json"
local core = qualua.core

local tmpdir, write, exists = H.tmpdir, H.write_file, H.exists
local function rmdir(dir) os.execute("rm -rf '" .. dir .. "'") end

local function size_of(path)
  local f = io.open(path, "rb")
  if not f then return 0 end
  local n = f:seek("end")
  f:close()
  return n
end

local function tokens_of(doc)
  local out = {}
  for i, t in doc:tokens() do out[i] = { t.start, t.stop, t.kind, t.form, t.id } end
  return out
end

local function sentence_starting(doc, prefix)
  for _, s in doc:sentences() do
    if s:text():sub(1, #prefix) == prefix then return s end
  end
  error("no sentence starts with " .. prefix)
end

-- A Lua script for a child process that finds the same modules as we do.
local function child_script(path, body)
  write(path, string.format("package.path = %q\npackage.cpath = %q\n", package.path, package.cpath) .. body)
  return path
end

local SEED_ORDER = { "ris", "landing", "portal", "brief", "report" }

describe("a project", function()
  local dir, db
  before_each(function()
    dir = tmpdir()
    db = dir .. "/project.qualua"
  end)
  after_each(function() rmdir(dir) end)

  it("stores every seed and reopens it from the model, as it was read", function()
    local p = assert(qualua.open(db))
    local ids = {}
    for _, k in ipairs(SEED_ORDER) do
      local id, added, version = p:add(H.seeds[k])
      assert.is_true(added)
      assert.equal(1, version)
      ids[k] = id
    end
    p:close()
    p = assert(qualua.open(db))
    local docs = p:documents()
    assert.equal(5, #docs)
    for _, k in ipairs(SEED_ORDER) do
      local back = p:document(ids[k])
      -- read into the project's vocabulary, so that token ids compare too
      local fresh = qualua.read(H.seeds[k], { corpus = p.corpus })
      assert.equal(fresh:source(), back:source(), k)
      assert.same(model_json.model(fresh), model_json.model(back), k)
      assert.same(tokens_of(fresh), tokens_of(back), k)
      assert.same(fresh:meta(), back:meta(), k)
      local row = p:row("SELECT format, title, size, hash FROM current_documents WHERE id = ?", ids[k])
      assert.equal(fresh:format(), row.format)
      assert.equal(fresh:meta().title, row.title)
      assert.equal(#fresh:source(), row.size)
      assert.equal(core.hash64(fresh:source()), row.hash)
    end
    -- documents reopened from one project share its vocabulary
    local a, b = p:document(ids.landing), p:document(ids.portal)
    local ida, idb
    for _, t in a:tokens() do if t.form == "primary" then ida = t.id; break end end
    for _, t in b:tokens() do if t.form == "primary" then idb = t.id; break end end
    assert.is_not_nil(ida)
    assert.equal(ida, idb)
    local corpus = p:corpus_of()
    assert.equal(5, #corpus)
    assert.equal(ids.ris, corpus.ids[1])
    assert.equal("ok", p:check())
    p:close()
    p:close()  -- idempotent
    assert.has_error(function() p:documents() end, "project is closed")
  end)

  it("adds many documents in one transaction, or none of them", function()
    local p <close> = assert(qualua.open(db))
    local paths = {}
    for i, k in ipairs(SEED_ORDER) do paths[i] = H.seeds[k] end
    local res = p:add_many(paths)
    assert.equal(5, #res)
    assert.is_true(res[5].added)
    assert.is_false(p:add_many({ H.seeds.ris })[1].added)
    local new, missing = dir .. "/new.txt", dir .. "/missing.txt"
    write(new, "A new text, never added before.")
    assert.has_error(function() p:add_many { new, missing } end)
    assert.equal(5, #p:documents())
    assert.is_nil(p:lookup(new))
    -- a model the store cannot load is rebuilt from the source when that gives the same text
    p:exec("UPDATE versions SET model = x'00' WHERE document = ?", res[2].id)
    assert.equal(qualua.read(H.seeds.landing):text(), p:document(res[2].id):text())
    p:exec("UPDATE versions SET text = 'changed' WHERE document = ?", res[2].id)
    p._docs = {}
    assert.has_error(function() p:document(res[2].id) end)
  end)

  it("treats re-adding unchanged content as a no-op", function()
    local p <close> = assert(qualua.open(db))
    local id = p:add(H.seeds.brief)
    local id2, added, version = p:add(H.seeds.brief)
    assert.equal(id, id2)
    assert.is_false(added)
    assert.equal(1, version)
    -- the same bytes under another name, or given as text, are the same document
    local copy = dir .. "/copy.txt"
    write(copy, H.read_file(H.seeds.brief))
    assert.same({ id, false, 1 }, { p:add(copy) })
    assert.same({ id, false, 1 }, { p:add(H.read_file(H.seeds.brief), { text = true }) })
    assert.equal(1, p:value("SELECT count(*) FROM versions"))
    local tid, tadded = p:add("Some text of its own.", { text = true })
    assert.is_true(tadded)
    assert.equal("text:" .. core.hash64("Some text of its own."), p:documents()[2].name)
    assert.equal(tid, (p:lookup(p:documents()[2].name)))
  end)

  it("makes a changed file a new version and carries the codings by their quote", function()
    local path = dir .. "/brief.txt"
    local v1 = H.read_file(H.seeds.brief)
    write(path, v1)
    local p <close> = assert(qualua.open(db))
    local id = p:add(path)
    local doc = p:document(id)
    local coded = sentence_starting(doc, "As the roundtable highlighted")
    local other = sentence_starting(doc, "The NHS remains one of the most unified")
    local nhs = other.start + (other:text():find("NHS", 1, true)) - 1
    p:add_codings(id, {
      { theme = "System/Challenges", start = coded.start, stop = coded.stop, who = "ana" },
      { theme = "System/NHS", start = other.start, stop = other.stop, rule = "System/NHS#1", unit = "sentence",
        terms = { { term = "nhs", pattern = "NHS", start = nhs, stop = nhs + 2 } } },
    }, { codebook = "test" })
    local before = p:codings { document = id }
    assert.equal(2, #before)
    assert.equal(coded:text(), before[1].exact)
    assert.equal("hand", before[1].rule)
    assert.equal("ana", before[1].who)
    assert.equal(doc:text():sub(coded.start - #before[1].prefix, coded.start - 1), before[1].prefix)
    assert.equal(32, utf8.len(before[1].prefix))
    assert.equal("test", before[2].codebook)

    -- version 2: a paragraph inserted before the coded sentence's paragraph
    local block
    for _, b in doc:blocks() do
      if b.start <= coded.start and coded.start <= b.stop then block = b; break end
    end
    local at = block.source_start
    local inserted = "This paragraph was added in the second version of the brief.\n\n"
    local v2 = v1:sub(1, at - 1) .. inserted .. v1:sub(at)
    write(path, v2)
    local id2, added, version, carried = p:add(path)
    assert.equal(id, id2)
    assert.is_true(added)
    assert.equal(2, version)
    assert.same({ placed = 2, orphans = 0 }, carried)
    local doc2 = p:document(id)
    assert.truthy(doc2:text():find("This paragraph was added in the second version of the brief.", 1, true))
    local after = p:codings { document = id }
    assert.equal(2, #after)
    for i, c in ipairs(after) do
      assert.equal(2, c.version)
      assert.equal(before[i].exact, c.exact)
      assert.equal(c.exact, doc2:text():sub(c.start, c.stop))
      assert.is_true(c.start > before[i].start)
      assert.equal(before[i].id, c.origin)
      assert.is_string(c.anchor)
    end
    assert.equal("NHS", doc2:text():sub(after[2].terms[1].start, after[2].terms[1].stop))
    -- the old version keeps its codings and its text
    assert.equal(4, #p:codings { document = id, all = true })
    assert.equal(v1, p:document(id, 1):source())
    assert.same({ 1, 2 }, { p:versions(id)[1].version, p:versions(id)[2].version })

    -- version 3: the coded sentence is deleted; its coding is listed, not dropped
    local gone = sentence_starting(doc2, "As the roundtable highlighted")
    local v3 = v2:sub(1, gone.source_start - 1) .. v2:sub(gone.source_stop + 1)
    write(path, v3)
    local _, _, version3, carried3 = p:add(path)
    assert.equal(3, version3)
    assert.same({ placed = 1, orphans = 1 }, carried3)
    local live = p:codings { document = id }
    assert.equal(1, #live)
    assert.equal("System/NHS", live[1].theme)
    local orphans = p:orphans()
    assert.equal(1, #orphans)
    assert.equal("System/Challenges", orphans[1].theme)
    assert.equal(2, orphans[1].version)
    assert.equal(coded:text(), orphans[1].exact)
    assert.equal(5, #p:codings { all = true })

    -- version 4: the sentence is back, and so is its coding
    write(path, v2)
    local _, _, version4, carried4 = p:add(path)
    assert.equal(4, version4)
    assert.same({ placed = 2, orphans = 0 }, carried4)
    assert.equal(0, #p:orphans())
    assert.equal(2, #p:codings { document = id })
    assert.equal(1, #p:codings { theme = "System" , hand = true })
    assert.equal(1, #p:codings { theme = "System/NHS" })
    assert.equal(0, #p:codings { theme = "Sys" })
    assert.equal(1, p:delete_codings { document = id, rule = "System/NHS#1" })
    assert.equal(1, #p:codings { document = id })
    assert.has_error(function() p:delete_codings {} end)
    -- deleting a carried coding does not bring back its ancestor as an orphan
    assert.equal(0, #p:orphans())
  end)

  it("gives documents that outlive their project", function()
    local p = assert(qualua.open(db))
    local id = p:add(H.seeds.landing)
    p:close()
    p = assert(qualua.open(db))
    local doc = p:document(id)
    p:close()
    p = nil  -- luacheck: ignore
    collectgarbage()
    collectgarbage()
    local fresh = qualua.read(H.seeds.landing)
    assert.equal(fresh:text(), doc:text())
    assert.equal(fresh:span("token", 10).form, doc:span("token", 10).form)
  end)

  it("places quotes by context, then by one side, then alone", function()
    local text = "alpha beta gamma. alpha beta delta. beta"
    assert.same({ 7, 10, "context" }, { store.place(text, "beta", "alpha ", " gamma", 1) })
    assert.same({ 9, 12, "prefix" }, { store.place("x alpha beta gamma. omega beta", "beta", "alpha ", " zzz", 1) })
    assert.same({ 27, 30, "suffix" }, { store.place("x alpha beta gamma. omega beta zzz", "beta", "q ", " zzz", 1) })
    assert.same({ 1, 5, "exact" }, { store.place("alpha", "alpha", "q", "r", 1) })
    assert.is_nil(store.place(text, "alpha", "x", "y", 1))   -- two matches, no context
    assert.is_nil(store.place(text, "omega", "", "", 1))
    -- several full matches: the one nearest the old position
    assert.equal(9, (store.place("ab x ab x ab x ab", "x", " ", " ", 10)))
  end)

  it("rejects codings that do not fit the text", function()
    local p <close> = assert(qualua.open(db))
    local id = p:add("A short text.", { text = true })
    assert.has_error(function() p:add_codings(id, { { theme = "T", start = 5, stop = 99 } }) end,
      "coding 1: [5, 99] is not a non-empty range of the text (1..13)")
    assert.has_error(function() p:add_codings(id, { { start = 1, stop = 2 } }) end,
      "coding 1: theme must be a non-empty string")
    assert.has_error(function() p:add_codings(99, {}) end, "no document 99")
    assert.equal(0, #p:codings { all = true })
  end)

  it("searches the current blocks with FTS5 and shows hits in context", function()
    local p <close> = assert(qualua.open(db))
    for _, k in ipairs(SEED_ORDER) do p:add(H.seeds[k]) end
    local hits = assert(p:search("workforce"))
    assert.is_true(#hits > 3)
    for _, h in ipairs(hits) do
      assert.matches("%[[Ww]orkforce%]", h.snippet)
      local doc = p:document(h.document)
      local b = doc:span("block", h.block)
      assert.equal(b.start, h.start)
      assert.equal(b.stop, h.stop)
      assert.equal(b.kind, h.kind)
      assert.is_string(h.name)
    end
    local phrase = assert(p:search('"primary care networks"', { limit = 3, open = "<b>", close = "</b>" }))
    assert.equal(3, #phrase)
    assert.matches("<b>", phrase[1].snippet)
    assert.equal(0, #assert(p:search("zzyzzyva")))
    local none, err = p:search('"unbalanced')
    assert.is_nil(none)
    assert.matches("^bad search query", err)
  end)

  it("keeps codebooks with versions and memos", function()
    local p <close> = assert(qualua.open(db))
    local id = p:add(H.seeds.portal)
    assert.same({ 1, 1, true }, { p:add_codebook("primary_care", "return {}") })
    assert.same({ 1, 1, false }, { p:add_codebook("primary_care", "return {}") })
    local _, v2, added = p:add_codebook("primary_care", "return { themes = {} }")
    assert.same({ 2, true }, { v2, added })
    assert.same({ "return {}", 1 }, { p:codebook("primary_care", 1) })
    assert.same({ "return { themes = {} }", 2 }, { p:codebook("primary_care") })
    assert.equal(2, #p:codebooks())
    local m = p:memo { body = "Check the policy objectives.", document = id, start = 1, stop = 10, who = "ana" }
    p:memo { id = m, body = "Checked." }
    local memos = p:memos { document = id }
    assert.equal(1, #memos)
    assert.equal("Checked.", memos[1].body)
    assert.equal(1, memos[1].start)
    assert.equal("ana", memos[1].who)
  end)

  it("rolls back every write of a failed transaction", function()
    local p <close> = assert(qualua.open(db))
    p:add(H.seeds.ris)
    assert.has_error(function()
      p:transaction(function()
        p:add(H.seeds.portal)
        p:add_codebook("cb", "x")
        error("boom", 0)
      end)
    end, "boom")
    assert.equal(1, #p:documents())
    assert.equal(0, #p:codebooks())
    -- a caught failure inside undoes only the inner work
    p:transaction(function()
      p:add(H.seeds.portal)
      pcall(p.transaction, p, function() p:add(H.seeds.landing); error("inner") end)
    end)
    assert.equal(2, #p:documents())
  end)

  describe("refuses", function()
    it("a file that is not an SQLite database", function()
      local path = dir .. "/notes.txt"
      write(path, "These are my notes, not a database. They go on for a while to fill a page.\n")
      local p, err = qualua.open(path)
      assert.is_nil(p)
      assert.equal(path .. " is not a qualua project (not an SQLite database)", err)
      assert.equal("These are my notes, not a database. They go on for a while to fill a page.\n", H.read_file(path))
    end)

    it("an SQLite database of another application", function()
      local raw = core.sqlite_open(db)
      raw:exec("CREATE TABLE contacts (name TEXT)")
      raw:close()
      local p, err = qualua.open(db)
      assert.is_nil(p)
      assert.equal(db .. " is not a qualua project (an SQLite database of another application)", err)
      raw = core.sqlite_open(db)
      raw:exec("PRAGMA application_id = 1234")
      raw:close()
      assert.equal(db .. " is not a qualua project (an SQLite database with application id 0x000004D2)",
        select(2, qualua.open(db)))
    end)

    it("a project written by a newer qualua", function()
      assert(qualua.open(db)):close()
      local raw = core.sqlite_open(db)
      raw:exec("PRAGMA user_version = 99")
      raw:close()
      local p, err = qualua.open(db)
      assert.is_nil(p)
      assert.equal(string.format("%s was written by a newer qualua (project schema version 99; this qualua reads up to %d): upgrade qualua to open it",
        db, #store.migrations), err)
    end)

    it("to open a missing file read-only or with create = false", function()
      assert.is_nil(qualua.open(db, { readonly = true }))
      assert.is_nil(qualua.open(db, { create = false }))
      assert.is_false(exists(db))
    end)
  end)

  it("keeps the project's own actors and finds them in every document it opens", function()
    local p = assert(qualua.open(db))
    local id = p:add(H.seeds.brief)
    local open = p:document(id)
    local function canonical_of(doc, name)
      for _, m in ipairs(doc:actors()) do if m.name == name then return m.canonical end end
    end
    assert.is_nil(canonical_of(open, "Pears"))
    assert.equal(2, p:add_actors { "Pears", { name = "Healthwatch Kent", canonical = "Healthwatch" } })
    -- a document already open finds them at once
    assert.equal("Pears", canonical_of(open, "Pears"))
    p:add_actors { Pears = "Pears Foundation" } -- a name already there takes the new canonical name
    assert.same({ { name = "Healthwatch Kent", canonical = "Healthwatch" }, { name = "Pears", canonical = "Pears Foundation" } },
      p:actors())
    p:close()
    p = assert(qualua.open(db))
    assert.equal("Pears Foundation", canonical_of(p:document(id), "Pears"))
    assert.has_error(function() p:add_actors { { canonical = "x" } } end, "bad actor: every actor needs a non-empty name")
    assert.has_error(function() p:add_actors { Mind = 3 } end, "bad actor 'Mind': its canonical name must be a string, got number")
    assert.equal(2, #p:actors()) -- a refused list adds nothing
    p:close()
  end)

  it("migrates an older schema forward in one transaction", function()
    local n = #store.migrations
    assert(qualua.open(db)):close()
    finally(function() for i = #store.migrations, n + 1, -1 do store.migrations[i] = nil end end)
    store.migrations[n + 1] = "CREATE TABLE extra (x); INSERT INTO extra VALUES (42);"
    local p = assert(qualua.open(db))
    assert.equal(n + 1, p:schema_version())
    assert.equal(42, p:value("SELECT x FROM extra"))
    p:close()
    -- a failing migration leaves the file as it was
    store.migrations[n + 2] = "CREATE TABLE half (x); CREATE TABLE documents (x);"
    local q, err = qualua.open(db)
    assert.is_nil(q)
    assert.matches("migration to project schema version " .. (n + 2) .. " failed: table documents already exists", err, 1, true)
    store.migrations[n + 2] = nil
    p = assert(qualua.open(db))
    assert.equal(n + 1, p:schema_version())
    assert.equal(0, p:value("SELECT count(*) FROM sqlite_master WHERE name = 'half'"))
    p:close()
  end)

  it("lets readers read while a writer writes", function()
    local w <close> = assert(qualua.open(db))
    w:add(H.seeds.ris)
    local r <close> = assert(qualua.open(db, { readonly = true }))
    assert.equal("wal", r:value("PRAGMA journal_mode"))
    local reader = child_script(dir .. "/reader.lua", [[
      local qualua = require "qualua"
      require "qualua.store"
      local p = assert(qualua.open(arg[1], { readonly = true, busy_timeout = 0 }))
      io.write(#p:documents())
      p:close()
    ]])
    w:transaction(function()
      w:add(H.seeds.portal)
      assert.equal(2, #w:documents())          -- the writer sees its own work
      assert.equal(1, #r:documents())          -- a reader, not blocked, sees the last commit
      local h = io.popen("lua5.4 " .. reader .. " " .. db)
      local out = h:read("a")
      h:close()
      assert.equal("1", out)                   -- so does another process
    end)
    assert.equal(2, #r:documents())
  end)

  it("keeps the previous state when a writer is killed mid-transaction", function()
    local p = assert(qualua.open(db))
    for _, k in ipairs(SEED_ORDER) do p:add(H.seeds[k]) end
    local before = p:documents()
    p:close()
    local marker = dir .. "/marker"
    local writer = child_script(dir .. "/writer.lua", [[
      local qualua = require "qualua"
      require "qualua.store"
      local p = assert(qualua.open(arg[1]))
      local f = assert(io.open(arg[2], "rb"))
      local src = f:read("a")
      f:close()
      p:transaction(function()
        for i = 1, 100000 do
          p:add(src .. "\n\nCopy " .. i .. ".", { text = true, name = "copy " .. i })
          if i == 30 then local m = io.open(arg[3], "w"); m:write("in the transaction"); m:close() end
        end
      end)
    ]])
    local h = io.popen(string.format("lua5.4 %s %s %s %s >/dev/null 2>&1 & echo $!", writer, db, H.seeds.report, marker))
    local pid = h:read("l")
    h:close()
    assert.matches("^%d+$", pid)
    for _ = 1, 600 do
      if exists(marker) then break end
      os.execute("sleep 0.05")
    end
    assert.is_true(exists(marker), "the writer never got going")
    os.execute("sleep 0.2")
    assert.is_true(os.execute("kill -9 " .. pid))
    for _ = 1, 100 do
      if not os.execute("kill -0 " .. pid .. " 2>/dev/null") then break end
      os.execute("sleep 0.05")
    end
    -- the killed transaction had written to the log
    assert.is_true(size_of(db .. "-wal") > 0)
    p = assert(qualua.open(db))
    assert.equal("ok", p:check())
    assert.same(before, p:documents())
    assert.is_nil(p:lookup("copy 1"))
    assert.equal(0, p:value("SELECT count(*) FROM blocks WHERE document > 5"))
    -- and it takes writes again
    assert.is_true(select(2, p:add(H.read_file(H.seeds.ris) .. "\nN1  - new", { text = true })))
    p:close()
  end)
end)

describe("the SQLite binding", function()
  it("prepares, binds, steps and finalizes, and closes once for all", function()
    local path = os.tmpname()
    local db = core.sqlite_open(path)
    db:exec("CREATE TABLE t (a INTEGER, b REAL, c TEXT, d BLOB)")
    local ins = db:prepare("INSERT INTO t VALUES (?, ?, :c, ?)")
    ins:bind_values(1, 2.5, "x", nil)
    assert.is_false(ins:step())
    assert.equal(1, db:last_insert_rowid())
    assert.equal(1, db:changes())
    ins:reset():bind(1, 2):bind(":c", "y"):bind_blob(4, "\0\1\2")
    assert.is_false(ins:step())
    local sel = db:prepare("SELECT * FROM t ORDER BY a")
    assert.is_true(sel:step())
    assert.same({ 1, 2.5, "x" }, { sel:values() })
    assert.same({ a = 1, b = 2.5, c = "x" }, sel:named())
    assert.is_true(sel:step())
    assert.equal("\0\1\2", sel:column(4))
    assert.equal("d", sel:column_name(4))
    assert.equal(4, sel:column_count())
    assert.is_false(sel:step())
    assert.has_error(function() db:prepare("SELECT * FROM nowhere") end, "no such table: nowhere")
    assert.has_error(function() db:prepare("SELECT 1; SELECT 2") end)
    assert.has_error(function() db:exec("INSERT INTO nowhere VALUES (1)") end, "no such table: nowhere")
    assert.has_error(function() ins:bind(9, 1) end)
    local named = db:prepare("SELECT :x + :y")
    named:bind_names { x = 1, y = 2 }
    assert.is_true(named:step())
    assert.equal(3, named:column(1))
    assert.is_true(db:autocommit())
    -- closing the database finalizes its statements; every close is idempotent
    db:close()
    db:close()
    assert.has_error(function() sel:step() end, "statement is finalized")
    assert.has_error(function() db:exec("SELECT 1") end, "database is closed")
    sel:finalize()
    -- statements keep their database alive
    local db2 = core.sqlite_open(path)
    local st = db2:prepare("SELECT count(*) FROM t")
    db2 = nil  -- luacheck: ignore
    collectgarbage()
    collectgarbage()
    assert.is_true(st:step())
    assert.equal(2, st:column(1))
    st = nil  -- luacheck: ignore
    collectgarbage()
    os.remove(path)
  end)
end)
