--- qualua.codebook: the codebook language, its validation, and codebook files.
--
-- A codebook is a tree of themes; each theme has a name, an optional
-- description and colour, and rules that match token sequences of a
-- document's normalised text.  Written in Lua:
--
--     local cb = require "qualua.codebook"
--     return cb.codebook "Primary care" {
--       description = "UK primary-care policy",
--       unit = "sentence",                     -- default coding unit
--       cb.theme "Workforce" {
--         description = "Staffing of general practice", color = "#1f77b4",
--         "recruit*",                          -- a word with a trailing wildcard
--         "retention",
--         "general practitioner*",             -- a phrase; any word may be a glob
--         cb.exact "ARRS",                     -- exact case (acronyms)
--         cb.stem "shortage",                  -- inflections folded: shortages...
--         cb.near("GP", "shortage*", 5),       -- within 5 tokens, same unit
--         cb.all{ "funding", "workforce", unit = "paragraph" },
--         cb.rule{ any = {"pension*", "LLP*"}, only = { category = "RESULTS" } },
--         cb.rule{ any = {"burnout"}, none = {"no burnout"}, name = "burnout" },
--         cb.lpeg(lpeg.P"£" * lpeg.R"09"^1 * "m"),  -- over each unit's text
--         exclude = { "retention of records" },      -- also `not_` / ["not"]
--         cb.theme "Morale" { "morale", "burnout", "demoralis*" },
--       },
--     }
--
-- Patterns.  Words are separated by spaces and cut like the document text
-- (`"voluntary, community"` is three tokens); matching is case-insensitive
-- on the case-folded token forms.  `*` (any characters) and `?` (one
-- character) make a word a glob, resolved against the corpus vocabulary;
-- a word made only of wildcards is refused.  `cb.exact "ICB"` compares the
-- text itself; `cb.stem "shortage"` (or `stem = true` on a rule, theme or
-- codebook) folds English inflections (-s, -es, -ies, -ing, -ed, -'s);
-- `cb.pattern(text, {exact=, stem=})` gives both.
--
-- Rules.  A bare pattern in a theme is a rule of its own.  `cb.rule{...}`
-- takes any of:
--   any = {p...}      at least one of the patterns;
--   all = {p, {p1, p2}, ...}  every element (an element may list alternatives);
--   none = {p...}     the unit holds none of them;
--   near = {a, b, k}  a hit of a within k tokens of a hit of b (a, b a
--                     pattern or a list; all tokens count, punctuation too);
--   exclude = {p...}  hits overlapping one of these don't count (`not`, `not_`);
--   unit = "sentence" | "paragraph" | "section" | "document" (`scope` too):
--                     the unit the conditions are checked in and coded;
--   only = { category = "RESULTS", section = "access", block = "list_item" }:
--                     hits count only in sections (or under ancestors) of
--                     that NLM category / whose title contains that text
--                     (case-insensitive), or in blocks of that kind; each
--                     may be a list (any of);
--   name = "..."      names the rule in codings (else its index);
--   stem = true, exact = true  apply to every pattern of the rule.
-- Conditions combine with AND.  `cb.all{...}`, `cb.any{...}` and
-- `cb.near(a, b, k [, opts])` are shorthands; `cb.lpeg(patt [, opts])`
-- searches an LPeg pattern in the text of each unit (opts: unit, only, name).
--
-- Themes take: description, color ("#rrggbb"), unit (inherited by the
-- theme's rules and sub-themes), stem (inherited), exclude (for every rule of
-- the theme), only (default filter of the theme's rules), guid (REFI-QDA),
-- codable (false for a pure grouping node).  Themes nest; a theme's path is
-- its ancestors' names and its own joined by "/".
--
-- Anything malformed (an unknown key, an empty pattern, a wildcard alone, a
-- non-string pattern, a theme inside itself, a duplicate sibling name) is
-- refused with an error naming the codebook, the theme path and the rule:
--   codebook "Primary care": theme "Workforce/Morale", rule #2 ("*"): a wildcard alone matches every word
--
-- Files: `load(path)` reads a Lua codebook, a REFI-QDA codebook (.qdc), or a
-- quanteda-style dictionary in JSON or YAML (keys are themes, values lists of
-- patterns; nested keys are sub-themes).  `save(cb, path)` writes any of them
-- (by extension).  A .qdc keeps every rule: the theme's rules are written in
-- this language at the end of the code's Description, after a "[qualua]"
-- line.  A dictionary keeps only plain patterns (words, phrases, globs);
-- save_dictionary reports what it had to leave out.  LPeg rules live only in
-- Lua files.
-- @module qualua.codebook
local lpeg = require "lpeg"

local type, error, pairs, ipairs, setmetatable, getmetatable, tostring, select =
  type, error, pairs, ipairs, setmetatable, getmetatable, tostring, select
local format, concat, sort = string.format, table.concat, table.sort
local io_open, load, pcall, math_type = io.open, load, pcall, math.type

local M = {}

local ThemeSpec, RuleSpec, PatternSpec = {}, {}, {}
local Codebook = {}
Codebook.__index = Codebook
M.Codebook = Codebook

local UNITS = { sentence = true, paragraph = true, section = true, document = true }
local CATEGORIES = { BACKGROUND = true, OBJECTIVE = true, METHODS = true, RESULTS = true, CONCLUSIONS = true }
local BLOCK_KINDS = { heading = 0, paragraph = 1, list_item = 2, footnote = 3, reference = 4, caption = 5, field = 6 }
M.UNITS, M.CATEGORIES, M.BLOCK_KINDS = UNITS, CATEGORIES, BLOCK_KINDS

---------------------------------------------------------------------------
-- Builders: they only record what was written; cb.codebook validates.
---------------------------------------------------------------------------

local function theme_body(name, body)
  return setmetatable({ name = name, body = body }, ThemeSpec)
end

-- Both call styles of a named constructor: f "Name" { ... } and f{ name = "Name", ... }.
local function named(make)
  return function(name)
    if type(name) == "table" and getmetatable(name) == nil then return make(name.name, name) end
    return function(body) return make(name, body) end
  end
end

--- cb.theme "Name" { ... } or cb.theme{ name = "Name", ... }
M.theme = named(theme_body)

--- A pattern with options: cb.pattern("ICB*", { exact = true }).
function M.pattern(text, opts)
  local p = { pattern = text }
  if opts ~= nil then
    if type(opts) ~= "table" then error("pattern options must be a table", 2) end
    for k, v in pairs(opts) do p[k] = v end
  end
  return setmetatable(p, PatternSpec)
end
function M.exact(text) return M.pattern(text, { exact = true }) end
function M.stem(text) return M.pattern(text, { stem = true }) end

local function rule_spec(form, t) t.__form = form; return setmetatable(t, RuleSpec) end

--- cb.rule{ any=, all=, none=, near=, exclude=, unit=, only=, name=, stem=, exact= }
function M.rule(t)
  if type(t) ~= "table" then error("cb.rule expects a table", 2) end
  local r = {}
  for k, v in pairs(t) do r[k] = v end
  return rule_spec("rule", r)
end

local function list_form(form)
  return function(t)
    if type(t) ~= "table" then error("cb." .. form .. " expects a table", 2) end
    local r, items = {}, {}
    for k, v in pairs(t) do
      if math_type(k) == "integer" then items[k] = v else r[k] = v end
    end
    r[form] = items
    return rule_spec(form, r)
  end
end
M.all = list_form("all")
M.any = list_form("any")

--- cb.near(a, b, k [, opts]): a within k tokens of b.
function M.near(a, b, k, opts)
  local r = {}
  if opts ~= nil then
    if type(opts) ~= "table" then error("near options must be a table", 2) end
    for key, v in pairs(opts) do r[key] = v end
  end
  r.near = { a, b, k }
  return rule_spec("near", r)
end

--- cb.lpeg(pattern [, opts]): an LPeg pattern searched in each unit's text.
function M.lpeg(patt, opts)
  local r = {}
  if opts ~= nil then
    if type(opts) ~= "table" then error("lpeg options must be a table", 2) end
    for key, v in pairs(opts) do r[key] = v end
  end
  r.lpeg = patt
  return rule_spec("lpeg", r)
end

---------------------------------------------------------------------------
-- Source form: the same language written back (Lua files, .qdc rules).
---------------------------------------------------------------------------

local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    if c == "\n" then return "\\n" elseif c == "\t" then return "\\t"
    elseif c == '"' or c == "\\" then return "\\" .. c end
    return format("\\%03d", c:byte())
  end) .. '"'
end
M.quote = quote

local function pattern_source(p, pre)
  if p.exact and p.stem then return format("%spattern(%s, {exact = true, stem = true})", pre, quote(p.text)) end
  if p.exact then return format("%sexact(%s)", pre, quote(p.text)) end
  if p.stem then return format("%sstem(%s)", pre, quote(p.text)) end
  return quote(p.text)
end

local function plist_source(list, pre)
  local out = {}
  for i, p in ipairs(list) do out[i] = pattern_source(p, pre) end
  return "{" .. concat(out, ", ") .. "}"
end

local function strlist_source(list)
  local out = {}
  for i, s in ipairs(list) do out[i] = quote(s) end
  return "{" .. concat(out, ", ") .. "}"
end

local function only_source(f)
  local out = {}
  for _, k in ipairs{ "category", "section", "block" } do
    if f[k] then out[#out + 1] = k .. " = " .. strlist_source(f[k]) end
  end
  return "{" .. concat(out, ", ") .. "}"
end

--- The rule written in the codebook language (pre: "cb." or "").
local function rule_source(r, pre)
  pre = pre or "cb."
  if r.form == "pattern" then return pattern_source(r.any[1], pre) end
  if r.lpeg then return pre .. "lpeg(<lpeg pattern>)" end
  local out = {}
  if r.any then out[#out + 1] = "any = " .. plist_source(r.any, pre) end
  if r.all then
    local e = {}
    for i, alt in ipairs(r.all) do
      e[i] = #alt == 1 and pattern_source(alt[1], pre) or plist_source(alt, pre)
    end
    out[#out + 1] = "all = {" .. concat(e, ", ") .. "}"
  end
  if r.none then out[#out + 1] = "none = " .. plist_source(r.none, pre) end
  if r.near then
    local function side(l) return #l == 1 and pattern_source(l[1], pre) or plist_source(l, pre) end
    out[#out + 1] = format("near = {%s, %s, %d}", side(r.near.a), side(r.near.b), r.near.k)
  end
  if r.exclude then out[#out + 1] = "exclude = " .. plist_source(r.exclude, pre) end
  if r.unit then out[#out + 1] = "unit = " .. quote(r.unit) end
  if r.only then out[#out + 1] = "only = " .. only_source(r.only) end
  if r.stem then out[#out + 1] = "stem = true" end
  if r.name then out[#out + 1] = "name = " .. quote(r.name) end
  return pre .. "rule{" .. concat(out, ", ") .. "}"
end
M.rule_source = rule_source

-- Short description of a raw rule for error messages, before validation.
local function raw_label(x)
  if type(x) == "string" then return quote(x) end
  local mt = getmetatable(x)
  if mt == PatternSpec then return "exact/stem " .. (type(x.pattern) == "string" and quote(x.pattern) or "pattern") end
  if mt == RuleSpec then
    local f = x.__form
    if f == "near" and type(x.near) == "table" then
      local a, b = x.near[1], x.near[2]
      return format("near(%s, %s, %s)", type(a) == "string" and quote(a) or "{...}",
                    type(b) == "string" and quote(b) or "{...}", tostring(x.near[3]))
    end
    if x.name ~= nil then return f .. " " .. quote(tostring(x.name)) end
    return f .. "{...}"
  end
  return type(x)
end

---------------------------------------------------------------------------
-- Validation: raw specs -> a Codebook of plain tables.
---------------------------------------------------------------------------

-- Returns an error string or nil.
local function pattern_problem(s)
  if type(s) ~= "string" then return "a pattern must be a string, got " .. type(s) end
  if not s:find("%S") then return "empty pattern" end
  local words = 0
  for w in s:gmatch("%S+") do
    words = words + 1
    if w:find("[*?]") and not w:find("[^*?]") then return "a wildcard alone (" .. w .. ") matches every word" end
    if #w > 256 then return "a word longer than 256 bytes" end
  end
  if words > 32 then return "more than 32 words" end
  return nil
end
M.pattern_problem = pattern_problem

local function new_ctx(cbname)
  return { cb = cbname }
end

local function fail(ctx, theme_path, rule_label, msg)
  local where = format("codebook %s", quote(ctx.cb or "?"))
  if theme_path then where = where .. format(": theme %s", quote(theme_path)) end
  if rule_label then where = where .. ", " .. rule_label end
  error(where .. ": " .. msg, 0)
end

local function norm_pattern(ctx, path, rl, x)
  if getmetatable(x) == PatternSpec then
    for k in pairs(x) do
      if k ~= "pattern" and k ~= "exact" and k ~= "stem" then fail(ctx, path, rl, "unknown pattern option " .. quote(tostring(k))) end
    end
    local prob = pattern_problem(x.pattern)
    if prob then fail(ctx, path, rl, prob) end
    return { text = x.pattern, exact = x.exact and true or nil, stem = x.stem and true or nil }
  end
  if type(x) == "table" and getmetatable(x) ~= nil then
    fail(ctx, path, rl, "a pattern must be a string, got a " .. (getmetatable(x) == ThemeSpec and "theme" or "rule"))
  end
  local prob = pattern_problem(x)
  if prob then fail(ctx, path, rl, prob) end
  return { text = x }
end

-- A pattern or a list of them (alternatives) -> list of patterns.
local function norm_plist(ctx, path, rl, x, what, exact, stem)
  local out = {}
  if type(x) == "table" and getmetatable(x) == nil then
    for k in pairs(x) do
      if math_type(k) ~= "integer" then fail(ctx, path, rl, format("%s: unexpected key %s in a pattern list", what, quote(tostring(k)))) end
    end
    if #x == 0 then fail(ctx, path, rl, what .. ": empty pattern list") end
    for i = 1, #x do out[i] = norm_pattern(ctx, path, rl, x[i]) end
  else
    out[1] = norm_pattern(ctx, path, rl, x)
  end
  if exact or stem then
    for _, p in ipairs(out) do
      if exact then p.exact = true end
      if stem then p.stem = true end
    end
  end
  return out
end

local function norm_strlist(ctx, path, rl, x, what)
  if type(x) == "string" then return { x } end
  if type(x) ~= "table" or #x == 0 then fail(ctx, path, rl, what .. " must be a string or a non-empty list of strings") end
  local out = {}
  for i, s in ipairs(x) do
    if type(s) ~= "string" or s == "" then fail(ctx, path, rl, what .. " must hold non-empty strings") end
    out[i] = s
  end
  return out
end

local function norm_only(ctx, path, rl, x)
  if type(x) ~= "table" then fail(ctx, path, rl, "only must be a table") end
  local f = {}
  for k, v in pairs(x) do
    if k == "category" then
      f.category = norm_strlist(ctx, path, rl, v, "only.category")
      for i, c in ipairs(f.category) do
        local u = c:upper()
        if not CATEGORIES[u] then fail(ctx, path, rl, "unknown NLM category " .. quote(c) .. " (BACKGROUND, OBJECTIVE, METHODS, RESULTS, CONCLUSIONS)") end
        f.category[i] = u
      end
    elseif k == "section" or k == "heading" then
      f.section = norm_strlist(ctx, path, rl, v, "only.section")
    elseif k == "block" then
      f.block = norm_strlist(ctx, path, rl, v, "only.block")
      for i, b in ipairs(f.block) do
        local kb = b:gsub(" ", "_")
        if not BLOCK_KINDS[kb] then fail(ctx, path, rl, "unknown block kind " .. quote(b)) end
        f.block[i] = kb
      end
    else
      fail(ctx, path, rl, "unknown key " .. quote(tostring(k)) .. " in only (category, section, block)")
    end
  end
  if not (f.category or f.section or f.block) then fail(ctx, path, rl, "only: empty filter") end
  return f
end

local function norm_unit(ctx, path, rl, u)
  if not UNITS[u] then
    fail(ctx, path, rl, "unknown unit " .. quote(tostring(u)) .. " (sentence, paragraph, section, document)")
  end
  return u
end

local RULE_KEYS = {
  any = true, all = true, none = true, near = true, exclude = true, ["not"] = true, not_ = true,
  unit = true, scope = true, only = true, name = true, stem = true, exact = true, lpeg = true, __form = true,
}

local function norm_rule(ctx, theme, index, x)
  local path = theme.path
  local rl = format("rule #%d (%s)", index, raw_label(x))
  local r = { index = index, theme = theme }
  if type(x) == "string" or getmetatable(x) == PatternSpec then
    r.form = "pattern"
    r.any = { norm_pattern(ctx, path, rl, x) }
  else
    if type(x) ~= "table" then fail(ctx, path, rl, "a rule must be a pattern string or a table, got " .. type(x)) end
    if getmetatable(x) ~= RuleSpec and getmetatable(x) ~= nil then fail(ctx, path, rl, "not a rule") end
    for k in pairs(x) do
      if not RULE_KEYS[k] then fail(ctx, path, rl, "unknown key " .. quote(tostring(k))) end
    end
    r.form = "rule"
    local exact, stem = x.exact and true or nil, x.stem and true or nil
    if x.exact ~= nil and type(x.exact) ~= "boolean" then fail(ctx, path, rl, "exact must be a boolean") end
    if x.stem ~= nil and type(x.stem) ~= "boolean" then fail(ctx, path, rl, "stem must be a boolean") end
    r.stem = stem
    if x.any ~= nil then r.any = norm_plist(ctx, path, rl, x.any, "any", exact) end
    if x.all ~= nil then
      if type(x.all) ~= "table" or getmetatable(x.all) ~= nil or #x.all == 0 then
        fail(ctx, path, rl, "all must be a non-empty list")
      end
      r.all = {}
      for k in pairs(x.all) do
        if math_type(k) ~= "integer" then fail(ctx, path, rl, "all: unexpected key " .. quote(tostring(k))) end
      end
      for i, e in ipairs(x.all) do r.all[i] = norm_plist(ctx, path, rl, e, "all[" .. i .. "]", exact) end
    end
    if x.none ~= nil then r.none = norm_plist(ctx, path, rl, x.none, "none", exact) end
    if x.near ~= nil then
      local n = x.near
      if type(n) ~= "table" then fail(ctx, path, rl, "near must be {a, b, k}") end
      for k in pairs(n) do
        if k ~= 1 and k ~= 2 and k ~= 3 and k ~= "k" then fail(ctx, path, rl, "near: unexpected key " .. quote(tostring(k))) end
      end
      local k = n[3] or n.k
      if n[1] == nil or n[2] == nil then fail(ctx, path, rl, "near needs two patterns") end
      if math_type(k) ~= "integer" or k < 1 then fail(ctx, path, rl, "near needs a distance k >= 1 (tokens)") end
      r.near = { a = norm_plist(ctx, path, rl, n[1], "near a", exact), b = norm_plist(ctx, path, rl, n[2], "near b", exact), k = k }
    end
    local ex = x.exclude
    local nots = (ex ~= nil and 1 or 0) + (x["not"] ~= nil and 1 or 0) + (x.not_ ~= nil and 1 or 0)
    if nots > 1 then fail(ctx, path, rl, "give exclusions once (exclude, not or not_)") end
    ex = ex or x["not"] or x.not_
    if ex ~= nil then r.exclude = norm_plist(ctx, path, rl, ex, "exclude") end
    if x.unit ~= nil and x.scope ~= nil then fail(ctx, path, rl, "give unit or scope, not both") end
    local u = x.unit or x.scope
    if u ~= nil then r.unit = norm_unit(ctx, path, rl, u) end
    if x.only ~= nil then r.only = norm_only(ctx, path, rl, x.only) end
    if x.name ~= nil then
      if type(x.name) ~= "string" or x.name == "" or x.name:find("[#/]") then fail(ctx, path, rl, "name must be a non-empty string without # or /") end
      r.name = x.name
    end
    if x.lpeg ~= nil then
      if lpeg.type(x.lpeg) ~= "pattern" then fail(ctx, path, rl, "lpeg needs an LPeg pattern") end
      if r.any or r.all or r.none or r.near or r.exclude then
        fail(ctx, path, rl, "an lpeg rule takes only unit, only and name")
      end
      r.lpeg = x.lpeg
    elseif not (r.any or r.all or r.near) then
      fail(ctx, path, rl, "no positive condition (any, all or near): the rule could never fire")
    end
  end
  r.label = path .. "#" .. (r.name or tostring(index))
  return r
end

local THEME_KEYS = {
  name = true, description = true, color = true, colour = true, unit = true, exclude = true, ["not"] = true,
  not_ = true, stem = true, only = true, guid = true, codable = true,
}

local function check_guid(g)
  return type(g) == "string" and (g:match("^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$") ~= nil)
end

local function norm_theme(ctx, spec, parent, stack, seen)
  local ppath = parent and parent.path
  if type(spec) ~= "table" or getmetatable(spec) ~= ThemeSpec then
    fail(ctx, ppath, nil, "expected a theme (cb.theme \"Name\" {...}), got " .. raw_label(spec))
  end
  local name = spec.name
  if type(name) ~= "string" or not name:find("%S") then fail(ctx, ppath, nil, "a theme needs a non-empty name") end
  if name:find("/", 1, true) then fail(ctx, ppath, nil, "theme name " .. quote(name) .. " contains '/', which separates theme paths") end
  local path = ppath and (ppath .. "/" .. name) or name
  if stack[spec] or stack[spec.body] then fail(ctx, path, nil, "a cycle: the theme contains itself") end
  if seen[spec] or (type(spec.body) == "table" and seen[spec.body]) then fail(ctx, path, nil, "the same theme table appears twice in the tree") end
  local body = spec.body
  if type(body) ~= "table" then fail(ctx, path, nil, "the theme body must be a table") end
  stack[spec] = true; stack[body] = true; seen[spec] = true; seen[body] = true
  local t = { name = name, path = path, parent = parent, rules = {}, children = {} }
  for k, v in pairs(body) do
    if math_type(k) ~= "integer" then
      if not THEME_KEYS[k] then fail(ctx, path, nil, "unknown key " .. quote(tostring(k))) end
      if k == "description" then
        if type(v) ~= "string" then fail(ctx, path, nil, "description must be a string") end
        t.description = v
      elseif k == "color" or k == "colour" then
        if type(v) ~= "string" or not (v:match("^#%x%x%x%x%x%x$") or v:match("^#%x%x%x$")) then
          fail(ctx, path, nil, "color must be \"#rrggbb\"")
        end
        t.color = v
      elseif k == "unit" then t.unit = norm_unit(ctx, path, nil, v)
      elseif k == "stem" then
        if type(v) ~= "boolean" then fail(ctx, path, nil, "stem must be a boolean") end
        t.stem = v
      elseif k == "only" then t.only = norm_only(ctx, path, "only", v)
      elseif k == "guid" then
        if not check_guid(v) then fail(ctx, path, nil, "guid must look like 8-4-4-4-12 hex digits") end
        t.guid = v:lower()
      elseif k == "codable" then
        if type(v) ~= "boolean" then fail(ctx, path, nil, "codable must be a boolean") end
        t.codable = v
      elseif k ~= "name" then -- exclude / not / not_
        if t.exclude then fail(ctx, path, nil, "give exclusions once (exclude, not or not_)") end
        t.exclude = norm_plist(ctx, path, "exclude", v, "exclude")
      end
    end
  end
  local n = #body
  for k in pairs(body) do
    if math_type(k) == "integer" and (k < 1 or k > n) then fail(ctx, path, nil, "holes in the list of rules") end
  end
  for i = 1, n do
    local x = body[i]
    if type(x) == "table" and getmetatable(x) == ThemeSpec then
      local c = norm_theme(ctx, x, t, stack, seen)
      for _, o in ipairs(t.children) do
        if o.name == c.name then fail(ctx, path, nil, "two sub-themes named " .. quote(c.name)) end
      end
      t.children[#t.children + 1] = c
    else
      if type(x) == "table" and getmetatable(x) == nil then
        if stack[x] then fail(ctx, path, format("rule #%d", #t.rules + 1), "a cycle: the theme contains itself") end
        x = M.rule(x)
      end
      t.rules[#t.rules + 1] = norm_rule(ctx, t, #t.rules + 1, x)
    end
  end
  stack[spec] = nil; stack[body] = nil
  return t
end

local CODEBOOK_KEYS = { name = true, description = true, unit = true, stem = true, origin = true }

local function finish_codebook(cb)
  cb.all, cb.by_path = {}, {}
  local function walk(list, depth)
    for _, t in ipairs(list) do
      t.depth = depth
      cb.all[#cb.all + 1] = t
      cb.by_path[t.path] = t
      walk(t.children, depth + 1)
    end
  end
  walk(cb.themes, 1)
  return setmetatable(cb, Codebook)
end

local function make_codebook(name, body)
  local ctx = new_ctx(name)
  if type(name) ~= "string" or not name:find("%S") then error("a codebook needs a non-empty name", 0) end
  if type(body) ~= "table" then fail(ctx, nil, nil, "the codebook body must be a table") end
  local cb = { name = name, themes = {}, unit = "sentence" }
  for k, v in pairs(body) do
    if math_type(k) ~= "integer" then
      if not CODEBOOK_KEYS[k] then fail(ctx, nil, nil, "unknown key " .. quote(tostring(k))) end
      if k == "description" or k == "origin" then
        if type(v) ~= "string" then fail(ctx, nil, nil, k .. " must be a string") end
        cb[k] = v
      elseif k == "unit" then cb.unit = norm_unit(ctx, nil, nil, v)
      elseif k == "stem" then
        if type(v) ~= "boolean" then fail(ctx, nil, nil, "stem must be a boolean") end
        cb.stem = v
      end
    end
  end
  local stack, seen = {}, {}
  for i = 1, #body do
    local t = norm_theme(ctx, body[i], nil, stack, seen)
    for _, o in ipairs(cb.themes) do
      if o.name == t.name then fail(ctx, nil, nil, "two themes named " .. quote(t.name)) end
    end
    cb.themes[#cb.themes + 1] = t
  end
  return finish_codebook(cb)
end

--- cb.codebook "Name" { themes... } or cb.codebook{ name = "Name", themes... }
-- Validates and returns a Codebook; raises on anything malformed.
M.codebook = named(make_codebook)

--- Like cb.codebook but returns nil, message instead of raising.
function M.validate(name, body)
  local ok, res = pcall(make_codebook, name, body)
  if ok then return res end
  return nil, res
end

function M.is_codebook(x) return getmetatable(x) == Codebook end

---------------------------------------------------------------------------
-- Codebook methods
---------------------------------------------------------------------------

--- Themes in pre-order (parents before children).
function Codebook:list() return self.all end
function Codebook:theme(path) return self.by_path[path] end
function Codebook:paths()
  local out = {}
  for i, t in ipairs(self.all) do out[i] = t.path end
  return out
end

-- Effective settings: inherited down the tree.
local function eff_unit(cb, t)
  while t do
    if t.unit then return t.unit end
    t = t.parent
  end
  return cb.unit or "sentence"
end
local function eff_stem(cb, t)
  while t do
    if t.stem ~= nil then return t.stem end
    t = t.parent
  end
  return cb.stem or false
end
M.effective_unit, M.effective_stem = eff_unit, eff_stem

--- Every pattern of a theme (or of all themes), as written.
function Codebook:patterns(path)
  local out = {}
  local function add(list) for _, p in ipairs(list or {}) do out[#out + 1] = p.text end end
  for _, t in ipairs(self.all) do
    if not path or t.path == path then
      for _, r in ipairs(t.rules) do
        add(r.any)
        for _, alt in ipairs(r.all or {}) do add(alt) end
        if r.near then add(r.near.a); add(r.near.b) end
      end
    end
  end
  return out
end

--- Number of rules and patterns.
function Codebook:size()
  local nr = 0
  for _, t in ipairs(self.all) do nr = nr + #t.rules end
  return { themes = #self.all, rules = nr, patterns = #self:patterns() }
end

---------------------------------------------------------------------------
-- Compiling into the C matcher
---------------------------------------------------------------------------

local core_ok, core = pcall(require, "qualua.core")

--- Compiles the codebook into one matcher (cached on the codebook).
-- Returns { matcher, themes = {path...}, rules = {rule...}, lpeg = {rule...},
--           filters = { {index, only}... } }
function Codebook:compile()
  if self._compiled then return self._compiled end
  if not core_ok then error("qualua.core is not available: " .. tostring(core), 2) end
  local m = core.matcher()
  local comp = { matcher = m, themes = {}, theme_index = {}, rules = {}, lpeg = {}, filters = {}, patterns = {} }
  local names = { themes = comp.themes, rules = {}, patterns = comp.patterns }
  local filter_of = {}
  for ti, t in ipairs(self.all) do
    comp.themes[ti] = t.path
    comp.theme_index[t.path] = ti
  end
  local ctx = new_ctx(self.name)
  for ti, t in ipairs(self.all) do
    local tstem = eff_stem(self, t)
    for _, r in ipairs(t.rules) do
      local unit = r.unit or eff_unit(self, t)
      local only = r.only or t.only
      if r.lpeg then
        comp.lpeg[#comp.lpeg + 1] = { rule = r, theme = ti, unit = unit, only = only }
      else
        local fi
        if only then
          fi = filter_of[only]
          if not fi then
            local mask = 0
            for _, b in ipairs(only.block or {}) do mask = mask | (1 << BLOCK_KINDS[b]) end
            fi = m:filter(mask, (only.category or only.section) and true or false)
            filter_of[only] = fi
            comp.filters[fi] = only
          end
        end
        local ri = m:rule(ti, unit, fi, r.near and r.near.k or 0)
        comp.rules[ri] = r
        names.rules[ri] = r.label
        local function term(p)
          local idx, err = m:term(p.text, p.exact, p.stem or r.stem or tstem)
          if not idx then fail(ctx, t.path, format("rule #%d (%s)", r.index, rule_source(r)), err) end
          comp.patterns[idx] = p.text
          return idx
        end
        local function slot(kind, list)
          local s = m:slot(ri, kind)
          for _, p in ipairs(list) do m:post(term(p), s) end
        end
        if r.any then slot("any", r.any) end
        for _, alt in ipairs(r.all or {}) do slot("all", alt) end
        if r.none then slot("none", r.none) end
        if r.near then slot("near_a", r.near.a); slot("near_b", r.near.b) end
        if r.exclude or t.exclude then
          local ex = {}
          for _, p in ipairs(r.exclude or {}) do ex[#ex + 1] = p end
          for _, p in ipairs(t.exclude or {}) do ex[#ex + 1] = p end
          slot("exclude", ex)
        end
      end
    end
  end
  m:names(names)
  comp.names = names
  self._compiled = comp
  return comp
end

-- Case-insensitive plain substring test.
local function contains(hay, needle) return hay:lower():find(needle:lower(), 1, true) ~= nil end

--- Does section i (1-based) of doc, or one of its ancestors, satisfy filter f?
local function section_passes(doc, i, f)
  local cat_ok, sec_ok = not f.category, not f.section
  while i do
    local s = doc:span("section", i)
    if not s then break end
    if not cat_ok then
      local c = s.category
      for _, want in ipairs(f.category) do if c == want then cat_ok = true end end
    end
    if not sec_ok then
      local title = s.title or ""
      for _, want in ipairs(f.section) do if contains(title, want) then sec_ok = true end end
    end
    if cat_ok and sec_ok then return true end
    i = s.parent
  end
  return cat_ok and sec_ok
end
M.section_passes = section_passes

--- The per-section pass strings the matcher wants for doc (nil when no
-- filter looks at sections).
function M.section_table(comp, doc)
  local out
  for fi, f in pairs(comp.filters) do
    if f.category or f.section then
      out = out or {}
      local n = doc:count("section")
      local bytes = {}
      for i = 1, n do bytes[i] = section_passes(doc, i, f) and "\1" or "\0" end
      bytes[n + 1] = "\0" -- outside every section: a section filter fails there
      out[fi] = concat(bytes)
    end
  end
  return out
end

---------------------------------------------------------------------------
-- A tiny XML reader and writer (LPeg), enough for REFI-QDA files
---------------------------------------------------------------------------

local xml = {}
M.xml = xml

local ENT = { lt = "<", gt = ">", amp = "&", quot = '"', apos = "'" }
local function unescape(s)
  return (s:gsub("&(#?[%w]+);", function(e)
    if e:sub(1, 2) == "#x" then return utf8.char(tonumber(e:sub(3), 16)) end
    if e:sub(1, 1) == "#" then return utf8.char(tonumber(e:sub(2))) end
    return ENT[e]
  end))
end

do
  local P, S, R, C, Ct, Cp, V = lpeg.P, lpeg.S, lpeg.R, lpeg.C, lpeg.Ct, lpeg.Cp, lpeg.V
  local ws = S" \t\r\n"^0
  local namechar = R("az", "AZ", "09") + S"_:.-" + R"\128\255"
  local name = C((R("az", "AZ") + S"_:" + R"\128\255") * namechar^0)
  local function attrval(q) return P(q) * C((1 - P(q))^0) * P(q) end
  local attr = ws * name * ws * "=" * ws * (attrval('"') + attrval("'"))
  local comment = P"<!--" * (1 - P"-->")^0 * P"-->"
  local pi = P"<?" * (1 - P"?>")^0 * P"?>"
  local doctype = P"<!DOCTYPE" * (1 - S"[>")^0 * (P"[" * (1 - P"]")^0 * P"]")^-1 * ws * P">"
  local cdata = P"<![CDATA[" * C((1 - P"]]>")^0) * P"]]>"
  local text = C((1 - P"<")^1) / unescape
  local function attrs_table(...)
    local t, n = {}, select("#", ...)
    if n % 2 == 1 then return t end -- no attribute: LPeg passes the whole (empty) match
    for i = 1, n, 2 do t[(select(i, ...))] = unescape((select(i + 1, ...))) end
    return t
  end
  local function mk(pos, tag, attrs, kids, close)
    if close and close ~= tag then error(format("XML: <%s> at byte %d closed by </%s>", tag, pos, close), 0) end
    local local_name = tag:match(":(.*)$") or tag
    local node = { tag = local_name, qname = tag, attr = attrs }
    for i, k in ipairs(kids or {}) do node[i] = k end
    return node
  end
  local grammar = P{
    "doc",
    doc = ws * ((pi + comment + doctype) * ws)^0 * V"elem" * ws * ((pi + comment) * ws)^0 * -1,
    elem = (Cp() * P"<" * name * ((attr)^0 / attrs_table) * ws *
            (P"/>" + P">" * Ct(V"content") * P"</" * name * ws * P">")) / mk,
    content = (V"elem" + cdata + text + comment + pi)^0,
  }
  --- Parses an XML document into { tag, attr, children... } (children are
  -- tables or strings); raises on malformed input.
  function xml.parse(s)
    local ok, res = pcall(lpeg.match, grammar, s)
    if not ok then error(res, 0) end
    if not res then error("XML: not well-formed", 0) end
    return res
  end
end

local function xml_escape(s, attr)
  s = s:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;")
  if attr then s = s:gsub('"', "&quot;"):gsub("\n", "&#10;"):gsub("\r", "&#13;"):gsub("\t", "&#9;") end
  return s
end
xml.escape = xml_escape

function xml.children(node, tag)
  local out = {}
  for _, k in ipairs(node) do
    if type(k) == "table" and (tag == nil or k.tag == tag) then out[#out + 1] = k end
  end
  return out
end

function xml.text(node)
  local out = {}
  for _, k in ipairs(node) do if type(k) == "string" then out[#out + 1] = k end end
  return concat(out)
end

---------------------------------------------------------------------------
-- REFI-QDA codebook (.qdc)
---------------------------------------------------------------------------

local QDC_MARK = "[qualua]"

-- Deterministic GUID from a string, so that saving twice gives one file.
local function guid_of(s)
  local words = {}
  for seed = 1, 4 do
    local h = 2166136261 ~ (seed * 16777619)
    for i = 1, #s do h = ((h ~ s:byte(i)) * 16777619) & 0xffffffff end
    words[seed] = h
  end
  local hex = format("%08x%08x%08x%08x", words[1], words[2], words[3], words[4])
  -- version 5 / RFC 4122 variant bits, for tidiness
  hex = hex:sub(1, 12) .. "5" .. hex:sub(14, 16) .. format("%x", 8 + tonumber(hex:sub(17, 17), 16) % 4) .. hex:sub(18)
  return format("%s-%s-%s-%s-%s", hex:sub(1, 8), hex:sub(9, 12), hex:sub(13, 16), hex:sub(17, 20), hex:sub(21, 32))
end
M.guid_of = guid_of

-- The theme's own fields and rules in the codebook language (no children).
local function theme_fields(cb, t, pre, indent)
  local lines = {}
  local function add(s) lines[#lines + 1] = indent .. s .. "," end
  if t.unit then add("unit = " .. quote(t.unit)) end
  if t.stem ~= nil then add("stem = " .. tostring(t.stem)) end
  if t.only then add("only = " .. only_source(t.only)) end
  if t.exclude then add("exclude = " .. plist_source(t.exclude, pre)) end
  local dropped = {}
  for _, r in ipairs(t.rules) do
    if r.lpeg then dropped[#dropped + 1] = r
    else add(rule_source(r, pre)) end
  end
  return lines, dropped
end

--- The codebook as REFI-QDA codebook XML.  Returns the XML and the list of
-- rules it could not keep (LPeg rules).
function M.to_qdc(cb)
  local out, dropped = {}, {}
  out[#out + 1] = '<?xml version="1.0" encoding="utf-8"?>'
  out[#out + 1] = format('<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="%s">',
                         xml_escape("qualua: " .. cb.name, true))
  out[#out + 1] = "  <Codes>"
  local function code(t, indent)
    local attrs = format('guid="%s" name="%s" isCodable="%s"', t.guid or guid_of(cb.name .. "\0" .. t.path),
                         xml_escape(t.name, true), tostring(t.codable ~= false))
    if t.color then attrs = attrs .. format(' color="%s"', t.color) end
    local lines, dr = theme_fields(cb, t, "", "")
    for _, r in ipairs(dr) do dropped[#dropped + 1] = r end
    local desc = t.description or ""
    if #lines > 0 then
      desc = (desc ~= "" and (desc .. "\n\n") or "") .. QDC_MARK .. "\n" .. concat(lines, "\n")
    end
    local has_kids = #t.children > 0
    if desc == "" and not has_kids then
      out[#out + 1] = indent .. "<Code " .. attrs .. "/>"
      return
    end
    out[#out + 1] = indent .. "<Code " .. attrs .. ">"
    if desc ~= "" then out[#out + 1] = indent .. "  <Description>" .. xml_escape(desc) .. "</Description>" end
    for _, c in ipairs(t.children) do code(c, indent .. "  ") end
    out[#out + 1] = indent .. "</Code>"
  end
  for _, t in ipairs(cb.themes) do code(t, "    ") end
  out[#out + 1] = "  </Codes>"
  -- the codebook's own description and defaults ride on a set of its top-level codes
  local opts = {}
  if cb.unit and cb.unit ~= "sentence" then opts[#opts + 1] = "unit = " .. quote(cb.unit) .. "," end
  if cb.stem then opts[#opts + 1] = "stem = true," end
  if cb.description or #opts > 0 then
    local desc = cb.description or ""
    if #opts > 0 then desc = (desc ~= "" and (desc .. "\n\n") or "") .. QDC_MARK .. "\n" .. concat(opts, "\n") end
    out[#out + 1] = "  <Sets>"
    out[#out + 1] = format('    <Set guid="%s" name="%s">', guid_of(cb.name .. "\0set"), xml_escape("qualua: " .. cb.name, true))
    out[#out + 1] = "      <Description>" .. xml_escape(desc) .. "</Description>"
    for _, t in ipairs(cb.themes) do
      out[#out + 1] = format('      <MemberCode guid="%s"/>', t.guid or guid_of(cb.name .. "\0" .. t.path))
    end
    out[#out + 1] = "    </Set>"
    out[#out + 1] = "  </Sets>"
  end
  out[#out + 1] = "</CodeBook>"
  return concat(out, "\n") .. "\n", dropped
end

-- The sandbox in which rule text from a .qdc is read: builders only.
local function rule_env()
  return { exact = M.exact, stem = M.stem, pattern = M.pattern, rule = M.rule, all = M.all,
           any = M.any, near = M.near }
end

--- Reads REFI-QDA codebook XML into a Codebook (name: fallback name).
function M.from_qdc(s, name)
  local root = xml.parse(s)
  if root.tag ~= "CodeBook" then error("not a REFI-QDA codebook: root element is <" .. root.qname .. ">", 0) end
  local origin = root.attr.origin
  if origin and origin:match("^qualua: (.+)$") then name = origin:match("^qualua: (.+)$") end
  name = name or "codebook"
  local codes = xml.children(root, "Codes")[1]
  if not codes then error("REFI-QDA codebook without <Codes>", 0) end
  for _, set in ipairs(xml.children(xml.children(root, "Sets")[1] or {}, "Set")) do
    local sname = set.attr.name and set.attr.name:match("^qualua: (.+)$")
    if sname then name = sname end
  end
  local function theme(node, ppath)
    local tname = node.attr.name or ""
    local path = (ppath and (ppath .. "/") or "") .. tname
    local body = { guid = node.attr.guid and node.attr.guid:gsub("[{}]", ""):lower() or nil }
    -- a guid we derive from the path ourselves need not be kept
    if body.guid == guid_of(name .. "\0" .. path) then body.guid = nil end
    if node.attr.color then body.color = node.attr.color end
    if node.attr.isCodable == "false" or node.attr.isCodable == "0" then body.codable = false end
    local d = xml.children(node, "Description")[1]
    if d then
      local desc = xml.text(d)
      local a, b = desc:find("\n?\n?" .. QDC_MARK:gsub("%p", "%%%0") .. "\n")
      if not a and desc:sub(1, #QDC_MARK + 1) == QDC_MARK .. "\n" then a, b = 1, #QDC_MARK + 1 end
      if a then
        local src = desc:sub(b + 1)
        desc = desc:sub(1, a - 1)
        local chunk, err = load("return {\n" .. src .. "\n}", "=" .. path, "t", rule_env())
        if not chunk then error(format("codebook %s: theme %s: rules in the .qdc do not parse: %s", quote(name), quote(path), err), 0) end
        local ok, rules = pcall(chunk)
        if not ok then error(format("codebook %s: theme %s: %s", quote(name), quote(path), tostring(rules)), 0) end
        for k, v in pairs(rules) do
          if math_type(k) ~= "integer" then body[k] = v end
        end
        for _, v in ipairs(rules) do body[#body + 1] = v end
      end
      if desc ~= "" then body.description = desc end
    end
    for _, c in ipairs(xml.children(node, "Code")) do body[#body + 1] = theme(c, path) end
    return M.theme(tname)(body)
  end
  local body = {}
  for _, set in ipairs(xml.children(xml.children(root, "Sets")[1] or {}, "Set")) do
    local sname = set.attr.name and set.attr.name:match("^qualua: (.+)$")
    if sname then
      name = sname
      local d = xml.children(set, "Description")[1]
      local desc = d and xml.text(d) or ""
      local a, b = desc:find("\n?\n?" .. QDC_MARK:gsub("%p", "%%%0") .. "\n")
      if not a and desc:sub(1, #QDC_MARK + 1) == QDC_MARK .. "\n" then a, b = 1, #QDC_MARK + 1 end
      if a then
        for k, v in desc:sub(b + 1):gmatch('(%w+) = ([^,\n]+)') do
          if k == "unit" then body.unit = v:match('^"(.*)"$') elseif k == "stem" then body.stem = v == "true" end
        end
        desc = desc:sub(1, a - 1)
      end
      if desc ~= "" then body.description = desc end
    end
  end
  for _, c in ipairs(xml.children(codes, "Code")) do body[#body + 1] = theme(c, nil) end
  return M.codebook(name)(body)
end

---------------------------------------------------------------------------
-- quanteda-style dictionaries (JSON, YAML)
---------------------------------------------------------------------------

-- Orders the keys of a decoded mapping as they appear in the source text
-- (the decoders lose the order); unknown positions go last, alphabetically.
local function ordered_keys(tbl, text, from)
  local keys = {}
  for k in pairs(tbl) do
    if type(k) == "string" then keys[#keys + 1] = k end
  end
  local pos = {}
  for _, k in ipairs(keys) do
    local p = text and (text:find('"' .. k .. '"', from, true) or text:find(k .. ":", from, true)
                        or text:find("'" .. k .. "'", from, true))
    pos[k] = p or math.huge
  end
  sort(keys, function(a, b)
    if pos[a] ~= pos[b] then return pos[a] < pos[b] end
    return a < b
  end)
  return keys, pos
end

local function is_array(t)
  if type(t) ~= "table" then return false end
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n == #t
end

--- Builds a Codebook from a decoded dictionary (keys themes, values lists of
-- patterns or nested dictionaries).  text: the source, for key order.
function M.from_dictionary(dict, name, text)
  name = name or "dictionary"
  local ctx = new_ctx(name)
  if type(dict) ~= "table" or is_array(dict) and #dict > 0 then
    fail(ctx, nil, nil, "a dictionary must map theme names to pattern lists")
  end
  local function node(key, value, ppath, from)
    local path = (ppath and (ppath .. "/") or "") .. key
    local body = {}
    local function child_map(map, at)
      local keys, pos = ordered_keys(map, text, at)
      for _, k in ipairs(keys) do
        body[#body + 1] = node(k, map[k], path, pos[k] ~= math.huge and pos[k] or at)
      end
      for k in pairs(map) do
        if type(k) ~= "string" then fail(ctx, path, nil, "dictionary keys must be strings") end
      end
    end
    if type(value) == "string" then
      body[1] = value
    elseif is_array(value) then
      for i, v in ipairs(value) do
        if type(v) == "table" and not is_array(v) then child_map(v, from)
        elseif type(v) == "string" then body[#body + 1] = v
        else fail(ctx, path, format("rule #%d", i), "a pattern must be a string, got " .. type(v)) end
      end
    elseif type(value) == "table" then
      child_map(value, from)
    elseif value ~= nil and not (type(value) == "userdata") then
      fail(ctx, path, nil, "a dictionary value must be a list of patterns, got " .. type(value))
    end
    return M.theme(key)(body)
  end
  local body = {}
  local keys, pos = ordered_keys(dict, text, 1)
  for _, k in ipairs(keys) do body[#body + 1] = node(k, dict[k], nil, pos[k] ~= math.huge and pos[k] or 1) end
  return M.codebook(name)(body)
end

function M.from_json(text, name)
  local cjson = require "cjson"
  local ok, dict = pcall(cjson.decode, text)
  if not ok then error("JSON dictionary: " .. tostring(dict), 0) end
  return M.from_dictionary(dict, name, text)
end

function M.from_yaml(text, name)
  local lyaml = require "lyaml"
  local ok, dict = pcall(lyaml.load, text)
  if not ok then error("YAML dictionary: " .. tostring(dict), 0) end
  return M.from_dictionary(dict, name, text)
end

-- What a dictionary can hold of a theme: its plain patterns.
local function dictionary_view(cb)
  local dropped = {}
  local function view(t)
    local pats = {}
    for _, r in ipairs(t.rules) do
      if r.form == "pattern" and not r.any[1].exact and not r.any[1].stem then
        pats[#pats + 1] = r.any[1].text
      else
        dropped[#dropped + 1] = format("theme %s, rule #%d (%s)", quote(t.path), r.index, rule_source(r))
      end
    end
    if t.exclude or t.only or t.unit or t.stem ~= nil then
      dropped[#dropped + 1] = format("theme %s: options (exclude, only, unit, stem)", quote(t.path))
    end
    local kids = {}
    for i, c in ipairs(t.children) do kids[i] = view(c) end
    return { name = t.name, patterns = pats, children = kids }
  end
  local out = {}
  for i, t in ipairs(cb.themes) do out[i] = view(t) end
  return out, dropped
end

-- a JSON string literal, for the JSON and YAML writers (YAML reads JSON strings)
local json_string = require("qualua.json").encode

--- The codebook as a quanteda-style JSON dictionary; second result: what
-- could not be written (rules other than plain patterns).
function M.to_json(cb)
  local view, dropped = dictionary_view(cb)
  local value
  local function obj(list, ind)
    local items = {}
    for i, c in ipairs(list) do items[i] = ind .. "  " .. json_string(c.name) .. ": " .. value(c, ind .. "  ") end
    return "{\n" .. concat(items, ",\n") .. "\n" .. ind .. "}"
  end
  -- an object when a node has only children; otherwise a list of its
  -- patterns followed by one-key objects (quanteda's mixed nodes)
  function value(v, ind)
    if #v.patterns == 0 and #v.children > 0 then return obj(v.children, ind) end
    local items = {}
    for _, p in ipairs(v.patterns) do items[#items + 1] = ind .. "  " .. json_string(p) end
    for _, c in ipairs(v.children) do
      items[#items + 1] = ind .. "  {" .. json_string(c.name) .. ": " .. value(c, ind .. "  ") .. "}"
    end
    if #items == 0 then return "[]" end
    return "[\n" .. concat(items, ",\n") .. "\n" .. ind .. "]"
  end
  return obj(view, "") .. "\n", dropped
end

--- The codebook as a quanteda-style YAML dictionary (same shape as to_json).
function M.to_yaml(cb)
  local view, dropped = dictionary_view(cb)
  local out = {}
  local function emit(v, ind)
    if #v.children == 0 then
      if #v.patterns == 0 then out[#out] = out[#out] .. " []" end
      for _, p in ipairs(v.patterns) do out[#out + 1] = ind .. "- " .. json_string(p) end
    elseif #v.patterns == 0 then
      for _, c in ipairs(v.children) do
        out[#out + 1] = ind .. json_string(c.name) .. ":"
        emit(c, ind .. "  ")
      end
    else
      for _, p in ipairs(v.patterns) do out[#out + 1] = ind .. "- " .. json_string(p) end
      for _, c in ipairs(v.children) do
        out[#out + 1] = ind .. "- " .. json_string(c.name) .. ":"
        emit(c, ind .. "    ")
      end
    end
  end
  for _, v in ipairs(view) do
    out[#out + 1] = json_string(v.name) .. ":"
    emit(v, "  ")
  end
  return concat(out, "\n") .. "\n", dropped
end

---------------------------------------------------------------------------
-- Lua source
---------------------------------------------------------------------------

--- The codebook as a Lua codebook file (LPeg rules cannot be written: they
-- are listed in the second result).
function M.to_lua(cb)
  local out, dropped = {}, {}
  out[#out + 1] = 'local cb = require "qualua.codebook"'
  out[#out + 1] = "return cb.codebook " .. quote(cb.name) .. " {"
  if cb.description then out[#out + 1] = "  description = " .. quote(cb.description) .. "," end
  if cb.unit and cb.unit ~= "sentence" then out[#out + 1] = "  unit = " .. quote(cb.unit) .. "," end
  if cb.stem then out[#out + 1] = "  stem = true," end
  local function theme(t, ind)
    out[#out + 1] = ind .. "cb.theme " .. quote(t.name) .. " {"
    local i2 = ind .. "  "
    if t.description then out[#out + 1] = i2 .. "description = " .. quote(t.description) .. "," end
    if t.color then out[#out + 1] = i2 .. "color = " .. quote(t.color) .. "," end
    if t.guid then out[#out + 1] = i2 .. "guid = " .. quote(t.guid) .. "," end
    if t.codable == false then out[#out + 1] = i2 .. "codable = false," end
    local lines, dr = theme_fields(cb, t, "cb.", i2)
    for _, l in ipairs(lines) do out[#out + 1] = l end
    for _, r in ipairs(dr) do dropped[#dropped + 1] = r end
    for _, c in ipairs(t.children) do theme(c, i2) end
    out[#out + 1] = ind .. "},"
  end
  for _, t in ipairs(cb.themes) do theme(t, "  ") end
  out[#out + 1] = "}"
  return concat(out, "\n") .. "\n", dropped
end

--- A canonical text of the whole codebook (for comparing two codebooks).
function Codebook:dump() return (M.to_lua(self)) end

---------------------------------------------------------------------------
-- Files
---------------------------------------------------------------------------

local function read_all(path)
  local f, err = io_open(path, "rb")
  if not f then error(err, 0) end
  local s = f:read("a")
  f:close()
  return s
end

local function write_all(path, s)
  local f, err = io_open(path, "wb")
  if not f then error(err, 0) end
  f:write(s)
  f:close()
end

local function base_name(path)
  return (path:match("([^/\\]+)$") or path):gsub("%.[^.]*$", "")
end

local function kind_of(path, text)
  local ext = (path:match("%.([%w]+)$") or ""):lower()
  if ext == "lua" then return "lua" end
  if ext == "qdc" or ext == "xml" then return "qdc" end
  if ext == "json" then return "json" end
  if ext == "yml" or ext == "yaml" then return "yaml" end
  local head = text:match("^%s*(.)")
  if head == "<" then return "qdc" end
  if head == "{" or head == "[" then return "json" end
  if text:find("cb%.codebook") or text:find("^%s*local%s") or text:find("^%s*return%s") then return "lua" end
  return "yaml"
end

--- Loads a Lua codebook file (which returns a Codebook, or a table that
-- cb.codebook accepts).
function M.load_lua(path)
  local chunk, err = loadfile(path, "t")
  if not chunk then error(err, 0) end
  local ok, res = pcall(chunk)
  if not ok then error(tostring(res), 0) end
  if getmetatable(res) == Codebook then return res end
  if type(res) == "table" then return M.codebook(res.name or base_name(path))(res) end
  error("a codebook file must return a codebook", 0)
end

--- Loads a codebook from a file: Lua, .qdc, JSON or YAML (by extension,
-- else by content).  Errors start with the path.
function M.load(path)
  if type(path) ~= "string" then error("bad argument #1 to 'load' (string expected, got " .. type(path) .. ")", 2) end
  local ok, res = pcall(function()
    local text = read_all(path)
    local kind = kind_of(path, text)
    if kind == "lua" then return M.load_lua(path) end
    if kind == "qdc" then return M.from_qdc(text, base_name(path)) end
    if kind == "json" then return M.from_json(text, base_name(path)) end
    return M.from_yaml(text, base_name(path))
  end)
  if not ok then error(path .. ": " .. tostring(res), 2) end
  return res
end

--- Saves a codebook by extension (.lua, .qdc, .json, .yml/.yaml).  Returns
-- the list of what the format could not keep.
function M.save(cb, path, opts)
  opts = opts or {}
  local ext = (path:match("%.([%w]+)$") or ""):lower()
  local text, dropped
  if ext == "lua" then text, dropped = M.to_lua(cb)
  elseif ext == "qdc" or ext == "xml" then text, dropped = M.to_qdc(cb)
  elseif ext == "json" then text, dropped = M.to_json(cb)
  elseif ext == "yml" or ext == "yaml" then text, dropped = M.to_yaml(cb)
  else error("unknown codebook format for " .. path .. " (.lua, .qdc, .json, .yaml)", 2) end
  if opts.strict and #dropped > 0 then
    local first = dropped[1]
    if type(first) == "table" then first = first.label end
    error(path .. ": cannot be written without loss: " .. tostring(first), 2)
  end
  write_all(path, text)
  return dropped
end

function Codebook:save(path, opts) return M.save(self, path, opts) end
function Codebook:to_qdc() return M.to_qdc(self) end
function Codebook:to_json() return M.to_json(self) end
function Codebook:to_yaml() return M.to_yaml(self) end
function Codebook:to_lua() return M.to_lua(self) end

--- The built-in codebooks by name ("primary_care").
function M.builtin(name)
  name = name or "primary_care"
  if not name:match("^[%w_]+$") then error("bad codebook name " .. quote(name), 2) end
  return (require("qualua.codebooks." .. name))
end

return M
