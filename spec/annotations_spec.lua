-- Annotations (issue 4): acronyms, actors, quantities, references and
-- recommendations, on the seeds and on the conformance data in
-- ../shared/conformance (those tests fail, saying so, when that folder is absent).
local H = require "spec.helpers"
local qualua = require "qualua"
local core = qualua.core

local cjson_ok, cjson = pcall(require, "cjson")
local CONF = H.conformance()

local slurp = H.read_file

local function lines(path)
  local out = {}
  for l in io.lines(path) do if l:match("%S") then out[#out + 1] = cjson.decode(l) end end
  return out
end

local function conformance_it(name, f)
  it(name, function()
    H.need_conformance()
    assert(cjson_ok, "lua-cjson is not installed (`make deps` installs it)")
    f()
  end)
end

local brief = qualua.read(H.seeds.brief)
local report = qualua.read(H.seeds.report)

local function find(list, pred)
  for i, x in ipairs(list) do if pred(x) then return x, i end end
end

-- every annotation's span is the document text it reports
local function spans_agree(doc, list, field)
  local text = doc:text()
  for i, x in ipairs(list) do
    assert.is_true(x.start >= 1 and x.stop <= #text and x.start <= x.stop + 1, "span " .. i)
    if field then assert.equal(text:sub(x.start, x.stop), x[field], field .. " " .. i) end
  end
end

describe("acronyms", function()
  conformance_it("find Ab3P MED1250's gold pairs (Schwartz-Hearst, both orders)", function()
    local tp, fp, fn = 0, 0, 0
    for _, r in ipairs(lines(CONF .. "/ab3p-med1250/med1250_gold.jsonl")) do
      -- bare CRs separate sentences inside some abstracts
      local text = ((r.title or "") .. " " .. (r.abstract or "")):gsub("\r", " ")
      local gold, synonyms, seen = {}, {}, {}
      for _, p in ipairs(r.pairs) do gold[p.sf .. "|" .. p.lf] = true end
      for _, p in ipairs(r.synonyms_not_in_gold) do synonyms[(p.sf or "") .. "|" .. (p.lf or "")] = true end
      for _, p in ipairs(core.abbreviations_in(text)) do
        local k = p.short .. "|" .. p.long
        if not seen[k] then
          seen[k] = true
          -- the Ab3P convention: a pair is right when both strings equal the
          -- gold ones; synonyms found but left out of the gold count neither way
          if gold[k] then tp = tp + 1; gold[k] = "found"
          elseif not synonyms[k] then fp = fp + 1 end
        end
      end
      for _, v in pairs(gold) do if v == true then fn = fn + 1 end end
    end
    local p, r = tp / (tp + fp), tp / (tp + fn)
    print(("\nAb3P MED1250: precision %.3f, recall %.3f (tp %d, fp %d, fn %d)"):format(p, r, tp, fp, fn))
    assert.is_true(p >= 0.96, "precision " .. p)
    assert.is_true(r >= 0.78, "recall " .. r)
  end)

  conformance_it("pass scispaCy's Schwartz-Hearst cases", function()
    local data = cjson.decode(slurp(CONF .. "/scispacy-abbreviation/cases.json"))
    local passed, total, skipped = 0, 0, 0
    for _, c in ipairs(data.cases) do
      if c.id == "test_find_abbreviation" then
        -- the inner long-form search; digits in the short form must match,
        -- as in Schwartz & Hearst's paper (scispaCy skips them): those rows are left out
        if c.short:match("%d") then skipped = skipped + 1
        else
          total = total + 1
          local got = core.find_long_form(c.short, c.long_candidate)
          assert.equal(c.expected_long or nil, got or nil, c.text)
          passed = passed + 1
        end
      elseif c.expected_pairs then
        total = total + 1
        local got = core.abbreviations_in(c.text)
        local want, have = {}, {}
        for _, p in ipairs(c.expected_pairs) do want[#want + 1] = p.short .. "|" .. p.long end
        for _, p in ipairs(got) do have[#have + 1] = p.short .. "|" .. p.long end
        table.sort(want); table.sort(have)
        assert.same(want, have, c.id .. ": " .. c.text)
        passed = passed + 1
      elseif c.expected_count then
        total = total + 1
        assert.equal(c.expected_count, #core.abbreviations_in(c.text), c.text)
        passed = passed + 1
      end
    end
    print(("\nscispaCy cases: %d/%d pass (%d inner-search rows with digits left out)"):format(passed, total, skipped))
  end)

  conformance_it("pass the abbreviations package's behaviour cases", function()
    local data = cjson.decode(slurp(CONF .. "/schwartz-hearst-abbreviation-extraction/cases.json"))
    local pairs_found, pairs_total = 0, 0
    for _, c in ipairs(data.cases) do
      local got = {}
      for _, p in ipairs(core.abbreviations_in(c.text)) do got[p.short] = p.long end
      for _, p in ipairs(c.expected_pairs) do
        pairs_total = pairs_total + 1
        assert.equal(p.long, got[p.short], p.short)
        pairs_found = pairs_found + 1
      end
      for _, s in ipairs(c.expected_not_extracted) do assert.is_nil(got[s], s) end
      local n = 0
      for _ in pairs(got) do n = n + 1 end
      assert.equal(#c.expected_pairs, n, c.text:sub(1, 60))
    end
    print(("\nabbreviations package: %d/%d pairs, no extra pairs"):format(pairs_found, pairs_total))
  end)

  it("read glossary lines", function()
    assert.same({ "ICB", "Integrated Care Board" }, { core.glossary_line("ICB – Integrated Care Board") })
    assert.same({ "A&E", "Accident and Emergency" }, { core.glossary_line("A&E - Accident and Emergency") })
    assert.is_nil(core.glossary_line("14 — The future of primary care"))
    assert.is_nil(core.glossary_line("NHS England – a review of everything we did and why."))
  end)

  it("resolve the twelve acronyms of seed 003's Abbreviations glossary", function()
    local keys = { "A&E", "AI", "DHSC", "EHR", "GP", "ICB", "ICS", "LPC", "NHS", "PCN", "UDA", "UK" }
    local glossary = {}
    for _, a in ipairs(brief:abbreviations()) do
      if a.source == "glossary" then glossary[a.key] = a end
    end
    for _, k in ipairs(keys) do assert.is_table(glossary[k], k) end
    local n = 0
    for _ in pairs(glossary) do n = n + 1 end
    assert.equal(12, n)
    assert.equal("Integrated Care Board", glossary.ICB.long)
    -- every use of those keys resolves to a definition (the first one of the key)
    local uses = {}
    for _, u in ipairs(brief:acronyms()) do
      if glossary[u.key] then
        assert.is_number(u.definition, u.text .. " at " .. u.start)
        uses[u.key] = (uses[u.key] or 0) + 1
      end
    end
    assert.is_true(uses.NHS > 20 and uses.GP > 5 and uses.ICB > 5)
  end)

  it("define inline in both orders, keep plurals apart from keys, list the undefined", function()
    local by = {}
    for _, a in ipairs(brief:abbreviations()) do by[a.short] = by[a.short] or a end
    assert.equal("Integrated Care Boards", by.ICBs.long)
    assert.equal("ICB", by.ICBs.key)
    assert.equal("Patient Participation Groups", by.PPGs.long)
    assert.equal("Department of Health and Social Care", by.DHSC.long)
    local doc = qualua.parse("The ICB (integrated care board) met. Two ICBs agreed. The WHO and the ICB spoke.")
    local a = doc:abbreviations()
    assert.equal(1, #a)
    assert.same({ "ICB", "integrated care board" }, { a[1].short, a[1].long })
    assert.equal(2, a[1].uses) -- ICBs and the last ICB; the definition itself is not a use
    local u = doc:undefined_acronyms()
    assert.equal(1, #u)
    assert.equal("WHO", u[1].key)
    for _, x in ipairs(doc:acronyms()) do
      if x.key == "ICB" then assert.equal("integrated care board", x.long) end
    end
    spans_agree(brief, brief:acronyms(), "text")
    local rep = {}
    for _, x in ipairs(report:abbreviations()) do rep[x.key] = rep[x.key] or x end
    assert.equal("limited liability partnerships", rep.LLP.long)
    assert.equal("Department for Health and Social Care", rep.DHSC.long)
  end)
end)

describe("actors", function()
  it("find gazetteer and document actors with canonical names", function()
    local canon = {}
    for _, m in ipairs(brief:actors()) do canon[m.name] = m.canonical end
    assert.equal("DHSC", canon["Department of Health and Social Care"])
    assert.equal("ICBs", canon["Integrated Care Boards"])
    assert.equal("ICBs", canon.ICBs)
    assert.equal("Policymakers", canon.Policymakers)
    assert.equal("MHRA", canon["Medicines and Healthcare products Regulatory Agency"])
    assert.equal("Universities and training providers", canon["Universities and training providers"] or canon.Universities)
    -- a defined long form headed by an organisation noun is an actor of the document's own
    assert.equal("Patient Participation Groups", canon["Patient Participation Groups"])
    spans_agree(brief, brief:actors(), "name")
    local rep = {}
    for _, m in ipairs(report:actors()) do rep[m.name] = m.canonical end
    assert.equal("DHSC", rep["Department for Health and Social Care"])
    assert.equal("NHS England", rep["NHS England"])
    assert.equal("NHS Property Services", rep["NHS Property Services"])
    assert.is_nil(rep["NHS App"])
  end)

  it("match all-capital names only in capitals", function()
    local doc = qualua.parse("It would be nice if NICE and the CQC agreed.")
    local names = {}
    for _, m in ipairs(doc:actors()) do names[#names + 1] = m.name end
    assert.same({ "NICE", "CQC" }, names)
  end)

  it("take a script's own actors", function()
    local doc = qualua.read(H.seeds.brief)
    local before = #doc:actors()
    local m = doc:find_actors { { name = "Modality Partnership", canonical = "Modality" }, "Abtrace",
                                ["Mental Health Matters"] = "MHM" }
    assert.is_true(#m > before)
    local canon = {}
    for _, x in ipairs(m) do canon[x.name] = x.canonical end
    assert.equal("Modality", canon["Modality Partnership"])
    assert.equal("Abtrace", canon.Abtrace)
    assert.equal("MHM", canon["Mental Health Matters"])
    assert.equal("script", find(m, function(x) return x.name == "Abtrace" end).origin)
    -- recommendations get their actors again, built-in ones kept
    local r = find(doc:recommendations(), function(x) return x.text:match("^Policymakers should take the lead") end)
    assert.same({ "Policymakers" }, r.actors)
    assert.has_error(function() doc:find_actors { 42 } end)
  end)
end)

describe("quantities", function()
  local function q(doc, text)
    return find(doc:quantities(), function(x) return x.text == text end)
  end

  it("read percentages, money, counts, years and ranges", function()
    local x = q(brief, "1,032 patients")
    assert.same({ "count", 1032, "patients" }, { x.kind, x.value, x.unit })
    assert.equal("community pharmacies", q(brief, "62 community pharmacies").unit)
    x = q(brief, "£150 million")
    assert.same({ "money", 150000000, "GBP" }, { x.kind, x.value, x.unit })
    assert.same({ "percent", 56 }, { q(brief, "56%").kind, q(brief, "56%").value })
    assert.equal(9.3, q(brief, "9.3%").value)
    assert.same({ "financial_year", 2024 }, { q(brief, "2024/2025").kind, q(brief, "2024/2025").value })
    assert.same({ "percent", 8.9 }, { q(report, "8.9 per cent").kind, q(report, "8.9 per cent").value })
    assert.equal(14.9e9, q(report, "£14.9 billion").value)
    x = q(report, "30-40 years")
    assert.same({ "range", 30, 40, "years" }, { x.kind, x.value, x.high, x.unit })
    assert.equal("financial_year", q(report, "2015/16").kind)
    assert.same({ 1.5e6, "staff" }, { q(report, "1.5 million staff").value, q(report, "1.5 million staff").unit })
    local doc = qualua.parse("Abtrace raised £2.1m. Of those sampled (n=16), between 10 and 20 per cent left in 2019.")
    assert.same({ "money", 2100000 }, { q(doc, "£2.1m").kind, q(doc, "£2.1m").value })
    assert.same({ "count", 16, "n" }, { q(doc, "n=16").kind, q(doc, "n=16").value, q(doc, "n=16").unit })
    x = q(doc, "10 and 20 per cent")
    assert.same({ "range", 10, 20, "%" }, { x.kind, x.value, x.high, x.unit })
    assert.equal("year", q(doc, "2019").kind)
    for _, d in ipairs { brief, report, doc } do
      spans_agree(d, d:quantities(), "text")
      for _, y in ipairs(d:quantities()) do
        if y.sentence then
          local s = d:span("sentence", y.sentence)
          assert.is_true(s.start <= y.start and y.stop <= s.stop)
        end
      end
    end
  end)

  it("flag OCR damage only where the text proves it", function()
    local glued = q(report, "204557")
    assert.same({ "year", 2045, 57 }, { glued.kind, glued.value, glued.note })
    assert.same({ "footnote-glued" }, glued.flags)
    local from, to = q(report, "8.9 per cent"), q(report, "81 per cent")
    assert.same({ "direction-contradicts" }, from.flags)
    assert.same({ "direction-contradicts" }, to.flags)
    -- a drop from 74 to 57 per cent is consistent
    assert.same({}, q(report, "74 per cent").flags)
    local markers = {}
    for _, x in ipairs(report:quantities()) do
      if x.kind == "marker" then markers[#markers + 1] = x.unit end
    end
    assert.is_true(#markers >= 8, #markers .. " markers")
    local text = report:text()
    local m = find(report:quantities(), function(x) return x.kind == "marker" and x.unit == "?" end)
    assert.equal("hospitals.?", text:sub(m.start - 10, m.stop))
    assert.is_truthy(find(report:quantities(), function(x) return x.unit == "®" end))
    assert.is_truthy(find(report:quantities(), function(x) return x.unit == "°" end))
    -- no markers where nothing is damaged
    for _, x in ipairs(brief:quantities()) do assert.not_equal("marker", x.kind, x.text) end
    local clean = qualua.parse("Why is it so? \"It works,\" she said. Costs rose from 10% to 20% in 2020.")
    for _, x in ipairs(clean:quantities()) do assert.same({}, x.flags, x.text) end
  end)
end)

describe("references", function()
  local refs = brief:references()

  it("parse seed 003's 26 footnotes and link every marker", function()
    assert.equal(26, #refs)
    for i, r in ipairs(refs) do
      assert.equal(i, r.n)
      assert.is_true(#r.markers >= 1, "footnote " .. i .. " has no marker")
      for _, m in ipairs(r.markers) do assert.is_true(m.stop < r.start or m.start > r.stop) end
    end
    local r2 = refs[2]
    assert.same({ "Anderson, M.", "Pitchforth, E.", "Edwards, N.", "Alderwick, H.", "McGuire, A.", "Mossialos, E." },
                r2.authors)
    assert.same({ 2022, "United Kingdom: Health system review", "Health Systems in Transition" },
                { r2.year, r2.title, r2.container })
    assert.same({ "Department of Health & Social Care" }, refs[1].authors)
    assert.equal("Fit for the future: 10-Year Plan for England (accessible version)", refs[1].title)
    assert.equal(2024, refs[1].year)
    assert.equal("n.d.", refs[26].year)
    assert.equal("International Journal of Pharmacy Practice", refs[16].container)
    assert.equal("Do patients get better? A review of outcomes from a crisis house and home treatment team partnership",
                 refs[5].title)
    spans_agree(brief, refs, "text")
  end)

  it("resolve Ibid. to the entry before it", function()
    assert.equal("Ibid.", refs[8].text)
    assert.equal(7, refs[8].ibid)
    assert.equal(refs[7].title, refs[8].title)
    assert.equal(refs[7].doi, refs[8].doi)
  end)

  it("flag seed 003's damaged DOIs and pass the sound ones", function()
    assert.same({ "10.1016/j.rcsop.2023.10Anderson.0404", false, "spliced-word" },
                { refs[3].doi, refs[3].doi_valid, refs[3].doi_damage })
    assert.same({ "10.1192/bjb.prioritised2018.105", false, "spliced-word" },
                { refs[5].doi, refs[5].doi_valid, refs[5].doi_damage })
    local sound = 0
    for i, r in ipairs(refs) do
      if r.doi and i ~= 3 and i ~= 5 and r.ibid == nil then
        assert.is_true(r.doi_valid, r.doi)
        sound = sound + 1
      end
    end
    assert.equal(9, sound)
  end)

  it("join URLs split over lines and reattach stranded ones", function()
    -- footnote 19's URL sits on a later page of the source
    assert.equal("https://www.healthtechdigital.com/abtrace-raises-2-1m-to-deliver-game-changing-ai-tech-to-gp-surgeries/",
                 refs[19].url)
    local doc = qualua.parse("Text.¹\n\n¹ Smith, J. (2020). A title. Journal, 1(2), 3–4. <https://example.org/a-long-\npath/file>.",
                             { format = "report" })
    local r = doc:references()[1]
    assert.equal("https://example.org/a-long-path/file", r.url)
    -- a URL stranded in a block of its own goes to the entry whose title it names
    doc = qualua.parse("Body text.\n\n¹ Jones, A. (2021). Budget cuts hit clinics. BBC News.\n\n" ..
                       "² Lee, B. (2020). Another matter entirely. Health Journal, 3, 1-2.\n\n" ..
                       "More body text.\n\n<https://www.bbc.co.uk/news/budget-cuts-hit-clinics>.", { format = "report" })
    local got = {}
    for _, x in ipairs(doc:references()) do got[x.n or 0] = x.url end
    assert.equal("https://www.bbc.co.uk/news/budget-cuts-hit-clinics", got[1])
    assert.is_nil(got[2])
  end)

  conformance_it("check DOI syntax against the doi-regex and idutils cases", function()
    local n, agree = 0, 0
    for _, c in ipairs(lines(CONF .. "/doi/doi_regex_js_cases.jsonl")) do
      local got
      if c.mode == "exact" then got = core.doi_syntax(c.input)
      elseif c.mode == "embedded_after_foo" then got = core.find_doi("foo" .. c.input) == c.input
      elseif c.mode == "declared_exact" then got = select(2, core.doi(c.input)) == "declared"
      elseif c.mode == "declared_embedded_after_foo" then got = core.find_doi("foo" .. c.input) == c.input:gsub("^doi:", "")
      elseif c.mode == "resolve_path" then local _, how = core.doi(c.input); got = how == "url" or how == "url-without-protocol"
      elseif c.mode == "resolve_path_protocol_required" then got = select(2, core.doi(c.input)) == "url"
      end
      -- groups_suffix_extension (PLoS's .a001 split off) is that library's own feature: left out
      if got ~= nil then
        n = n + 1
        assert.equal(c.expected, got, c.mode .. " " .. c.input)
        agree = agree + 1
      end
    end
    for _, c in ipairs(lines(CONF .. "/doi/idutils_doi_cases.jsonl")) do
      n = n + 1
      if c.is_doi ~= nil then assert.equal(c.is_doi, core.doi_syntax(c.input), c.input)
      else assert.equal(c.normalized_doi, (core.doi(c.input)), c.input) end
      agree = agree + 1
    end
    print(("\nDOI cases: %d/%d agree (doi-regex groups_suffix_extension rows left out)"):format(agree, n))
    -- damage is told apart from sound publisher suffixes
    assert.equal("spliced-word", core.doi_check("10.1016/j.rcsop.2023.10Anderson.0404"))
    assert.equal("ok", core.doi_check("10.1038/nature12373"))
    assert.equal("ok", core.doi_check("10.3399/bjgp21X717029"))
    assert.equal("ok", core.doi_check("10.1002/(SICI)1096-8644(199808)106:4<483::AID-AJPA4>3.0.CO;2-K"))
    assert.equal("syntax", core.doi_check("10.1000/"))
  end)

  it("parse reference strings on their own", function()
    local r = core.parse_reference("Kleinman, Z. (2024, December 2). Why are doctors wary of wearables? https://www.bbc.com/news/articles/c79zpzdv4vno.")
    assert.same({ { "Kleinman, Z." }, 2024, "Why are doctors wary of wearables?", "https://www.bbc.com/news/articles/c79zpzdv4vno" },
                { r.authors, r.year, r.title, r.url })
    assert.is_true(core.parse_reference("Ibid.").ibid)
    r = core.parse_reference("Smith J, Jones K. Care at home. BMJ. 2019;364:l123. doi:10.1136/bmj.l123")
    assert.equal("10.1136/bmj.l123", r.doi)
    assert.equal(2019, r.year)
  end)
end)

describe("recommendations", function()
  local recs = report:recommendations()
  local key = {}
  for _, r in ipairs(recs) do if r.heading == "Key points" then key[#key + 1] = r end end

  it("take seed 004's ten key points, each grouped with its repetition in the body", function()
    assert.equal(10, #key)
    local expect = { "short-term", "short-term", "short-term", "short-term", "short-term", "short-term",
                     "long-term", "long-term", "short-term", "long-term" }
    for i, r in ipairs(key) do
      assert.equal("list", r.kind)
      local others = 0
      for _, o in ipairs(recs) do
        if o.group == r.group and o ~= r and o.heading ~= "Key points" then others = others + 1 end
      end
      assert.is_true(others >= 1, "key point " .. i .. " has no repetition: " .. r.text:sub(1, 60))
      -- only the body says short- or long-term: the group carries it
      assert.equal(expect[i], r.horizon, r.text:sub(1, 60))
      assert.equal("group", r.horizon_source)
    end
    -- the first key point appears twice more: a list item and a sentence of the body
    local n = 0
    for _, o in ipairs(recs) do if o.group == key[1].group then n = n + 1 end end
    assert.equal(3, n)
    local groups = report:recommendation_groups()
    assert.equal("short-term", groups[key[1].group].horizon)
  end)

  it("give actor, action, horizon and section", function()
    local r = key[1]
    assert.same({ "DHSC" }, r.actors)
    assert.equal("should", r.cue)
    assert.equal("work with ICSs to agree on a metric for the care closer to home shift to help national and system leaders assess and report on progress", r.action)
    assert.equal("Key points", r.section_title)
    assert.same({}, key[2].actors) -- an imperative under a heading that names no actor
    assert.equal("Commission a review of the Carr-Hill formula to better address deprivation and rurality issues, informed by the work in Leicester, Leicestershire, and Rutland (LLR) and Frimley", key[2].action)
    local s = find(recs, function(x) return x.text:match("^NHS England should shift") end)
    assert.same({ "NHS England", "short-term", "heading" }, { s.actors[1], s.horizon, s.horizon_source })
    local b = brief:recommendations()
    local p = find(b, function(x) return x.text:match("^Policymakers should craft") end)
    assert.same({ "Policymakers" }, p.actors)
    assert.equal("sentence", p.kind)
    assert.equal("Digital Equity Strategy Across All Primary Care Settings", p.section_title)
    -- the subject of another clause is not addressed
    local c = find(b, function(x) return x.text:match("^ICBs sit at the interface") end)
    assert.same({}, c.actors)
    -- nouns and negations are not deontic
    assert.is_nil(find(b, function(x) return x.text:match("^National bodies do not need") end))
    spans_agree(report, recs, "text")
    spans_agree(brief, b, "text")
  end)

  it("find deontic sentences anywhere", function()
    local doc = qualua.parse("Intro.\n\nWe recommend that the government funds ICBs. It is essential that NICE acts. " ..
                             "Why should we care? The need to act is clear. Councils must publish plans.")
    local got = {}
    for _, r in ipairs(doc:recommendations()) do got[#got + 1] = r.cue end
    assert.same({ "recommend that", "essential that", "must" }, got)
    assert.same({ "Government" }, doc:recommendations()[1].actors)
  end)

  it("group across documents and print a table by actor", function()
    local R = require "qualua.recommendations"
    local other = qualua.parse("Recommendations\n\n* Commission a review of the Carr-Hill formula to address deprivation and rurality issues.\n\n" ..
                               "* DHSC should publish a workforce plan.", { format = "report" })
    local groups = R.group(R.collect { { doc = report, name = "004" }, { doc = other, name = "other" } })
    local carr = find(groups, function(g) return g.text:match("Carr%-Hill") end)
    assert.equal(2, carr.documents)
    assert.equal("short-term", carr.horizon)
    local t = R.table({ { doc = report, name = "004" }, { doc = other, name = "other" } })
    assert.truthy(t:find("## DHSC", 1, true))
    assert.truthy(t:find("| short-term | DHSC should work with ICSs", 1, true))
    assert.truthy(t:find("004 ×3", 1, true))
  end)
end)

describe("annotations in qualua show --json", function()
  it("use 0-based half-open offsets", function()
    local m = require("qualua.model_json").model(brief)
    local text = m.text
    for _, k in ipairs { "abbreviations", "actors", "quantities", "references", "recommendations" } do
      assert.is_true(#m[k] > 0, k)
    end
    for _, a in ipairs(m.actors) do assert.equal(a.name, text:sub(a.start + 1, a.stop)) end
    for _, a in ipairs(m.abbreviations) do
      if a.source ~= "undefined" then assert.equal(a.short, text:sub(a.short_span[1] + 1, a.short_span[2])) end
    end
    assert.is_truthy(find(m.abbreviations, function(a) return a.source == "undefined" end))
    for _, r in ipairs(m.recommendations) do assert.equal(r.text, text:sub(r.start + 1, r.stop)) end
    local r3 = m.references[3]
    assert.same({ 3, false, 20 }, { r3.n, r3.doi_valid, r3.block })
    assert.equal("Rutter, P., & Barnes, N. (2023).", text:sub(r3.start + 1, r3.start + 32))
  end)
end)

describe("annotations on odd input", function()
  it("leave empty and unusual documents empty and whole", function()
    for _, s in ipairs { "", " ", "((((", "()", "( x )", "10.", "£", "%", "should", "1,000,000,000,000,000,000 people",
                         "\194\174\194\174", "A&E", "¹", "<http://", string.rep("(AB) ", 2000) } do
      local doc = qualua.parse(s)
      for _, f in ipairs { "abbreviations", "acronyms", "actors", "quantities", "references", "recommendations" } do
        assert.is_table(doc[f](doc), f)
      end
    end
    -- documents made of the pieces the passes look for, in pseudo-random order
    local pieces = { "ICB", "(ICBs)", "Integrated Care Boards", "should", "must", "need to", "we recommend that",
                     "DHSC", "NHS England", "£", "14.9", "billion", "%", "per cent", "2015/16", "204557", "by",
                     "decreased from", "to", "8.9", "81", "(", ")", ".", ",", ".?", "®", "°", "*", "\"", "¹", "²",
                     "Ibid.", "10.1016/j.x.2020.10Word.1", "<https://doi.org/10.1/x>", "https://a.b/c", "\n\n",
                     "\n\n* ", "\n\nKey points\n\n", "\n\nLong-term actions\n\n", "Review", "the", "of",
                     "(n=16)", "between", "and", "A&E", "–", "Smith, J. (2020).", "patients", "three" }
    local seed = 7
    local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n + 1 end
    for _ = 1, 300 do
      local t = {}
      for i = 1, rnd(120) do t[i] = pieces[rnd(#pieces)] end
      local doc = qualua.parse(table.concat(t, " "))
      for _, f in ipairs { "abbreviations", "acronyms", "actors", "quantities", "references", "recommendations" } do
        spans_agree(doc, doc[f](doc))
      end
      doc:recommendation_groups()
    end
    -- the functions on strings, on bytes of every value
    for _ = 1, 300 do
      local t = {}
      for i = 1, rnd(400) do t[i] = string.char(rnd(256) - 1) end
      local s = table.concat(t)
      core.abbreviations_in(s); core.parse_reference(s); core.find_doi(s); core.doi(s); core.doi_check(s)
      core.glossary_line(s)
    end
  end)
end)

describe("annotations on demand", function()
  it("are computed by the first method that needs them, or by doc:annotate()", function()
    local text = H.read_file(H.seeds.brief)
    local lazy, eager = qualua.parse(text), qualua.parse(text)
    assert.equal(eager, eager:annotate())
    assert.equal(eager, eager:annotate()) -- a second call changes nothing
    assert.same(eager:abbreviations(), lazy:abbreviations())
    assert.same(eager:quantities(), lazy:quantities())
    assert.same(eager:recommendations(), lazy:recommendations())
    assert.is_true(#lazy:references() >= 26)
  end)

  it("keep the source string the document reads in place", function()
    local doc = qualua.parse(("Integrated care boards (ICBs) fund GPs. "):rep(3))
    collectgarbage(); collectgarbage()
    assert.equal("Integrated care boards", doc:abbreviations()[1].long)
    assert.equal("Integrated care boards (ICBs) fund GPs.", doc:span("sentence", 1):text())
  end)
end)

describe("recommendation keys", function()
  it("do not depend on the vocabulary a document shares", function()
    local alone = qualua.read(H.seeds.report)
    local c = qualua.corpus()
    c:add(H.seeds.brief) -- other words first: every id differs
    local shared = c:add(H.seeds.report)
    assert.same(alone:recommendations(), shared:recommendations())
    assert.same(alone:recommendation_groups(), shared:recommendation_groups())
    local key = alone:recommendations()[1].key
    local words = {}
    for w in key:gmatch("%S+") do words[#words + 1] = w end
    local sorted = { table.unpack(words) }
    table.sort(sorted)
    assert.same(sorted, words) -- in the order of their forms
  end)
end)
