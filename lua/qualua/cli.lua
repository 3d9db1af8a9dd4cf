--- The `qualua` command: subcommands live in qualua.commands.<name>, each
-- with `configure(parser)` and `run(args, io)`.
-- Exit codes: 0 success, 1 user error (one-line message), 2 internal error.
local argparse = require "argparse"

local M = {}

-- In --help order; a command whose module is not installed is left out.
M.COMMANDS = { "run", "add", "code", "report", "search", "kwic", "show", "export", "stats" }

local UserError = {}
UserError.__index = UserError
UserError.__tostring = function(e) return e.msg end

--- Raises an error that the command reports as a user error (exit 1).
function M.fail(fmt, ...)
  error(setmetatable({ msg = select("#", ...) > 0 and fmt:format(...) or fmt }, UserError), 0)
end

--- Reads a document, turning read errors into user errors.
function M.read(path, opts)
  local qualua = require "qualua"
  local ok, doc = pcall(qualua.read, path, opts)
  if not ok then M.fail("%s", tostring(doc)) end
  return doc
end

--- Expands PATHS (files or directories) into files, failing on missing ones.
function M.expand(paths)
  local qualua = require "qualua"
  local out = {}
  for _, p in ipairs(paths) do
    local ok, files = pcall(qualua.files, p)
    if not ok then M.fail("%s", tostring(files):gsub("^.-:%d+: ", "")) end
    for _, f in ipairs(files) do out[#out + 1] = f end
  end
  return out
end

local function build_parser()
  local parser = argparse("qualua", "Read, model and analyse policy and research documents.")
  parser:command_target("command")
  parser:require_command(true)
  local mods = {}
  for _, name in ipairs(M.COMMANDS) do
    local modname = "qualua.commands." .. name
    if package.loaded[modname] or package.searchpath(modname, package.path) then
      local mod = require(modname)
      mod.configure(parser:command(name, mod.summary))
      mods[name] = mod
    end
  end
  return parser, mods
end

--- Runs the command line; returns the exit code.
function M.main(argv, out, err)
  out, err = out or io.stdout, err or io.stderr
  local parser, mods = build_parser()
  local ok, args = parser:pparse(argv)
  if not ok then
    err:write("qualua: ", args, "\n", "Try 'qualua --help'.\n")
    return 1
  end
  local okr, e = xpcall(mods[args.command].run, function(x)
    if getmetatable(x) == UserError then return x end
    return { internal = true, msg = tostring(x), trace = debug.traceback(nil, 2) }
  end, args, out, err)
  if okr then return 0 end
  if getmetatable(e) == UserError then
    err:write("qualua: ", e.msg, "\n")
    return 1
  end
  err:write("qualua: internal error: ", e.msg, "\n")
  if os.getenv("QUALUA_DEBUG") then err:write(e.trace, "\n") end
  return 2
end

return M
