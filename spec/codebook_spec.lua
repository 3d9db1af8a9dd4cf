local H = require "spec.helpers"
local cb = require "qualua.codebook"
local lpeg = require "lpeg"

local tmpname = H.tmpname

-- Expects building to fail with a message holding every fragment.
local function refused(fn, ...)
  local ok, err = pcall(fn)
  assert.is_false(ok, "expected a refusal")
  err = tostring(err)
  for _, frag in ipairs{ ... } do
    assert.is_truthy(err:find(frag, 1, true), ("message %q lacks %q"):format(err, frag))
  end
  return err
end

describe("codebook language", function()
  it("builds a tree of themes with paths, rules and inherited settings", function()
    local book = cb.codebook "Test" {
      description = "d", unit = "sentence",
      cb.theme "Workforce" {
        description = "Staff", color = "#1f77b4", unit = "paragraph",
        "recruit*", "general practitioner*", cb.exact "ARRS", cb.stem "shortage",
        cb.near("GP", "shortage*", 5),
        cb.all{ "funding", "workforce", unit = "section" },
        cb.any{ "morale", "burnout" },
        cb.rule{ any = { "pension*", "LLP*" }, only = { category = "results" }, name = "pensions" },
        cb.rule{ any = { "burnout" }, none = { "no burnout" } },
        cb.lpeg(lpeg.P"£" * lpeg.R"09"^1),
        exclude = { "retention of records" },
        cb.theme "Morale" { "morale", "demoralis*" },
      },
      cb.theme "Funding" { stem = true, "fund" },
    }
    assert.are.equal("Test", book.name)
    assert.are.same({ "Workforce", "Workforce/Morale", "Funding" }, book:paths())
    local w = book:theme("Workforce")
    assert.are.equal(10, #w.rules)
    assert.are.equal("Workforce#1", w.rules[1].label)
    assert.are.equal("Workforce#pensions", w.rules[8].label)
    assert.are.same({ "RESULTS" }, w.rules[8].only.category)
    assert.are.equal(5, w.rules[5].near.k)
    assert.are.equal("section", w.rules[6].unit)
    assert.is_true(w.rules[3].any[1].exact)
    assert.is_true(w.rules[4].any[1].stem)
    assert.are.equal("retention of records", w.exclude[1].text)
    assert.are.equal("paragraph", cb.effective_unit(book, book:theme("Workforce/Morale")))
    assert.are.equal("sentence", cb.effective_unit(book, book:theme("Funding")))
    assert.is_true(cb.effective_stem(book, book:theme("Funding")))
    assert.are.equal(2, book:theme("Workforce/Morale").depth)
  end)

  it("accepts the table forms of codebook and theme, and not/not_ for exclusions", function()
    local book = cb.codebook{ name = "T", cb.theme{ name = "A", "x", ["not"] = { "x y" } },
                              cb.theme{ name = "B", not_ = "z", { any = { "y" } } } }
    assert.are.equal("x y", book:theme("A").exclude[1].text)
    assert.are.equal("z", book:theme("B").exclude[1].text)
    assert.are.equal("y", book:theme("B").rules[1].any[1].text)
  end)

  describe("refuses malformed codebooks, naming the theme and the rule", function()
    it("an unknown key in a rule", function()
      refused(function() cb.codebook "C" { cb.theme "A" { cb.theme "B" { "x", cb.rule{ any = { "y" }, scop = "paragraph" } } } } end,
        'codebook "C"', 'theme "A/B"', "rule #2", 'unknown key "scop"')
    end)
    it("an unknown key in a theme", function()
      refused(function() cb.codebook "C" { cb.theme "A" { "x", colour_ = "#fff" } } end, 'theme "A"', 'unknown key "colour_"')
    end)
    it("an unknown key in the codebook", function()
      refused(function() cb.codebook "C" { units = "sentence" } end, 'codebook "C"', 'unknown key "units"')
    end)
    it("an empty pattern", function()
      refused(function() cb.codebook "C" { cb.theme "A" { "x", "   " } } end, 'theme "A"', "rule #2", "empty pattern")
      refused(function() cb.codebook "C" { cb.theme "A" { cb.any{ "x", "" } } } end, 'theme "A"', "rule #1", "empty pattern")
    end)
    it("a wildcard alone", function()
      refused(function() cb.codebook "C" { cb.theme "A" { cb.theme "B" { "ok", "*" } } } end,
        'theme "A/B"', "rule #2", "wildcard alone")
      refused(function() cb.codebook "C" { cb.theme "A" { "primary **" } } end, "rule #1", "wildcard alone")
      refused(function() cb.codebook "C" { cb.theme "A" { cb.near("?", "x", 2) } } end, "rule #1", "wildcard alone")
    end)
    it("a pattern that is not a string", function()
      refused(function() cb.codebook "C" { cb.theme "A" { 42 } } end, 'theme "A"', "rule #1", "a rule must be a pattern string or a table")
      refused(function() cb.codebook "C" { cb.theme "A" { cb.any{ "x", true } } } end, "rule #1", "a pattern must be a string, got boolean")
      refused(function() cb.codebook "C" { cb.theme "A" { cb.rule{ all = { "x", { 1 } } } } } end, "rule #1", "got number")
      refused(function() cb.codebook "C" { cb.theme "A" { cb.exact(7) } } end, "rule #1", "got number")
    end)
    it("a cycle in the tree", function()
      local body = { "x" }
      local a = cb.theme "A" (body)
      body[2] = a
      refused(function() cb.codebook "C" { a } end, 'theme "A', "cycle")
      local inner = {}
      local b = cb.theme "B" { cb.theme "C" (inner) }
      inner[1] = b
      refused(function() cb.codebook "C" { b } end, 'theme "B/C/B"', "cycle")
    end)
    it("the same theme twice, duplicate names, '/' in a name", function()
      local t = cb.theme "T" { "x" }
      refused(function() cb.codebook "C" { cb.theme "A" { t }, cb.theme "B" { t } } end, 'theme "B/T"', "twice")
      refused(function() cb.codebook "C" { cb.theme "A" { "x" }, cb.theme "A" { "y" } } end, 'two themes named "A"')
      refused(function() cb.codebook "C" { cb.theme "A" { cb.theme "B" {}, cb.theme "B" {} } } end, 'theme "A"', 'two sub-themes named "B"')
      refused(function() cb.codebook "C" { cb.theme "A/B" { "x" } } end, "contains '/'")
      refused(function() cb.codebook "C" { cb.theme "" { "x" } } end, "non-empty name")
    end)
    it("bad units, filters, distances and rules that can never fire", function()
      refused(function() cb.codebook "C" { cb.theme "A" { unit = "page", "x" } } end, 'theme "A"', 'unknown unit "page"')
      refused(function() cb.codebook "C" { cb.theme "A" { cb.all{ "x", unit = "line" } } } end, "rule #1", 'unknown unit "line"')
      refused(function() cb.codebook "C" { cb.theme "A" { cb.rule{ any = { "x" }, only = { category = "FINDINGS" } } } } end,
        "rule #1", 'unknown NLM category "FINDINGS"')
      refused(function() cb.codebook "C" { cb.theme "A" { cb.rule{ any = { "x" }, only = { block = "table" } } } } end,
        "rule #1", 'unknown block kind "table"')
      refused(function() cb.codebook "C" { cb.theme "A" { cb.rule{ any = { "x" }, only = { where = "x" } } } } end,
        "rule #1", 'unknown key "where" in only')
      refused(function() cb.codebook "C" { cb.theme "A" { cb.near("a", "b", 0) } } end, "rule #1", "distance k >= 1")
      refused(function() cb.codebook "C" { cb.theme "A" { cb.near("a", "b", 2.5) } } end, "rule #1", "distance k >= 1")
      refused(function() cb.codebook "C" { cb.theme "A" { cb.rule{ none = { "x" } } } } end, "rule #1", "no positive condition")
      refused(function() cb.codebook "C" { cb.theme "A" { cb.rule{ any = {} } } } end, "rule #1", "empty pattern list")
      refused(function() cb.codebook "C" { cb.theme "A" { cb.lpeg("not a pattern") } } end, "rule #1", "LPeg pattern")
      refused(function() cb.codebook "C" { cb.theme "A" { color = "blue", "x" } } end, 'theme "A"', "color")
      refused(function() cb.codebook "C" { cb.theme "A" { cb.rule{ any = { "x" }, exclude = { "y" }, ["not"] = { "z" } } } } end,
        "rule #1", "exclusions once")
    end)
  end)

  it("validate returns nil and the message instead of raising", function()
    local book, err = cb.validate("V", { cb.theme "A" { "*" } })
    assert.is_nil(book)
    assert.is_truthy(err:find('theme "A", rule #1', 1, true))
    assert.is_truthy(cb.validate("V", { cb.theme "A" { "x" } }))
  end)

  it("writes rules back in the same language", function()
    local book = cb.codebook "S" {
      cb.theme "A" {
        "a*", cb.exact "ICB", cb.near({ "GP", "GPs" }, "shortage*", 3),
        cb.rule{ all = { "x", { "y", "z" } }, none = { "w" }, unit = "paragraph", only = { category = "RESULTS", block = "list item" } },
      },
    }
    local r = book:theme("A").rules
    assert.are.equal('"a*"', cb.rule_source(r[1]))
    assert.are.equal('cb.exact("ICB")', cb.rule_source(r[2]))
    assert.are.equal('cb.rule{near = {{"GP", "GPs"}, "shortage*", 3}}', cb.rule_source(r[3]))
    assert.are.equal('cb.rule{all = {"x", {"y", "z"}}, none = {"w"}, unit = "paragraph", only = {category = {"RESULTS"}, block = {"list_item"}}}',
      cb.rule_source(r[4]))
  end)
end)

describe("codebook files", function()
  local function sample()
    return cb.codebook "Round trip" {
      description = "A codebook with every kind of rule & some <markup>",
      unit = "sentence",
      cb.theme "Workforce" {
        description = "Staff \"quoted\", new\nline", color = "#1f77b4",
        "recruit*", "general practitioner*", cb.exact "ARRS", cb.stem "shortage",
        cb.near("GP", "shortage*", 5),
        cb.all{ "funding", "workforce", unit = "paragraph" },
        cb.rule{ any = { "pension*", "LLP*" }, only = { category = "RESULTS", section = "funding" }, name = "pensions" },
        cb.rule{ any = { "burnout" }, none = { "no burnout" }, exclude = { "burnout risk" } },
        exclude = { "retention of records" },
        cb.theme "Morale" { unit = "paragraph", stem = true, "morale", "demoralis*" },
      },
      cb.theme "Access" { codable = false, cb.theme "Appointments" { "appointment*", "same-day" } },
    }
  end

  it("round-trips through REFI-QDA codebook XML (.qdc) with every rule", function()
    local book = sample()
    local path = tmpname(".qdc")
    local dropped = cb.save(book, path)
    assert.are.same({}, dropped)
    local back = cb.load(path)
    assert.are.equal("Round trip", back.name)
    assert.are.equal(book:dump(), back:dump())
    assert.are.same(book:paths(), back:paths())
    assert.are.same(book:patterns(), back:patterns())
    assert.is_false(back:theme("Access").codable)
    assert.are.equal("Staff \"quoted\", new\nline", back:theme("Workforce").description)
    -- saving twice gives the same bytes (GUIDs derive from the paths)
    assert.are.equal(book:to_qdc(), back:to_qdc())
    os.remove(path)
  end)

  it("writes .qdc files that the REFI-QDA schema accepts", function()
    local xsd_path = H.refi_schema("Codebook.xsd")
    for _, book in ipairs{ sample(), cb.builtin("primary_care") } do
      local qdc = tmpname(".qdc")
      cb.save(book, qdc)
      local ok = os.execute(("xmllint --noout --schema %q %q 2>/dev/null"):format(xsd_path, qdc))
      assert.is_true(ok, book.name .. " does not validate")
      os.remove(qdc)
    end
    os.remove(xsd_path)
  end)

  it("reads .qdc files from other tools: no rules, namespaces, entities, sets", function()
    local xml = [==[<?xml version="1.0" encoding="utf-8"?>
<!-- exported by another tool -->
<qdc:CodeBook xmlns:qdc="urn:QDA-XML:codebook:1.0" origin="NVivo 14">
  <qdc:Codes>
    <qdc:Code guid="{3F2504E0-4F89-11D3-9A0C-0305E82C3301}" name="Health &amp; care" isCodable="true" color="#A0B">
      <qdc:Description><![CDATA[Codes about <care>]]></qdc:Description>
      <qdc:Code guid="3f2504e0-4f89-11d3-9a0c-0305e82c3302" name="Caf&#233;" isCodable="false"/>
    </qdc:Code>
  </qdc:Codes>
  <qdc:Sets><qdc:Set guid="3f2504e0-4f89-11d3-9a0c-0305e82c3303" name="A set"/></qdc:Sets>
</qdc:CodeBook>]==]
    local book = cb.from_qdc(xml, "imported")
    assert.are.equal("imported", book.name)
    assert.are.same({ "Health & care", "Health & care/Café" }, book:paths())
    local t = book:theme("Health & care")
    assert.are.equal("Codes about <care>", t.description)
    assert.are.equal("3f2504e0-4f89-11d3-9a0c-0305e82c3301", t.guid)
    assert.are.equal("#A0B", t.color)
    assert.are.equal(0, #t.rules)
    assert.is_false(book:theme("Health & care/Café").codable)
  end)

  it("refuses broken XML and foreign roots", function()
    assert.has_error(function() cb.from_qdc("<CodeBook><Codes></CodeBook>") end)
    assert.has_error(function() cb.from_qdc("<Project/>") end, "not a REFI-QDA codebook: root element is <Project>")
  end)

  local function plain()
    return cb.codebook "Plain" {
      cb.theme "workforce" { "GP", "general practitioner*", "recruit*", "full-time equivalent" },
      cb.theme "voluntary sector" { "VCSE", "voluntary, community and social enterprise", "charit*" },
      cb.theme "integration" {
        "integrat*",
        cb.theme "networks" { "primary care network*", "PCN?" },
        cb.theme "boards" { "integrated care board*", cb.theme "deep" { "ICB" } },
      },
      cb.theme "empty" {},
      cb.theme "only children" { cb.theme "a" { "x" }, cb.theme "b" { "y" } },
    }
  end

  it("round-trips plain patterns through quanteda-style JSON dictionaries", function()
    local book = plain()
    local path = tmpname(".json")
    assert.are.same({}, cb.save(book, path))
    local back = cb.load(path)
    assert.are.same(book:paths(), back:paths())
    assert.are.same(book:patterns(), back:patterns())
    assert.are.equal(book:to_json(), back:to_json())
    -- it is JSON indeed
    local f = io.open(path); local text = f:read("a"); f:close()
    assert.are.same({ "VCSE", "voluntary, community and social enterprise", "charit*" }, require("cjson").decode(text)["voluntary sector"])
    os.remove(path)
  end)

  it("round-trips plain patterns through YAML dictionaries", function()
    local book = plain()
    local path = tmpname(".yml")
    assert.are.same({}, cb.save(book, path))
    local back = cb.load(path)
    assert.are.same(book:paths(), back:paths())
    assert.are.same(book:patterns(), back:patterns())
    assert.are.equal(book:to_yaml(), back:to_yaml())
    os.remove(path)
    -- a hand-written quanteda dictionary, unquoted
    local y = cb.from_yaml("economy:\n  - tax*\n  - budget deficit\nsociety:\n  family:\n    - famil*\n  crime:\n    - crim*\n", "q")
    assert.are.same({ "economy", "society", "society/family", "society/crime" }, y:paths())
  end)

  it("reports what a dictionary cannot hold, and refuses it when strict", function()
    local book = cb.codebook "Rich" { cb.theme "A" { "x", cb.exact "ICB", cb.near("a", "b", 2) } }
    local json, dropped = cb.to_json(book)
    assert.are.equal(2, #dropped)
    assert.is_truthy(dropped[1]:find('theme "A", rule #2', 1, true))
    assert.are.same({ "x" }, require("cjson").decode(json).A)
    assert.has_error(function() cb.save(book, tmpname(".json"), { strict = true }) end)
  end)

  it("refuses dictionaries with non-string patterns, naming the key", function()
    local ok, err = pcall(cb.from_json, '{"workforce": ["GP", 3]}', "d")
    assert.is_false(ok)
    assert.is_truthy(err:find('theme "workforce", rule #2', 1, true))
    ok, err = pcall(cb.from_json, '{"a": ["*"]}', "d")
    assert.is_false(ok)
    assert.is_truthy(err:find('theme "a", rule #1', 1, true) and err:find("wildcard alone", 1, true))
  end)

  it("loads the 414-pattern benchmark codebook in its key order", function()
    local book = cb.load(H.need_shared("bench/codebook-414.json"))
    local size = book:size()
    assert.are.equal(20, size.themes)
    assert.are.equal(414, size.patterns)
    assert.are.equal("workforce", book:paths()[1])
    assert.are.equal("funding", book:paths()[2])
    assert.is_truthy(book:theme("integration"))
  end)

  it("round-trips through Lua codebook files", function()
    local book = cb.codebook "Lua file" {
      cb.theme "A" { "x*", cb.exact "ARRS", cb.rule{ all = { "a", "b" }, unit = "paragraph" }, cb.theme "B" { "y" } },
    }
    local path = tmpname(".lua")
    assert.are.same({}, cb.save(book, path))
    local back = cb.load(path)
    assert.are.equal(book:dump(), back:dump())
    os.remove(path)
  end)

  it("prefixes load errors with the path, and keeps the theme and rule", function()
    local path = tmpname(".lua")
    local f = io.open(path, "w")
    f:write('local cb = require "qualua.codebook"\nreturn cb.codebook "Bad" { cb.theme "T" { "ok", cb.rule{ any = {"x"}, bogus = 1 } } }\n')
    f:close()
    local ok, err = pcall(cb.load, path)
    assert.is_false(ok)
    assert.is_truthy(err:find(path, 1, true))
    assert.is_truthy(err:find('theme "T", rule #2', 1, true))
    assert.is_truthy(err:find('unknown key "bogus"', 1, true))
    os.remove(path)
    assert.has_error(function() cb.load("/nonexistent/codebook.qdc") end)
  end)

  it("sniffs the format of a file without a known extension", function()
    local book = plain()
    for _, kind in ipairs{ "qdc", "json", "yaml" } do
      local path = tmpname(".dict")
      local f = io.open(path, "w")
      f:write((((kind == "qdc" and cb.to_qdc) or (kind == "json" and cb.to_json) or cb.to_yaml)(book)))
      f:close()
      assert.are.same(book:patterns(), cb.load(path):patterns(), kind)
      os.remove(path)
    end
  end)
end)

describe("the built-in primary-care codebook", function()
  local book = cb.builtin("primary_care")

  it("has at least 14 top-level themes with real pattern lists", function()
    assert.is_true(#book.themes >= 14)
    for _, t in ipairs(book.themes) do
      assert.is_true(#t.rules >= 5, t.path)
      assert.is_truthy(t.description, t.path)
      assert.is_truthy(t.color, t.path)
    end
    for _, want in ipairs{ "Workforce", "Funding and contracts", "Integration and collaboration", "Digital and data",
                           "Access and continuity", "Estates and infrastructure", "Prevention and population health",
                           "Voluntary and community sector", "Community pharmacy, optometry and dentistry",
                           "Governance, power and autonomy", "Equity and inequalities", "Policy churn",
                           "Leadership and trust", "Workforce/ARRS roles", "Workforce/Morale and wellbeing" } do
      assert.is_truthy(book:theme(want), want)
    end
  end)

  it("uses wildcards, phrases and exact-case acronyms", function()
    local exact = {}
    for _, t in ipairs(book:list()) do
      for _, r in ipairs(t.rules) do
        if r.form == "pattern" and r.any[1].exact then exact[r.any[1].text] = true end
      end
    end
    for _, a in ipairs{ "ARRS", "ICB", "ICBs", "PCN", "GMS", "LLPs", "EPR", "VCSE", "AI" } do
      assert.is_true(exact[a] == true, a)
    end
    local pats = table.concat(book:patterns(), "|")
    assert.is_truthy(pats:find("recruit*", 1, true))
    assert.is_truthy(pats:find("Carr-Hill", 1, true))
    assert.is_truthy(pats:find("section 75", 1, true))
  end)
end)
