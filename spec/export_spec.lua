-- Exports: CSV and JSON tables, the stored zip writer, REFI-QDA .qdpx and
-- .qdc valid against the schemas, and .qdpx positions in code points.
local H = require "spec.helpers"
local qualua = require "qualua"
require "qualua.coding"
local export = require "qualua.export"
local json = require "qualua.json"

local write = H.write_file

local seeds
setup(function()
  local c = qualua.corpus()
  for _, f in ipairs(qualua.files("seeds")) do c:add(f) end
  seeds = c:code()
end)

-- Non-ASCII text: curly quotes, £, superscripts, an em dash, accents.
local NON_ASCII = "Recruitment “crisis”: £150 billion¹ for GP workforce — café staff².\n\n"
  .. "Retention of nurses² and burnout among GPs ‘remains’ high; funding £2.3bn.\n\n"
  .. "Integrated care boards (ICBs) – pooled budgets for neighbourhood teams³."

describe("CSV and JSON", function()
  it("quote fields and keep one row per coding", function()
    assert.equal('a,b\r\n"x,y","he said ""hi"""\r\n', export.csv({ "a", "b" }, { { "x,y", 'he said "hi"' } }))
    local csv = export.to_csv(seeds)
    local rows = 0
    for _ in csv:gmatch("\r\n") do rows = rows + 1 end
    assert.is_true(rows >= #seeds + 1)  -- quoted text may hold line breaks
    assert.truthy(csv:find("^doc,name,theme,unit,start,stop,rule,terms,text\r\n"))
  end)
  it("matrix totals and JSON agree with the coding set", function()
    local header, rows = export.matrix_rows(seeds)
    local total = 0
    for _, r in ipairs(rows) do total = total + r[#r] end
    assert.equal(#seeds, total)
    assert.equal(#seeds.docs + 2, #header)
    local j = json.decode(export.to_json(seeds))
    assert.equal(#seeds, #j.codings)
    local c = j.codings[1]
    assert.equal(seeds.docs[c.doc]:text(c.start + 1, c.stop):gsub("%s+", " "), c.text)
    assert.is_true(#j.recommendations > 10)
    assert.equal(5, #j.matrix.documents)
  end)
end)

describe("zip writer", function()
  it("computes CRC-32 and writes archives unzip accepts", function()
    assert.equal(0xCBF43926, export.crc32("123456789"))
    H.need("unzip")
    local p = os.tmpname() .. ".zip"
    write(p, export.zip { { "a.txt", "hello £\n" }, { "dir/b.txt", ("x"):rep(1000) } })
    assert.is_true(os.execute("unzip -tq " .. p .. " >/dev/null 2>&1") == true)
    local pipe = io.popen("unzip -p " .. p .. " a.txt"); local s = pipe:read("a"); pipe:close()
    assert.equal("hello £\n", s)
    os.remove(p)
  end)
end)

local function validate(xsd, path)
  return os.execute(("xmllint --noout --schema %q %q >/dev/null 2>&1"):format(xsd, path)) == true
end

describe("REFI-QDA", function()
  it("writes a .qdpx whose project.qde validates against Project.xsd", function()
    local xsd = H.refi_schema("Project.xsd")
    local parts = export.qdpx_parts(seeds)
    assert.equal("project.qde", parts[1][1])
    assert.equal(#seeds.docs + 1, #parts)
    local qde = os.tmpname() .. ".qde"
    write(qde, parts[1][2])
    assert.is_true(validate(xsd, qde), "project.qde does not validate")
    local n = 0
    for _ in parts[1][2]:gmatch("<PlainTextSelection ") do n = n + 1 end
    assert.equal(#seeds, n)
    os.remove(qde); os.remove(xsd)
  end)
  it("writes a .qdc that validates against Codebook.xsd", function()
    local xsd = H.refi_schema("Codebook.xsd")
    local p = os.tmpname() .. ".qdc"
    export.write(p, seeds, "qdc")
    assert.is_true(validate(xsd, p))
    os.remove(p); os.remove(xsd)
  end)
  it("positions count code points: every selection cut out of its source is the coded text", function()
    local c = qualua.corpus()
    c:add(NON_ASCII, { text = true, name = "non-ascii.txt" })
    local set = c:code()
    assert.is_true(#set >= 3)
    local parts = export.qdpx_parts(set)
    local src = parts[2][2]
    -- (typographic quotes are folded in the normalised text; these survive)
    for _, ch in ipairs { "£", "¹", "²", "—", "é" } do assert.truthy(src:find(ch, 1, true), ch) end
    local cps = {}
    for _, cp in utf8.codes(src) do cps[#cps + 1] = utf8.char(cp) end
    local i, checked = 0, 0
    local sorted = {}
    for k, x in ipairs(set) do sorted[k] = x end
    table.sort(sorted, function(a, b) if a.start ~= b.start then return a.start < b.start end return a.stop < b.stop end)
    for s, e in parts[1][2]:gmatch('startPosition="(%d+)" endPosition="(%d+)"') do
      i = i + 1
      local cut = table.concat(cps, "", tonumber(s) + 1, tonumber(e))
      local x = sorted[i]
      assert.equal(set.docs[x.doc]:text(x.start, x.stop), cut)
      checked = checked + 1
    end
    assert.equal(#set, checked)
    -- a position beyond the ASCII prefix differs from its byte offset
    local last = sorted[#sorted]
    assert.is_true(last.start - 1 > tonumber(select(1, parts[1][2]:match('.*startPosition="(%d+)"'))))
  end)
  it("writes a .qdpx zip that holds the project and its sources", function()
    H.need("unzip")
    local p = os.tmpname() .. ".qdpx"
    export.write(p, seeds, "qdpx")
    local pipe = io.popen("unzip -Z1 " .. p); local list = pipe:read("a"); pipe:close()
    assert.truthy(list:find("project.qde", 1, true))
    local n = 0
    for _ in list:gmatch("sources/[%x%-]+%.txt") do n = n + 1 end
    assert.equal(5, n)
    assert.is_true(os.execute("unzip -tq " .. p .. " >/dev/null 2>&1") == true)
    os.remove(p)
  end)
end)
