--- qualua add: add documents to a project (unchanged files are no-ops).
local cli = require "qualua.cli"
local pc = require "qualua.project_cli"

local M = { summary = "Add the documents under PATHS to a project." }

function M.configure(cmd)
  cmd:option("--project", "Project file (SQLite); created when missing."):count(1)
  cmd:argument("paths", "Files or directories."):args("+")
  cmd:option("--format", "Force a reader: ris, landing-page, portal-page, report, text.")
  cmd:option("--actors", "File of actors of your own, one a line: Name, or Name = Canonical name; kept in the project.")
end

function M.run(args, out, err)
  local files = cli.expand(args.paths)
  local project = pc.open(args.project)
  if args.actors then out:write(("%d actors of your own\n"):format(pc.add_actors(project, args.actors))) end
  local res = pc.add_files(project, files, err, { format = args.format })
  local added, same = 0, 0
  for _, r in ipairs(res) do
    if r.added then added = added + 1 else same = same + 1 end
    out:write(("%s  %s (document %d, version %d)\n"):format(r.added and "added    " or "unchanged", r.name, r.id, r.version))
  end
  out:write(("%d added, %d unchanged; the project has %d documents\n"):format(added, same, #project:documents()))
  project:close()
end

return M
