--- qualua code: code documents against a codebook; JSON lines, the
-- framework matrix as CSV (--matrix), or counts per theme (--count).
local cli = require "qualua.cli"

local M = { summary = "Code the documents under PATHS against a codebook (JSON lines, --matrix or --count)." }

function M.configure(cmd)
  cmd:argument("paths", "Files or directories."):args("+")
  cmd:option("--codebook", "A Lua codebook, a REFI-QDA .qdc, or a JSON/YAML dictionary "
    .. "(default: the built-in primary-care codebook).")
  cmd:option("--format", "Force a reader: ris, landing-page, portal-page, report, text.")
  cmd:mutex(
    cmd:flag("--matrix", "Print the framework matrix as CSV: themes x documents, counts."),
    cmd:flag("--count", "Print only the number of codings per theme, as CSV.")
  )
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

--- Loads the codebook the user named (nil: the built-in one), failing
-- with the codebook's own message (it names the theme and the rule).
function M.load_codebook(name)
  local coding = require "qualua.coding"
  local ok, cb = pcall(coding.codebook, name)
  if ok then return cb end
  local msg = tostring(cb)
  if name and not exists(name) and msg:find("module 'qualua.codebooks.", 1, true) then
    cli.fail("%s: no such codebook file or built-in codebook", name)
  end
  cli.fail("%s", (msg:gsub("^[^:\n]*%.lua:%d+: ", "")))
end

--- Reads PATHS into one corpus (a shared vocabulary), failing on read errors.
function M.read_corpus(paths, format)
  local qualua = require "qualua"
  local corpus = qualua.corpus()
  for _, path in ipairs(cli.expand(paths)) do
    local ok, err = pcall(corpus.add, corpus, path, { format = format })
    if not ok then cli.fail("%s", (tostring(err):gsub("^[^:\n]*%.lua:%d+: ", ""))) end
  end
  return corpus
end

-- Runs f, turning codebook errors raised while compiling or coding (they
-- start with 'codebook "') into user errors.
local function guarded(f, ...)
  local ok, res = pcall(f, ...)
  if ok then return res end
  local msg = tostring(res)
  if msg:find('^codebook "') then cli.fail("%s", msg) end
  error(res, 0)
end

function M.run(args, out)
  local coding = require "qualua.coding"
  local cb = M.load_codebook(args.codebook)
  local corpus = M.read_corpus(args.paths, args.format)
  if args.count then
    local counts = guarded(coding.count, corpus, cb)
    local csv = require "qualua.csv"
    local rows = {}
    for _, t in ipairs(cb:list()) do rows[#rows + 1] = { t.path, counts[t.path] or 0 } end
    out:write(csv.encode(rows, { header = { "theme", "count" } }))
    return
  end
  local set = guarded(coding.code, corpus, cb)
  if args.matrix then
    local frequencies = require "qualua.analysis.frequencies"
    out:write(frequencies.matrix_csv(frequencies.matrix(set, { excerpts = 0 })))
    return
  end
  local json = require "qualua.json"
  local names = set.names
  for _, c in ipairs(set) do
    local terms = json.array()
    for i, t in ipairs(c.terms) do terms[i] = { start = t.start - 1, stop = t.stop } end
    -- 0-based half-open offsets, as in `show --json`
    out:write(json.encode{ doc = names[c.doc], theme = c.theme, unit = c.unit,
                           start = c.start - 1, stop = c.stop, terms = terms }, "\n")
  end
end

return M
