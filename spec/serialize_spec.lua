-- The document model as a blob (doc:save_blob / qualua.core.load_blob): a
-- reloaded document is the document that was read, and a damaged or forged
-- blob is refused with a message, never crashed on (run under ASan by
-- `make asan`).
local H = require "spec.helpers"
local qualua = require "qualua"
local model_json = require "qualua.model_json"
local core = qualua.core

local HEADER = 40
local CHECKSUM_SEED = 0x716c646d00000001  -- src/serialize.c

-- Rewrites the length and checksum of a blob whose body was changed, so
-- the loader's own checks (not the checksum) have to catch the damage.
local function reseal(blob)
  local body = blob:sub(HEADER + 1)
  local sum = tonumber(core.hash64(body, CHECKSUM_SEED), 16)
  return blob:sub(1, 8) .. string.pack("<i8<i8", #blob, sum) .. blob:sub(25)
end

local function tokens_of(doc)
  local out = {}
  for i, t in doc:tokens() do out[i] = { t.start, t.stop, t.kind, t.form } end
  return out
end

local function seeds()
  local out = {}
  for name, path in pairs(H.seeds) do out[#out + 1] = { name = name, path = path, bytes = H.read_file(path) } end
  table.sort(out, function(a, b) return a.path < b.path end)
  return out
end

describe("the document model blob", function()
  it("reloads every seed to the same model, annotations included", function()
    for _, s in ipairs(seeds()) do
      local doc = qualua.parse(s.bytes)
      local back = core.load_blob(doc:save_blob())
      assert.equal(doc:source(), back:source(), s.name)
      assert.equal(doc:format(), back:format(), s.name)
      assert.same(model_json.model(doc), model_json.model(back), s.name)
      assert.same(tokens_of(doc), tokens_of(back), s.name)
      for pos = 1, #doc:text() + 1, 37 do
        assert.equal(doc:source_offset(pos), back:source_offset(pos), s.name)
      end
    end
  end)

  it("is byte-identical when a reloaded document is saved again", function()
    for _, s in ipairs(seeds()) do
      local blob = qualua.parse(s.bytes):save_blob()
      assert.equal(blob, core.load_blob(blob):save_blob(), s.name)
    end
  end)

  it("can leave out the source and text, and then needs those very bytes back", function()
    local doc = qualua.read(H.seeds.brief)
    local slim = doc:save_blob { source = false, text = false }
    assert.is_true(#slim < #doc:save_blob() - #doc:source())
    local back = core.load_blob(slim, nil, doc:source(), doc:text())
    assert.equal(doc:text(), back:text())
    assert.has_error(function() core.load_blob(slim) end,
      "bad document model: it was saved without its source, and none was given")
    assert.has_error(function() core.load_blob(slim, nil, doc:source() .. " ", doc:text()) end)
    assert.has_error(function() core.load_blob(slim, nil, doc:source(), doc:text():upper()) end)
  end)

  it("interns token forms into the corpus it is loaded into", function()
    local corpus = qualua.corpus()
    local a = corpus:add(H.seeds.landing)
    local n = corpus.vocab:vocab_size()
    local b = core.load_blob(qualua.read(H.seeds.portal):save_blob(), corpus.vocab)
    local c = core.load_blob(a:save_blob(), corpus.vocab)
    assert.is_true(corpus.vocab:vocab_size() > n)
    for i, t in a:tokens() do
      local _, id = c:token_form(i)
      assert.equal(t.id, id)
    end
    -- a word both documents use has one id
    local ids = {}
    for _, t in a:tokens() do ids[t.form] = t.id end
    local shared = 0
    for _, t in b:tokens() do
      if ids[t.form] then assert.equal(ids[t.form], t.id); shared = shared + 1 end
    end
    assert.is_true(shared > 100)
  end)

  it("refuses what is not a blob, another version, a bad checksum, and a wrong length", function()
    local blob = qualua.read(H.seeds.ris):save_blob()
    assert.has_error(function() core.load_blob("hello") end,
      "bad document model: not a qualua document model (no QLDM header)")
    local newer = blob:sub(1, 4) .. string.pack("<I4", 99) .. blob:sub(9)
    assert.has_error(function() core.load_blob(newer) end,
      "bad document model: layout version 99 comes from a newer qualua (this qualua reads version 1)")
    local flipped = blob:sub(1, 100) .. string.char((blob:byte(101) + 1) % 256) .. blob:sub(102)
    assert.has_error(function() core.load_blob(flipped) end, "bad document model: checksum mismatch: the blob is damaged")
    local ok, err = pcall(core.load_blob, blob:sub(1, -2))
    assert.is_false(ok)
    assert.matches("truncated or padded", err)
  end)

  it("refuses truncated and damaged bodies even with a matching checksum", function()
    math.randomseed(20240531)
    local refused, loaded = 0, 0
    for _, s in ipairs(seeds()) do
      local doc = qualua.parse(s.bytes)
      for _, blob in ipairs { doc:save_blob(), doc:save_blob { source = false, text = false } } do
        -- truncation points through the first kilobyte, then a sample
        local cuts = {}
        for n = HEADER, math.min(#blob - 1, HEADER + 1024), 5 do cuts[#cuts + 1] = n end
        for _ = 1, 60 do cuts[#cuts + 1] = math.random(HEADER, #blob - 1) end
        for _, n in ipairs(cuts) do
          local ok, err = pcall(core.load_blob, reseal(blob:sub(1, n)), nil, doc:source(), doc:text())
          assert.is_false(ok, s.name .. " cut at " .. n)
          assert.matches("^bad document model: ", err)
          refused = refused + 1
        end
        -- random bytes changed: refused, or loaded into a model whose spans hold
        for _ = 1, 50 do
          local damaged = blob
          for _ = 1, math.random(1, 3) do
            local i = math.random(HEADER + 1, #blob)
            damaged = damaged:sub(1, i - 1) .. string.char(math.random(0, 255)) .. damaged:sub(i + 1)
          end
          damaged = reseal(damaged)
          local ok, back = pcall(core.load_blob, damaged, nil, doc:source(), doc:text())
          if ok then
            loaded = loaded + 1
            local text = back:text()
            for _, what in ipairs { "block", "section", "sentence", "token" } do
              local n = back:count(what)
              for i = 1, n, what == "token" and 97 or 1 do
                local sp = back:span(what, i)
                assert.equal(text:sub(sp.start, sp.stop), sp:text())
              end
            end
            model_json.model(back)
            core.load_blob(back:save_blob())
          else
            assert.matches("^bad document model: ", back)
            refused = refused + 1
          end
        end
      end
    end
    assert.is_true(refused > 500 and loaded > 0, refused .. " refused, " .. loaded .. " loaded")
  end)

  it("hashes bytes to 16 hex digits, the same on every machine", function()
    assert.equal(16, #core.hash64(""))
    assert.equal(core.hash64("abc"), core.hash64("abc"))
    assert.are_not.equal(core.hash64("abc"), core.hash64("abd"))
    assert.are_not.equal(core.hash64("abc"), core.hash64("abc", 1))
    -- pinned: stored hashes must not change between versions
    assert.equal("b50c42884d21bddb", core.hash64(H.read_file(H.seeds.ris)))
  end)
end)
