/* annot.h - the annotations found once per document after segmentation:
 * acronym definitions and uses, actor mentions, quantities, references and
 * recommendations.  Everything is held in flat arrays of spans into the
 * document text (the pool is used only for names the text does not hold),
 * built in single passes over tokens and sentences.  Private to the core
 * and the binding. */
#ifndef QL_ANNOT_H
#define QL_ANNOT_H

#include "ql_internal.h"

/* ---- acronyms ---- */
enum { QL_ABBR_INLINE = 0, QL_ABBR_GLOSSARY };

typedef struct {
  uint32_t short_start, short_stop;  /* the short form as written */
  uint32_t long_start, long_stop;    /* the long form as written */
  uint32_t key_len;    /* bytes of the short form that make its key (plural s dropped) */
  int32_t first;       /* earlier definition of the same key, -1 for the first one */
  uint32_t uses;       /* uses of the key in the document (on every definition of it) */
  uint8_t source;      /* QL_ABBR_* */
} ql_abbrev;

/* One use of an acronym-like token: resolved to a definition or to an
 * undefined acronym. */
typedef struct {
  uint32_t start, stop, key_len;
  int32_t def;         /* first definition of its key, -1 when undefined */
  int32_t undef;       /* index into the undefined list, -1 when defined */
} ql_acro_use;

typedef struct {
  uint32_t start, key_len;  /* the key as first used */
  uint32_t count;
} ql_undef_acro;

/* ---- actors ---- */
enum { QL_ACTOR_BUILTIN = 0, QL_ACTOR_DOCUMENT, QL_ACTOR_USER };

typedef struct {
  ql_str canonical;
  uint32_t mentions;
  uint8_t origin;      /* QL_ACTOR_* */
} ql_actor;

typedef struct { uint32_t start, stop; int32_t actor; } ql_actor_mention;

/* An actor a script adds: a name as it appears in text, and the canonical
 * name its mentions get (NULL: the name itself). */
typedef struct { const char *name; const char *canonical; } ql_actor_spec;

/* ---- quantities ---- */
enum {
  QL_Q_PERCENT = 0, QL_Q_MONEY, QL_Q_COUNT, QL_Q_YEAR, QL_Q_FY, QL_Q_RANGE,
  QL_Q_MARKER,         /* no figure: a footnote superscript damaged by OCR */
  QL_Q_KINDS
};
#define QL_QF_GLUED_NOTE   1u  /* a footnote number glued onto the figure */
#define QL_QF_OCR_MARKER   2u  /* a superscript OCR'd as ?, (R), degree, * or a quote */
#define QL_QF_CONTRADICTS  4u  /* the claim's direction contradicts its figures */
#define QL_QF_APPROX       8u  /* "about", "over", "more than", "almost"... */

typedef struct {
  double value, high;          /* high: upper bound of a range */
  uint32_t start, stop;
  uint32_t unit_start, unit_stop; /* unit as written (what a count counts) */
  const char *unit;            /* static unit ("%", "GBP"), NULL when a span or none */
  int32_t sentence;
  int32_t note;                /* footnote number glued onto the figure, -1 */
  uint8_t kind, flags, has_value, has_high;
} ql_quantity;

/* ---- references ---- */
enum { QL_DOI_OK = 0, QL_DOI_SYNTAX, QL_DOI_SPLICED };

typedef struct {
  int32_t n, block;
  uint32_t start, stop;         /* the entry, without its marker */
  ql_span title, container, url, doi; /* {0,0} when absent; url/doi may hold spaces to drop */
  uint32_t first_author, nauthors;    /* into the author spans */
  uint32_t first_marker, nmarkers;    /* into the marker spans */
  int32_t year;                 /* 0 when none */
  int32_t ibid;                 /* reference an Ibid. points to, -1 */
  uint8_t nd;                   /* (n.d.) */
  uint8_t doi_status;           /* QL_DOI_* (meaningful when doi is set) */
  uint8_t url_moved;            /* the URL was found in a stranded block */
} ql_reference;

/* ---- recommendations ---- */
enum { QL_HZ_UNSPECIFIED = 0, QL_HZ_SHORT, QL_HZ_MEDIUM, QL_HZ_LONG, QL_HZ_MIXED };
enum { QL_HZS_NONE = 0, QL_HZS_HEADING, QL_HZS_GROUP };
enum { QL_REC_LIST = 0, QL_REC_SENTENCE };

typedef struct {
  uint32_t start, stop;
  uint32_t action_start, action_stop;
  uint32_t cue_start, cue_stop;     /* the deontic cue, {0,0} for an imperative */
  int32_t block, section;
  int32_t heading_block, heading_section; /* the heading that made it a list recommendation */
  int32_t group;
  uint32_t first_actor, nactors;    /* into rec_actors: actor indices addressed */
  uint32_t first_key, nkey;         /* into rec_keys: sorted content token ids */
  uint8_t horizon, horizon_src, origin;
} ql_recommendation;

typedef struct {
  int32_t first;       /* first member */
  uint32_t size;
  uint8_t horizon;
} ql_rec_group;

/* ---- small open-addressing map from 64-bit keys to 32-bit values ---- */
typedef struct { uint64_t key; uint32_t val, used; } ql_hslot;
typedef struct { ql_vec slots; uint32_t n; } ql_hmap;

/* A 4096-bit filter over vocabulary ids: per-token tests reject most
 * tokens with one load before any hash lookup. */
typedef struct { uint64_t w[64]; } ql_bloom;
static inline uint32_t ql_bloom_bit(uint32_t id) { return (id * 2654435761u) >> 20; }
static inline void ql_bloom_add(ql_bloom *b, uint32_t id) {
  uint32_t h = ql_bloom_bit(id);
  b->w[h >> 6] |= (uint64_t)1 << (h & 63);
}
static inline int ql_bloom_has(const ql_bloom *b, uint32_t id) {
  uint32_t h = ql_bloom_bit(id);
  return (int)((b->w[h >> 6] >> (h & 63)) & 1);
}

struct ql_annot {
  ql_vec abbrevs;      /* ql_abbrev */
  ql_vec uses;         /* ql_acro_use */
  ql_vec undef;        /* ql_undef_acro */
  ql_vec actors;       /* ql_actor */
  ql_vec mentions;     /* ql_actor_mention */
  ql_vec quantities;   /* ql_quantity */
  ql_vec refs;         /* ql_reference */
  ql_vec authors;      /* ql_span */
  ql_vec markers;      /* ql_span */
  ql_vec recs;         /* ql_recommendation */
  ql_vec rec_actors;   /* int32_t */
  ql_vec rec_keys;     /* uint32_t */
  ql_vec groups;       /* ql_rec_group */
  /* scratch, kept here so an OOM longjmp leaks nothing (freed with the doc) */
  ql_vec tok_first;    /* uint32_t: first token of each block, + sentinel */
  ql_vec tmp[6];
  ql_hmap map[3];
};

/* ---- shared helpers (annotate.c) ---- */
uint64_t ql_hash_bytes(const char *s, size_t n);
void ql_hmap_reset(ql_mem *m, ql_hmap *h, size_t expected);
void ql_hmap_free(ql_mem *m, ql_hmap *h);
/* Finds key; with eq != NULL, probes until eq(ctx, val) accepts the slot. */
uint32_t *ql_hmap_get(const ql_hmap *h, uint64_t key, int (*eq)(const void *, uint32_t), const void *ctx);
/* Inserts key -> val (a new slot even if the key exists: chains by probing). */
void ql_hmap_add(ql_mem *m, ql_hmap *h, uint64_t key, uint32_t val);

/* Vocabulary id of an ASCII lower-case word, UINT32_MAX when absent. */
uint32_t ql_annot_word_id(const ql_doc *d, const char *w);
/* Index of the first token starting at or after pos (binary search). */
uint32_t ql_annot_token_at(const ql_doc *d, uint32_t pos);
/* Block of each token: [tok_first[b], tok_first[b+1]). */
const uint32_t *ql_annot_block_tokens(ql_doc *d);
int ql_annot_is_space(const char *t, uint32_t a, uint32_t b); /* only spaces/newlines in [a,b) */

/* ---- the passes ---- */
void ql_find_acronyms(ql_doc *d);
void ql_find_actors(ql_doc *d, const ql_actor_spec *extra, size_t nextra);
void ql_find_quantities(ql_doc *d);
void ql_find_references(ql_doc *d);
void ql_find_recommendations(ql_doc *d);
/* Re-derives the actors addressed by each recommendation (after new actors). */
void ql_recommendation_actors(ql_doc *d);

/* ---- pieces usable on any string (conformance, scripts) ---- */
typedef void (*ql_abbrev_cb)(void *ud, uint32_t ss, uint32_t se, uint32_t ls, uint32_t le);
/* Schwartz-Hearst over one sentence text[s, e): calls cb for each definition. */
void ql_abbrev_scan_sentence(const char *text, uint32_t s, uint32_t e, ql_abbrev_cb cb, void *ud);
/* The long form of the short form t[ss, se) that ends the window t[ws, we):
 * its start, or UINT32_MAX. */
uint32_t ql_abbrev_long_form(const char *t, uint32_t ss, uint32_t se, uint32_t ws, uint32_t we);
/* A line "ICB - Integrated Care Board": returns 1 and the two spans. */
int ql_abbrev_glossary_line(const char *text, uint32_t s, uint32_t e,
                            uint32_t *ss, uint32_t *se, uint32_t *ls, uint32_t *le);
/* DOI syntax: 10.<registrant>[.<sub>...]/<suffix>; s may not hold spaces. */
int ql_doi_syntax(const char *s, size_t n);
/* QL_DOI_* for the DOI in s[0..n) (spaces in it are ignored). */
int ql_doi_check(const char *s, size_t n);
/* A DOI written alone, after "doi:" or as a resolver URL ([http[s]://][dx.]doi.org/):
 * returns 1 with *off at the DOI and *how = 0 bare, 1 declared, 2 URL with
 * protocol, 3 URL without; 0 when s is none of these or the DOI is invalid. */
int ql_doi_parse(const char *s, size_t n, size_t *off, int *how);
/* Finds a DOI in text[s, e): a resolver URL, "doi:" or a bare 10.x/...;
 * sets its span and returns 1. */
int ql_doi_find(const char *text, uint32_t s, uint32_t e, uint32_t *ds, uint32_t *de);

/* A reference entry parsed from text[s, e) (its marker already dropped). */
typedef struct {
  ql_span title, container, url, doi;
  ql_span authors[64]; uint32_t nauthors;
  int32_t year; uint8_t nd, ibid;
} ql_ref_parse;
void ql_reference_parse(const char *text, uint32_t s, uint32_t e, ql_ref_parse *out);

/* Runs the annotation passes over a read document, once; later calls
 * return at once.  QL_ENOMEM leaves no annotations (a later call retries),
 * QL_EFORMAT means the document was not read. */
ql_status ql_doc_annotate(ql_doc *d);

/* ---- accessors (annotations of a document after ql_doc_annotate; empty
 * before it) ---- */
const ql_abbrev *ql_doc_abbreviations(const ql_doc *d, size_t *n);
const ql_acro_use *ql_doc_acronym_uses(const ql_doc *d, size_t *n);
const ql_undef_acro *ql_doc_undefined_acronyms(const ql_doc *d, size_t *n);
const ql_actor *ql_doc_actors(const ql_doc *d, size_t *n);
const ql_actor_mention *ql_doc_actor_mentions(const ql_doc *d, size_t *n);
const ql_quantity *ql_doc_quantities(const ql_doc *d, size_t *n);
const ql_reference *ql_doc_references(const ql_doc *d, size_t *n);
const ql_span *ql_doc_reference_authors(const ql_doc *d, size_t *n);
const ql_span *ql_doc_reference_markers(const ql_doc *d, size_t *n);
const ql_recommendation *ql_doc_recommendations(const ql_doc *d, size_t *n);
const int32_t *ql_doc_recommendation_actors(const ql_doc *d, size_t *n);
const uint32_t *ql_doc_recommendation_keys(const ql_doc *d, size_t *n);
const ql_rec_group *ql_doc_recommendation_groups(const ql_doc *d, size_t *n);

/* Re-finds actors with the built-in gazetteer, the document's acronyms and
 * the extra names given, then re-derives the actors of recommendations.
 * For use after ql_doc_read; returns QL_ENOMEM (document unchanged in
 * meaning, actors possibly empty) when memory runs out. */
ql_status ql_doc_find_actors(ql_doc *d, const ql_actor_spec *extra, size_t n);

const char *ql_quantity_kind_name(int kind);
const char *ql_horizon_name(int h);

#endif
