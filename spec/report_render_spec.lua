-- The built-in report on the seeds: content, HTML validity, the Markdown
-- form, and a rendered screenshot in headless Chromium when it is installed.
local H = require "spec.helpers"
local qualua = require "qualua"
require "qualua.coding"
local report = require "qualua.report"


local set, ctx, html
setup(function()
  local c = qualua.corpus()
  for _, f in ipairs(qualua.files("seeds")) do c:add(f) end
  set = c:code()
  ctx = report.context(set)
  html = report.render(set)
end)

describe("report context", function()
  it("has one row per document, none empty", function()
    assert.equal(5, #ctx.docs)
    for _, d in ipairs(ctx.docs) do
      assert.truthy(d.title ~= "" and d.kind ~= "" and d.file ~= "")
      assert.is_true(d.codings > 0, d.file .. " has no codings")
    end
    assert.equal("valid", ctx.docs[1].doi_status)
  end)
  it("has counts that agree with the coding set", function()
    local sum_docs, sum_themes, sum_roots = 0, 0, 0
    for _, d in ipairs(ctx.docs) do sum_docs = sum_docs + d.codings end
    for _, t in ipairs(ctx.themes) do
      local row = 0
      for _, c in ipairs(t.cells) do row = row + c.count end
      assert.equal(t.total, row)
      sum_themes = sum_themes + t.total
    end
    for _, r in ipairs(ctx.root_themes) do sum_roots = sum_roots + r.value end
    assert.equal(#set, sum_docs)
    assert.equal(#set, sum_themes)
    assert.equal(#set, sum_roots)
    local counts = set:count()
    for _, t in ipairs(ctx.themes) do assert.equal(counts[t.path], t.total) end
  end)
  it("gives excerpts that point at their text", function()
    local n = 0
    for _, row in ipairs(ctx.matrix) do
      for i, cell in ipairs(row.cells) do
        assert.is_true(#cell.excerpts <= 2)
        for _, e in ipairs(cell.excerpts) do
          n = n + 1
          assert.truthy(set.docs[i]:text(e.start + 1, e.stop) ~= "")
          assert.truthy(html:find('id="' .. e.anchor .. '"', 1, true), e.anchor)
        end
      end
    end
    assert.is_true(n > 20)
  end)
  it("has recommendations by actor, figures, glossary, references and data quality", function()
    assert.is_true(#ctx.recommendations.actors > 3)
    assert.is_true(ctx.recommendations.groups < ctx.recommendations.total)  -- duplicates grouped
    assert.is_true(ctx.totals.figures > 10)
    local icb
    for _, g in ipairs(ctx.glossary) do if g.short == "ICB" then icb = g end end
    assert.equal("Integrated Care Board", icb and icb.long)
    assert.is_true(ctx.totals.references >= 26)
    assert.is_true(ctx.totals.repairs > 0 and ctx.totals.dropped > 0 and ctx.totals.flagged > 0)
  end)
end)

describe("report HTML", function()
  it("has every section, inline CSS and SVG, and nothing fetched from the network", function()
    for _, id in ipairs { "inventory", "frequencies", "heatmap", "matrix", "cooccurrence", "recommendations",
                          "figures", "glossary", "references", "quality", "texts" } do
      assert.truthy(html:find('<section id="' .. id .. '"', 1, true), id)
    end
    assert.truthy(html:find("<style>", 1, true))
    assert.truthy(html:find("<svg", 1, true))
    assert.truthy(html:find('name="viewport"', 1, true))
    assert.falsy(html:find("<script", 1, true))
    assert.falsy(html:find('src="http', 1, true) or html:find('href="http', 1, true) or html:find("@import", 1, true))
  end)
  it("is well-formed and valid HTML", function()
    H.need("xmllint")
    local p = os.tmpname()
    local f = assert(io.open(p, "wb")); f:write(html); f:close()
    -- well-formed as XML (polyglot markup): every tag closed, every entity known
    assert.is_true(os.execute("xmllint --noout " .. p .. " 2>/dev/null") == true, "not well-formed")
    -- libxml2's HTML parser knows HTML 4 only: ignore its complaints about HTML5 and SVG element names
    local pipe = io.popen("xmllint --html --noout " .. p .. " 2>&1")
    local out = pipe:read("a"); pipe:close()
    local bad = {}
    for line in out:gmatch("[^\n]+") do
      if line:find("error") and not line:find("Tag %a+ invalid") then bad[#bad + 1] = line end
    end
    for tag in out:gmatch("Tag (%a+) invalid") do
      assert.truthy(({ header = 1, nav = 1, main = 1, section = 1, svg = 1, title = 1, text = 1, rect = 1,
                      details = 1, summary = 1, mark = 1 })[tag], "unexpected tag " .. tag)
    end
    assert.same({}, bad)
    os.remove(p)
  end)
  it("escapes document text", function()
    local c = qualua.corpus()
    c:add("Title <script>alert('x')</script> & workforce retention and GP burnout.\n\nMore text about ICB funding.", { text = true, name = "t<1>.txt" })
    local h = report.render(c:code())
    assert.falsy(h:find("<script>", 1, true))
    assert.truthy(h:find("&lt;script&gt;", 1, true))
  end)
end)

describe("report Markdown", function()
  it("has the sections and tables", function()
    local md = report.render(set, { format = "md" })
    for _, s in ipairs { "## Corpus inventory", "## Theme frequencies", "## Themes × documents", "## Framework matrix",
                         "## Co-occurrence", "## Recommendations by actor", "## Key figures", "## Acronym glossary",
                         "## References", "## Data quality" } do
      assert.truthy(md:find(s, 1, true), s)
    end
    assert.falsy(md:find("\n\n\n\n", 1, true))
    assert.falsy(md:find("{{", 1, true) or md:find("{%", 1, true))
  end)
end)

describe("report rendered in Chromium", function()
  it("makes a non-trivial screenshot at 1280 px and at phone width", function()
    H.need("chromium")
    local page = os.tmpname() .. ".html"
    local f = assert(io.open(page, "wb")); f:write(html); f:close()
    for _, w in ipairs { 1280, 390 } do
      local png = os.tmpname() .. ".png"
      local profile = os.tmpname(); os.remove(profile)
      -- the browser must not inherit a sanitizer runtime preloaded for the specs
      local cmd = ("env -u LD_PRELOAD -u ASAN_OPTIONS timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
        .. "--disable-background-networking --disable-component-update --disable-sync --user-data-dir=%s "
        .. "--window-size=%d,2000 --screenshot=%s file://%s >/dev/null 2>&1"):format(profile, w, png, page)
      os.execute(cmd)
      local p = io.open(png, "rb")
      assert.truthy(p, "no screenshot at width " .. w)
      local data = p:read("a"); p:close()
      assert.equal("\137PNG", data:sub(1, 4))
      local pw, ph = string.unpack(">I4I4", data, 17)
      assert.equal(w, pw)
      assert.is_true(ph >= 1000)
      assert.is_true(#data > 50000, "screenshot looks blank (" .. #data .. " bytes)")
      os.remove(png); os.execute("rm -rf " .. profile)
    end
    os.remove(page)
  end)
end)
