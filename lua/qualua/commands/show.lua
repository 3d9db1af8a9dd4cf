--- qualua show: the model of one document, as an outline or as JSON.
local cli = require "qualua.cli"

local M = { summary = "Print the document model of FILE (an outline, or --json)." }

function M.configure(cmd)
  cmd:argument("file", "Document to read.")
  cmd:flag("--json", "Print the whole model as JSON (0-based, half-open offsets).")
  cmd:option("--format", "Force a reader: ris, landing-page, portal-page, report, text.")
end

local function clip(s, n)
  s = s:gsub("%s+", " ")
  if #s > n then
    local cut = n
    while cut > 1 and s:byte(cut) and s:byte(cut) >= 0x80 and s:byte(cut) < 0xC0 do cut = cut - 1 end
    return s:sub(1, cut - 1) .. "…"
  end
  return s
end

function M.run(args, out)
  local doc = cli.read(args.file, { format = args.format })
  if args.json then
    out:write(require("qualua.model_json").encode(doc), "\n")
    return
  end
  local meta = doc:meta()
  out:write(("%s  [%s]  %d bytes of text\n"):format(args.file, doc:format(), #doc))
  for _, k in ipairs { "title", "authors", "year", "journal", "doi", "pmid", "keywords" } do
    local v = meta[k]
    if type(v) == "table" then v = table.concat(v, "; ") end
    if v then out:write(("  %-9s %s\n"):format(k, clip(v, 100))) end
  end
  out:write("\n")
  local shown = {}
  for _, b in doc:blocks() do
    local sec = b.section
    if sec and not shown[sec.index] then
      shown[sec.index] = true
      out:write(("%s§ %s%s\n"):format(("  "):rep(sec.level - 1), sec.title,
        sec.category and ("  (" .. sec.category .. ")") or ""))
    end
    if b.kind ~= "heading" then
      local indent = sec and ("  "):rep(sec.level) or ""
      out:write(("%s%-9s %s\n"):format(indent, b.kind, clip(b:text(), 90)))
    end
  end
  local counts = {
    ("%d sentences, %d tokens"):format(doc:count("sentence"), doc:count("token")),
    ("%d enumerations, %d footnotes"):format(#doc:enumerations(), #doc:footnotes()),
    ("%d repairs, %d dropped regions, %d warnings"):format(#doc:repairs(), #doc:dropped(), #doc:warnings()),
  }
  out:write("\n", table.concat(counts, "; "), "\n")
  for _, w in ipairs(doc:warnings()) do out:write(("warning %s: %s\n"):format(w.code, w.message)) end
end

return M
