--- qualua kwic: keyword in context for a word, a phrase or a theme.
local cli = require "qualua.cli"
local code = require "qualua.commands.code"

local M = { summary = "Keyword in context: a word or phrase (--word) or a theme's matched terms (--theme)." }

function M.configure(cmd)
  cmd:argument("paths", "Files or directories."):args("+")
  cmd:mutex(
    cmd:option("--word", "A word or phrase (case-insensitive; a trailing * matches any ending)."),
    cmd:option("--theme", "A theme of the codebook: its full path, or a name that is unique.")
  )
  cmd:option("--codebook", "The codebook for --theme (default: the built-in primary-care codebook).")
  cmd:option("--window", "Tokens of context on each side.", "5"):convert(function(s)
    local n = tonumber(s)
    if not n or n ~= math.floor(n) or n < 0 then return nil, "--window must be a non-negative integer" end
    return math.tointeger(n)
  end)
  cmd:option("--format", "Force a reader: ris, landing-page, portal-page, report, text.")
  cmd:flag("--json", "Print one JSON object per line (0-based half-open offsets).")
end

-- The theme the user named: a full path, else a unique case-insensitive
-- match of a path or of a theme's own name.
local function find_theme(cb, name)
  if cb:theme(name) then return name end
  local low, hits = name:lower(), {}
  for _, t in ipairs(cb:list()) do
    if t.path:lower() == low or t.name:lower() == low then hits[#hits + 1] = t.path end
  end
  if #hits == 1 then return hits[1] end
  if #hits > 1 then cli.fail("theme %q is ambiguous: %s", name, table.concat(hits, ", ")) end
  cli.fail("no theme %q in codebook %q", name, cb.name)
end

local function width(s) return utf8.len(s) or #s end

function M.run(args, out)
  if not args.word and not args.theme then cli.fail("give --word or --theme") end
  if args.word and not args.word:find("%S") then cli.fail("--word is empty") end
  local kwic = require "qualua.analysis.kwic"
  local corpus = code.read_corpus(args.paths, args.format)
  local target, query = corpus, { word = args.word }
  if args.theme then
    local cb = code.load_codebook(args.codebook)
    query = { theme = find_theme(cb, args.theme) }
    local ok, set = pcall(require("qualua.coding").code, corpus, cb)
    if not ok then
      if tostring(set):find('^codebook "') then cli.fail("%s", tostring(set)) end
      error(set, 0)
    end
    target = set
  end
  local ok, lines = pcall(kwic.kwic, target, query, { window = args.window })
  if not ok then cli.fail("%s", (tostring(lines):gsub("^[^:\n]*%.lua:%d+: ", ""))) end
  if args.json then
    local json = require "qualua.json"
    for _, l in ipairs(lines) do
      out:write(json.encode{ doc = l.name, start = l.start - 1, stop = l.stop, left = l.left,
                             keyword = l.keyword, right = l.right, theme = l.theme }, "\n")
    end
    return
  end
  -- left contexts right-aligned, so the keywords line up
  local wl, wp = 0, 0
  for _, l in ipairs(lines) do
    l.where = ("%s:%d"):format(l.name, l.start - 1)
    if width(l.left) > wl then wl = width(l.left) end
    if width(l.where) > wp then wp = width(l.where) end
  end
  for _, l in ipairs(lines) do
    out:write(l.where, (" "):rep(wp - width(l.where) + 2), (" "):rep(wl - width(l.left)), l.left,
              " [", l.keyword, "] ", l.right, "\n")
  end
end

return M
