/* qualua.h - the C API of the qualua document core.
 *
 * A document keeps its source bytes untouched and builds a normalised text;
 * everything else (blocks, sections, sentences, tokens, annotations) is a span
 * of [start, stop) byte offsets into that text, held in flat arrays.  An
 * offset map takes any text position back to the source.  The core has no
 * global mutable state and allocates only through the allocator it is given
 * (same contract as lua_Alloc), so a Lua host keeps control of memory.
 */
#ifndef QUALUA_H
#define QUALUA_H

#include <stddef.h>
#include <stdint.h>

/* Same signature as lua_Alloc: nsize == 0 frees; returns NULL on failure. */
typedef void *(*ql_alloc_fn)(void *ud, void *ptr, size_t osize, size_t nsize);

typedef struct ql_doc ql_doc;
typedef struct ql_vocab ql_vocab;

typedef enum {
  QL_FMT_AUTO = 0,
  QL_FMT_RIS,
  QL_FMT_LANDING,   /* scraped article landing page (seed 001) */
  QL_FMT_PORTAL,    /* research-portal page, e.g. Pure (seed 002) */
  QL_FMT_REPORT,    /* report text converted from PDF/OCR (seeds 003, 004) */
  QL_FMT_TEXT,      /* plain text / Markdown fallback */
  QL_FMT_COUNT
} ql_format;

typedef enum {
  QL_BLOCK_HEADING = 0,
  QL_BLOCK_PARAGRAPH,
  QL_BLOCK_LIST_ITEM,
  QL_BLOCK_FOOTNOTE,
  QL_BLOCK_REFERENCE,
  QL_BLOCK_CAPTION,
  QL_BLOCK_FIELD,
  QL_BLOCK_COUNT
} ql_block_kind;

/* NLM structured-abstract categories. */
typedef enum {
  QL_CAT_NONE = 0,
  QL_CAT_BACKGROUND,
  QL_CAT_OBJECTIVE,
  QL_CAT_METHODS,
  QL_CAT_RESULTS,
  QL_CAT_CONCLUSIONS,
  QL_CAT_COUNT
} ql_category;

typedef enum {
  QL_TOK_WORD = 0,
  QL_TOK_NUMBER,
  QL_TOK_PUNCT,
  QL_TOK_SYMBOL,
  QL_TOK_COUNT
} ql_token_kind;

typedef enum {
  QL_OK = 0,
  QL_ENOMEM,
  QL_EBINARY,     /* input looks like a binary file */
  QL_ETOOBIG,     /* input larger than the 32-bit offsets allow */
  QL_EFORMAT      /* unknown format name */
} ql_status;

typedef struct { uint32_t start, stop; } ql_span;

/* A string of the document: held in its string pool, or, when off has
 * QL_STR_IN_SOURCE set, the source bytes at off without the flag (raw
 * fields as found need no copy).  Read it with ql_doc_str and len: a
 * string in the source is not NUL-terminated. */
typedef struct { uint32_t off, len; } ql_str;
#define QL_STR_IN_SOURCE 0x80000000u

typedef struct {
  uint8_t kind;        /* ql_block_kind */
  int32_t section;     /* index into sections, -1 when outside any */
  int32_t n;           /* footnote number, list item number; -1 when none */
  uint32_t start, stop;
} ql_block;

typedef struct {
  ql_str title;
  uint8_t level;       /* 1 = top */
  uint8_t category;    /* ql_category */
  int32_t parent;      /* -1 for a root */
  uint32_t start, stop;
} ql_section;

typedef struct {
  ql_str key, value;
} ql_field;

typedef struct {
  uint32_t start, stop;
  uint32_t first_item, nitems;   /* into the enumeration item array */
} ql_enumeration;

typedef struct {
  int32_t n;           /* footnote number */
  uint32_t marker_start, marker_stop; /* the marker in the text */
  int32_t block;       /* the footnote block, -1 when the footnote is missing */
} ql_footnote;

typedef struct {
  const char *rule;    /* static string naming the rule */
  ql_str from, to;
  uint32_t src_start, src_stop;
  uint32_t text_pos;
} ql_repair;

typedef struct {
  const char *reason;  /* static string */
  uint32_t src_start, src_stop;
} ql_dropped;

typedef struct {
  const char *code;    /* static string, e.g. "invalid-utf8" */
  ql_str message;
  uint32_t start;      /* text offset */
} ql_warning;

/* ---- vocabulary: interned case-folded token forms ---- */
ql_vocab *ql_vocab_new(ql_alloc_fn f, void *ud);
void ql_vocab_free(ql_vocab *v);
/* Returns the id of the case-folded form of s[0..n), interning it; UINT32_MAX on OOM. */
uint32_t ql_vocab_intern(ql_vocab *v, const char *s, size_t n);
/* Looks up an already folded form; UINT32_MAX when absent. */
uint32_t ql_vocab_find(const ql_vocab *v, const char *s, size_t n);
const char *ql_vocab_form(const ql_vocab *v, uint32_t id, size_t *len);
uint32_t ql_vocab_size(const ql_vocab *v);
/* Case-folds s into out (caller's buffer of at least 3*n+4 bytes); returns length. */
size_t ql_fold(const char *s, size_t n, char *out);

/* ---- documents ---- */
/* vocab may be NULL: the document then owns a private vocabulary. */
ql_doc *ql_doc_new(ql_alloc_fn f, void *ud, ql_vocab *vocab);
void ql_doc_free(ql_doc *d);
/* Reads bytes into d (which must be fresh).  On error returns a status and
 * fills errmsg (NUL-terminated, at most errsize bytes). */
ql_status ql_doc_read(ql_doc *d, const char *bytes, size_t len, ql_format fmt,
                      char *errmsg, size_t errsize);
/* The same, but UTF-8 input is used in place instead of copied: bytes must
 * be followed by a NUL (bytes[len] == 0; a Lua string is) and must outlive
 * d unchanged.  Input that needs decoding is still copied. */
ql_status ql_doc_read_borrowed(ql_doc *d, const char *bytes, size_t len, ql_format fmt,
                               char *errmsg, size_t errsize);

const char *ql_format_name(ql_format f);
ql_format ql_format_from_name(const char *name); /* QL_FMT_COUNT when unknown */
const char *ql_block_kind_name(ql_block_kind k);
const char *ql_category_name(ql_category c);
ql_category ql_category_from_label(const char *label, size_t len); /* NLM label table */
const char *ql_token_kind_name(ql_token_kind k);

ql_format ql_doc_format(const ql_doc *d);
const char *ql_doc_source(const ql_doc *d, size_t *len);
const char *ql_doc_text(const ql_doc *d, size_t *len);
const char *ql_doc_str(const ql_doc *d, ql_str s);  /* s.len bytes in the pool or the source */
ql_vocab *ql_doc_vocab(const ql_doc *d);

/* Maps a text offset to its source offset (start side: the first source byte
 * that produced it; for pos == text length, the source length). */
uint32_t ql_doc_source_offset(const ql_doc *d, uint32_t text_pos);
/* Maps the stop of a text range [.., pos) to the end of its source bytes. */
uint32_t ql_doc_source_stop(const ql_doc *d, uint32_t text_pos);

/* Array accessors: each returns a pointer to n elements. */
const ql_field *ql_doc_meta(const ql_doc *d, size_t *n);    /* canonical keys */
const ql_field *ql_doc_fields(const ql_doc *d, size_t *n);  /* raw fields as found */
const ql_block *ql_doc_blocks(const ql_doc *d, size_t *n);
const ql_section *ql_doc_sections(const ql_doc *d, size_t *n);
const ql_span *ql_doc_sentences(const ql_doc *d, size_t *n);
const ql_enumeration *ql_doc_enumerations(const ql_doc *d, size_t *n);
const ql_span *ql_doc_enumeration_items(const ql_doc *d, size_t *n);
const ql_footnote *ql_doc_footnotes(const ql_doc *d, size_t *n);
const ql_repair *ql_doc_repairs(const ql_doc *d, size_t *n);
const ql_dropped *ql_doc_dropped(const ql_doc *d, size_t *n);
const ql_warning *ql_doc_warnings(const ql_doc *d, size_t *n);

/* Tokens, struct of arrays. */
size_t ql_doc_ntokens(const ql_doc *d);
const uint32_t *ql_doc_token_starts(const ql_doc *d);
const uint32_t *ql_doc_token_forms(const ql_doc *d);  /* vocabulary ids */
/* A token's end and kind (stored packed, so read one at a time). */
uint32_t ql_doc_token_stop(const ql_doc *d, size_t i);
ql_token_kind ql_doc_token_kind(const ql_doc *d, size_t i);

/* Index of the sentence/block/section containing text offset pos, -1 if none. */
int32_t ql_doc_sentence_at(const ql_doc *d, uint32_t pos);
int32_t ql_doc_block_at(const ql_doc *d, uint32_t pos);
int32_t ql_doc_section_at(const ql_doc *d, uint32_t pos);

/* Sentence splitting of any text range, for the segmenter's own tests. */
typedef void (*ql_span_cb)(void *ud, uint32_t start, uint32_t stop);
void ql_split_sentences(const char *text, uint32_t start, uint32_t stop,
                        ql_span_cb cb, void *ud);

#endif
