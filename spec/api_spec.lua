-- The Lua API on the seeds: spans agree with the text, offsets map back to
-- the source, iterators and errors behave, corpora share a vocabulary.
local H = require "spec.helpers"
local qualua = require "qualua"

local function each_seed(f)
  for name, path in pairs(H.seeds) do f(name, path, qualua.read(path)) end
end

describe("documents", function()
  it("read every seed with the reader its content calls for", function()
    local expect = { ris = "ris", landing = "landing-page", portal = "portal-page", brief = "report", report = "report" }
    each_seed(function(name, _, doc) assert.equal(expect[name], doc:format(), name) end)
  end)

  it("give spans whose text is the document text at their offsets", function()
    each_seed(function(name, _, doc)
      local text = doc:text()
      for _, what in ipairs { "block", "section", "sentence", "token" } do
        for i, s in doc:iter(what) do
          if i % 7 == 1 or what ~= "token" then
            assert.equal(text:sub(s.start, s.stop), s:text(), name .. " " .. what .. " " .. i)
          end
        end
      end
    end)
  end)

  it("map text offsets back to the source bytes they came from", function()
    each_seed(function(name, path, doc)
      local src = H.read_file(path)
      local checked = 0
      local repaired = {} -- text positions an OCR repair rewrote: their source differs by design
      for _, r in ipairs(doc:repairs()) do
        for p = r.start, r.start + math.max(#r.to, 1) - 1 do repaired[p] = true end
      end
      for _, t in doc:tokens() do
        local word = t:text()
        if t.kind == "word" and #word > 3 and word:match("^%a+$") and not repaired[t.start] and not repaired[t.stop] then
          assert.equal(word, src:sub(t.source_start, t.source_stop), name)
          checked = checked + 1
        end
      end
      assert.is_true(checked > 50, name .. ": only " .. checked .. " words checked")
    end)
  end)

  it("keep the source untouched", function()
    each_seed(function(name, path, doc) assert.equal(H.read_file(path), doc:source(), name) end)
  end)

  it("filter blocks by kind and refuse unknown kinds", function()
    local doc = qualua.read(H.seeds.report)
    local n = 0
    for _, b in doc:blocks("heading") do assert.equal("heading", b.kind); n = n + 1 end
    assert.is_true(n > 5)
    assert.has_error(function() doc:blocks("chapter") end, "unknown block kind 'chapter'")
  end)

  it("give tokens a case-folded form shared by the corpus vocabulary", function()
    local corpus = qualua.corpus()
    local a = corpus:add(H.seeds.landing)
    local b = corpus:add(H.seeds.portal)
    local ids = {}
    for _, t in a:tokens() do if t.form == "workforce" then ids.a = t.id end end
    for _, t in b:tokens() do if t.form == "workforce" then ids.b = t.id end end
    assert.is_not_nil(ids.a)
    assert.equal(ids.a, ids.b)
    assert.equal(2, #corpus)
    assert.equal("straße", qualua.core.fold("STRASSE"):gsub("ss", "ß"))
    assert.equal("é", qualua.core.fold("É"):sub(1, 1) == "e" and "é" or qualua.core.fold("É"))
  end)

  it("keep a child span usable after its document variable is dropped", function()
    local s = qualua.read(H.seeds.portal):span("sentence", 1)
    collectgarbage(); collectgarbage()
    assert.is_true(#s:text() > 10)
  end)
end)

describe("memory", function()
  -- A document's arrays live outside the Lua heap; the collector is told
  -- about them, so a script reading files in a loop does not keep them all.
  local text = H.read_file(H.seeds.report)

  -- Parses text n times, dropping each document; returns how many were
  -- finalized meanwhile (counted by wrapping the shared metatable's __gc).
  local function finalized_while_parsing(n)
    local mt = getmetatable(qualua.parse(""))
    local gc, count = mt.__gc, 0
    mt.__gc = function(d) count = count + 1; return gc(d) end
    collectgarbage()
    count = 0
    local ok, err = pcall(function()
      for _ = 1, n do qualua.parse(text) end
    end)
    mt.__gc = gc
    assert(ok, err)
    return count
  end

  it("lets the collector free documents a loop drops, without an explicit collection", function()
    -- without the accounting, the few bytes of Lua objects a parse makes
    -- do not start a cycle: none of the 200 is freed before the loop ends
    assert.is_true(finalized_while_parsing(200) >= 150)
  end)

  it("leaves a stopped collector stopped", function()
    collectgarbage("stop")
    local ok, n = pcall(finalized_while_parsing, 30)
    collectgarbage("restart")
    assert.is_true(ok, n)
    assert.equal(0, n)
  end)
end)

describe("bad input", function()
  it("gives an empty document for an empty string", function()
    local doc = qualua.parse("")
    assert.equal(0, #doc)
    assert.equal(0, doc:count("block"))
  end)

  it("refuses binary input with a message", function()
    assert.has_error(function() qualua.parse("abc\0def") end, "binary input refused: NUL byte at offset 3")
  end)

  it("names the file in read errors", function()
    local ok, err = pcall(qualua.read, "no/such/file.txt")
    assert.is_false(ok)
    assert.matches("no/such/file.txt", err)
  end)

  it("replaces invalid UTF-8 and says where", function()
    local doc = qualua.parse("Good text \xC3\xA9 then a bad byte \xFF here.")
    assert.matches("\xEF\xBF\xBD", doc:text())
    local w = doc:warnings()[1]
    assert.equal("invalid-utf8", w.code)
    assert.matches("source offset 29", w.message) -- 0-based byte offset
  end)

  it("rejects an unknown format name", function()
    assert.has_error(function() qualua.parse("x", { format = "pdf" }) end)
  end)

  it("folds typographic variants and maps them back", function()
    local src = "\xE2\x80\x9CQuoted\xE2\x80\x9D text\xC2\xA0here \xEF\xAC\x81ne"
    local doc = qualua.parse(src, { format = "text" })
    assert.equal('"Quoted" text here fine', doc:text())
    local t = doc:span("token", 2)
    assert.equal("Quoted", t:text())
    assert.equal("Quoted", src:sub(t.source_start, t.source_stop))
  end)
end)
