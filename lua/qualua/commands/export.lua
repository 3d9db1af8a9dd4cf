--- qualua export: a project's codings, matrix or recommendations as CSV or
-- JSON; the whole project as REFI-QDA (.qdpx); the codebook as .qdc.
local cli = require "qualua.cli"
local pc = require "qualua.project_cli"

local M = { summary = "Export a project: --to csv|json|qdpx|qdc." }

function M.configure(cmd)
  cmd:option("--project", "Project file (SQLite)."):count(1)
  cmd:option("--to", "Format: csv, json, qdpx (REFI-QDA project) or qdc (REFI-QDA codebook)."):count(1)
    :choices { "csv", "json", "qdpx", "qdc" }
  cmd:option("-o --output", "File to write."):count(1)
  cmd:option("--what", "Table for csv/json: codings, matrix, recommendations (json: also all).")
  cmd:option("--codebook", "Code again with this codebook first (else: the stored codings).")
end

function M.run(args, out)
  local project = pc.open_existing(args.project)
  local set = pc.working_set(project, args.codebook)
  project:close()
  local what = args.what
  if what and args.to ~= "csv" and args.to ~= "json" then cli.fail("--what applies to csv and json only") end
  local ok, n = pcall(require("qualua.export").write, args.output, set, args.to,
    { what = what or (args.to == "json" and "all" or "codings") })
  if not ok then cli.fail("%s", tostring(n):gsub("^[^:]*export%.lua:%d+: ", "")) end
  out:write(("%s: %s, %d documents, %d codings, %d bytes\n"):format(args.output, args.to, #set.docs, #set, n))
end

return M
