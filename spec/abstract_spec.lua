-- The structured-abstract segmenter (NLM label table, CAPS and glued labels,
-- false positives) and the enumeration finder, on the seeds and on
-- synthetic abstracts.
local H = require "spec.helpers"
local core = require "qualua.core"
local read = H.read_file

-- An abstract read through the landing-page reader, under an Abstract heading.
local function abstract(text)
  return core.parse("Abstract\n\n" .. text .. "\n", "landing-page")
end

-- { {title, category, paragraph text}, ... } of the labelled parts.
local function parts(doc)
  local out = {}
  for _, b in doc:iter("block") do
    local s = b.section
    if s and s.level == 2 and s.category then
      if b.kind == "heading" then out[#out + 1] = { s.title, s.category }
      elseif b.kind == "paragraph" then out[#out][3] = b:text() end
    end
  end
  return out
end

local function nparts(doc)
  local n = 0
  for _, s in doc:iter("section") do if s.category then n = n + 1 end end
  return n
end

local function items(doc)
  local out = {}
  for _, e in ipairs(doc:enumerations()) do
    local l = {}
    for _, it in ipairs(e.items) do l[#l + 1] = doc:text(it.start, it.stop) end
    out[#out + 1] = l
  end
  return out
end

describe("NLM label table", function()
  local function category(label)
    local doc = abstract(label .. ": Some text of this part.")
    for _, s in doc:iter("section") do if s.level == 2 then return s.category, s.title end end
  end

  it("maps labels to their NLM categories", function()
    local cases = {
      ["AIM"] = "OBJECTIVE", ["AIMS"] = "OBJECTIVE", ["OBJECTIVES"] = "OBJECTIVE",
      ["DESIGN & SETTING"] = "METHODS", ["DESIGN AND SETTING"] = "METHODS",
      ["SETTING AND PARTICIPANTS"] = "METHODS", ["METHOD"] = "METHODS", ["ANALYSIS"] = "METHODS",
      ["MATERIALS AND METHODS"] = "METHODS", ["BACKGROUND"] = "BACKGROUND", ["CONTEXT"] = "BACKGROUND",
      ["RESULTS"] = "RESULTS", ["FINDINGS"] = "RESULTS", ["CONCLUSION"] = "CONCLUSIONS",
      ["CONCLUSIONS"] = "CONCLUSIONS", ["BACKGROUND & AIMS"] = "OBJECTIVE",
      ["BACKGROUND AND METHODS"] = "METHODS", ["AUTHORS' CONCLUSIONS"] = "CONCLUSIONS",
      ["AIM(S)"] = "OBJECTIVE", ["DESIGN, SETTING, AND PARTICIPANTS"] = "METHODS",
      ["KEY POINTS"] = "CONCLUSIONS", ["TRIAL REGISTRATION"] = "BACKGROUND",
    }
    for label, cat in pairs(cases) do
      local got, title = category(label)
      assert.equal(cat, got, label)
      assert.equal(label, title)
    end
  end)

  it("matches labels case-insensitively", function()
    local doc = abstract("Aim: To know. Design & setting: Interviews. Conclusion: Fine.")
    assert.same({ { "Aim", "OBJECTIVE", "To know." }, { "Design & setting", "METHODS", "Interviews." },
      { "Conclusion", "CONCLUSIONS", "Fine." } }, parts(doc))
  end)

  it("holds every label of the generated table, sorted", function()
    local src = read("src/nlm_labels.c")
    local prev, n = "", 0
    for label, len, cat in src:gmatch('\n  {"([^"]*)", (%d+), QL_CAT_(%u+)}') do
      assert.is_true(prev < label, label)
      assert.equal(#label, tonumber(len))
      prev, n = label, n + 1
      if n % 50 == 1 then -- a sample through the whole reading path
        local doc = abstract(label .. ": Text of this part.")
        local got
        for _, s in doc:iter("section") do if s.level == 2 then got = s.category end end
        assert.equal(cat, got, label)
      end
    end
    assert.equal(2453, n) -- 2,455 rows, KEY POINTS listed three times
  end)
end)

describe("structured abstracts", function()
  it("segment the RIS abstract of seed 000 (CAPS labels mid-prose)", function()
    local doc = core.parse(read("seeds/000_c04e369ec0044b4a.txt"), "ris")
    local got = {}
    for _, s in doc:iter("section") do
      if s.category then got[#got + 1] = s.title .. "=" .. s.category end
    end
    assert.same({ "BACKGROUND=BACKGROUND", "AIM=OBJECTIVE", "DESIGN & SETTING=METHODS", "METHOD=METHODS",
      "RESULTS=RESULTS", "CONCLUSION=CONCLUSIONS" }, got)
    for _, b in doc:iter("block", "paragraph") do
      if b.section and b.section.title == "AIM" then
        assert.equal("To better understand the policy barriers responsible for the current status from the perspective of general practice in England", b:text())
      elseif b.section and b.section.title == "DESIGN & SETTING" then
        assert.truthy(b:text():find("^Key Informant Interviews"))
        assert.truthy(b:text():find("past decade$"))
      end
    end
  end)

  it("segment the glued labels of seed 001", function()
    local doc = core.parse(read("seeds/001_3e999c39419c71d7.txt"), "landing-page")
    local p = parts(doc)
    local titles = {}
    for i, x in ipairs(p) do titles[i] = x[1] .. "=" .. x[2] end
    assert.same({ "Objectives=OBJECTIVE", "Design=METHODS", "Setting and participants=METHODS",
      "Analysis=METHODS", "Results=RESULTS", "Conclusions=CONCLUSIONS" }, titles)
    assert.truthy(p[1][3]:find("from the perspective of those driving the policy%.$"))
    assert.equal("Qualitative semistructured interviews and policy document analysis.", p[2][3])
    assert.truthy(p[3][3]:find("^National%-level policy maker"))
    assert.truthy(p[4][3]:find("^Interviews were transcribed"))
    assert.truthy(p[5][3]:find("emphasised theme 2%.$"))
    assert.truthy(p[6][3]:find("^These policy objectives"))
  end)

  it("segment the CAPS labels of seed 002", function()
    local doc = core.parse(read("seeds/002_67ec986dd3c5cf05.txt"), "portal-page")
    local got = {}
    for _, s in doc:iter("section") do got[#got + 1] = s.title .. "=" .. s.category end
    assert.same({ "OBJECTIVES=OBJECTIVE", "DESIGN=METHODS", "SETTING AND PARTICIPANTS=METHODS",
      "ANALYSIS=METHODS", "RESULTS=RESULTS", "CONCLUSIONS=CONCLUSIONS" }, got)
  end)

  it("recognise glued labels after a sentence end, with or without a space", function()
    local doc = abstract("BackgroundCare is hard. MethodsWe asked 12 people.Results12 said so.ConclusionsIt is hard.")
    assert.same({ { "Background", "BACKGROUND", "Care is hard." }, { "Methods", "METHODS", "We asked 12 people." },
      { "Results", "RESULTS", "12 said so." }, { "Conclusions", "CONCLUSIONS", "It is hard." } }, parts(doc))
  end)

  it("recognise glued labels after a citation that follows the full stop", function()
    local doc = abstract("BackgroundCare is weak.(3,4) AimTo know more.[5]MethodsWe asked.")
    assert.same({ { "Background", "BACKGROUND", "Care is weak.(3,4)" }, { "Aim", "OBJECTIVE", "To know more.[5]" },
      { "Methods", "METHODS", "We asked." } }, parts(doc))
  end)

  it("keep text before the first label as a paragraph", function()
    local doc = abstract("An unlabelled opening. RESULTS: Found. CONCLUSIONS: Done.")
    assert.same({ { "RESULTS", "RESULTS", "Found." }, { "CONCLUSIONS", "CONCLUSIONS", "Done." } }, parts(doc))
    assert.equal("An unlabelled opening.", doc:span("block", 2):text())
    assert.equal("Abstract", doc:span("block", 2).section.title)
  end)

  it("accept a lone CAPS label", function()
    local doc = abstract("RESULTS: The analysis resulted in eight main themes.")
    assert.same({ { "RESULTS", "RESULTS", "The analysis resulted in eight main themes." } }, parts(doc))
  end)

  it("emit one paragraph when there are no labels", function()
    local doc = abstract("Primary care in the UK: a crisis. We looked at it.")
    assert.equal(0, nparts(doc))
    assert.equal("Primary care in the UK: a crisis. We looked at it.", doc:span("block", 2):text())
  end)

  it("do not take prose colons for labels", function()
    for _, text in ipairs {
      "Primary care in the UK: most practices struggle. We looked at it.",
      "The main finding was this: Results matter more than plans.",
      "Two things stand out. Valuing the workforce: A key to morale.",
      "See https://example.org/x for more. At 10:30 we met.",
      "Data: These were collected in 2019.",          -- a mixed-case label alone
      "Background: Something was said here.",          -- idem
    } do
      assert.equal(0, nparts(abstract(text)), text)
    end
  end)

  it("do not take glued words for labels", function()
    for _, text in ipairs {
      "McMaster University ran it. PhD students helped.",
      "DataFrame objects are fine. IgG levels rose.",
      "ResultsThat is one glued label alone.",         -- one glued label is not a structure
    } do
      assert.equal(0, nparts(abstract(text)), text)
    end
  end)

  it("take mixed-case colon labels mid-prose once the abstract has labels", function()
    local doc = abstract("Background: It matters. We ask why Methods: We asked.")
    assert.same({ { "Background", "BACKGROUND", "It matters. We ask why" }, { "Methods", "METHODS", "We asked." } },
      parts(doc))
  end)

  it("take CAPS labels alone on their line", function()
    local doc = core.parse("TY  - JOUR\nAB  - BACKGROUND\nIt matters.\nMETHODS\nWe asked.\nER  - \n", "ris")
    local got = {}
    for _, s in doc:iter("section") do if s.category then got[#got + 1] = s.title end end
    assert.same({ "BACKGROUND", "METHODS" }, got)
  end)

  it("drop the label colons and nothing else", function()
    local doc = abstract("AIM: To know. RESULTS: Found.")
    local src, n = doc:source(), 0
    for _, x in ipairs(doc:dropped()) do
      assert.equal("abstract label separator", x.reason)
      assert.equal(":", src:sub(x.source_start, x.source_stop))
      n = n + 1
    end
    assert.equal(2, n)
  end)
end)

describe("enumerations", function()
  it("find the eight themes of seed 000", function()
    local doc = core.parse(read("seeds/000_c04e369ec0044b4a.txt"), "ris")
    assert.same({ {
      "Dynamics of power and autonomy", "Under-investment in primary care",
      "Aligning policy and implementation", "Navigating complexity and change",
      "Building trust through relationships and leadership", "The revolving door of policy and leadership",
      "Valuing the workforce: A key to morale and retention", "Strategic communication and media engagement",
    } }, items(doc))
    local e = doc:enumerations()[1]
    assert.equal("1. Dynamics", doc:text(e.start, e.start + 10))
    assert.truthy(doc:text(e.start, e.stop):find("media engagement$"))
  end)

  it("find the (1) (2) (3) themes of seeds 001 and 002", function()
    local want = { { "supporting general practice", "place-based interorganisational collaboration",
      "primary care 'voice'" } }
    assert.same(want, items(core.parse(read("seeds/001_3e999c39419c71d7.txt"), "landing-page")))
    assert.same(want, items(core.parse(read("seeds/002_67ec986dd3c5cf05.txt"), "portal-page")))
  end)

  it("find lettered, roman and half-bracket lists", function()
    local doc = core.parse("We aim to (a) reduce costs, (b) improve access and (c) support staff. Then more.\n\n"
      .. "It has (i) one part; (ii) another; and (iii) a third.\n\n"
      .. "Two steps: 1) plan, 2) act.\n\n"
      .. "Steps follow. 1. Plan the work 2. Do the work 3. Check it. Then we rest.", "text")
    assert.same({
      { "reduce costs", "improve access", "support staff" },
      { "one part", "another", "a third" },
      { "plan", "act" },
      { "Plan the work", "Do the work", "Check it" },
    }, items(doc))
  end)

  it("ignore citations, references and lone markers", function()
    for _, text in ipairs {
      "Since the Declaration of Alma-Ata in 1978 (1) global health policy has prioritised care, and prevent disease.(2) Yet primary care is weak.(3,4)",
      "Since 1978 (1) global health policy has prioritised care and prevented disease (2). Yet care is weak (3).",
      "Interviewees emphasised the importance of theme 1. The requirements primarily emphasised theme 2. Then more.",
      "Table 1. Results 2. Something else here.",
      "A lone (1) marker here.",
      "About 1.5 million people, 2. not a list.",
      "(1) first thing (2) second thing without separators.",
      "In 2020. 1. Only one item here.",
    } do
      assert.same({}, items(core.parse(text, "text")), text)
    end
  end)

  it("stop a list at a marker out of sequence and start again at 1", function()
    local doc = core.parse("Goals: (1) fast, (2) cheap, (4) good. Also (1) red, (2) blue.", "text")
    assert.same({ { "fast", "cheap" }, { "red", "blue" } }, items(doc))
  end)
end)
