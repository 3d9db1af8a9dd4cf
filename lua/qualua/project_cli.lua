--- Shared work of the project commands (run, add, code, report, search,
-- export): opening projects, loading codebooks, coding and progress.
local cli = require "qualua.cli"

local M = {}

--- Opens a project, turning refusals into user errors.
function M.open(path, opts)
  local qualua = require "qualua"
  local ok, p, msg = pcall(qualua.open, path, opts)
  if not ok then cli.fail("%s", tostring(p):gsub("^.-:%d+: ", "")) end
  if not p then cli.fail("%s", tostring(msg)) end
  return p
end

--- Opens an existing project (a missing file is a user error, not a new project).
function M.open_existing(path)
  local f = io.open(path, "rb")
  if not f then cli.fail("%s: no such project file", path) end
  f:close()
  return M.open(path)
end

--- Loads --codebook FILE (or the built-in primary-care codebook).
function M.codebook(path)
  local coding = require "qualua.coding"
  local ok, cb = pcall(coding.codebook, path)
  if not ok then cli.fail("%s", tostring(cb):gsub("^.-:%d+: ", "")) end
  return cb
end

--- Reads --actors FILE into project: one actor a line, "Name" or
-- "Name = Canonical name"; blank lines and lines starting with # are skipped.
function M.add_actors(project, path)
  local f, ferr = io.open(path, "rb")
  if not f then cli.fail("%s", ferr) end
  local list, n = {}, 0
  for line in f:lines() do
    n = n + 1
    line = line:gsub("^%s+", ""):gsub("%s+$", "")
    if line ~= "" and line:sub(1, 1) ~= "#" then
      local name, canonical = line:match("^(.-)%s*=%s*(.*)$")
      if not name then name = line end
      if name == "" or canonical == "" then
        f:close()
        cli.fail("%s:%d: an actor line is a name, or a name = canonical name", path, n)
      end
      list[#list + 1] = { name = name, canonical = canonical }
    end
  end
  f:close()
  project:add_actors(list)
  return #list
end

-- Whether stderr is a terminal: `test -t 2` in a child shell, which
-- inherits our stderr (no C binding needed).
local tty
function M.stderr_is_tty()
  if tty == nil then
    tty = os.getenv("QUALUA_PROGRESS") == "1"
      or (os.getenv("QUALUA_PROGRESS") ~= "0" and os.execute("test -t 2") == true)
  end
  return tty
end

--- A progress reporter on stderr (silent when stderr is not a terminal).
function M.progress(err, total)
  local on = M.stderr_is_tty()
  local t0, n, bytes = os.clock(), 0, 0
  return {
    step = function(size)
      n, bytes = n + 1, bytes + (size or 0)
      if on then
        local dt = os.clock() - t0
        err:write(("\rread %d/%d documents, %.1f MB, %.1f MB/s "):format(n, total, bytes / 1e6,
          dt > 0 and bytes / 1e6 / dt or 0))
      end
    end,
    done = function(what)
      if on then err:write("\r", what or "", "\27[K\n") end
    end,
  }
end

--- Adds files to a project with progress; returns the add results.
function M.add_files(project, files, err, opts)
  local prog = M.progress(err, #files)
  local out = {}
  project:transaction(function()
    for i, f in ipairs(files) do
      local ok, id, added, version = pcall(project.add, project, f, opts)
      if not ok then cli.fail("%s", tostring(id):gsub("^.-:%d+: ", "")) end
      out[i] = { id = id, added = added, version = version, name = f }
      local a = require("lfs").attributes(f, "size")
      prog.step(a)
    end
  end)
  prog.done()
  return out
end

--- Codes the project's current documents with cb, replacing that codebook's
-- earlier rule codings; stores the codebook and the codings.  Returns the set.
function M.code(project, cb)
  local corpus = project:corpus_of()
  local set = corpus:code(cb)
  local body = cb:dump()
  local _, version = project:add_codebook(cb.name, body)
  local tag = cb.name .. "@" .. version
  project:transaction(function()
    project:delete_codings { codebook = tag }
    local per = {}
    for _, c in ipairs(set) do
      local id = corpus.ids[c.doc]
      local l = per[id]
      if not l then l = {}; per[id] = l end
      l[#l + 1] = { theme = c.theme, start = c.start, stop = c.stop, rule = c.rule, unit = c.unit, terms = c.terms }
    end
    for id, l in pairs(per) do project:add_codings(id, l, { codebook = tag }) end
  end)
  return set, corpus
end

--- The coding set a project command works on: coded again with the codebook
-- at codebook_path when one is given, else the stored codings (coded with
-- their codebook first when none are stored yet).
function M.working_set(project, codebook_path)
  if codebook_path then return M.code(project, M.codebook(codebook_path)) end
  local set = M.stored_set(project)
  if #set == 0 and #set.docs > 0 then set = M.code(project, set.codebook) end
  return set
end

--- A coding set made from the codings stored in a project (rule and hand
-- codings), with the codebook cb (default: the last one stored, else the
-- built-in one), in the shape corpus:code() returns.
function M.stored_set(project, cb)
  if not cb then
    local books = project:codebooks()
    local last = books[#books]
    if last then
      local body = project:codebook(last.name)
      local tmp = os.tmpname() .. ".lua"
      local f = assert(io.open(tmp, "wb")); f:write(body); f:close()
      local ok, loaded = pcall(require("qualua.codebook").load, tmp)
      os.remove(tmp)
      if ok then cb = loaded end
    end
    cb = cb or M.codebook(nil)
  end
  local corpus = project:corpus_of()
  local index = {}
  for i, id in ipairs(corpus.ids) do index[id] = i end
  local set = { codebook = cb, docs = corpus.docs, names = corpus.names, corpus = corpus }
  for _, c in ipairs(project:codings()) do
    local i = index[c.document]
    if i then
      set[#set + 1] = { theme = c.theme, doc = i, start = c.start, stop = c.stop, unit = c.unit or "hand",
                        rule = c.rule, terms = c.terms or {} }
    end
  end
  return set, corpus
end

return M
