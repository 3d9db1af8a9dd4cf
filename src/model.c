/* model.c - blocks, sections, metadata, footnotes and enumerations of a
 * document under construction, and the read-only accessors. */
#include "ql_internal.h"

static int is_space_byte(char c) { return c == ' ' || c == '\n' || c == '\t'; }

int32_t ql_add_block(ql_doc *d, ql_block_kind kind, uint32_t start, uint32_t stop, int32_t n) {
  const char *t = (const char *)d->text.p;
  ql_block b;
  int lv;
  while (start < stop && is_space_byte(t[start])) start++;
  while (stop > start && is_space_byte(t[stop - 1])) stop--;
  if (stop <= start) return QL_NONE;
  b.kind = (uint8_t)kind; b.start = start; b.stop = stop; b.n = n;
  b.section = QL_NONE;
  for (lv = QL_MAX_LEVELS; lv >= 1; lv--)
    if (d->open[lv] != QL_NONE) { b.section = d->open[lv]; break; }
  QL_VEC_PUSH(&d->mem, &d->blocks, ql_block, b);
  return (int32_t)d->blocks.n - 1;
}

void ql_section_close(ql_doc *d, int level, uint32_t stop) {
  int lv;
  if (level < 1) level = 1;
  for (lv = QL_MAX_LEVELS; lv >= level; lv--) {
    if (d->open[lv] != QL_NONE) {
      ql_section *s = &QL_VEC_AT(d->sections, ql_section, d->open[lv]);
      s->stop = stop < s->start ? s->start : stop;
      d->open[lv] = QL_NONE;
    }
  }
}

int ql_section_depth(const ql_doc *d) {
  int lv;
  for (lv = QL_MAX_LEVELS; lv >= 1; lv--)
    if (d->open[lv] != QL_NONE) return lv;
  return 0;
}

int32_t ql_section_open(ql_doc *d, const char *title, size_t len, int level,
                        ql_category cat, uint32_t start) {
  ql_section s;
  int lv;
  if (level < 1) level = 1;
  if (level > QL_MAX_LEVELS) level = QL_MAX_LEVELS;
  ql_section_close(d, level, start);
  s.title = ql_pool_add(d, title, len);
  s.level = (uint8_t)level; s.category = (uint8_t)cat;
  s.start = start; s.stop = start;
  s.parent = QL_NONE;
  for (lv = level - 1; lv >= 1; lv--)
    if (d->open[lv] != QL_NONE) { s.parent = d->open[lv]; break; }
  QL_VEC_PUSH(&d->mem, &d->sections, ql_section, s);
  d->open[level] = (int32_t)d->sections.n - 1;
  return d->open[level];
}

void ql_meta_add(ql_doc *d, const char *key, const char *v, size_t n) {
  ql_field f;
  while (n > 0 && (*v == ' ' || *v == '\t')) { v++; n--; }
  while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t')) n--;
  if (n == 0) return;
  f.key = ql_pool_add(d, key, strlen(key));
  f.value = ql_pool_add(d, v, n);
  QL_VEC_PUSH(&d->mem, &d->meta, ql_field, f);
}

void ql_field_add(ql_doc *d, const char *key, size_t klen, const char *v, size_t n) {
  ql_field f;
  f.key = ql_pool_add(d, key, klen);
  f.value = ql_pool_add(d, v, n);
  QL_VEC_PUSH(&d->mem, &d->fields, ql_field, f);
}

void ql_field_add_source(ql_doc *d, uint32_t ks, uint32_t klen, uint32_t vs, uint32_t vlen) {
  ql_field f;
  if ((uint64_t)vs + vlen >= QL_STR_IN_SOURCE || (uint64_t)ks + klen >= QL_STR_IN_SOURCE) {
    ql_field_add(d, d->source + ks, klen, d->source + vs, vlen); /* beyond the flag's reach */
    return;
  }
  f.key.off = ks | QL_STR_IN_SOURCE; f.key.len = klen;
  f.value.off = vs | QL_STR_IN_SOURCE; f.value.len = vlen;
  QL_VEC_PUSH(&d->mem, &d->fields, ql_field, f);
}

const char *ql_meta_get(const ql_doc *d, const char *key, size_t *len) {
  uint32_t i;
  size_t kl = strlen(key);
  for (i = 0; i < d->meta.n; i++) {
    const ql_field *f = &QL_VEC_AT(d->meta, ql_field, i);
    if (f->key.len == kl && memcmp(ql_doc_str(d, f->key), key, kl) == 0) {
      if (len) *len = f->value.len;
      return ql_doc_str(d, f->value);
    }
  }
  return NULL;
}

void ql_footnote_add(ql_doc *d, int32_t n, uint32_t ms, uint32_t me, int32_t block) {
  ql_footnote f;
  f.n = n; f.marker_start = ms; f.marker_stop = me; f.block = block;
  QL_VEC_PUSH(&d->mem, &d->footnotes, ql_footnote, f);
}

void ql_enum_add(ql_doc *d, uint32_t start, uint32_t stop, const ql_span *items, size_t n) {
  ql_enumeration en;
  size_t i;
  en.start = start; en.stop = stop;
  en.first_item = d->enum_items.n; en.nitems = (uint32_t)n;
  for (i = 0; i < n; i++) QL_VEC_PUSH(&d->mem, &d->enum_items, ql_span, items[i]);
  QL_VEC_PUSH(&d->mem, &d->enums, ql_enumeration, en);
}

/* ---- accessors ---- */
#define ACCESSOR(name, T, field) \
  const T *name(const ql_doc *d, size_t *n) { *n = d->field.n; return (const T *)d->field.p; }
ACCESSOR(ql_doc_meta, ql_field, meta)
ACCESSOR(ql_doc_fields, ql_field, fields)
ACCESSOR(ql_doc_blocks, ql_block, blocks)
ACCESSOR(ql_doc_sections, ql_section, sections)
ACCESSOR(ql_doc_sentences, ql_span, sentences)
ACCESSOR(ql_doc_enumerations, ql_enumeration, enums)
ACCESSOR(ql_doc_enumeration_items, ql_span, enum_items)
ACCESSOR(ql_doc_footnotes, ql_footnote, footnotes)
ACCESSOR(ql_doc_repairs, ql_repair, repairs)
ACCESSOR(ql_doc_dropped, ql_dropped, dropped)
ACCESSOR(ql_doc_warnings, ql_warning, warnings)

ql_format ql_doc_format(const ql_doc *d) { return d->format; }
const char *ql_doc_source(const ql_doc *d, size_t *len) { *len = d->srclen; return d->source ? d->source : ""; }
const char *ql_doc_text(const ql_doc *d, size_t *len) { *len = d->text.n; return d->text.p ? (const char *)d->text.p : ""; }
const char *ql_doc_str(const ql_doc *d, ql_str s) {
  if (s.off & QL_STR_IN_SOURCE) return d->source + (s.off & ~QL_STR_IN_SOURCE);
  return (const char *)d->pool.p + s.off;
}
ql_vocab *ql_doc_vocab(const ql_doc *d) { return d->vocab; }
size_t ql_doc_ntokens(const ql_doc *d) { return d->tok_start.n; }
const uint32_t *ql_doc_token_starts(const ql_doc *d) { return (const uint32_t *)d->tok_start.p; }
const uint32_t *ql_doc_token_forms(const ql_doc *d) { return (const uint32_t *)d->tok_form.p; }
uint32_t ql_doc_token_stop(const ql_doc *d, size_t i) { return ql_tok_stop(d, (uint32_t)i); }
ql_token_kind ql_doc_token_kind(const ql_doc *d, size_t i) { return (ql_token_kind)ql_tok_kind(d, (uint32_t)i); }

uint32_t ql_tok_long_stop(const ql_doc *d, uint32_t i) {
  const ql_long_token *l = (const ql_long_token *)d->tok_long.p;
  uint32_t lo = 0, hi = d->tok_long.n;
  while (lo < hi) { /* by index: long tokens are appended in order */
    uint32_t mid = lo + (hi - lo) / 2;
    if (l[mid].index < i) lo = mid + 1; else hi = mid;
  }
  return lo < d->tok_long.n && l[lo].index == i ? l[lo].stop : ((const uint32_t *)d->tok_start.p)[i];
}

uint16_t ql_tok_pack(ql_doc *d, uint32_t i, uint32_t start, uint32_t stop, int kind) {
  uint32_t len = stop - start;
  if (len >= QL_TOK_LONG) {
    ql_long_token l;
    l.index = i; l.stop = stop;
    QL_VEC_PUSH(&d->mem, &d->tok_long, ql_long_token, l);
    len = QL_TOK_LONG;
  }
  return (uint16_t)(len << 3 | (uint32_t)kind);
}

/* Last element with start <= pos among n records of `stride` bytes whose
 * first fields are uint32 start, stop (ql_span layout at `off`). */
static int32_t find_span(const void *base, size_t n, size_t stride, size_t off, uint32_t pos) {
  const char *p = (const char *)base;
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    uint32_t st;
    memcpy(&st, p + mid * stride + off, sizeof st);
    if (st <= pos) lo = mid + 1; else hi = mid;
  }
  if (lo == 0) return QL_NONE;
  {
    uint32_t stop;
    memcpy(&stop, p + (lo - 1) * stride + off + sizeof(uint32_t), sizeof stop);
    return pos < stop ? (int32_t)(lo - 1) : QL_NONE;
  }
}

int32_t ql_doc_sentence_at(const ql_doc *d, uint32_t pos) {
  return find_span(d->sentences.p, d->sentences.n, sizeof(ql_span), offsetof(ql_span, start), pos);
}

int32_t ql_doc_block_at(const ql_doc *d, uint32_t pos) {
  return find_span(d->blocks.p, d->blocks.n, sizeof(ql_block), offsetof(ql_block, start), pos);
}

int32_t ql_doc_section_at(const ql_doc *d, uint32_t pos) {
  const ql_section *s = (const ql_section *)d->sections.p;
  int32_t i = (int32_t)d->sections.n - 1;
  /* sections are in pre-order: the innermost holder is the last one that starts before pos */
  for (; i >= 0; i--)
    if (s[i].start <= pos && pos < s[i].stop) return i;
  return QL_NONE;
}

/* ASCII case-insensitive comparisons of a text piece with a C string, for
 * the readers' and passes' word lists. */
int ql_ieq(const char *a, size_t an, const char *b) {
  size_t i;
  for (i = 0; i < an; i++) {
    unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
    if (!y) return 0;
    if (x >= 'A' && x <= 'Z') x = (unsigned char)(x + 32);
    if (y >= 'A' && y <= 'Z') y = (unsigned char)(y + 32);
    if (x != y) return 0;
  }
  return b[an] == '\0';
}

int ql_iprefix(const char *a, size_t an, const char *b) {
  size_t i;
  for (i = 0; b[i]; i++) {
    unsigned char x, y = (unsigned char)b[i];
    if (i >= an) return 0;
    x = (unsigned char)a[i];
    if (x >= 'A' && x <= 'Z') x = (unsigned char)(x + 32);
    if (y >= 'A' && y <= 'Z') y = (unsigned char)(y + 32);
    if (x != y) return 0;
  }
  return 1;
}
