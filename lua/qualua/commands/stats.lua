--- qualua stats: an inventory of every document under PATHS, with a total
-- line giving bytes read and throughput.
local cli = require "qualua.cli"

local M = { summary = "Inventory of the documents under PATHS (files or directories)." }

function M.configure(cmd)
  cmd:argument("paths", "Files or directories."):args("+")
  cmd:option("--format", "Force a reader: ris, landing-page, portal-page, report, text.")
end

local function count_kind(doc, kind)
  local n = 0
  for _ in doc:blocks(kind) do n = n + 1 end
  return n
end

local function cell(s, n)
  s = tostring(s or "-"):gsub("%s+", " ")
  if #s > n then s = s:sub(1, n - 1):gsub("[\128-\191]+$", ""):gsub("[\192-\255]$", "") .. "…" end
  return s
end

function M.run(args, out)
  local files = cli.expand(args.paths)
  local clock = os.clock
  local total_bytes, total_secs, totals = 0, 0, { 0, 0, 0, 0, 0, 0 }
  out:write(("%-34s %-12s %-40s %-18s %-4s %4s %5s %5s %6s %4s %4s\n"):format(
    "file", "kind", "title", "first author", "year", "sect", "paras", "sents", "tokens", "fn", "rep"))
  for _, path in ipairs(files) do
    local data = require("qualua").read_file(path)
    local t0 = clock()
    local ok, doc = pcall(require("qualua").parse, data, { format = args.format })
    total_secs = total_secs + (clock() - t0)
    total_bytes = total_bytes + #data
    if not ok then cli.fail("%s: %s", path, tostring(doc)) end
    local meta = doc:meta()
    local row = { doc:count("section"), count_kind(doc, "paragraph"), doc:count("sentence"),
                  doc:count("token"), #doc:footnotes(), #doc:repairs() }
    for i, v in ipairs(row) do totals[i] = totals[i] + v end
    out:write(("%-34s %-12s %-40s %-18s %-4s %4d %5d %5d %6d %4d %4d\n"):format(
      cell(path, 34), doc:format(), cell(meta.title, 40), cell(meta.authors and meta.authors[1], 18),
      cell(meta.year, 4), table.unpack(row)))
  end
  local mbs = total_secs > 0 and total_bytes / 1e6 / total_secs or 0
  out:write(("total: %d documents, %d bytes read in %.3f s (%.1f MB/s); %d sections, %d paragraphs, %d sentences, %d tokens, %d footnotes, %d repairs\n")
    :format(#files, total_bytes, total_secs, mbs, table.unpack(totals)))
end

return M
