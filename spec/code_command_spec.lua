-- The `qualua code` and `qualua kwic` commands on the seeds.
local H = require "spec.helpers"
local json = require "qualua.json"
local csv = require "qualua.csv"
local cb = require "qualua.codebook"

local ALL = table.concat({ H.seeds.ris, H.seeds.landing, H.seeds.portal, H.seeds.brief, H.seeds.report }, " ")

local tmpname, write = H.tmpname, H.write_file

local function json_lines(out)
  local list = {}
  for line in out:gmatch("[^\n]+") do list[#list + 1] = assert(json.decode(line)) end
  return list
end

describe("qualua code", function()
  local code, out, err, codings
  setup(function()
    code, out, err = H.qualua("code seeds")
    codings = json_lines(out)
  end)

  it("prints one JSON object per coding, with exactly the documented keys", function()
    assert.equal(0, code)
    assert.equal("", err)
    assert.is_true(#codings > 500)
    local docs = {}
    for _, c in ipairs(codings) do
      local keys = {}
      for k in pairs(c) do keys[#keys + 1] = k end
      table.sort(keys)
      assert.same({ "doc", "start", "stop", "terms", "theme", "unit" }, keys)
      assert.equal("sentence", c.unit)
      assert.is_true(#c.terms >= 1)
      for _, t in ipairs(c.terms) do
        local tk = {}
        for k in pairs(t) do tk[#tk + 1] = k end
        table.sort(tk)
        assert.same({ "start", "stop" }, tk)
      end
      docs[c.doc] = true
    end
    for _, p in pairs(H.seeds) do assert.truthy(docs[p], p .. " has no coding") end
  end)

  it("gives 0-based half-open offsets into the text of show --json", function()
    local texts = {}
    for _, p in pairs(H.seeds) do
      local c, o = H.qualua("show --json " .. p)
      assert.equal(0, c)
      texts[p] = json.decode(o).text
    end
    local book = require "qualua.codebooks.primary_care"
    for _, c in ipairs(codings) do
      local text = texts[c.doc]
      assert.is_true(c.start >= 0 and c.start < c.stop and c.stop <= #text)
      assert.truthy(book:theme(c.theme), c.theme)
      for _, t in ipairs(c.terms) do
        assert.is_true(t.start >= c.start and t.stop <= c.stop and t.start < t.stop)
        -- a matched term starts and ends on a word
        assert.matches("^[%w£]", text:sub(t.start + 1, t.stop))
        assert.is_falsy(text:sub(t.start, t.start):match("^[%a]") and t.start > 0, "term starts mid-word")
      end
    end
    -- a known coding: seed 004 codes Workforce on the words "workforce"
    local found = 0
    for _, c in ipairs(codings) do
      if c.doc == H.seeds.report and c.theme == "Workforce" then
        for _, t in ipairs(c.terms) do
          if texts[c.doc]:sub(t.start + 1, t.stop):lower() == "workforce" then found = found + 1 end
        end
      end
    end
    assert.is_true(found >= 10)
  end)

  it("prints the framework matrix as CSV with --matrix", function()
    local c, o = H.qualua("code --matrix " .. ALL)
    assert.equal(0, c)
    local rows = csv.decode(o)
    local book = require "qualua.codebooks.primary_care"
    assert.equal(#book:list() + 1, #rows)
    assert.same({ "theme", H.seeds.ris, H.seeds.landing, H.seeds.portal, H.seeds.brief, H.seeds.report }, rows[1])
    -- counts agree with the JSON lines; no document column is empty
    local count = {}
    for _, x in ipairs(codings) do
      local k = x.theme .. "\0" .. x.doc
      count[k] = (count[k] or 0) + 1
    end
    local col_total = { 0, 0, 0, 0, 0 }
    for i = 2, #rows do
      assert.equal(book:list()[i - 1].path, rows[i][1])
      assert.equal(6, #rows[i])
      for j = 2, 6 do
        local n = assert(math.tointeger(tonumber(rows[i][j])))
        assert.equal(count[rows[i][1] .. "\0" .. rows[1][j]] or 0, n)
        col_total[j - 1] = col_total[j - 1] + n
      end
    end
    for j = 1, 5 do assert.is_true(col_total[j] > 0) end
  end)

  it("prints only the number of codings per theme with --count", function()
    local c, o = H.qualua("code --count seeds")
    assert.equal(0, c)
    local rows = csv.decode(o)
    assert.same({ "theme", "count" }, rows[1])
    local count = {}
    for _, x in ipairs(codings) do count[x.theme] = (count[x.theme] or 0) + 1 end
    local book = require "qualua.codebooks.primary_care"
    assert.equal(#book:list() + 1, #rows)
    for i = 2, #rows do assert.equal(count[rows[i][1]] or 0, tonumber(rows[i][2]), rows[i][1]) end
  end)

  it("takes a Lua codebook, a .qdc, and JSON and YAML dictionaries", function()
    local book = cb.codebook "Small" {
      cb.theme "Staff" { "workforce", "recruit*", cb.theme "Morale" { "morale", "burnout" } },
      cb.theme "Money" { "funding", "general medical services" },
    }
    local expected
    for _, ext in ipairs{ ".lua", ".qdc", ".json", ".yaml" } do
      local path = tmpname(ext)
      book:save(path)
      local c, o, e = H.qualua("code --count --codebook " .. path .. " seeds")
      os.remove(path)
      assert.equal(0, c, e)
      expected = expected or o
      assert.equal(expected, o, ext)
    end
    local rows = csv.decode(expected)
    assert.same({ "Staff", "Staff/Morale", "Money" }, { rows[2][1], rows[3][1], rows[4][1] })
    assert.is_true(tonumber(rows[2][2]) > 10)
  end)

  it("refuses a malformed codebook with exit 1, naming the theme and the rule", function()
    local path = tmpname(".lua")
    write(path, 'local cb = require "qualua.codebook"\n'
      .. 'return cb.codebook "Bad" { cb.theme "Workforce" { "staff", cb.theme "Morale" { "morale", "*" } } }\n')
    local c, o, e = H.qualua("code --codebook " .. path .. " seeds")
    assert.equal(1, c)
    assert.equal("", o)
    assert.truthy(e:find('theme "Workforce/Morale"', 1, true), e)
    assert.truthy(e:find('rule #2 ("*")', 1, true), e)
    assert.equal(1, select(2, e:gsub("\n", "")), "one line")
    -- an unknown key in a JSON dictionary's rule, a non-string pattern
    write(path, '{"Access": ["waiting", 3]}')
    os.rename(path, path .. ".json")
    c, o, e = H.qualua("code --codebook " .. path .. ".json seeds")
    os.remove(path .. ".json")
    assert.equal(1, c)
    assert.truthy(e:find('theme "Access"', 1, true) and e:find("rule #2", 1, true), e)
    -- a rule with an unknown key
    write(path, 'local cb = require "qualua.codebook"\n'
      .. 'return cb.codebook "Bad" { cb.theme "Access" { cb.rule{ any = {"wait"}, scope2 = "x" } } }\n')
    c, _, e = H.qualua("code --matrix --codebook " .. path .. " seeds")
    os.remove(path)
    assert.equal(1, c)
    assert.truthy(e:find('theme "Access"', 1, true) and e:find("scope2", 1, true), e)
  end)

  it("exits 1 on a missing codebook or document", function()
    local c, _, e = H.qualua("code --codebook no_such_book seeds")
    assert.equal(1, c)
    assert.matches("no_such_book", e)
    c, _, e = H.qualua("code no-such-dir")
    assert.equal(1, c)
    assert.matches("no%-such%-dir", e)
    c = H.qualua("code --matrix --count seeds")
    assert.equal(1, c)
  end)
end)

describe("qualua kwic", function()
  it("prints a word in context, keywords aligned", function()
    local c, o = H.qualua("kwic --word workforce --window 3 " .. H.seeds.report)
    assert.equal(0, c)
    local col
    local n = 0
    for line in o:gmatch("[^\n]+") do
      n = n + 1
      assert.matches("^" .. H.seeds.report:gsub("%p", "%%%0") .. ":%d+ ", line)
      local at = line:find("[", 1, true)
      col = col or utf8.len(line:sub(1, at))
      assert.equal(col, utf8.len(line:sub(1, at)))
      assert.matches("%[[Ww]orkforce%]", line)
    end
    assert.is_true(n >= 10)
  end)

  it("prints a theme's terms as JSON lines with offsets into the text", function()
    local c, o = H.qualua("kwic --theme 'ARRS roles' --json --window 2 " .. H.seeds.report)
    assert.equal(0, c)
    local _, shown = H.qualua("show --json " .. H.seeds.report)
    local text = json.decode(shown).text
    local lines = json_lines(o)
    assert.is_true(#lines >= 3)
    for _, l in ipairs(lines) do
      assert.equal(H.seeds.report, l.doc)
      assert.equal("Workforce/ARRS roles", l.theme)
      assert.equal(text:sub(l.start + 1, l.stop):gsub("%s+", " "), l.keyword)
      assert.is_string(l.left)
      assert.is_string(l.right)
    end
  end)

  it("refuses an unknown theme, and wants a word or a theme", function()
    local c, _, e = H.qualua("kwic --theme 'No such theme' seeds")
    assert.equal(1, c)
    assert.matches('no theme "No such theme"', e)
    c, _, e = H.qualua("kwic seeds")
    assert.equal(1, c)
    assert.matches("give %-%-word or %-%-theme", e)
    c = H.qualua("kwic --word x --theme y seeds")
    assert.equal(1, c)
  end)
end)
