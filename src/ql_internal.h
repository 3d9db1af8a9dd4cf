/* ql_internal.h - what the readers share: growable arrays, the document
 * struct, and the builder that turns source bytes into normalised text while
 * recording the offset map and the logs. Not part of the public API. */
#ifndef QL_INTERNAL_H
#define QL_INTERNAL_H

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>
#include "qualua.h"

#define QL_NONE (-1)

/* Growable array: p holds n of cap elements, in `bytes` allocated bytes.
 * Keeping the byte size makes a free exact whatever element size the caller
 * names, and lets scratch arrays be reused for another element type.
 * Growth failures longjmp to the document's OOM handler (see ql_doc_read),
 * so builder code needs no checks. */
typedef struct { void *p; uint32_t n, cap; size_t bytes; } ql_vec;

typedef struct { ql_alloc_fn f; void *ud; jmp_buf *oom; } ql_mem;

void *ql_mem_grow(ql_mem *m, void *p, size_t osize, size_t nsize);
void ql_vec_reserve(ql_mem *m, ql_vec *v, size_t elsize, size_t need);
void ql_vec_free(ql_mem *m, ql_vec *v, size_t elsize);
void ql_vec_prefault(ql_vec *v, size_t elsize, size_t from, size_t to);
/* Makes room for need elements, growing only when short of it; false when
 * memory ran out (and there is no handler to jump to). */
static inline int ql_vec_room(ql_mem *m, ql_vec *v, size_t elsize, size_t need) {
  if (need > v->cap) ql_vec_reserve(m, v, elsize, need);
  return need <= v->cap;
}

/* Grows only when full; without memory (and no handler) nothing is added. */
#define QL_VEC_PUSH(m, v, T, val) do { \
    if (ql_vec_room((m), (v), sizeof(T), (size_t)(v)->n + 1)) ((T *)(v)->p)[(v)->n++] = (val); } while (0)
#define QL_VEC_AT(v, T, i) (((T *)(v).p)[i])
#define QL_VEC_LAST(v, T) (((T *)(v).p)[(v).n - 1])

/* One piece of the offset map: text[text, text+tlen) came from
 * source[src, src+slen).  When tlen == slen the bytes map one to one. */
typedef struct { uint32_t text, src, tlen, slen; } ql_mapseg;

#define QL_MAX_LEVELS 16

struct ql_doc {
  ql_mem mem;
  ql_format format;
  char *source; uint32_t srclen;
  int source_borrowed;  /* source is the caller's bytes (ql_doc_read_borrowed): never written or freed */
  ql_vec text;          /* char */
  ql_vec pool;          /* char: strings for titles, meta values, messages */
  ql_vec map;           /* ql_mapseg */
  ql_vec meta, fields;  /* ql_field */
  ql_vec blocks;        /* ql_block */
  ql_vec sections;      /* ql_section */
  ql_vec sentences;     /* ql_span */
  ql_vec enums;         /* ql_enumeration */
  ql_vec enum_items;    /* ql_span */
  ql_vec footnotes;     /* ql_footnote */
  ql_vec repairs;       /* ql_repair */
  ql_vec dropped;       /* ql_dropped */
  ql_vec warnings;      /* ql_warning */
  ql_vec tok_start, tok_form; /* uint32_t */
  ql_vec tok_lk;        /* uint16_t: length << 3 | kind (QL_TOK_LONG: see tok_long) */
  ql_vec tok_long;      /* ql_long_token, by index: the stops of tokens that long */
  ql_vocab *vocab; int own_vocab;
  int32_t open[QL_MAX_LEVELS + 1]; /* open section per level, QL_NONE if none */
  struct ql_annot *annot; /* annotations found after segmentation (annotate.c) */
  uint32_t n_invalid;  /* invalid UTF-8 sequences replaced */
  int read_done;
};

/* ---- text builder ---- */
uint32_t ql_text_len(const ql_doc *d);
/* Copies source[s, e) into the text, folding typographic variants and
 * replacing invalid UTF-8 with U+FFFD (with a warning). */
void ql_emit(ql_doc *d, uint32_t s, uint32_t e);
/* Appends literal text standing for source[src, src+slen) (slen may be 0). */
void ql_emit_lit(ql_doc *d, const char *s, size_t n, uint32_t src, uint32_t slen);
/* Replaces source[s, e) by `to` in the text and logs the repair. */
void ql_emit_repair(ql_doc *d, const char *rule, uint32_t s, uint32_t e,
                    const char *to, size_t tolen);
/* Logs source[s, e) as left out of the text. */
void ql_drop(ql_doc *d, uint32_t s, uint32_t e, const char *reason);
/* Separates the next block from the previous one ("\n\n"), if any text yet. */
void ql_block_sep(ql_doc *d, uint32_t src_pos);
/* Drops trailing spaces just emitted (only those that map to source spaces). */
void ql_text_rtrim(ql_doc *d);

/* ---- model builder ---- */
ql_str ql_pool_add(ql_doc *d, const char *s, size_t n);
/* Adds a block over text [start, stop) after trimming spaces; returns its
 * index, or -1 when the range is empty. Section = innermost open section. */
int32_t ql_add_block(ql_doc *d, ql_block_kind kind, uint32_t start, uint32_t stop, int32_t n);
/* Opens a section starting at text offset start; closes open sections of
 * level >= level.  Title is copied. Returns its index. */
int32_t ql_section_open(ql_doc *d, const char *title, size_t len, int level,
                        ql_category cat, uint32_t start);
/* Closes every open section of level >= level at text offset stop. */
void ql_section_close(ql_doc *d, int level, uint32_t stop);
int ql_section_depth(const ql_doc *d); /* level of the innermost open section, 0 if none */
void ql_meta_add(ql_doc *d, const char *key, const char *v, size_t n);
void ql_field_add(ql_doc *d, const char *key, size_t klen, const char *v, size_t n);
/* The same for a key and value found verbatim in the source: no copy. */
void ql_field_add_source(ql_doc *d, uint32_t ks, uint32_t klen, uint32_t vs, uint32_t vlen);
/* Returns the first canonical value of key, or NULL. */
const char *ql_meta_get(const ql_doc *d, const char *key, size_t *len);
void ql_warn(ql_doc *d, const char *code, uint32_t pos, const char *fmt, ...);
void ql_footnote_add(ql_doc *d, int32_t n, uint32_t ms, uint32_t me, int32_t block);
void ql_enum_add(ql_doc *d, uint32_t start, uint32_t stop, const ql_span *items, size_t n);
void ql_log_repair(ql_doc *d, const char *rule, const char *from, size_t fl,
                   const char *to, size_t tl, uint32_t s, uint32_t e, uint32_t text_pos);

/* ---- tokens ---- */
/* Tokens are 10 bytes: start, form, and the length beside the kind.  A
 * length of QL_TOK_LONG or more is kept whole in tok_long. */
#define QL_TOK_LONG 8191u
typedef struct { uint32_t index, stop; } ql_long_token;
uint32_t ql_tok_long_stop(const ql_doc *d, uint32_t i);
static inline uint32_t ql_tok_stop(const ql_doc *d, uint32_t i) {
  uint32_t len = (uint32_t)((const uint16_t *)d->tok_lk.p)[i] >> 3;
  return len < QL_TOK_LONG ? ((const uint32_t *)d->tok_start.p)[i] + len : ql_tok_long_stop(d, i);
}
static inline int ql_tok_kind(const ql_doc *d, uint32_t i) { return ((const uint16_t *)d->tok_lk.p)[i] & 7; }
/* Appends token i's length and kind (tok_long grows for a long one). */
uint16_t ql_tok_pack(ql_doc *d, uint32_t i, uint32_t start, uint32_t stop, int kind);

/* ---- lines of the source ---- */
/* The first '\n' or '\r' at or after i, or len (a lone CR ends a line). */
uint32_t ql_line_end(const char *s, uint32_t i, uint32_t len);
/* Finds the line starting at *pos (ending at \n, \r\n or \r); sets [*ls,*le)
 * to its content and advances *pos past the terminator. 0 at end of input. */
int ql_next_line(const char *s, uint32_t len, uint32_t *pos, uint32_t *ls, uint32_t *le);
int ql_is_blank(const char *s, uint32_t a, uint32_t b);
void ql_trim(const char *s, uint32_t *a, uint32_t *b); /* ASCII spaces/tabs, NBSP */

/* ---- UTF-8 ---- */
/* Decodes one code point at s[i..n); sets *len (>= 1). Returns -1 when invalid. */
int32_t ql_utf8_decode(const unsigned char *s, size_t n, size_t i, int *len);
size_t ql_utf8_encode(uint32_t cp, char *out);

/* ---- passes ---- */
ql_format ql_sniff(const char *s, uint32_t len);
/* RIS sniffing rule, shared by the sniffer and the RIS reader (read_ris.c). */
int ql_looks_like_ris(const char *s, uint32_t len);
void ql_read_ris(ql_doc *d);
void ql_read_landing(ql_doc *d);
void ql_read_portal(ql_doc *d);
void ql_read_report(ql_doc *d);
void ql_read_text(ql_doc *d);
/* Emits a (possibly structured) abstract found in source[s, e) as heading +
 * paragraph blocks with NLM-categorised sections at the given level; returns
 * the number of labelled parts found (0: emitted as one paragraph). */
int ql_emit_abstract(ql_doc *d, uint32_t s, uint32_t e, int level);
void ql_find_enumerations(ql_doc *d);
void ql_tokenize(ql_doc *d);
/* ql_vocab_intern for s whose eight bytes s[0..8) may all be read (a token
   of the text, which ql_tokenize pads with zeros). */
uint32_t ql_vocab_intern_padded(ql_vocab *v, const char *s, size_t n);
/* Finds acronyms, actors, quantities, references and recommendations. */
void ql_annot_free(ql_doc *d);
/* a[0..an) equals the NUL-terminated b, ASCII case ignored (model.c) */
int ql_ieq(const char *a, size_t an, const char *b);
/* b is a prefix of a[0..an), ASCII case ignored */
int ql_iprefix(const char *a, size_t an, const char *b);
/* Index of s[0..n) in the NULL-ended word list, or -1.  Inline byte
 * compares: most entries differ at their first byte. */
static inline int ql_list_index(const char *const *list, const char *s, size_t n) {
  int k;
  if (n == 0) return -1;
  for (k = 0; list[k]; k++) {
    const char *w = list[k];
    size_t j = 0;
    while (j < n && w[j] != '\0' && w[j] == s[j]) j++;
    if (j == n && w[n] == '\0') return k;
  }
  return -1;
}

#endif
