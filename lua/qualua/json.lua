--- A small JSON encoder with stable output: object keys sorted, arrays
-- marked explicitly (Debian's lua-cjson 2.1.0 cannot encode an empty array).
-- Decoding is left to lua-cjson.
-- @module qualua.json
local type, pairs, ipairs, tostring, sort, concat = type, pairs, ipairs, tostring, table.sort, table.concat
local format, gsub, byte, math_type = string.format, string.gsub, string.byte, math.type
local getmetatable, setmetatable, error = getmetatable, setmetatable, error

local M = {}

local ARRAY = { __name = "qualua.json.array" }
M.null = setmetatable({}, { __name = "qualua.json.null", __tojson = true })

--- Marks t (or a new table) as a JSON array, so an empty one encodes as [].
function M.array(t) return setmetatable(t or {}, ARRAY) end

local escapes = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
                  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
local function escape(s)
  return '"' .. gsub(s, '[%c"\\]', function(c)
    return escapes[c] or format("\\u%04x", byte(c))
  end) .. '"'
end

local function encode(v, out, n)
  local t = type(v)
  if t == "string" then n = n + 1; out[n] = escape(v)
  elseif t == "number" then
    n = n + 1
    if math_type(v) == "integer" then out[n] = tostring(v)
    elseif v ~= v or v == math.huge or v == -math.huge then out[n] = "null"
    else out[n] = format("%.14g", v) end
  elseif t == "boolean" then n = n + 1; out[n] = tostring(v)
  elseif v == nil or v == M.null then n = n + 1; out[n] = "null"
  elseif t == "table" then
    if getmetatable(v) == ARRAY or (v[1] ~= nil and next(v, #v) == nil) then
      n = n + 1; out[n] = "["
      for i, x in ipairs(v) do
        if i > 1 then n = n + 1; out[n] = "," end
        n = encode(x, out, n)
      end
      n = n + 1; out[n] = "]"
    else
      local keys = {}
      for k in pairs(v) do
        if type(k) ~= "string" then error("cannot encode a table with a non-string key as a JSON object", 0) end
        keys[#keys + 1] = k
      end
      sort(keys)
      n = n + 1; out[n] = "{"
      for i, k in ipairs(keys) do
        n = n + 1; out[n] = (i > 1 and "," or "") .. escape(k) .. ":"
        n = encode(v[k], out, n)
      end
      n = n + 1; out[n] = "}"
    end
  else
    error("cannot encode a " .. t .. " as JSON", 0)
  end
  return n
end

--- Encodes a Lua value as JSON text.
function M.encode(v)
  local out = {}
  encode(v, out, 0)
  return concat(out)
end

--- Decodes JSON text (lua-cjson); JSON null becomes qualua.json.null.
function M.decode(s)
  local cjson = require "cjson"
  local ok, v = pcall(cjson.decode, s)
  if not ok then return nil, v end
  return v
end

return M
