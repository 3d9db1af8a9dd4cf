--- qualua.analysis: the analyses on a coding set and the document model.
-- Everything returns plain tables; offsets are 1-based inclusive into
-- doc:text(), like the coding set.  The functions live in one module per
-- concern and are gathered here:
--
--   frequencies(set [, by | opts])  theme counts and shares by document, section or any grouping
--   frequencies_csv(f)              ... as CSV (long form)
--   matrix(set [, by | opts])       the framework matrix, cells with counts and best excerpts
--   matrix_csv(m [, opts])          ... as CSV (counts; opts.excerpts adds the excerpts)
--   cooccurrence(set [, opts])      themes in the same sentence/paragraph/section, counts and Jaccard
--   cooccurrence_csv(co)            ... the pairs as CSV
--   kwic(target, query [, opts])    keyword in context for a word, a phrase or a theme
--   terms(target [, opts])          term frequencies
--   ngrams(target, n [, opts])      n-gram frequencies
--   keyness(target, group [, opts]) log-likelihood G² of a document or group against the rest
--   g2(a, b, c, d)                  the signed G² of one 2×2 table
--   precision_recall(set, hand [, opts])  a coding set against hand coding
--   agreement(a, b [, opts])        Cohen's kappa and Krippendorff's alpha of two codings
--   kappa(a, b), alpha(data)        the coefficients themselves
--   sections_as_codings(target, map [, opts])  hand codings from a document's own headings
--
-- @module qualua.analysis
local frequencies = require "qualua.analysis.frequencies"
local cooccurrence = require "qualua.analysis.cooccurrence"
local kwic = require "qualua.analysis.kwic"
local terms = require "qualua.analysis.terms"
local validation = require "qualua.analysis.validation"
local stopwords = require "qualua.analysis.stopwords"

-- The coding set must exist for the analyses to receive one.
require "qualua.coding"

return {
  frequencies = frequencies.frequencies,
  frequencies_csv = frequencies.frequencies_csv,
  crosstab = frequencies.crosstab,
  matrix = frequencies.matrix,
  matrix_csv = frequencies.matrix_csv,
  cooccurrence = cooccurrence.cooccurrence,
  cooccurrence_csv = cooccurrence.csv,
  kwic = kwic.kwic,
  terms = terms.frequencies,
  ngrams = terms.ngrams,
  keyness = terms.keyness,
  g2 = terms.g2,
  precision_recall = validation.precision_recall,
  agreement = validation.agreement,
  kappa = validation.kappa,
  alpha = validation.alpha,
  sentence_units = validation.units,
  sections_as_codings = validation.from_sections,
  stopwords = stopwords.english,
}
