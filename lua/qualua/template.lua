--- qualua.template: a small template language for reports.
--
--     {{ expr }}                 output, HTML-escaped
--     {{{ expr }}}               output, not escaped (also `{{ expr | raw }}`)
--     {{ expr | filter arg… }}   filters, chained left to right
--     {% for x in list %}…{% else %}…{% endfor %}   loop.index, loop.first, loop.last, loop.length
--     {% for k, v in table %}    pairs of a table, keys sorted
--     {% if c %}…{% elif c %}…{% else %}…{% endif %}
--     {% set name = expr %}
--     {% include "name" %}       another template, same context
--     {# comment #}
--     {%- … -%}, {{- … -}}       trim the whitespace before / after the tag
--
-- A `{% %}` or `{# #}` tag alone on its line takes the line with it, so
-- templates for Markdown can put one tag per line without leaving blank lines.
--
-- Expressions are a safe subset, evaluated against the context table, never
-- run as Lua: paths (`a.b.c`, `a[1]`, `a["k"]`), string and number literals,
-- true/false/nil, + - * / %, comparisons (== != ~= < <= > >=), and/or/not,
-- parentheses.  Only tables are indexed (a path through anything else is
-- nil) and nothing is called, so a template cannot reach Lua's libraries.
-- Falsy: nil, false, "", 0 and an empty table.
--
-- Templates are compiled once into a tree of Lua closures; errors, at compile
-- time and when rendering, name the template and line ("report.html:12: …").
-- @module qualua.template
local lpeg = require "lpeg"

local P, R, S, C, Cp, Ct, V = lpeg.P, lpeg.R, lpeg.S, lpeg.C, lpeg.Cp, lpeg.Ct, lpeg.V
local type, tostring, tonumber, pairs, ipairs, error, setmetatable, select = type, tostring, tonumber, pairs, ipairs, error, setmetatable, select
local concat, sort, format = table.concat, table.sort, string.format
local math_type, floor = math.type, math.floor

local M = {}

---------------------------------------------------------------------------
-- Escaping
---------------------------------------------------------------------------

local HTML = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;" }

--- Escapes text for HTML element content and quoted attribute values.
function M.escape(s) return (tostring(s):gsub("[&<>\"']", HTML)) end

-- Text of a value as output: nil prints nothing; integral floats without ".0".
local function str(v)
  if v == nil then return "" end
  if math_type(v) == "float" and v == floor(v) and v > -1e15 and v < 1e15 then return format("%d", v) end
  return tostring(v)
end
M.tostring = str

-- A raw value passes the escaper untouched.
local Raw = {}
Raw.__tostring = function(r) return r.s end
local function raw(s) return setmetatable({ s = str(s) }, Raw) end
M.raw = raw

local function truthy(v)
  if v == nil or v == false or v == "" or v == 0 then return false end
  if type(v) == "table" and getmetatable(v) ~= Raw and next(v) == nil then return false end
  return true
end
M.truthy = truthy

---------------------------------------------------------------------------
-- Filters: function(value, args...) ; the value first
---------------------------------------------------------------------------

local function utf8_len(s) return utf8.len(s) or #s end

local FILTERS = {}
M.filters = FILTERS

function FILTERS.upper(v) return str(v):upper() end
function FILTERS.lower(v) return str(v):lower() end
function FILTERS.default(v, d) if v == nil or v == "" then return d end return v end
function FILTERS.round(v, n)
  v = tonumber(v)
  if not v then return nil end
  n = tonumber(n) or 0
  local s = format("%." .. floor(n) .. "f", v)
  return n == 0 and (s:gsub("^%-0$", "0")) or s
end
function FILTERS.join(v, sep)
  if type(v) ~= "table" then return v end
  local parts = {}
  for i, x in ipairs(v) do parts[i] = str(x) end
  return concat(parts, sep == nil and ", " or str(sep))
end
function FILTERS.len(v)
  if type(v) == "string" then return utf8_len(v) end
  if type(v) == "table" then
    local n = #v
    if n == 0 then for _ in pairs(v) do n = n + 1 end end
    return n
  end
  return 0
end
function FILTERS.raw(v) return raw(v) end
function FILTERS.escape(v) return M.escape(str(v)) end
function FILTERS.first(v) if type(v) == "table" then return v[1] end return nil end
function FILTERS.last(v) if type(v) == "table" then return v[#v] end return nil end
-- truncate n: at most n characters (code points), an ellipsis when cut
function FILTERS.truncate(v, n)
  local s = str(v):gsub("%s+", " ")
  n = tonumber(n) or 80
  if utf8_len(s) <= n then return s end
  local cut = utf8.offset(s, n) or #s
  return s:sub(1, cut - 1) .. "…"
end
-- fmt "%.1f": string.format with one value; a bad format is the caller's error
function FILTERS.fmt(v, f) return format(str(f), v) end
function FILTERS.percent(v, digits)
  v = tonumber(v)
  if not v then return nil end
  return format("%." .. floor(tonumber(digits) or 0) .. "f%%", v * 100)
end
function FILTERS.replace(v, from, to)
  local s = str(v)
  from, to = str(from), str(to)
  if from == "" then return s end
  local out, i = {}, 1
  while true do
    local a, b = s:find(from, i, true)
    if not a then break end
    out[#out + 1] = s:sub(i, a - 1); out[#out + 1] = to
    i = b + 1
  end
  out[#out + 1] = s:sub(i)
  return concat(out)
end
-- a safe fragment for id attributes and anchors
function FILTERS.slug(v)
  local s = str(v):lower():gsub("[^%w]+", "-"):gsub("^%-+", ""):gsub("%-+$", "")
  return s == "" and "x" or s
end
function FILTERS.sort(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for i, x in ipairs(v) do t[i] = x end
  sort(t, function(a, b) return str(a) < str(b) end)
  return t
end

---------------------------------------------------------------------------
-- Expression grammar -> AST
---------------------------------------------------------------------------

local sp = S" \t\r\n"^0
local function tok(p) return p * sp end
local idchar = R("az", "AZ", "09") + P"_"
local KEYWORDS = { ["and"] = true, ["or"] = true, ["not"] = true, ["true"] = true, ["false"] = true,
                   ["nil"] = true, ["in"] = true }
local function kw(w) return tok(P(w) * -idchar) end
local name = C((R("az", "AZ") + P"_") * idchar^0) / function(n) return n end
local ident = lpeg.Cmt(name, function(_, i, n) if KEYWORDS[n] then return false end return i, n end)

local digits = R"09"^1
local number = C(P"-"^-1 * digits * (P"." * digits)^-1 * (S"eE" * S"+-"^-1 * digits)^-1)
  / function(s) return { op = "lit", v = tonumber(s) } end

local escapes = { n = "\n", t = "\t", r = "\r", ["\\"] = "\\", ['"'] = '"', ["'"] = "'" }
local function strlit(q)
  local ch = (P"\\" * C(1)) / function(c) return escapes[c] or c end + C(1 - P(q) - P"\\")
  return P(q) * lpeg.Cs(ch^0) * P(q)
end
local str_lit = (strlit('"') + strlit("'")) / function(s) return { op = "lit", v = s } end

local function binop(list)
  -- folds "a op b op c" left to right
  return function(first, ...)
    local node = first
    for i = 1, select("#", ...), 2 do
      node = { op = "bin", o = select(i, ...), a = node, b = select(i + 1, ...) }
    end
    return node
  end
end

local expr_grammar = P{
  "expr",
  expr = V"or_",
  or_ = (V"and_" * (kw"or" * lpeg.Cc"or" * V"and_")^0) / binop(),
  and_ = (V"not_" * (kw"and" * lpeg.Cc"and" * V"not_")^0) / binop(),
  not_ = (kw"not" * V"not_") / function(a) return { op = "not", a = a } end + V"cmp",
  cmp = (V"add" * (C(P"==" + P"!=" + P"~=" + P"<=" + P">=" + P"<" + P">") * sp * V"add")^-1) / binop(),
  add = (V"mul" * (C(S"+-") * sp * V"mul")^0) / binop(),
  mul = (V"unary" * (C(S"*/%") * sp * V"unary")^0) / binop(),
  unary = (P"-" * sp * V"unary") / function(a) return { op = "neg", a = a } end + V"primary",
  primary = tok(number) + tok(str_lit)
    + kw"true" / function() return { op = "lit", v = true } end
    + kw"false" / function() return { op = "lit", v = false } end
    + kw"nil" / function() return { op = "lit", v = nil, isnil = true } end
    + tok"(" * V"expr" * tok")"
    + V"path",
  path = (tok(ident) * Ct((tok"." * tok(C(idchar^1)) / function(k) return { op = "lit", v = tonumber(k) or k } end
                          + tok"[" * V"expr" * tok"]")^0))
    / function(n, keys) return { op = "path", name = n, keys = keys } end,
}

-- filter call: name arg* where an arg is a primary (literal, path, (expr))
local filter_arg = P{ "arg",
  arg = tok(number) + tok(str_lit)
    + kw"true" / function() return { op = "lit", v = true } end
    + kw"false" / function() return { op = "lit", v = false } end
    + tok"(" * expr_grammar * tok")"
    + (tok(ident) * Ct((tok"." * tok(C(idchar^1)) / function(k) return { op = "lit", v = tonumber(k) or k } end)^0))
      / function(n, keys) return { op = "path", name = n, keys = keys } end,
}
local filter_call = tok"|" * Cp() * tok(name) * Ct(filter_arg^0)
  / function(pos, n, args) return { name = n, args = args, pos = pos } end
local output_expr = sp * expr_grammar * Ct(filter_call^0) * -1

local for_head = sp * kw"for" * tok(ident) * (tok"," * tok(ident))^-1 * kw"in" * expr_grammar * -1
local set_head = sp * kw"set" * tok(ident) * tok"=" * expr_grammar * Ct(filter_call^0) * -1
local if_head = sp * (kw"if" + kw"elif") * expr_grammar * -1
local include_head = sp * kw"include" * tok(str_lit) * -1

---------------------------------------------------------------------------
-- Lexing the template into text and tags
---------------------------------------------------------------------------

local function line_of(src, pos)
  local n = 1
  for _ in src:sub(1, pos - 1):gmatch("\n") do n = n + 1 end
  return n
end

local OPENERS = { ["{{{"] = "}}}", ["{{"] = "}}", ["{%"] = "%}", ["{#"] = "#}" }
local KIND = { ["{{{"] = "raw", ["{{"] = "out", ["{%"] = "stmt", ["{#"] = "comment" }

local function lex(src, name)
  local toks, i, n = {}, 1, #src
  while i <= n do
    local a = src:find("{[{%%#]", i)
    if not a then toks[#toks + 1] = { kind = "text", s = src:sub(i) }; break end
    if a > i then toks[#toks + 1] = { kind = "text", s = src:sub(i, a - 1) } end
    local open = src:sub(a, a + 2) == "{{{" and "{{{" or src:sub(a, a + 1)
    local close = OPENERS[open]
    local b = src:find(close, a + #open, true)
    if not b then
      error(format("%s:%d: unclosed '%s'", name, line_of(src, a), open), 0)
    end
    local body = src:sub(a + #open, b - 1)
    local t = { kind = KIND[open], pos = a, line = line_of(src, a) }
    if open ~= "{{{" then
      if body:sub(1, 1) == "-" then t.trim_l = true; body = body:sub(2) end
      if body:sub(-1) == "-" then t.trim_r = true; body = body:sub(1, -2) end
    end
    t.body = body
    toks[#toks + 1] = t
    i = b + #close
  end
  -- explicit trimming, then standalone statement lines
  for k, t in ipairs(toks) do
    if t.trim_l and toks[k - 1] and toks[k - 1].kind == "text" then toks[k - 1].s = toks[k - 1].s:gsub("%s+$", "") end
    if t.trim_r and toks[k + 1] and toks[k + 1].kind == "text" then toks[k + 1].s = toks[k + 1].s:gsub("^%s+", "") end
  end
  -- decide on the texts as written, then cut, so adjacent tag lines all go
  local cuts = {}
  for k, t in ipairs(toks) do
    if t.kind == "stmt" or t.kind == "comment" then
      local prev, nxt = toks[k - 1], toks[k + 1]
      local lead, tail
      if prev == nil then lead = ""
      elseif prev.kind == "text" then
        lead = prev.s:match("\n([ \t]*)$") or (k == 2 and prev.s:match("^([ \t]*)$"))
      end
      if nxt == nil then tail = true
      elseif nxt.kind == "text" then
        tail = nxt.s:match("^[ \t]*\n") or (k + 1 == #toks and nxt.s:match("^[ \t]*$"))
      end
      if lead and tail then cuts[#cuts + 1] = { k = k, lead = #lead } end
    end
  end
  for _, c in ipairs(cuts) do
    local prev, nxt = toks[c.k - 1], toks[c.k + 1]
    if prev and c.lead > 0 then prev.s = prev.s:sub(1, #prev.s - c.lead) end
    if nxt and nxt.kind == "text" then nxt.s = nxt.s:gsub("^[ \t]*\n?", "", 1) end
  end
  return toks
end

---------------------------------------------------------------------------
-- Compiling: AST -> closures
---------------------------------------------------------------------------

-- Scopes: a chain of tables; lookups walk it with rawget, so a context's
-- metatables are not consulted for variable names.
local function lookup(scope, n)
  while scope do
    local v = rawget(scope.vars, n)
    if v ~= nil then return v end
    scope = scope.parent
  end
  return nil
end

local function compile_expr(node, where)
  local op = node.op
  if op == "lit" then
    local v = node.v
    return function() return v end
  elseif op == "path" then
    local n, keys = node.name, {}
    for i, k in ipairs(node.keys) do keys[i] = compile_expr(k, where) end
    return function(scope)
      local v = lookup(scope, n)
      for _, k in ipairs(keys) do
        if type(v) ~= "table" then return nil end
        v = v[k(scope)]
      end
      return v
    end
  elseif op == "not" then
    local a = compile_expr(node.a, where)
    return function(scope) return not truthy(a(scope)) end
  elseif op == "neg" then
    local a = compile_expr(node.a, where)
    return function(scope)
      local x = a(scope)
      if type(x) ~= "number" then error(where(format("cannot negate a %s", type(x))), 0) end
      return -x
    end
  elseif op == "bin" then
    local a, b, o = compile_expr(node.a, where), compile_expr(node.b, where), node.o
    if o == "and" then return function(s) local x = a(s); if not truthy(x) then return x end return b(s) end end
    if o == "or" then return function(s) local x = a(s); if truthy(x) then return x end return b(s) end end
    if o == "==" then return function(s) return a(s) == b(s) end end
    if o == "!=" or o == "~=" then return function(s) return a(s) ~= b(s) end end
    local arith = { ["+"] = function(x, y) return x + y end, ["-"] = function(x, y) return x - y end,
                    ["*"] = function(x, y) return x * y end, ["/"] = function(x, y) return x / y end,
                    ["%"] = function(x, y) return x % y end,
                    ["<"] = function(x, y) return x < y end, ["<="] = function(x, y) return x <= y end,
                    [">"] = function(x, y) return x > y end, [">="] = function(x, y) return x >= y end }
    local f = arith[o]
    local ordered = o:find("[<>]") ~= nil
    return function(s)
      local x, y = a(s), b(s)
      local tx, ty = type(x), type(y)
      if ordered and tx == "string" and ty == "string" then return f(x, y) end
      if tx ~= "number" or ty ~= "number" then
        error(where(format("cannot apply '%s' to %s and %s", o, tx, ty)), 0)
      end
      if o == "%" and y == 0 then error(where("modulo by zero"), 0) end
      return f(x, y)
    end
  end
  error("unknown expression node " .. tostring(op))
end

local function compile_filters(list, filters, where_at)
  local out = {}
  for i, f in ipairs(list) do
    local fn = filters[f.name]
    if not fn then error(where_at(f.pos)(format("unknown filter '%s'", f.name)), 0) end
    local args = {}
    for j, a in ipairs(f.args) do args[j] = compile_expr(a, where_at(f.pos)) end
    out[i] = { fn = fn, args = args, name = f.name }
  end
  return out
end

local function apply_filters(v, fl, scope, where)
  for _, f in ipairs(fl) do
    local n = #f.args
    local ok, r
    if n == 0 then ok, r = pcall(f.fn, v)
    elseif n == 1 then ok, r = pcall(f.fn, v, f.args[1](scope))
    else
      local a = {}
      for j = 1, n do a[j] = f.args[j](scope) end
      ok, r = pcall(f.fn, v, table.unpack(a, 1, n))
    end
    if not ok then
      error(where(format("filter '%s': %s", f.name, tostring(r):gsub("^[^\n]-:%d+: ", ""))), 0)
    end
    v = r
  end
  return v
end

local Template = {}
Template.__index = Template

-- Parses the token list into nodes; returns them and the token that stopped it.
local function parse_nodes(t, toks, k, stops)
  local nodes = {}
  local name, src = t.name, t.source
  while k <= #toks do
    local tk = toks[k]
    local function where(msg) return format("%s:%d: %s", name, tk.line, msg) end
    -- a position inside a tag body -> its line
    local function where_at(off)
      return function(msg)
        local line = tk.line
        if off then for _ in tk.body:sub(1, off - 1):gmatch("\n") do line = line + 1 end end
        return format("%s:%d: %s", name, line, msg)
      end
    end
    if tk.kind == "text" then
      if tk.s ~= "" then nodes[#nodes + 1] = { kind = "text", s = tk.s } end
      k = k + 1
    elseif tk.kind == "comment" then
      k = k + 1
    elseif tk.kind == "out" or tk.kind == "raw" then
      local e, fl = lpeg.match(output_expr, tk.body)
      if not e then error(where(format("bad expression '%s'", tk.body:match("^%s*(.-)%s*$"))), 0) end
      local filters = compile_filters(fl, t.filters, where_at)
      local is_raw = tk.kind == "raw"
      nodes[#nodes + 1] = { kind = "out", expr = compile_expr(e, where), filters = filters, raw = is_raw, where = where }
      k = k + 1
    else
      local body = tk.body
      local word = body:match("^%s*(%a+)")
      if not word then error(where(format("bad tag '{%%%s%%}'", body)), 0) end
      if stops and stops[word] then return nodes, k end
      if word == "for" then
        local var1, var2, e
        -- for_head yields 2 or 3 captures
        local caps = { lpeg.match(for_head, body) }
        if #caps == 0 then error(where("bad for loop (expected 'for x in list' or 'for k, v in table')"), 0) end
        if #caps == 2 then var1, var2, e = caps[1], nil, caps[2] else var1, var2, e = caps[1], caps[2], caps[3] end
        local inner, k2 = parse_nodes(t, toks, k + 1, { endfor = true, ["else"] = true })
        local empty
        if k2 and toks[k2].body:match("^%s*else") then
          empty, k2 = parse_nodes(t, toks, k2 + 1, { endfor = true })
        end
        if not k2 then error(where("'for' without 'endfor'"), 0) end
        nodes[#nodes + 1] = { kind = "for", v1 = var1, v2 = var2, expr = compile_expr(e, where), body = inner,
                              empty = empty, where = where }
        k = k2 + 1
      elseif word == "if" then
        local branches = {}
        local cond = lpeg.match(if_head, body)
        if not cond then error(where("bad condition in 'if'"), 0) end
        local kk, c = k, compile_expr(cond, where)
        while true do
          local inner, k2 = parse_nodes(t, toks, kk + 1, { elif = true, ["else"] = true, endif = true })
          if not k2 then error(where("'if' without 'endif'"), 0) end
          branches[#branches + 1] = { cond = c, body = inner }
          local w = toks[k2].body:match("^%s*(%a+)")
          if w == "endif" then kk = k2; break end
          if w == "else" then
            local inner2, k3 = parse_nodes(t, toks, k2 + 1, { endif = true })
            if not k3 then error(where("'if' without 'endif'"), 0) end
            branches[#branches + 1] = { body = inner2 }
            kk = k3
            break
          end
          local tk2 = toks[k2]
          local cond2 = lpeg.match(if_head, tk2.body)
          if not cond2 then error(format("%s:%d: bad condition in 'elif'", name, tk2.line), 0) end
          c = compile_expr(cond2, function(msg) return format("%s:%d: %s", name, tk2.line, msg) end)
          kk = k2
        end
        nodes[#nodes + 1] = { kind = "if", branches = branches }
        k = kk + 1
      elseif word == "set" then
        local var, e, fl = lpeg.match(set_head, body)
        if not var then error(where("bad 'set' (expected 'set name = expr')"), 0) end
        nodes[#nodes + 1] = { kind = "set", var = var, expr = compile_expr(e, where),
                              filters = compile_filters(fl, t.filters, where_at), where = where }
        k = k + 1
      elseif word == "include" then
        local lit = lpeg.match(include_head, body)
        if not lit then error(where("bad 'include' (expected include \"name\")"), 0) end
        nodes[#nodes + 1] = { kind = "include", name = lit.v, where = where }
        k = k + 1
      elseif word == "endfor" or word == "endif" or word == "else" or word == "elif" then
        error(where(format("unexpected '%s'", word)), 0)
      else
        error(where(format("unknown tag '%s'", word)), 0)
      end
    end
  end
  return nodes, nil
end

local function sorted_keys(tbl)
  local keys = {}
  for key in pairs(tbl) do keys[#keys + 1] = key end
  sort(keys, function(a, b)
    local ta, tb = type(a), type(b)
    if ta ~= tb then return ta < tb end
    if ta == "number" or ta == "string" then return a < b end
    return tostring(a) < tostring(b)
  end)
  return keys
end

local render_nodes

local function render_include(t, node, scope, out, depth)
  if depth > 20 then error(node.where(format("include nested too deeply (a cycle?) at '%s'", node.name)), 0) end
  local sub = t.includes[node.name]
  if not sub then
    if not t.loader then error(node.where(format("cannot include '%s': no template loader", node.name)), 0) end
    local src, path = t.loader(node.name, t)
    if not src then error(node.where(format("cannot include '%s': %s", node.name, tostring(path or "not found"))), 0) end
    sub = M.compile(src, { name = node.name, filters = t.filters, loader = t.loader, dir = t.dir })
    t.includes[node.name] = sub
  end
  render_nodes(sub, sub.nodes, scope, out, depth + 1)
end

function render_nodes(t, nodes, scope, out, depth)
  for _, node in ipairs(nodes) do
    local kind = node.kind
    if kind == "text" then out[#out + 1] = node.s
    elseif kind == "out" then
      local v = node.expr(scope)
      if #node.filters > 0 then v = apply_filters(v, node.filters, scope, node.where) end
      if getmetatable(v) == Raw then out[#out + 1] = v.s
      elseif node.raw then out[#out + 1] = str(v)
      else out[#out + 1] = (str(v):gsub("[&<>\"']", HTML)) end
    elseif kind == "if" then
      for _, b in ipairs(node.branches) do
        if not b.cond or truthy(b.cond(scope)) then render_nodes(t, b.body, scope, out, depth); break end
      end
    elseif kind == "for" then
      local list = node.expr(scope)
      if list ~= nil and type(list) ~= "table" then
        error(node.where(format("cannot loop over a %s", type(list))), 0)
      end
      local items, keys = {}, nil
      if list then
        if node.v2 then keys = sorted_keys(list)
        else for i, x in ipairs(list) do items[i] = x end end
      end
      local n = keys and #keys or #items
      if n == 0 then
        if node.empty then render_nodes(t, node.empty, scope, out, depth) end
      else
        local loop = { length = n }
        local vars = { loop = loop }
        local inner = { vars = vars, parent = scope }
        for i = 1, n do
          loop.index, loop.index0, loop.first, loop.last = i, i - 1, i == 1, i == n
          loop.odd = i % 2 == 1
          if keys then vars[node.v1], vars[node.v2] = keys[i], list[keys[i]]
          else vars[node.v1] = items[i] end
          render_nodes(t, node.body, inner, out, depth)
        end
      end
    elseif kind == "set" then
      local v = node.expr(scope)
      if #node.filters > 0 then v = apply_filters(v, node.filters, scope, node.where) end
      scope.vars[node.var] = v
    elseif kind == "include" then
      render_include(t, node, scope, out, depth)
    end
  end
end

--- Renders the template with a context table; returns the text.
function Template:render(ctx)
  local out = {}
  render_nodes(self, self.nodes, { vars = ctx or {} }, out, 0)
  return concat(out)
end
Template.__call = function(self, ctx) return self:render(ctx) end

-- Loader for files beside a directory (include names are relative paths).
local function dir_loader(dir)
  return function(nm)
    if nm:find("%.%.") or nm:sub(1, 1) == "/" then return nil, "include names must be relative, without '..'" end
    local path = (dir and dir ~= "" and dir .. "/" or "") .. nm
    local f, err = io.open(path, "rb")
    if not f then return nil, err end
    local s = f:read("a")
    f:close()
    return s, path
  end
end
M.dir_loader = dir_loader

--- Compiles template source.  opts: name (for errors, default "template"),
-- filters (extra filters by name), loader (function(name) -> source or nil,
-- message, for includes) or dir (include from files in that directory),
-- partials (table name -> source).
function M.compile(source, opts)
  if type(source) ~= "string" then error("bad argument #1 to 'compile' (string expected, got " .. type(source) .. ")", 2) end
  opts = opts or {}
  local filters = opts.filters
  if filters and filters ~= FILTERS then
    filters = setmetatable({}, { __index = function(_, k) return rawget(opts.filters, k) or FILTERS[k] end })
  end
  local loader = opts.loader
  if not loader and opts.partials then
    local parts = opts.partials
    loader = function(nm) local s = parts[nm]; if s then return s end return nil, "no such template" end
  end
  if not loader and opts.dir then loader = dir_loader(opts.dir) end
  local t = setmetatable({ name = opts.name or "template", source = source, filters = filters or FILTERS,
                           loader = loader, dir = opts.dir, includes = {} }, Template)
  local toks = lex(source, t.name)
  local nodes, stop = parse_nodes(t, toks, 1, nil)
  if stop then error(format("%s:%d: unexpected tag", t.name, toks[stop].line), 0) end
  t.nodes = nodes
  return t
end

--- Compiles a template file; includes resolve beside it.  opts as compile.
function M.load(path, opts)
  local f, err = io.open(path, "rb")
  if not f then error(err, 2) end
  local s = f:read("a")
  f:close()
  opts = opts or {}
  local o = {}
  for k, v in pairs(opts) do o[k] = v end
  o.name = o.name or path:match("([^/]+)$")
  o.dir = o.dir or path:match("^(.*)/[^/]*$") or "."
  return M.compile(s, o)
end

--- Compiles and renders in one go.
function M.render(source, ctx, opts)
  return M.compile(source, opts):render(ctx)
end

M.Template = Template
return M
