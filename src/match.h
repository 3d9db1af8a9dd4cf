/* match.h - the codebook matcher: every pattern of every theme compiled into
 * one automaton over interned token ids, and the rule logic (all/any/none,
 * proximity, exclusion, scope, filters) run on its hits.
 *
 * A matcher is built in two steps.  First the rule tree, flattened: terms
 * (patterns: words, phrases, globs), rules (one theme, one unit, an optional
 * filter), slots (the parts of a rule: any, all-k, none, near a/b, exclude)
 * and postings (term -> slot).  Then, per vocabulary, ql_matcher_prepare
 * resolves the terms against the vocabulary forms (globs and stems matched
 * once per form) and builds a trie whose root is an array indexed by token
 * id, so coding costs one array probe per token whatever the number of
 * patterns.  Coding runs in two passes over chunks of tokens: a branch-free
 * scan lists the tokens that may start a pattern (a term ends there, or a
 * 64-bit Bloom mask of the ids that may follow admits the next token), then
 * only those walk the trie, find their sentence/block/section and code.
 *
 * A matcher is not safe for concurrent use: coding reuses its scratch
 * buffers, and its results stay valid until the next ql_matcher_code. */
#ifndef QL_MATCH_H
#define QL_MATCH_H

#include "qualua.h"

typedef struct ql_matcher ql_matcher;

typedef enum {
  QL_UNIT_SENTENCE = 0,
  QL_UNIT_PARAGRAPH,   /* a block: paragraph, list item, heading... */
  QL_UNIT_SECTION,     /* the innermost section */
  QL_UNIT_DOCUMENT,
  QL_UNIT_COUNT
} ql_unit;

typedef enum {
  QL_SLOT_ANY = 0,     /* at least one hit of the slot */
  QL_SLOT_ALL,         /* every ALL slot of the rule needs a hit */
  QL_SLOT_NONE,        /* no hit at all in the unit */
  QL_SLOT_NEAR_A,      /* a hit of A within near_k tokens of a hit of B */
  QL_SLOT_NEAR_B,
  QL_SLOT_EXCLUDE,     /* positive hits overlapping one of these don't count */
  QL_SLOT_COUNT
} ql_slot_kind;

#define QL_PAT_EXACT 1u  /* compare the token's own text, case and all */
#define QL_PAT_STEM 2u   /* fold English inflections of plain words */

#define QL_MATCH_MAX_WORDS 32

/* One coding: a rule of a theme fired in a unit.  Codings of one theme in
 * one unit are merged (rule = the first rule that fired). */
typedef struct {
  uint32_t theme, rule;
  uint8_t unit;          /* ql_unit really used: a token outside every sentence
                            falls back to its block, one outside every section
                            to the document */
  int32_t index;         /* sentence / block / section index; -1 for the document */
  int32_t block, section;/* block and innermost section of the unit (-1: none) */
  uint32_t start, stop;  /* text span of the unit, [start, stop) */
  uint32_t first_term, nterms; /* into the coding terms */
} ql_coding;

/* A matched term: the term (pattern) index and its tokens [first, last]. */
typedef struct { uint32_t term, first, last; } ql_coding_term;

ql_matcher *ql_matcher_new(ql_alloc_fn f, void *ud);
void ql_matcher_free(ql_matcher *m);

/* Adds a pattern (words separated by spaces; '*' and '?' make a word a glob
 * over vocabulary forms).  Returns the term index, or -1 with *err set to a
 * static message.  The same pattern with the same flags is one term. */
int32_t ql_matcher_add_term(ql_matcher *m, const char *pat, size_t len, unsigned flags,
                            const char **err);
/* A filter on the hits of positive slots: block kinds (bit 1 << ql_block_kind,
 * 0 = any) and, when by_section, a per-section pass table given at coding. */
int32_t ql_matcher_add_filter(ql_matcher *m, uint32_t block_kinds, int by_section);
/* filter = -1 for none; near_k only matters with near slots. */
int32_t ql_matcher_add_rule(ql_matcher *m, uint32_t theme, ql_unit unit, int32_t filter,
                            uint32_t near_k);
/* Slots belong to the last rule added (they are contiguous per rule). */
int32_t ql_matcher_add_slot(ql_matcher *m, uint32_t rule, ql_slot_kind kind, const char **err);
int ql_matcher_post(ql_matcher *m, uint32_t term, uint32_t slot);
uint32_t ql_matcher_nthemes(const ql_matcher *m);   /* 1 + the largest theme index */
uint32_t ql_matcher_nfilters(const ql_matcher *m);

/* Resolves the terms against v; ql_matcher_code does it when v changed. */
ql_status ql_matcher_prepare(ql_matcher *m, const ql_vocab *v);
/* Number of distinct token-id sequences in the automaton (after prepare). */
size_t ql_matcher_nsequences(const ql_matcher *m);

/* Codes one document.  secpass[f], for a by_section filter f, holds one byte
 * per section plus a last one for "outside every section" (non-zero: hits
 * there pass); NULL lets every section pass.  With want_terms == 0 only the
 * number of codings per theme is kept (ql_matcher_counts), no coding is
 * made: the fast path for counting and benchmarks. */
ql_status ql_matcher_code(ql_matcher *m, const ql_doc *d, const uint8_t *const *secpass,
                          int want_terms);
const ql_coding *ql_matcher_codings(const ql_matcher *m, size_t *n);
const ql_coding_term *ql_matcher_coding_terms(const ql_matcher *m, size_t *n);
/* Tokens of the last document that the first pass sent to the trie walk. */
size_t ql_matcher_last_candidates(const ql_matcher *m);
/* Codings per theme (indexed by theme) in the last document coded. */
const uint32_t *ql_matcher_counts(const ql_matcher *m, size_t *n);

/* Helpers, exposed for tests and the binding. */
int ql_glob_match(const char *p, size_t pn, const char *s, size_t sn);
/* Light English inflection folding of a folded word (-s, -es, -ies, -ing,
 * -ed, -'s, final -e, -iz- as -is-); out holds at least n bytes. */
size_t ql_stem_en(const char *s, size_t n, char *out);

#endif
