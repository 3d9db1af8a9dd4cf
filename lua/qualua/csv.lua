--- qualua.csv: a small CSV writer and reader (RFC 4180).
-- Fields holding a comma, a double quote, CR or LF are quoted, with quotes
-- doubled; records end with CRLF, as the RFC says (`opts.eol` changes it).
-- nil becomes an empty field, integers print as integers, other numbers
-- with up to 10 significant digits.
-- @module qualua.csv
local type, tostring, ipairs, error, format = type, tostring, ipairs, error, string.format
local concat, math_type = table.concat, math.type

local M = {}

--- One field, quoted when it must be.
function M.field(v)
  if v == nil then return "" end
  local t = type(v)
  if t == "number" then
    if math_type(v) == "integer" then return tostring(v) end
    if v ~= v or v == math.huge or v == -math.huge then return "" end
    return format("%.10g", v)
  end
  if t ~= "string" then v = tostring(v) end
  if v:find('[,"\r\n]') then return '"' .. v:gsub('"', '""') .. '"' end
  return v
end

--- One record (a list of values; `n` fields when given, so trailing nils count).
function M.record(values, n, eol)
  local out = {}
  for i = 1, n or #values do out[i] = M.field(values[i]) end
  return concat(out, ",") .. (eol or "\r\n")
end

--- Encodes a list of records (lists of values) as CSV text.
-- opts.header: a first record; opts.eol: the record terminator ("\r\n").
function M.encode(rows, opts)
  opts = opts or {}
  local eol, out = opts.eol or "\r\n", {}
  local width = opts.header and #opts.header or nil
  if opts.header then out[1] = M.record(opts.header, width, eol) end
  for _, r in ipairs(rows) do out[#out + 1] = M.record(r, width, eol) end
  return concat(out)
end

--- Encodes a list of tables as CSV with the given columns (a header line of
-- their names, then one record per table: t[column]).
function M.encode_tables(list, columns, opts)
  local rows = {}
  for i, t in ipairs(list) do
    local r = {}
    for j, c in ipairs(columns) do r[j] = t[c] end
    rows[i] = r
  end
  local o = { header = columns }
  if opts then o.eol = opts.eol end
  return M.encode(rows, o)
end

--- Parses CSV text into a list of records (lists of strings).  Accepts CRLF
-- or LF; raises on a quote that is never closed or stray text after one.
function M.decode(s)
  local rows, row, i, n = {}, {}, 1, #s
  if n == 0 then return rows end
  while true do
    local value
    if s:sub(i, i) == '"' then
      local parts, j = {}, i + 1
      while true do
        local q = s:find('"', j, true)
        if not q then error(format("csv: unterminated quoted field at byte %d", i), 2) end
        parts[#parts + 1] = s:sub(j, q - 1)
        if s:sub(q + 1, q + 1) == '"' then
          parts[#parts + 1] = '"'
          j = q + 2
        else
          i = q + 1
          break
        end
      end
      value = concat(parts)
      local c = s:sub(i, i)
      if c ~= "," and c ~= "\r" and c ~= "\n" and c ~= "" then
        error(format("csv: text after a closing quote at byte %d", i), 2)
      end
    else
      local e = s:find("[,\r\n]", i) or n + 1
      value = s:sub(i, e - 1)
      i = e
    end
    row[#row + 1] = value
    local c = s:sub(i, i)
    if c == "," then
      i = i + 1
    else
      rows[#rows + 1] = row
      row = {}
      if c == "\r" then i = i + 1 end
      if s:sub(i, i) == "\n" then i = i + 1 end
      if i > n then break end
    end
  end
  return rows
end

return M
