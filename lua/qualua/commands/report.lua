--- qualua report: the report of a project, from its stored codings.
local pc = require "qualua.project_cli"
local cli = require "qualua.cli"

local M = { summary = "Write the report of a project (HTML, or Markdown with --markdown)." }

function M.configure(cmd)
  cmd:option("--project", "Project file (SQLite)."):count(1)
  cmd:option("-o --output", "Report to write.", "report.html")
  cmd:option("--codebook", "Code again with this codebook first (else: the stored codings).")
  cmd:option("--template", "Report template of your own.")
  cmd:option("--title", "Report title.")
  cmd:flag("--markdown", "Write Markdown instead of HTML.")
end

function M.run(args, out)
  local project = pc.open_existing(args.project)
  local set = pc.working_set(project, args.codebook)
  if #set.docs == 0 then cli.fail("%s: the project has no documents (qualua add --project %s FILES)", args.project, args.project) end
  local fmt = (args.markdown or args.output:match("%.md$")) and "md" or "html"
  local ok, n = pcall(require("qualua.report").write, args.output, set, { format = fmt, template = args.template, title = args.title })
  project:close()
  if not ok then cli.fail("%s", tostring(n):gsub("^[^:]*report%.lua:%d+: ", "")) end
  out:write(("%s: %d documents, %d codings, %d bytes\n"):format(args.output, #set.docs, #set, n))
end

return M
