-- The report reader (seeds 003 and 004) and the plain-text / Markdown
-- fallback: reflow, dehyphenation, headings and the section tree, list
-- items, page furniture, footnotes and OCR repairs.
local H = require "spec.helpers"
local core = require "qualua.core"
local slurp, blocks = H.read_file, H.blocks

local function texts(d, kind)
  local out = {}
  for _, b in d:iter("block", kind) do out[#out + 1] = b:text() end
  return out
end

local function count(list, value)
  local n = 0
  for _, v in ipairs(list) do if v == value then n = n + 1 end end
  return n
end

-- the section spans titled `title`, in order
local function sections(d, title)
  local out = {}
  for _, s in d:iter("section") do if s.title == title then out[#out + 1] = s end end
  return out
end

local function plain(s) return (s:gsub("%p", "%%%0")) end

local function has_text(d, s) return d:text():find(s, 1, true) ~= nil end

local function dropped(d, reason)
  local n = 0
  for _, x in ipairs(d:dropped()) do if x.reason == reason then n = n + 1 end end
  return n
end

local function repairs(d, rule)
  local out = {}
  for _, r in ipairs(d:repairs()) do
    if not rule or r.rule == rule then out[#out + 1] = r end
  end
  return out
end

-- the block that follows b in document order
local function next_block(d, b) return d:span("block", b.index + 1) end

describe("report reader, seed 003 (policy brief, Markdown-ish)", function()
  local d
  setup(function() d = core.parse(slurp("seeds/003_baa748464e6c1e5a.txt"), "report") end)

  it("finds the headings and the section tree", function()
    local heads = texts(d, "heading")
    for _, t in ipairs { "Executive Summary", "Introduction", "Malaligned Primary Care",
                         "Economic Misalignment: Drift Towards Private Care",
                         "Obstacles in the digital shift", "Recommendations: Policy Pathways",
                         "Strengthening Neighbourhood-Level Coordination Across Primary Care",
                         "Shared Outcomes Framework", "Closing Remarks", "Abbreviations",
                         "Acknowledgements" } do
      assert.equal(1, count(heads, t), t)
    end
    -- front and back matter at the top; topics under them
    assert.equal(1, sections(d, "Executive Summary")[1].level)
    assert.equal(1, sections(d, "Recommendations: Policy Pathways")[1].level)
    local s = sections(d, "Strengthening Neighbourhood-Level Coordination Across Primary Care")[1]
    assert.equal(2, s.level)
    assert.equal("Recommendations: Policy Pathways", s.section.title)
    assert.equal("Introduction", sections(d, "Malaligned Primary Care")[1].section.title)
    assert.is_nil(sections(d, "Abbreviations")[1].section)
    -- the heading block is the first block of its own section
    for _, b in d:iter("block", "heading") do
      assert.equal(b:text(), b.section.title)
    end
  end)

  it("removes **bold** and *italic* markup and the angle brackets of URLs", function()
    local t = d:text()
    assert.is_nil(t:find("**", 1, true))
    assert.is_nil(t:find("<https://", 1, true))
    assert.truthy(has_text(d, "Fit for the future: 10-Year Plan for England (accessible version). London"))
    assert.truthy(dropped(d, "markup") > 0)
    -- the bold title is a heading, wrapped lines joined, its dash kept
    assert.equal(2, count(texts(d, "heading"),
      "Shaping The Future of Primary Care-Priorities and Challenges for The Next Decade: A Policy Brief"))
  end)

  it("joins a paragraph that page-bottom footnotes cut in two, footnotes after it", function()
    local joined
    for _, b in d:iter("block", "paragraph") do
      if b:text():find("optometry through a mix of NHS and private activity, and dentistry through activity-based contracts", 1, true) then
        joined = b
      end
    end
    assert.truthy(joined)
    assert.truthy(joined:text():find("^The NHS remains one of the most unified"))
    local f2 = next_block(d, joined)
    assert.equal("footnote", f2.kind); assert.equal(2, f2.n)
    local f3 = next_block(d, f2)
    assert.equal("footnote", f3.kind); assert.equal(3, f3.n)
    -- the other cuts of the seed, including one that goes on with a capital
    for _, s in ipairs { "Other practitioners expressed frustration",
                         "General practitioners reported that 56%",
                         "integration is not only a technical challenge",
                         "which has protected mental health spending",
                         "for both clinicians and patients.",
                         "pull data from and share information across systems",
                         "such as the population's age profile",
                         "substantially automated or reconfigured by AI",
                         "Finally, the National Commission on AI" } do
      assert.truthy(has_text(d, s), s)
    end
    assert.is_nil(d:text():find("\n\ndentistry through", 1, true))
  end)

  -- Counted in the seed: 26 paragraphs start with a superscript number
  -- (¹ to ²⁶, each once, ¹⁹ glued to its text) and 26 superscript markers
  -- stand in the text (¹ to ²⁶, each once).
  it("links the 26 footnote markers to the 26 footnotes", function()
    local notes = blocks(d, "footnote")
    assert.equal(26, #notes)
    for i, b in ipairs(notes) do assert.equal(i, b.n) end
    local fns = d:footnotes()
    assert.equal(26, #fns)
    local seen = {}
    for _, f in ipairs(fns) do
      assert.truthy(f.block, "marker " .. f.n .. " unlinked")
      local b = d:span("block", f.block)
      assert.equal("footnote", b.kind)
      assert.equal(f.n, b.n)
      assert.truthy(d:text(f.start, f.stop):find("^[\194\226]"))  -- the superscript itself
      seen[f.n] = true
    end
    for n = 1, 26 do assert.truthy(seen[n], n) end
    assert.equal(0, #d:warnings())
  end)

  it("keeps footnote texts: ¹ is the DHSC plan, ⁸ is Ibid., ¹⁹ gets its stranded URL", function()
    local byn = {}
    for _, b in d:iter("block", "footnote") do byn[b.n] = b:text() end
    assert.truthy(byn[1]:find("^Department of Health & Social Care%. Fit for the future"))
    assert.equal("Ibid.", byn[8])
    assert.truthy(byn[19]:find("^Williams, T%. %(2021"))
    assert.truthy(byn[19]:find("HealthTech Digital. https://www.healthtechdigital.com/abtrace-raises-2-1m-to-deliver-game-changing-ai-tech-to-gp-surgeries/.", 1, true))
    -- URLs on their own paragraph right after their footnote
    assert.truthy(byn[11]:find("website: https://www.shropshiretelfordandwrekin.nhs.uk/", 1, true))
    assert.truthy(byn[12]:find("NHS England. https://www.england.nhs.uk/long-read/", 1, true))
    -- the footnote numbers are logged, not lost
    assert.equal(26, dropped(d, "footnote-number"))
    -- the marker ¹ links to the block of footnote 1
    local f1 = d:footnotes()[1]
    assert.equal(1, f1.n)
    assert.truthy(d:span("block", f1.block):text():find("^Department of Health"))
  end)

  it("reads captions, the labelled field, the glossary and the title", function()
    local caps = texts(d, "caption")
    assert.same({ "Figure 1: Roundtable 1 Participants' Job Category",
                  "Figure 2: Roundtable 1 Participants Organisational Background" }, caps)
    assert.same({ "Health System: United Kingdom" }, texts(d, "field"))
    local fields = {}
    for _, f in ipairs(d:fields()) do fields[f.key] = f.value end
    assert.equal("United Kingdom", fields["Health System"])
    local paras = texts(d, "paragraph")
    assert.equal(1, count(paras, "ICB – Integrated Care Board"))
    assert.equal(0, count(texts(d, "heading"), "ICB – Integrated Care Board"))
    local title
    for _, m in ipairs(d:meta_list()) do if m.key == "title" then title = title or m.value end end
    assert.equal("Shaping The Future of Primary Care-Priorities and Challenges for The Next Decade: A Policy Brief", title)
  end)

  it("makes no OCR repairs in a born-digital brief", function()
    assert.equal(0, #d:repairs())
  end)
end)

describe("report reader, seed 004 (OCR'd report)", function()
  local d, src
  setup(function()
    src = slurp("seeds/004_0f95950489b5cb3b.txt")
    d = core.parse(src, "report")
  end)

  it("finds the key sections as headings with the right parents", function()
    local heads = texts(d, "heading")
    for _, t in ipairs { "Key points", "Background", "The case for change", "Methodology",
                         "Access", "Funding and contracts", "Workforce", "Infrastructure",
                         "Exploring the art of the possible", "Italian Community Healthcare Reform",
                         "Primary care in ten years' time", "Primary care in a neighbourhood health service",
                         "What is a neighbourhood health service?", "Appendix 1. engagement with patient groups" } do
      assert.equal(1, count(heads, t), t)
    end
    assert.equal(4, count(heads, "Shifting the dial"))
    assert.equal(3, count(heads, "Short-term actions to stabilise primary care"))
    assert.equal(1, count(heads, "Short-term action to stabilise primary care"))
    assert.equal(4, count(heads, "Long-term actions"))
    assert.equal(3, count(heads, "How primary care is responding"))
    assert.equal(2, count(heads, "Outcomes"))
    -- numbered headings, two-line headings
    assert.equal(1, count(heads, "1. Integrated systems"))
    assert.equal(1, count(heads, "3. Team-based care"))
    assert.equal(1, count(heads, "Promoting health and wellbeing through a better relationship with citizens"))
    assert.equal(1, count(heads, "Slaintecare: Enhanced Community Care Programme (Republic of Ireland)\""))
    -- the tree
    local chapter = "Primary care in ten years' time"
    assert.equal(1, sections(d, chapter)[1].level)
    for _, t in ipairs { "Access", "Funding and contracts", "Workforce", "Infrastructure" } do
      local s = sections(d, t)[1]
      assert.equal(2, s.level, t)
      assert.equal(chapter, s.section.title, t)
    end
    local dials = sections(d, "Shifting the dial")
    assert.equal("Access", dials[1].section.title)
    assert.equal("Workforce", dials[3].section.title)
    assert.equal("Infrastructure", dials[4].section.title)
    for _, t in ipairs { "Short-term actions to stabilise primary care", "Long-term actions" } do
      for _, s in ipairs(sections(d, t)) do assert.equal("Shifting the dial", s.section.title, t) end
    end
    assert.equal("Background", sections(d, "The case for change")[1].section.title)
    -- "For primary care" continues the series "For citizens" opened under
    -- "Our vision for 2035", after that heading's list
    for _, t in ipairs { "For citizens", "For primary care" } do
      local s = sections(d, t)[1]
      assert.equal(3, s.level, t)
      assert.equal("Our vision for 2035", s.section.title, t)
    end
    assert.equal(1, sections(d, "Key points")[1].level)
  end)

  it("drops page furniture: running headers and footers", function()
    local t = d:text()
    assert.is_nil(t:find("The future of primary care\n", 1, true))
    assert.is_nil(t:find("14 — The future of primary care", 1, true))
    assert.is_nil(t:find("18 — The future of primary care", 1, true))
    assert.equal(2, dropped(d, "page-footer"))
    -- " Key points" at a page top repeats the heading under it; the
    -- chapter title printed at the top of later pages is dropped
    assert.equal(4, dropped(d, "running-header"))
    local n = 0
    for _ in t:gmatch("Primary care in ten years' time") do n = n + 1 end
    assert.equal(1, n)
    local k = 0
    for _ in t:gmatch("Key points") do k = k + 1 end
    assert.equal(1, k)
  end)

  it("reads the 12 key points as list items, bullets of any glyph dropped", function()
    local items = {}
    for _, b in d:iter("block", "list_item") do
      if b.section.title == "Key points" then items[#items + 1] = b:text() end
    end
    -- counted in the seed: one *, one », nine —, one page-start " —"
    assert.equal(12, #items)
    assert.truthy(items[1]:find("^This report is the result of a series of engagement sessions"))
    assert.truthy(items[2]:find("^It is intended for primary care"))
    assert.truthy(items[3]:find("^DHSC should work with ICSs"))
    assert.truthy(items[7]:find("^Prioritise reforms in the dental contract"))
    assert.truthy(items[12]:find("^Reform Section 75 of the NHS Act"))
    assert.truthy(dropped(d, "bullet") > 50)
    for _, b in d:iter("block", "list_item") do
      if b.section.title == "Key points" then assert.is_nil(b.n) end
    end
  end)

  it("reads the recommendations under Short-term / Long-term actions", function()
    local under = {}
    for _, b in d:iter("block", "list_item") do
      local t = b.section.title
      under[t] = under[t] or {}
      table.insert(under[t], b:text())
    end
    local short = under["Short-term actions to stabilise primary care"]
    assert.truthy(short[1]:find("^NHS England should shift to outcomes%-focused measures"))
    assert.equal(1, count(short, "Commission local services across primary care to support health checks, vaccinations, immunisations and screening."))
    assert.equal(1, count(short, "As part of the refresh of the workforce plan, review skill mixes in primary care, addressing shortages in specialised digital and technology workforce skills, mental health, pharmacy and relational continuity roles."))
    -- bullets the OCR lost: paragraphs beside bullet items, or in a section
    -- whose title heads a list elsewhere
    assert.equal(1, count(short, "Accelerate read and write access between all electronic patient record (EPR) systems with expansion of schemes such as GP Connect."))
    local long = under["Long-term actions"]
    assert.equal(1, count(long, "Create a hub-and-spoke model for primary and community premises."))
    assert.equal(1, count(long, "Create population cohort-based place-level budgets that can support the delivery of community-led services at a neighbourhood level, supported by a strong place-based integrator vehicle."))
    -- a sentence tail after an OCR blank line stays with its item
    assert.truthy(has_text(d, "the administrative burden and risk placed on individual GP practices."))
    -- an explanation under an item stays a paragraph
    assert.equal(1, count(texts(d, "paragraph"), "This could include focusing on the impact of repeat presentations across providers for patients with long-term conditions who benefit most from continuity."))
  end)

  it("reads numbered items with their numbers, OCR'd bullets (e, *») too", function()
    local nums = {}
    for _, b in d:iter("block", "list_item") do if b.n then nums[#nums + 1] = b.n .. " " .. b:text() end end
    assert.same({ "1 provides wraparound care for those who need it most",
                  "2 promotes health and wellbeing through a better relationship with citizens",
                  "3 increases community resilience." }, nums)
    local items = texts(d, "list_item")
    assert.equal(1, count(items, "Staffing: Doctors available 24/7 and nurses 12 hours daily, seven days a week."))
    assert.equal(1, count(items, "Continuity of care: Patients value continuity, preferring to see the same healthcare provider to avoid repeating their medical history. However, complex patients, especially older adults, often experience fragmented care."))
  end)

  it("does not make headings or bullets of OCR'd footnote marks", function()
    for _, b in d:iter("block") do
      if b.kind == "heading" or b.kind == "list_item" then
        assert.is_nil(b:text():find("^\194[\174\176]"), b:text())
      end
    end
    assert.truthy(has_text(d, "proving an economic case for investment.® The growing population"))
    assert.truthy(has_text(d, "disproportionately impacting deprived areas.°"))
  end)

  it("reflows hard-wrapped lines across OCR blank lines and page starts", function()
    assert.truthy(has_text(d, "Since the pandemic, primary care has been in an increasingly fragile state"))
    assert.truthy(has_text(d, "In the same year, acute hospitals"))
    assert.truthy(has_text(d, "the centre needs to create the environment for this to be possible. The recommendations"))
    assert.truthy(has_text(d, "while others have developed PCN hubs and urgent treatment centres."))
    assert.truthy(has_text(d, "this kind of approach is not only more effective and more compassionate"))
    assert.is_nil(d:text():find("  ", 1, true))
    -- every heading is short: no paragraph start was taken for a title
    for _, b in d:iter("block", "heading") do assert.truthy(#b:text() < 90, b:text()) end
  end)

  it("repairs the OCR slips of the seed, with evidence, and logs them", function()
    local got = {}
    for _, r in ipairs(d:repairs()) do got[#got + 1] = r.rule .. ":" .. r.from .. ">" .. r.to end
    table.sort(got)
    assert.same({
      "ocr-glued-words:Itis>It is",
      "ocr-glyph-for-I:[>I",      -- [talian, Italian elsewhere
      "ocr-glyph-for-I:|>I",      -- |CSs, ICSs elsewhere
      "ocr-l-for-I:Al>AI",        -- accredited Al triage
      "ocr-l-for-I:Al>AI",        -- leverages Al for
      "ocr-l-for-I:l>I",          -- ltaly, Italy elsewhere
      "ocr-stray-capital:skKill>skill",
    }, got)
    for _, s in ipairs { "It is intended for primary care", "Italian Community Healthcare Reform",
                         "ICSs should have a greater role", "review skill mixes",
                         "residents across Italy.", "supported by an accredited AI triage system" } do
      assert.truthy(has_text(d, s), s)
    end
    -- a repaired word maps back to its source bytes
    local p = d:text():find("across Italy", 1, true) + #"across "
    local sp = d:source_offset(p)
    assert.equal("ltaly", src:sub(sp, sp + 4))
    -- left alone: "commmunities", "opague", "renumerates" (no certain repair)
    assert.truthy(has_text(d, "commmunities"))
    assert.truthy(has_text(d, "opague"))
  end)
end)

describe("text reader (plain text / Markdown fallback)", function()
  it("reads Markdown headings, lists, markup and reflowed paragraphs", function()
    local d = core.parse("# Title\n\nSome **bold** text that is\nwrapped over lines.\n\n## Sub\n\n" ..
      "- one\n- two\n  continued\n* three\n• four\n1. first\n2. second\n\n" ..
      "Plain para with *italic*, a [link](http://x.org) and <https://y.org/z>.\n", "text")
    local kinds, out = {}, {}
    for _, b in d:iter("block") do kinds[#kinds + 1] = b.kind; out[#out + 1] = b:text() end
    assert.same({ "heading", "paragraph", "heading", "list_item", "list_item", "list_item",
                  "list_item", "list_item", "list_item", "paragraph" }, kinds)
    assert.same({ "Title", "Some bold text that is wrapped over lines.", "Sub", "one", "two continued",
                  "three", "four", "first", "second",
                  "Plain para with italic, a link and https://y.org/z." }, out)
    assert.equal(1, sections(d, "Title")[1].level)
    assert.equal(2, sections(d, "Sub")[1].level)
    assert.equal("Title", sections(d, "Sub")[1].section.title)
    assert.equal(1, d:span("block", 8).n)
    assert.equal(2, d:span("block", 9).n)
    assert.is_nil(d:span("block", 4).n)
    local targets = 0
    for _, x in ipairs(d:dropped()) do if x.reason == "link-target" then targets = targets + 1 end end
    assert.equal(1, targets)
  end)

  it("reads setext headings and does not guess titles in plain text", function()
    local d = core.parse("Setext title\n============\n\nBody text.\n\nSub\n---\n\nShort line\n\nMore text.\n", "text")
    assert.same({ "Setext title", "Sub" }, texts(d, "heading"))
    assert.equal(2, sections(d, "Sub")[1].level)
    assert.equal(1, count(texts(d, "paragraph"), "Short line"))
  end)

  it("links superscript footnotes in plain text too", function()
    local d = core.parse("A claim¹ here.\n\n¹ The source.\n", "text")
    assert.same({ "The source." }, texts(d, "footnote"))
    assert.truthy(d:footnotes()[1].block)
  end)
end)

describe("report reader on odd input", function()
  it("reads a file of only bullets", function()
    for _, fmt in ipairs { "report", "text" } do
      local d = core.parse("* a\n* b\n» c\n• d\n", fmt)
      assert.same({ "a", "b", "c", "d" }, texts(d, "list_item"))
      assert.equal(4, d:count("block"))
    end
  end)

  it("warns about a footnote marker with no footnote", function()
    local d = core.parse("Text with a marker³ but no note.\n\nMore text² here.\n\n² The note.\n", "report")
    local fns = d:footnotes()
    assert.equal(2, #fns)
    assert.equal(3, fns[1].n)
    assert.is_nil(fns[1].block)
    assert.equal(2, fns[2].n)
    assert.equal("The note.", d:span("block", fns[2].block):text())
    local w = d:warnings()
    assert.equal(1, #w)
    assert.equal("footnote-missing", w[1].code)
    -- a power of a number or of a unit is no marker
    assert.equal(0, #core.parse("An area of 10 m², 4 km² and 10³\n", "report"):footnotes())
  end)

  it("reads a 5 MB single line fast", function()
    local line = string.rep("lorem ipsum dolor sit amet, consectetur adipiscing elit ", 5e6 // 56)
    for _, fmt in ipairs { "report", "text" } do
      local t0 = os.clock()
      local d = core.parse(line, fmt)
      assert.equal(1, d:count("block"))
      assert.truthy(os.clock() - t0 < 5, fmt)
    end
  end)

  it("stays linear on pathological lines", function()
    for _, s in ipairs { string.rep("<http://a", 4e5), string.rep("*a ", 4e5), string.rep("[abc ", 4e5),
                         string.rep("organi-\nsation\n", 1e5), string.rep("<https://a.b/c>\n\n", 1e5),
                         string.rep(" Title line\n\n12\n\n", 1e5) } do
      local t0 = os.clock()
      core.parse(s, "report")
      assert.truthy(os.clock() - t0 < 5)
    end
  end)

  it("keeps a hyphen at the end of the file", function()
    for _, fmt in ipairs { "report", "text" } do
      assert.equal("the end of the file-", core.parse("the end of the file-", fmt):text())
      assert.equal("the end of the file-", core.parse("the end of the file-\n", fmt):text())
    end
  end)

  it("reads empty and blank input as an empty document", function()
    for _, s in ipairs { "", "\n\n", "   \n \n" } do
      local d = core.parse(s, "report")
      assert.equal(0, d:count("block"))
      assert.equal("", d:text())
    end
  end)

  it("undoes end-of-line hyphenation only where a word was split", function()
    local d = core.parse("The organi-\nsation has a long-\nterm plan, a long-term view and the Care-\n" ..
      "Priorities list; self-\ncare and well-\nbeing or wellbeing.\n", "report")
    assert.equal("The organisation has a long-term plan, a long-term view and the Care-Priorities list; " ..
      "self-care and wellbeing or wellbeing.", d:text())
    local got = {}
    for _, r in ipairs(repairs(d, "dehyphenate")) do got[#got + 1] = r.to end
    assert.same({ "organisation", "wellbeing" }, got)
    assert.equal("organi-\nsation", repairs(d, "dehyphenate")[1].from)
    assert.equal(2, dropped(d, "dehyphenate"))
  end)

  it("handles CRLF line ends", function()
    local d = core.parse("Heading\r\n\r\nA wrapped\r\nparagraph.\r\n\r\n* item\r\n", "report")
    assert.same({ "Heading", "A wrapped paragraph.", "item" }, texts(d))
  end)
end)
