--- qualua.analysis.stopwords: a short English stopword list (function
-- words, auxiliaries, pronouns), case-folded, as a set: `stopwords.english[w]`.
-- @module qualua.analysis.stopwords
local M = {}

local WORDS = [[
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each either few for from further
had has have having he her here hers herself him himself his how i if in into is it its itself just
may me might more most must my myself neither no nor not now of off on once only or other our ours
ourselves out over own same shall she should so some such than that the their theirs them
themselves then there these they this those through to too under until up upon us very was we were
what when where which while who whom whose why will with within without would you your yours
yourself yourselves s t e.g i.e etc per via
]]

M.english = {}
for w in WORDS:gmatch("%S+") do M.english[w] = true end

--- A stopword set from `true` (the English list), a list of words, or a
-- set; nil for nil or false.
function M.set(x)
  if x == nil or x == false then return nil end
  if x == true then return M.english end
  if type(x) ~= "table" then error("stopwords must be true, a list of words or a set", 3) end
  if #x == 0 then return x end
  local s = {}
  for _, w in ipairs(x) do s[require("qualua.core").fold(w)] = true end
  return s
end

return M
