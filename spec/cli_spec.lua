-- The qualua command: show, show --json, stats, and its exit codes.
local H = require "spec.helpers"
local json = require "qualua.json"

describe("qualua show", function()
  it("prints the model as JSON with exactly the documented keys", function()
    local code, out = H.qualua("show --json " .. H.seeds.portal)
    assert.equal(0, code)
    local m = assert(json.decode(out))
    local keys = {}
    for k in pairs(m) do keys[#keys + 1] = k end
    table.sort(keys)
    -- the model's keys, plus the annotations' (acronyms, actors, quantities, references, recommendations)
    assert.same({ "abbreviations", "actors", "blocks", "dropped", "enumerations", "footnotes", "format", "meta",
                  "quantities", "recommendations", "references", "repairs", "sections", "sentences", "text",
                  "warnings" }, keys)
    assert.equal("portal-page", m.format)
    -- 0-based half-open offsets into text
    for _, b in ipairs(m.blocks) do
      assert.is_true(b.start >= 0 and b.stop <= #m.text and b.start < b.stop)
    end
    local s = m.sentences[1]
    assert.equal(m.text:sub(s[1] + 1, s[2]):match("^%S"), m.text:sub(s[1] + 1, s[1] + 1))
    assert.is_table(m.meta.fields)
  end)

  it("prints an outline", function()
    local code, out = H.qualua("show " .. H.seeds.ris)
    assert.equal(0, code)
    assert.matches("%[ris%]", out)
  end)

  it("forces a reader with --format", function()
    local code, out = H.qualua("show --json --format text " .. H.seeds.ris)
    assert.equal(0, code)
    assert.equal("text", json.decode(out).format)
  end)

  it("exits 1 with a one-line message on a missing file", function()
    local code, out, err = H.qualua("show no-such-file.txt")
    assert.equal(1, code)
    assert.equal("", out)
    assert.matches("^qualua: no%-such%-file.txt: No such file or directory\n$", err)
  end)

  it("exits 1 on a bad option", function()
    local code, _, err = H.qualua("show --bogus x")
    assert.equal(1, code)
    assert.matches("unknown option", err)
  end)
end)

describe("qualua stats", function()
  it("lists every seed and a total with MB/s", function()
    local code, out = H.qualua("stats seeds")
    assert.equal(0, code)
    local lines = 0
    for _ in out:gmatch("seeds/%d%d%d_") do lines = lines + 1 end
    assert.equal(5, lines)
    assert.matches("total: 5 documents, 110939 bytes read in [%d.]+ s %([%d.]+ MB/s%)", out)
  end)
end)
