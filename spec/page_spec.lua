-- The page readers: a scraped article landing page (seed 001) and a
-- research-portal (Pure) page (seed 002): headings, structured abstracts,
-- fields glued to their values, bullet lists, and site chrome left out.
local H = require "spec.helpers"
local core = require "qualua.core"
local read = H.read_file

local LANDING, PORTAL = H.seeds.landing, H.seeds.portal
local blocks = H.blocks

local function meta(doc, key)
  local out = {}
  for _, m in ipairs(doc:meta_list()) do if m.key == key then out[#out + 1] = m.value end end
  return out
end

local function sections(doc)
  local out = {}
  for _, s in doc:iter("section") do
    out[#out + 1] = { title = s.title, level = s.level, category = s.category }
  end
  return out
end

local function dropped(doc, reason)
  local src, out = doc:source(), {}
  for _, x in ipairs(doc:dropped()) do
    if x.reason == reason then out[#out + 1] = src:sub(x.source_start, x.source_stop) end
  end
  return out
end

-- Source bytes that are neither whitespace nor reached from the text through
-- the offset map nor logged as dropped.
local function unaccounted(doc)
  local src, covered = doc:source(), {}
  for p = 1, #doc do covered[doc:source_offset(p)] = true end
  for _, x in ipairs(doc:dropped()) do
    for i = x.source_start, x.source_stop do covered[i] = true end
  end
  local missing = {}
  for i = 1, #src do
    local c = src:byte(i)
    if c >= 0x80 and c < 0xC0 then covered[i] = covered[i - 1] end -- inside one character
    if not covered[i] and not src:sub(i, i):match("%s") then missing[#missing + 1] = i end
  end
  return missing, src
end

describe("landing page (seed 001)", function()
  local doc = core.parse(read(LANDING), "landing-page")

  it("has no title, since the page shows none", function()
    assert.same({}, meta(doc, "title"))
  end)

  it("reads the glued structured abstract under the Abstract heading", function()
    assert.same({
      { title = "Abstract", level = 1 },
      { title = "Objectives", level = 2, category = "OBJECTIVE" },
      { title = "Design", level = 2, category = "METHODS" },
      { title = "Setting and participants", level = 2, category = "METHODS" },
      { title = "Analysis", level = 2, category = "METHODS" },
      { title = "Results", level = 2, category = "RESULTS" },
      { title = "Conclusions", level = 2, category = "CONCLUSIONS" },
      { title = "Highlights", level = 1 },
      { title = "Summary", level = 1 },
      { title = "Introduction", level = 2 },
    }, sections(doc))
    local paras = blocks(doc, "paragraph")
    assert.equal("English general practice is suffering a workforce crisis", paras[1]:text():sub(1, 56))
    assert.equal("Objectives", paras[1].section.title)
    assert.equal("Qualitative semistructured interviews and policy document analysis.", paras[2]:text())
    assert.equal("Design", paras[2].section.title)
    assert.equal("National-level policy maker", paras[3]:text():sub(1, 27))
    assert.equal("Three themes of policy objectives", paras[5]:text():sub(1, 33))
    assert.equal("These policy objectives", paras[6]:text():sub(1, 23))
    assert.equal(1, #meta(doc, "abstract"))
  end)

  it("keeps the Highlights as list items of their section", function()
    local items = blocks(doc, "list_item")
    assert.equal(3, #items)
    assert.equal("Primary care in the UK is in crisis", items[1]:text())
    for _, it in ipairs(items) do assert.equal("Highlights", it.section.title) end
    assert.equal(3, #dropped(doc, "list marker"))
  end)

  it("keeps the truncated Introduction text", function()
    local paras = blocks(doc, "paragraph")
    local last = paras[#paras]
    assert.equal("Introduction", last.section.title)
    assert.truthy(last:text():find("is the creation and funding$"))
  end)

  it("leaves out site chrome and the table of contents, and logs them", function()
    assert.same({ "Read more", "Talk to us",
      "Join us for a 30 min session where you can share your feedback and ask us any queries you have",
      "Schedule a call" }, dropped(doc, "boilerplate"))
    local toc = dropped(doc, "table of contents")
    assert.equal(1, #toc)
    assert.truthy(toc[1]:find("^Objectives\nMethods\n"))
    assert.truthy(toc[1]:find("Published version %(Free%)$"))
    local text = doc:text()
    for _, s in ipairs { "Read more", "Talk to us", "Schedule a call", "Full Text", "Join us" } do
      assert.is_nil(text:find(s, 1, true), s)
    end
  end)

  it("finds the (1) (2) (3) enumeration of the Results", function()
    local e = doc:enumerations()
    assert.equal(1, #e)
    local got = {}
    for _, it in ipairs(e[1].items) do got[#got + 1] = doc:text(it.start, it.stop) end
    assert.same({ "supporting general practice", "place-based interorganisational collaboration",
      "primary care 'voice'" }, got)
  end)

  it("accounts for every source byte", function()
    local missing, src = unaccounted(doc)
    assert.same({}, missing, missing[1] and src:sub(missing[1], missing[1] + 40))
  end)
end)

describe("portal page (seed 002)", function()
  local doc = core.parse(read(PORTAL), "portal-page")

  it("takes the first line as the title", function()
    assert.same({ "Exploring the multiple policy objectives for primary care networks: a qualitative interview study with national policy stakeholders" },
      meta(doc, "title"))
    assert.equal("heading", doc:span("block", 1).kind)
  end)

  it("reads glued fields into raw fields, canonical metadata and field blocks", function()
    local raw = {}
    for _, f in ipairs(doc:fields()) do raw[#raw + 1] = f.key .. "=" .. f.value end
    assert.same({
      "Research output=Contribution to journalArticlepeer-review",
      "Original language=English", "Pages (from-to)=e038398", "Journal=BMJ Open",
      "Issue number=7", "Publication status=Published - May 2020",
    }, raw)
    assert.same({ "English" }, meta(doc, "language"))
    assert.same({ "e038398" }, meta(doc, "pages"))
    assert.same({ "BMJ Open" }, meta(doc, "journal"))
    assert.same({ "7" }, meta(doc, "issue"))
    assert.same({ "2020" }, meta(doc, "year"))
    assert.same({ "May 2020" }, meta(doc, "date"))
    assert.same({ "Article" }, meta(doc, "type"))
    local texts = {}
    for _, b in ipairs(blocks(doc, "field")) do texts[#texts + 1] = b:text() end
    assert.same({
      "Research output: Contribution to journal / Article / peer-review",
      "Original language: English", "Pages (from-to): e038398", "Journal: BMJ Open",
      "Issue number: 7", "Publication status: Published - May 2020",
    }, texts)
    local rules = {}
    for _, r in ipairs(doc:repairs()) do rules[r.rule] = (rules[r.rule] or 0) + 1 end
    assert.equal(5, rules["unglue-field"])
    assert.equal(2, rules["unglue-breadcrumb"])
  end)

  it("reads the CAPS structured abstract as top-level sections", function()
    assert.same({
      { title = "OBJECTIVES", level = 1, category = "OBJECTIVE" },
      { title = "DESIGN", level = 1, category = "METHODS" },
      { title = "SETTING AND PARTICIPANTS", level = 1, category = "METHODS" },
      { title = "ANALYSIS", level = 1, category = "METHODS" },
      { title = "RESULTS", level = 1, category = "RESULTS" },
      { title = "CONCLUSIONS", level = 1, category = "CONCLUSIONS" },
    }, sections(doc))
    assert.equal(1, #meta(doc, "abstract"))
    assert.equal(6, #dropped(doc, "abstract label separator"))
  end)

  it("reads the keyword bullets as keywords and list items", function()
    local kw = meta(doc, "keywords")
    assert.equal(10, #kw)
    assert.equal("health policy", kw[1])
    assert.equal("Qualitative Research", kw[10])
    assert.equal(10, #blocks(doc, "list_item"))
  end)

  it("leaves out the fingerprint notice and Cite this", function()
    local b = dropped(doc, "boilerplate")
    assert.equal(2, #b)
    assert.truthy(b[1]:find("^Dive into the research topics"))
    assert.equal("Cite this", b[2])
    assert.is_nil(doc:text():find("fingerprint", 1, true))
  end)

  it("finds the enumeration of the RESULTS", function()
    local e = doc:enumerations()
    assert.equal(1, #e)
    assert.equal(3, #e[1].items)
    assert.equal("primary care 'voice'", doc:text(e[1].items[3].start, e[1].items[3].stop))
  end)

  it("accounts for every source byte", function()
    local missing, src = unaccounted(doc)
    assert.same({}, missing, missing[1] and src:sub(missing[1], missing[1] + 40))
  end)
end)

describe("page readers on other pages", function()
  it("read colon fields, DOIs and keyword fields", function()
    local doc = core.parse(table.concat({
      "A study of something important in primary care",
      "",
      "Journal: Health Policy",
      "Volume\t12",
      "DOIs: https://doi.org/10.1016/j.healthpol.2020.01.002",
      "Keywords: primary care; networks, policy",
      "Publication date: 12 March 2019",
    }, "\n"), "portal-page")
    local function m(k) return meta(doc, k) end
    assert.same({ "Health Policy" }, m("journal"))
    assert.same({ "12" }, m("volume"))
    assert.same({ "10.1016/j.healthpol.2020.01.002" }, m("doi"))
    assert.same({ "primary care", "networks", "policy" }, m("keywords"))
    assert.same({ "2019" }, m("year"))
    assert.equal(5, #blocks(doc, "field"))
  end)

  it("do not take prose starting with a field label for a field", function()
    local doc = core.parse("Journalists have written about primary care for years and years.\n\nStatement of the problem is long.",
      "portal-page")
    assert.equal(0, #doc:fields())
  end)

  it("read an abstract whose labels stand on their own lines", function()
    local doc = core.parse("Abstract\n\nBackground\n\nSome background here.\n\nMethods\n\nWe did things.\n\nKeywords\n\n- alpha\n- beta\n",
      "landing-page")
    assert.same({
      { title = "Abstract", level = 1 },
      { title = "Background", level = 2, category = "BACKGROUND" },
      { title = "Methods", level = 2, category = "METHODS" },
      { title = "Keywords", level = 1 },
    }, sections(doc))
    assert.same({ "alpha", "beta" }, meta(doc, "keywords"))
  end)

  it("read keywords one per line under a Keywords heading", function()
    local doc = core.parse("Abstract\n\nWe studied care.\n\nKeywords\n\nPolicy\nData\nDesign\nprimary care\n", "landing-page")
    assert.same({ "Policy", "Data", "Design", "primary care" }, meta(doc, "keywords"))
    assert.equal(0, #dropped(doc, "table of contents"))
  end)

  it("drop common publisher chrome", function()
    local doc = core.parse("Abstract\n\nWe studied things in detail over several years.\n\nDownload PDF\n\nExport citation\n\nAccess through your institution\n\nShare\n",
      "landing-page")
    assert.equal(4, #dropped(doc, "boilerplate"))
    assert.equal("We studied things in detail over several years.", blocks(doc, "paragraph")[1]:text())
  end)

  it("read empty and blank input", function()
    for _, fmt in ipairs { "landing-page", "portal-page" } do
      assert.equal(0, #core.parse("", fmt))
      assert.equal(0, #core.parse("\n  \n\t\n", fmt))
    end
  end)
end)
