--- qualua run: the main job.  Read every document under PATHS, code them
-- with a codebook, write the report.
local cli = require "qualua.cli"
local pc = require "qualua.project_cli"

local M = { summary = "Read PATHS, code them and write the report (the main job)." }

function M.configure(cmd)
  cmd:argument("paths", "Files or directories."):args("+")
  cmd:option("-o --output", "Report to write (.html, or .md with --markdown).", "report.html")
  cmd:option("--codebook", "Codebook file (Lua, .qdc, JSON, YAML); default: the built-in primary-care codebook.")
  cmd:option("--project", "Project file (SQLite) to keep; default: a temporary one, removed afterwards.")
  cmd:option("--template", "Report template of your own (see the template language in the README).")
  cmd:option("--title", "Report title.")
  cmd:option("--actors", "File of actors of your own, one a line: Name, or Name = Canonical name.")
  cmd:flag("--markdown", "Write Markdown instead of HTML.")
end

function M.run(args, out, err)
  local files = cli.expand(args.paths)
  if #files == 0 then cli.fail("no documents under %s", table.concat(args.paths, ", ")) end
  local cb = pc.codebook(args.codebook)
  local path, temp = args.project, false
  if not path then
    path, temp = os.tmpname(), true
    os.remove(path)  -- qualua.open creates it
  end
  local ok, e = pcall(function()
    local project = pc.open(path)
    if args.actors then pc.add_actors(project, args.actors) end
    pc.add_files(project, files, err)
    local set = pc.code(project, cb)
    local fmt = (args.markdown or args.output:match("%.md$")) and "md" or "html"
    local okw, n = pcall(require("qualua.report").write, args.output, set,
      { format = fmt, template = args.template, title = args.title })
    project:close()
    if not okw then
      local msg = tostring(n)
      if msg:find("^[^:]+%.tpl:%d+:") or msg:find("No such file") or msg:find("Permission denied") then cli.fail("%s", msg) end
      error(n, 0)
    end
    out:write(("%s: %d documents, %d codings, %d bytes\n"):format(args.output, #set.docs, #set, n))
  end)
  if temp then for _, s in ipairs { "", "-wal", "-shm" } do os.remove(path .. s) end end
  if not ok then error(e, 0) end
end

return M
