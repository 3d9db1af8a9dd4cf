-- Content sniffing: each seed goes to its reader, and near neighbours of
-- each kind are told apart from content alone.
local H = require "spec.helpers"
local core = require "qualua.core"
local read = H.read_file

local function sniff(s) return core.parse(s):format() end

describe("sniffing", function()
  it("sends each seed to its reader", function()
    assert.equal("ris", sniff(read("seeds/000_c04e369ec0044b4a.txt")))
    assert.equal("landing-page", sniff(read("seeds/001_3e999c39419c71d7.txt")))
    assert.equal("portal-page", sniff(read("seeds/002_67ec986dd3c5cf05.txt")))
    assert.equal("report", sniff(read("seeds/003_baa748464e6c1e5a.txt")))
    assert.equal("report", sniff(read("seeds/004_0f95950489b5cb3b.txt")))
  end)

  it("takes a short plain note for text", function()
    assert.equal("text", sniff("Meeting notes\nCall the practice manager on Monday.\nSend the draft to Sam."))
    assert.equal("text", sniff(""))
    assert.equal("text", sniff("   \n\n"))
  end)

  it("recognises RIS by its first tag, after a BOM, blank lines or with CRLF", function()
    local two = "\239\187\191TY  - JOUR\r\nTI  - One\r\nER  - \r\n\r\nTY  - BOOK\r\nTI  - Two\r\nER  - \r\n"
    assert.equal("ris", sniff(two))
    assert.equal("ris", sniff("\n\n  TY  - JOUR\nTI  - Three\nER  -\n"))
    assert.equal("ris", sniff("TY - JOUR AU - A. Person TI - Flattened ER -"))
    assert.equal("text", sniff("TYPE - a note that only looks like a tag\n"))
    -- exports may open with a short preamble ("Record #1 of 2") before the first tag
    assert.equal("ris", sniff("Record #1 of 2\nTY  - JOUR\nER  - \n"))
    -- but a tag-like line deep inside prose does not make a file RIS
    assert.equal("text", sniff(("A line of prose.\n"):rep(12) .. "TY  - JOUR\n"))
    assert.equal("text", sniff("AU  - An author first\nTY  - JOUR\n")) -- the first tag must be TY
  end)

  it("takes a Markdown README for text", function()
    local readme = table.concat({
      "# qualua",
      "",
      "qualua reads policy and research documents into a precise document model, so",
      "that analysts can write theme rules, analyses and report templates as Lua",
      "scripts on top of that model. It is fast, scriptable and reproducible, and it",
      "is meant to be embedded in other tools as well as used from the command line.",
      "The core is written in C and the scripting layer is written in Lua 5.4 with a",
      "handful of well-known libraries; everything is declared in the rockspec and",
      "installed by the Makefile when it is missing from the machine that builds it.",
      "",
      "## Install",
      "",
      "```",
      "make deps && make",
      "```",
      "",
      "Then run **qualua run seeds/** and open the report. See [the design](DESIGN.md).",
      "The report is self-contained HTML with SVG charts, and Markdown, CSV and JSON",
      "exports are available too; REFI-QDA exports let other tools read the codings",
      "and the codebooks, so that NVivo, ATLAS.ti and MAXQDA users can reuse them in",
      "their own projects without re-coding anything by hand, which saves time.",
    }, "\n")
    assert.equal("text", sniff(readme))
  end)

  it("recognises a portal page by its Pure field labels", function()
    assert.equal("portal-page", sniff("A title of a paper about care\n\nResearch output: Contribution to journalArticlepeer-review\n\nSome abstract.\n\nOriginal languageEnglish\nJournalBMJ Open\n"))
    assert.equal("text", sniff("The original language of the text was English.\nPublication status is unknown."))
  end)

  it("recognises a landing page by its abstract heading, glued labels and chrome", function()
    assert.equal("landing-page", sniff("Abstract\n\nBackgroundCare is hard. MethodsWe asked.\n\nRead more\n"))
    assert.equal("landing-page", sniff("Abstract\n\nWe studied care.\n\nDownload PDF\n\nCite this\n"))
    assert.equal("text", sniff("Abstract\n\nWe studied care for a long time and found it hard.\n"))
  end)

  it("recognises PDF-converted reports", function()
    local lines = {}
    for page = 1, 4 do
      lines[#lines + 1] = " Chapter heading of page " .. page
      for _ = 1, 6 do
        lines[#lines + 1] = "primary care networks were set up to bring practices together and"
      end
      lines[#lines + 1] = ""
      lines[#lines + 1] = (10 + page) .. " \226\128\148 The future of primary care"
      lines[#lines + 1] = ""
    end
    assert.equal("report", sniff(table.concat(lines, "\n")))
    assert.equal("report", sniff("**Policy brief**\n\nCare is under pressure\194\185 and costs rise\194\178.\n\n**Summary**\n\nMore.\194\179\n"))
  end)

  it("looks at the first 64 KB only", function()
    local prose = string.rep("Plain prose line that goes on for a while here.\n\n", 1400) -- 70 KB
    local cues = "Research output: Contribution to journal\nOriginal languageEnglish\n"
    assert.equal("text", sniff(prose .. cues))
    assert.equal("portal-page", sniff(cues .. prose))
  end)
end)
