--- qualua search: full-text search (FTS5) over a project's blocks.
local cli = require "qualua.cli"
local pc = require "qualua.project_cli"

local M = { summary = "Search a project (FTS5 query syntax) and show the hits in context." }

function M.configure(cmd)
  cmd:option("--project", "Project file (SQLite)."):count(1)
  cmd:argument("query", "FTS5 query: words, \"a phrase\", a*, a AND b, NEAR(a b, 5)...")
  cmd:option("-n --limit", "At most this many hits.", "20"):convert(tonumber)
  cmd:flag("--json", "Print the hits as JSON (0-based, half-open offsets).")
end

function M.run(args, out)
  local project = pc.open_existing(args.project)
  local hits, msg = project:search(args.query, { limit = args.limit, open = "[", close = "]", tokens = 16 })
  project:close()
  if not hits then cli.fail("%s", msg) end
  if args.json then
    local json = require "qualua.json"
    local list = json.array()
    for i, h in ipairs(hits) do
      list[i] = { name = h.name, document = h.document, block = h.block, kind = h.kind,
                  start = h.start - 1, stop = h.stop, snippet = h.snippet }
    end
    out:write(json.encode(list), "\n")
    return
  end
  for _, h in ipairs(hits) do
    out:write(("%s  %s %d [%d-%d]\n    %s\n"):format(h.name, h.kind, h.block, h.start - 1, h.stop,
      (h.snippet:gsub("%s+", " "))))
  end
  out:write(("%d hit%s\n"):format(#hits, #hits == 1 and "" or "s"))
end

return M
