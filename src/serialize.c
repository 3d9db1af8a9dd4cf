/* serialize.c - the document model to and from one byte string.
 *
 * Layout: a fixed header ("QLDM", u32 version, u64 total length, u64
 * checksum of what follows, u32 format, u32 invalid-UTF-8 count, u32
 * flags, u32 zero; little-endian), then a body of unsigned LEB128 varints
 * and raw bytes:
 *
 *   names    n, then n x (len, bytes): the rule, reason and warning-code
 *            names the logs point to (static strings in a read document)
 *   forms    n, then n x (len, bytes): the token forms, so a loaded document
 *            re-interns them into whatever vocabulary it is given
 *   source, text   len, bytes; or, saved without them (QL_SAVE_NO_*),
 *            len and their u64 hash, so the loader refuses a wrong one
 *   pool     len, bytes
 *   map, meta, fields, sections, blocks, sentences, enumeration items,
 *   enumerations, footnotes, repairs, dropped, warnings, tokens
 *            n, then n records, field by field
 *
 * Ordered spans (map pieces, blocks, sentences, tokens) are written as the
 * gap from the previous one and a length, which are small: a blob is about
 * two and a half times its source, against five with fixed-width fields.
 * Signed fields are zigzag-coded.  Sections come before blocks and items
 * before enumerations, so the loader checks every index against what it
 * already holds, in one pass.  The annotations are not stored: they are
 * derived from the rest, and computed again on first use after a load. */
#include <stdio.h>
#include "ql_internal.h"
#include "serialize.h"

#define HEADER_SIZE 40
#define CHECKSUM_SEED 0x716c646d00000001ULL

/* ---- hash ---- */
#define K1 0x9E3779B97F4A7C15ULL
#define K2 0xC2B2AE3D27D4EB4FULL
#define K3 0x165667B19E3779F9ULL

static uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static uint64_t rd64(const unsigned char *p) {
  return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
         (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static uint64_t hround(uint64_t acc, uint64_t w) { return rotl64(acc ^ (w * K2), 31) * K1; }

uint64_t ql_hash64(const void *data, size_t n, uint64_t seed) {
  const unsigned char *p = (const unsigned char *)data;
  /* two independent lanes halve the multiply dependency chain */
  uint64_t a = seed + K1, b = seed ^ K2, h;
  size_t len = n;
  while (n >= 16) { a = hround(a, rd64(p)); b = hround(b, rd64(p + 8)); p += 16; n -= 16; }
  if (n >= 8) { a = hround(a, rd64(p)); p += 8; n -= 8; }
  if (n) {
    uint64_t t = 0;
    size_t i;
    for (i = 0; i < n; i++) t |= (uint64_t)p[i] << (8 * i);
    b = hround(b, t);
  }
  h = rotl64(a, 7) + rotl64(b, 19) + (uint64_t)len * K3;
  h ^= h >> 32; h *= K3; h ^= h >> 29; h *= K2; h ^= h >> 32;
  return h;
}

/* ---- writer ---- */
/* With p == NULL the writer only counts, so one function both sizes and
 * fills the blob. */
typedef struct { unsigned char *p; size_t pos; } Writer;

static void w8(Writer *w, uint32_t v) { if (w->p) w->p[w->pos] = (unsigned char)v; w->pos++; }
static void wvar(Writer *w, uint64_t v) {
  while (v >= 0x80) { w8(w, (uint32_t)(v & 0x7F) | 0x80); v >>= 7; }
  w8(w, (uint32_t)v);
}
static uint64_t zig(int64_t v) { return v < 0 ? ((uint64_t)(-(v + 1)) << 1) | 1 : (uint64_t)v << 1; }
static void wzig(Writer *w, int64_t v) { wvar(w, zig(v)); }
static void wfix32(Writer *w, uint32_t v) { w8(w, v & 0xFF); w8(w, (v >> 8) & 0xFF); w8(w, (v >> 16) & 0xFF); w8(w, v >> 24); }
static void wfix64(Writer *w, uint64_t v) { wfix32(w, (uint32_t)v); wfix32(w, (uint32_t)(v >> 32)); }
static void wbytes(Writer *w, const void *s, size_t n) {
  if (w->p && n) memcpy(w->p + w->pos, s, n);
  w->pos += n;
}
static void wstr(Writer *w, ql_str s) { wvar(w, s.off); wvar(w, s.len); }

static void str_end(uint32_t *end, ql_str s) {
  if (!(s.off & QL_STR_IN_SOURCE) && s.off + s.len > *end) *end = s.off + s.len;
}

/* Bytes of the pool the stored model refers to.  The annotation passes run
 * last and append their names after these; leaving them out keeps a saved,
 * loaded and saved again document byte-identical. */
static uint32_t pool_used(const ql_doc *d) {
  uint32_t end = 0, i;
  for (i = 0; i < d->meta.n; i++) { str_end(&end, QL_VEC_AT(d->meta, ql_field, i).key); str_end(&end, QL_VEC_AT(d->meta, ql_field, i).value); }
  for (i = 0; i < d->fields.n; i++) { str_end(&end, QL_VEC_AT(d->fields, ql_field, i).key); str_end(&end, QL_VEC_AT(d->fields, ql_field, i).value); }
  for (i = 0; i < d->sections.n; i++) str_end(&end, QL_VEC_AT(d->sections, ql_section, i).title);
  for (i = 0; i < d->repairs.n; i++) { str_end(&end, QL_VEC_AT(d->repairs, ql_repair, i).from); str_end(&end, QL_VEC_AT(d->repairs, ql_repair, i).to); }
  for (i = 0; i < d->warnings.n; i++) str_end(&end, QL_VEC_AT(d->warnings, ql_warning, i).message);
  if (end == 0) return 0;
  /* with the NUL that ends every pooled string */
  while (end < d->pool.n && ((const char *)d->pool.p)[end] != '\0') end++;
  return end < d->pool.n ? end + 1 : d->pool.n;
}

static const char *name_or_empty(const char *s) { return s ? s : ""; }

/* Distinct log names: linear search, as a document uses a few dozen. */
typedef struct { const char **v; uint32_t n; } Names;

static uint32_t name_index(Names *t, const char *s, int add) {
  uint32_t i;
  s = name_or_empty(s);
  for (i = 0; i < t->n; i++)
    if (t->v[i] == s || strcmp(t->v[i], s) == 0) return i;
  if (add) t->v[t->n++] = s;
  return add ? t->n - 1 : 0;
}

typedef struct {
  const ql_doc *d;
  Names names;
  const uint32_t *local;  /* vocabulary id -> index in forms */
  const uint32_t *forms;  /* vocabulary ids of the forms used, by first use */
  uint32_t nforms, npool;
  unsigned flags;
} SaveCtx;

static void wpart(Writer *w, const char *p, uint32_t n, int external) {
  wvar(w, n);
  if (external) wfix64(w, ql_hash64(p, n, 0));
  else wbytes(w, p, n);
}

static void emit(Writer *w, const SaveCtx *c) {
  const ql_doc *d = c->d;
  uint32_t i, prev, vsize = ql_vocab_size(d->vocab);
  uint64_t prev_src;
  Names names = c->names;

  wbytes(w, "QLDM", 4);
  wfix32(w, QL_BLOB_VERSION);
  wfix64(w, 0);               /* total length and checksum: filled in at the end */
  wfix64(w, 0);
  wfix32(w, (uint32_t)d->format);
  wfix32(w, d->n_invalid);
  wfix32(w, c->flags);
  wfix32(w, 0);

  wvar(w, names.n);
  for (i = 0; i < names.n; i++) {
    size_t nl = strlen(names.v[i]);
    wvar(w, nl); wbytes(w, names.v[i], nl);
  }
  wvar(w, c->nforms);
  for (i = 0; i < c->nforms; i++) {
    size_t fl;
    const char *f = ql_vocab_form(d->vocab, c->forms[i], &fl);
    wvar(w, fl); wbytes(w, f, fl);
  }
  wpart(w, d->source, d->srclen, (c->flags & QL_SAVE_NO_SOURCE) != 0);
  wpart(w, (const char *)d->text.p, d->text.n, (c->flags & QL_SAVE_NO_TEXT) != 0);
  wvar(w, c->npool); wbytes(w, d->pool.p, c->npool);

  wvar(w, d->map.n);
  for (i = 0, prev = 0, prev_src = 0; i < d->map.n; i++) {
    const ql_mapseg *s = &QL_VEC_AT(d->map, ql_mapseg, i);
    wvar(w, s->text - prev); wzig(w, (int64_t)s->src - (int64_t)prev_src);
    wvar(w, s->tlen); wvar(w, s->slen);
    prev = s->text; prev_src = (uint64_t)s->src + s->slen;
  }
  wvar(w, d->meta.n);
  for (i = 0; i < d->meta.n; i++) { wstr(w, QL_VEC_AT(d->meta, ql_field, i).key); wstr(w, QL_VEC_AT(d->meta, ql_field, i).value); }
  wvar(w, d->fields.n);
  for (i = 0; i < d->fields.n; i++) { wstr(w, QL_VEC_AT(d->fields, ql_field, i).key); wstr(w, QL_VEC_AT(d->fields, ql_field, i).value); }
  wvar(w, d->sections.n);
  for (i = 0; i < d->sections.n; i++) {
    const ql_section *s = &QL_VEC_AT(d->sections, ql_section, i);
    wstr(w, s->title); wvar(w, s->level); wvar(w, s->category);
    wzig(w, s->parent); wvar(w, s->start); wvar(w, s->stop - s->start);
  }
  wvar(w, d->blocks.n);
  for (i = 0, prev = 0; i < d->blocks.n; i++) {
    const ql_block *b = &QL_VEC_AT(d->blocks, ql_block, i);
    wvar(w, b->kind); wzig(w, b->section); wzig(w, b->n);
    wvar(w, b->start - prev); wvar(w, b->stop - b->start);
    prev = b->stop;
  }
  wvar(w, d->sentences.n);
  for (i = 0, prev = 0; i < d->sentences.n; i++) {
    const ql_span *s = &QL_VEC_AT(d->sentences, ql_span, i);
    wvar(w, s->start - prev); wvar(w, s->stop - s->start);
    prev = s->stop;
  }
  wvar(w, d->enum_items.n);
  for (i = 0; i < d->enum_items.n; i++) {
    const ql_span *s = &QL_VEC_AT(d->enum_items, ql_span, i);
    wvar(w, s->start); wvar(w, s->stop - s->start);
  }
  wvar(w, d->enums.n);
  for (i = 0; i < d->enums.n; i++) {
    const ql_enumeration *e = &QL_VEC_AT(d->enums, ql_enumeration, i);
    wvar(w, e->start); wvar(w, e->stop - e->start); wvar(w, e->first_item); wvar(w, e->nitems);
  }
  wvar(w, d->footnotes.n);
  for (i = 0; i < d->footnotes.n; i++) {
    const ql_footnote *f = &QL_VEC_AT(d->footnotes, ql_footnote, i);
    wzig(w, f->n); wvar(w, f->marker_start); wvar(w, f->marker_stop - f->marker_start); wzig(w, f->block);
  }
  wvar(w, d->repairs.n);
  for (i = 0; i < d->repairs.n; i++) {
    const ql_repair *r = &QL_VEC_AT(d->repairs, ql_repair, i);
    wvar(w, name_index(&names, r->rule, 0)); wstr(w, r->from); wstr(w, r->to);
    wvar(w, r->src_start); wvar(w, r->src_stop - r->src_start); wvar(w, r->text_pos);
  }
  wvar(w, d->dropped.n);
  for (i = 0; i < d->dropped.n; i++) {
    const ql_dropped *x = &QL_VEC_AT(d->dropped, ql_dropped, i);
    wvar(w, name_index(&names, x->reason, 0)); wvar(w, x->src_start); wvar(w, x->src_stop - x->src_start);
  }
  wvar(w, d->warnings.n);
  for (i = 0; i < d->warnings.n; i++) {
    const ql_warning *x = &QL_VEC_AT(d->warnings, ql_warning, i);
    wvar(w, name_index(&names, x->code, 0)); wstr(w, x->message); wvar(w, x->start);
  }
  {
    const uint32_t *ts = (const uint32_t *)d->tok_start.p, *tf = (const uint32_t *)d->tok_form.p;
    wvar(w, d->tok_start.n);
    for (i = 0, prev = 0; i < d->tok_start.n; i++) {
      uint32_t te = ql_tok_stop(d, i);
      wvar(w, ts[i] - prev); wvar(w, te - ts[i]);
      wvar(w, tf[i] < vsize ? c->local[tf[i]] : 0); wvar(w, (uint32_t)ql_tok_kind(d, i));
      prev = te;
    }
  }
}

ql_status ql_doc_save(const ql_doc *d, unsigned flags, char **blob, size_t *len) {
  const ql_mem *m = &d->mem;
  uint32_t nt = d->tok_start.n, vsize = ql_vocab_size(d->vocab), i;
  uint32_t nnames_max = d->repairs.n + d->dropped.n + d->warnings.n;
  const uint32_t *form = (const uint32_t *)d->tok_form.p;
  uint32_t *local, *forms;
  SaveCtx c;
  Writer w;
  ql_status st = QL_ENOMEM;
  size_t a_local = (size_t)(vsize ? vsize : 1) * 4, a_forms = (size_t)(nt ? nt : 1) * 4;
  size_t a_names = (size_t)(nnames_max ? nnames_max : 1) * sizeof(char *);
  *blob = NULL; *len = 0;
  memset(&c, 0, sizeof c);
  c.d = d;
  c.flags = flags & (QL_SAVE_NO_SOURCE | QL_SAVE_NO_TEXT);
  c.npool = pool_used(d);
  c.names.v = (const char **)m->f(m->ud, NULL, 0, a_names);
  c.local = local = (uint32_t *)m->f(m->ud, NULL, 0, a_local);
  c.forms = forms = (uint32_t *)m->f(m->ud, NULL, 0, a_forms);
  if (!c.names.v || !local || !forms) goto done;

  /* the forms this document uses, numbered in order of first use */
  memset(local, 0xFF, a_local);
  for (i = 0; i < nt; i++) {
    uint32_t id = form[i];
    if (id < vsize && local[id] == UINT32_MAX) { local[id] = c.nforms; forms[c.nforms++] = id; }
  }
  for (i = 0; i < d->repairs.n; i++) name_index(&c.names, QL_VEC_AT(d->repairs, ql_repair, i).rule, 1);
  for (i = 0; i < d->dropped.n; i++) name_index(&c.names, QL_VEC_AT(d->dropped, ql_dropped, i).reason, 1);
  for (i = 0; i < d->warnings.n; i++) name_index(&c.names, QL_VEC_AT(d->warnings, ql_warning, i).code, 1);

  w.p = NULL; w.pos = 0;
  emit(&w, &c);
  *len = w.pos;
  w.p = (unsigned char *)m->f(m->ud, NULL, 0, *len);
  if (!w.p) goto done;
  w.pos = 0;
  emit(&w, &c);
  {
    Writer h;
    h.p = w.p; h.pos = 8;
    wfix64(&h, (uint64_t)w.pos);
    wfix64(&h, ql_hash64(w.p + HEADER_SIZE, w.pos - HEADER_SIZE, CHECKSUM_SEED));
  }
  *blob = (char *)w.p;
  st = QL_OK;
done:
  if (c.names.v) m->f(m->ud, (void *)c.names.v, a_names, 0);
  if (local) m->f(m->ud, local, a_local, 0);
  if (forms) m->f(m->ud, forms, a_forms, 0);
  if (st != QL_OK) *len = 0;
  return st;
}

void ql_doc_blob_free(const ql_doc *d, char *blob, size_t len) {
  if (blob) d->mem.f(d->mem.ud, blob, len, 0);
}

/* ---- reader ---- */
typedef struct { size_t off; uint32_t len; } Piece;  /* a string inside the blob */

typedef struct {
  const unsigned char *p;
  size_t n, pos;
  ql_doc *d;
  jmp_buf *jb;
  char *err; size_t es;
  unsigned flags;
  const ql_blob_parts *parts;
  /* scratch, freed however the load ends */
  ql_vec names, forms;   /* Piece */
  ql_vec ptrs;           /* const char *: each log name in the text's tail */
  ql_vec ids;            /* uint32_t: vocabulary id of each form */
} Reader;

static void fail(Reader *r, const char *fmt, ...) {
  if (r->es) {
    va_list ap;
    int k = snprintf(r->err, r->es, "bad document model: ");
    va_start(ap, fmt);
    if (k > 0 && (size_t)k < r->es) vsnprintf(r->err + k, r->es - (size_t)k, fmt, ap);
    va_end(ap);
  }
  longjmp(*r->jb, 2);
}

static uint32_t rfix32(Reader *r) {
  const unsigned char *p = r->p + r->pos;
  r->pos += 4;
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rfix64(Reader *r) { uint64_t lo = rfix32(r); return lo | (uint64_t)rfix32(r) << 32; }

static uint64_t rvar64(Reader *r, const char *what) {
  uint64_t v = 0;
  int shift;
  for (shift = 0; shift < 64; shift += 7) {
    unsigned c;
    if (r->pos >= r->n) fail(r, "%s: the blob ends inside a number (truncated?)", what);
    c = r->p[r->pos++];
    v |= (uint64_t)(c & 0x7F) << shift;
    if (!(c & 0x80)) return v;
  }
  fail(r, "%s: number too long at offset %lu", what, (unsigned long)r->pos);
  return 0;
}

static uint32_t rvar(Reader *r, const char *what) {
  uint64_t v = rvar64(r, what);
  if (v > UINT32_MAX) fail(r, "%s: %llu does not fit 32 bits", what, (unsigned long long)v);
  return (uint32_t)v;
}

static int64_t rzig64(Reader *r, const char *what) {
  uint64_t v = rvar64(r, what);
  return (v & 1) ? -(int64_t)(v >> 1) - 1 : (int64_t)(v >> 1);
}

/* An index field: -1 or 0 <= v < lim. */
static int32_t read_index(Reader *r, uint32_t lim, const char *what, uint32_t i) {
  int64_t v = rzig64(r, what);
  if (v < QL_NONE || (v >= 0 && (uint64_t)v >= lim))
    fail(r, "%s %u: index %lld out of range (%u)", what, i, (long long)v, lim);
  return (int32_t)v;
}

static int32_t rint32(Reader *r, const char *what, uint32_t i) {
  int64_t v = rzig64(r, what);
  if (v < INT32_MIN || v > INT32_MAX) fail(r, "%s %u: %lld does not fit 32 bits", what, i, (long long)v);
  return (int32_t)v;
}

/* A record count; every record takes at least minsize bytes, so a damaged
 * count cannot ask for more memory than the blob could describe. */
static uint32_t rcount(Reader *r, size_t minsize, const char *what) {
  uint32_t n = rvar(r, what);
  if ((uint64_t)n * minsize > (uint64_t)(r->n - r->pos))
    fail(r, "%u %s cannot fit in the %lu bytes left (truncated?)", n, what, (unsigned long)(r->n - r->pos));
  return n;
}

static uint32_t rbytes(Reader *r, const char *what) {
  uint32_t n = rvar(r, what);
  if (n > r->n - r->pos) fail(r, "%s of %u bytes but only %lu remain (truncated?)", what, n, (unsigned long)(r->n - r->pos));
  return n;
}

static ql_str rstr(Reader *r, const char *what, uint32_t i) {
  ql_str s;
  s.off = rvar(r, what); s.len = rvar(r, what);
  if (s.off & QL_STR_IN_SOURCE) {
    if ((uint64_t)(s.off & ~QL_STR_IN_SOURCE) + s.len > r->d->srclen)
      fail(r, "%s %u: string [%u, +%u) outside the source of %u bytes", what, i, s.off & ~QL_STR_IN_SOURCE,
           s.len, r->d->srclen);
  } else if ((uint64_t)s.off + s.len > r->d->pool.n)
    fail(r, "%s %u: string [%u, +%u) outside the pool of %u bytes", what, i, s.off, s.len, r->d->pool.n);
  return s;
}

/* A name (rule, reason, code) written as an index into the names table. */
static const char *rname(Reader *r, const char *what, uint32_t i, const char *role) {
  uint32_t k = rvar(r, what);
  if (k >= r->names.n) fail(r, "%s %u: %s %u does not exist", what, i, role, k);
  return ((const char **)r->ptrs.p)[k];
}

/* A span written as (start or gap from base, length): returns it checked
 * against lim (the text or source length). */
static ql_span rspan(Reader *r, uint64_t base, uint32_t lim, const char *what, uint32_t i) {
  ql_span sp;
  uint64_t s = base + rvar(r, what), e = s + rvar(r, what);
  if (e > lim) fail(r, "%s %u: [%llu, %llu) beyond the %u bytes it points into", what, i,
                    (unsigned long long)s, (unsigned long long)e, lim);
  sp.start = (uint32_t)s; sp.stop = (uint32_t)e;
  return sp;
}

/* The source or the text: from the blob, or, when it was saved without
 * them, from the caller's parts after checking they are the ones saved. */
static const char *rpart(Reader *r, unsigned flag, uint32_t *len, const char *what) {
  const char *p;
  size_t given;
  uint64_t h;
  if (!(r->flags & flag)) {
    *len = rbytes(r, what);
    p = (const char *)r->p + r->pos;
    r->pos += *len;
    return p;
  }
  *len = rvar(r, what);
  if (r->n - r->pos < 8) fail(r, "%s: the blob ends inside a hash (truncated?)", what);
  h = rfix64(r);
  p = r->parts ? (flag == QL_SAVE_NO_SOURCE ? r->parts->source : r->parts->text) : NULL;
  given = r->parts ? (flag == QL_SAVE_NO_SOURCE ? r->parts->srclen : r->parts->textlen) : 0;
  if (!p) fail(r, "it was saved without its %s, and none was given", what);
  if (given != *len || ql_hash64(p, given, 0) != h)
    fail(r, "the %s given (%lu bytes) is not the one it was saved with (%u bytes)", what, (unsigned long)given, *len);
  return p;
}

static void read_pieces(Reader *r, ql_vec *v, const char *what) {
  uint32_t n = rcount(r, 1, what), i;
  ql_vec_reserve(&r->d->mem, v, sizeof(Piece), n ? n : 1);
  for (i = 0; i < n; i++) {
    Piece pc;
    pc.len = rbytes(r, what);
    pc.off = r->pos;
    r->pos += pc.len;
    ((Piece *)v->p)[v->n++] = pc;
  }
}

/* Allocates vector v for n records of elsize and sets its count. */
static void *alloc_vec(Reader *r, ql_vec *v, size_t elsize, uint32_t n) {
  if (n == 0) return NULL;
  ql_vec_reserve(&r->d->mem, v, elsize, n);
  v->n = n;
  return v->p;
}

static void load_body(Reader *r) {
  ql_doc *d = r->d;
  ql_mem *m = &d->mem;
  uint32_t n, i, tl, prev;
  size_t names_bytes = 0;
  const Piece *nm;
  const char **ptr, *part;
  char *tail;

  read_pieces(r, &r->names, "log names");
  nm = (const Piece *)r->names.p;
  if (r->names.n > 65536) fail(r, "%u log names", r->names.n);
  for (i = 0; i < r->names.n; i++) {
    if (memchr(r->p + nm[i].off, 0, nm[i].len)) fail(r, "log name %u holds a NUL byte", i);
    if (nm[i].len > 1024) fail(r, "log name %u is %u bytes long", i, nm[i].len);
    names_bytes += (size_t)nm[i].len + 1;
  }
  read_pieces(r, &r->forms, "token forms");

  part = rpart(r, QL_SAVE_NO_SOURCE, &n, "source");
  d->source = (char *)ql_mem_grow(m, NULL, 0, (size_t)n + 1);
  memcpy(d->source, part, n);
  d->source[n] = '\0';
  d->srclen = n;

  /* The log names are static strings in a read document; a loaded one keeps
   * them after the text's NUL, in the block the text owns, which never moves
   * once the document is complete. */
  part = rpart(r, QL_SAVE_NO_TEXT, &tl, "text");
  ql_vec_reserve(m, &d->text, 1, (size_t)tl + 1 + names_bytes);
  memcpy(d->text.p, part, tl);
  d->text.n = tl;
  ((char *)d->text.p)[tl] = '\0';
  tail = (char *)d->text.p + tl + 1;
  ql_vec_reserve(m, &r->ptrs, sizeof(char *), r->names.n ? r->names.n : 1);
  ptr = (const char **)r->ptrs.p;
  for (i = 0; i < r->names.n; i++) {
    memcpy(tail, r->p + nm[i].off, nm[i].len);
    tail[nm[i].len] = '\0';
    ptr[i] = tail;
    tail += nm[i].len + 1;
  }

  n = rbytes(r, "pool");
  /* pooled strings end with a NUL; the last one bounds any C-string read */
  if (n && r->p[r->pos + n - 1] != 0) fail(r, "the string pool does not end with a NUL");
  ql_vec_reserve(m, &d->pool, 1, n ? n : 1);
  if (n) memcpy(d->pool.p, r->p + r->pos, n);
  d->pool.n = n;
  r->pos += n;

  n = rcount(r, 4, "offset map pieces");
  {
    ql_mapseg *s = (ql_mapseg *)alloc_vec(r, &d->map, sizeof *s, n);
    uint64_t t = 0, src_end = 0;
    for (i = 0; i < n; i++) {
      int64_t src;
      t += rvar(r, "offset map");
      src = (int64_t)src_end + rzig64(r, "offset map");
      s[i].tlen = rvar(r, "offset map"); s[i].slen = rvar(r, "offset map");
      if (t + s[i].tlen > tl || src < 0 || (uint64_t)src + s[i].slen > d->srclen)
        fail(r, "offset map piece %u (text %llu+%u, source %lld+%u) out of range", i,
             (unsigned long long)t, s[i].tlen, (long long)src, s[i].slen);
      s[i].text = (uint32_t)t; s[i].src = (uint32_t)src;
      src_end = (uint64_t)src + s[i].slen;
    }
  }
  {
    ql_vec *fv[2];
    const char *what[2] = { "metadata field", "raw field" };
    int k;
    fv[0] = &d->meta; fv[1] = &d->fields;
    for (k = 0; k < 2; k++) {
      ql_field *f;
      n = rcount(r, 4, what[k]);
      f = (ql_field *)alloc_vec(r, fv[k], sizeof *f, n);
      for (i = 0; i < n; i++) { f[i].key = rstr(r, what[k], i); f[i].value = rstr(r, what[k], i); }
    }
  }

  n = rcount(r, 7, "sections");
  {
    ql_section *s = (ql_section *)alloc_vec(r, &d->sections, sizeof *s, n);
    for (i = 0; i < n; i++) {
      uint32_t level, cat;
      ql_span sp;
      s[i].title = rstr(r, "section", i);
      level = rvar(r, "section"); cat = rvar(r, "section");
      if (level < 1 || level > QL_MAX_LEVELS || cat >= QL_CAT_COUNT)
        fail(r, "section %u: level %u or category %u out of range", i, level, cat);
      s[i].level = (uint8_t)level; s[i].category = (uint8_t)cat;
      s[i].parent = read_index(r, i, "section", i);   /* an earlier section: no cycles */
      sp = rspan(r, 0, tl, "section", i);
      s[i].start = sp.start; s[i].stop = sp.stop;
    }
  }

  n = rcount(r, 5, "blocks");
  {
    ql_block *b = (ql_block *)alloc_vec(r, &d->blocks, sizeof *b, n);
    for (i = 0, prev = 0; i < n; i++) {
      uint32_t kind = rvar(r, "block");
      ql_span sp;
      if (kind >= QL_BLOCK_COUNT) fail(r, "block %u: unknown kind %u", i, kind);
      b[i].kind = (uint8_t)kind;
      b[i].section = read_index(r, d->sections.n, "block", i);
      b[i].n = rint32(r, "block", i);
      sp = rspan(r, prev, tl, "block", i);   /* ordered and disjoint by construction */
      if (sp.start == sp.stop) fail(r, "block %u is empty", i);
      b[i].start = sp.start; b[i].stop = sp.stop;
      prev = sp.stop;
    }
  }

  n = rcount(r, 2, "sentences");
  {
    ql_span *s = (ql_span *)alloc_vec(r, &d->sentences, sizeof *s, n);
    for (i = 0, prev = 0; i < n; i++) {
      s[i] = rspan(r, prev, tl, "sentence", i);
      if (s[i].start == s[i].stop) fail(r, "sentence %u is empty", i);
      prev = s[i].stop;
    }
  }
  n = rcount(r, 2, "enumeration items");
  {
    ql_span *s = (ql_span *)alloc_vec(r, &d->enum_items, sizeof *s, n);
    for (i = 0; i < n; i++) s[i] = rspan(r, 0, tl, "enumeration item", i);
  }

  n = rcount(r, 4, "enumerations");
  {
    ql_enumeration *e = (ql_enumeration *)alloc_vec(r, &d->enums, sizeof *e, n);
    for (i = 0; i < n; i++) {
      ql_span sp = rspan(r, 0, tl, "enumeration", i);
      e[i].start = sp.start; e[i].stop = sp.stop;
      e[i].first_item = rvar(r, "enumeration"); e[i].nitems = rvar(r, "enumeration");
      if ((uint64_t)e[i].first_item + e[i].nitems > d->enum_items.n)
        fail(r, "enumeration %u: items %u+%u beyond the %u items", i, e[i].first_item, e[i].nitems, d->enum_items.n);
    }
  }

  n = rcount(r, 4, "footnotes");
  {
    ql_footnote *f = (ql_footnote *)alloc_vec(r, &d->footnotes, sizeof *f, n);
    for (i = 0; i < n; i++) {
      ql_span sp;
      f[i].n = rint32(r, "footnote", i);
      sp = rspan(r, 0, tl, "footnote marker", i);
      f[i].marker_start = sp.start; f[i].marker_stop = sp.stop;
      f[i].block = read_index(r, d->blocks.n, "footnote", i);
    }
  }

  n = rcount(r, 8, "repairs");
  {
    ql_repair *x = (ql_repair *)alloc_vec(r, &d->repairs, sizeof *x, n);
    for (i = 0; i < n; i++) {
      ql_span sp;
      x[i].rule = rname(r, "repair", i, "rule name");
      x[i].from = rstr(r, "repair", i); x[i].to = rstr(r, "repair", i);
      sp = rspan(r, 0, d->srclen, "repair", i);
      x[i].src_start = sp.start; x[i].src_stop = sp.stop;
      x[i].text_pos = rvar(r, "repair");
      if (x[i].text_pos > tl) fail(r, "repair %u: text position %u beyond the text", i, x[i].text_pos);
    }
  }
  n = rcount(r, 3, "dropped regions");
  {
    ql_dropped *x = (ql_dropped *)alloc_vec(r, &d->dropped, sizeof *x, n);
    for (i = 0; i < n; i++) {
      ql_span sp;
      x[i].reason = rname(r, "dropped region", i, "reason");
      sp = rspan(r, 0, d->srclen, "dropped region", i);
      x[i].src_start = sp.start; x[i].src_stop = sp.stop;
    }
  }
  n = rcount(r, 4, "warnings");
  {
    ql_warning *x = (ql_warning *)alloc_vec(r, &d->warnings, sizeof *x, n);
    for (i = 0; i < n; i++) {
      x[i].code = rname(r, "warning", i, "code");
      x[i].message = rstr(r, "warning", i);
      x[i].start = rvar(r, "warning");
      if (x[i].start > tl) fail(r, "warning %u: position %u beyond the text", i, x[i].start);
    }
  }

  n = rcount(r, 4, "tokens");
  if (n) {
    /* the three arrays grow together in the tokenizer; keep them the same size */
    uint32_t *ts = (uint32_t *)alloc_vec(r, &d->tok_start, 4, n);
    uint32_t *tf = (uint32_t *)alloc_vec(r, &d->tok_form, 4, n);
    uint16_t *tk = (uint16_t *)alloc_vec(r, &d->tok_lk, 2, n);
    for (i = 0, prev = 0; i < n; i++) {
      ql_span sp = rspan(r, prev, tl, "token", i);
      uint32_t f = rvar(r, "token"), k = rvar(r, "token");
      if (sp.start == sp.stop) fail(r, "token %u is empty", i);
      if (f >= r->forms.n) fail(r, "token %u: form %u does not exist", i, f);
      if (k >= QL_TOK_COUNT) fail(r, "token %u: unknown kind %u", i, k);
      ts[i] = sp.start; tf[i] = f; tk[i] = ql_tok_pack(d, i, sp.start, sp.stop, (int)k);
      prev = sp.stop;
    }
  }
  if (r->pos != r->n) fail(r, "%lu bytes left over after the tokens", (unsigned long)(r->n - r->pos));

  /* Everything checked: only now touch the (maybe shared) vocabulary. */
  {
    const Piece *f = (const Piece *)r->forms.p;
    uint32_t nf = r->forms.n, *ids, *tf = (uint32_t *)d->tok_form.p;
    ql_vec_reserve(m, &r->ids, 4, nf ? nf : 1);
    ids = (uint32_t *)r->ids.p;
    for (i = 0; i < nf; i++) {
      const char *s = (const char *)r->p + f[i].off;
      uint32_t id = ql_vocab_find(d->vocab, s, f[i].len);
      if (id == UINT32_MAX) {
        size_t fl;
        const char *got;
        id = ql_vocab_intern(d->vocab, s, f[i].len);
        if (id == UINT32_MAX) longjmp(*r->jb, 1);
        got = ql_vocab_form(d->vocab, id, &fl);
        /* a stored form is already folded; one that folds again was not written by us */
        if (fl != f[i].len || memcmp(got, s, fl) != 0) fail(r, "token form %u is not case-folded", i);
      }
      ids[i] = id;
    }
    for (i = 0; i < d->tok_form.n; i++) tf[i] = ids[tf[i]];
  }
}

/* The setjmp lives here, apart from the Reader it unwinds, so the caller's
 * Reader holds defined values after a longjmp. */
static int guarded_load(Reader *r, const char *blob, size_t len) {
  jmp_buf jb;
  int rc;
  ql_doc *d = r->d;
  /* cppcheck-suppress autoVariables ; r->jb is used only until we return, then cleared */
  r->jb = &jb;
  rc = setjmp(jb);
  if (rc == 0) {
    uint32_t version, fmt;
    uint64_t total, sum;
    d->mem.oom = &jb;
    if (len < HEADER_SIZE || memcmp(blob, "QLDM", 4) != 0)
      fail(r, "not a qualua document model (no QLDM header)");
    r->pos = 4;
    version = rfix32(r);
    if (version != QL_BLOB_VERSION)
      fail(r, "layout version %u %s (this qualua reads version %u)", version,
           version > QL_BLOB_VERSION ? "comes from a newer qualua" : "is not supported", QL_BLOB_VERSION);
    total = rfix64(r);
    if (total != (uint64_t)len)
      fail(r, "%lu bytes where the header says %llu (truncated or padded)", (unsigned long)len, (unsigned long long)total);
    sum = rfix64(r);
    if (sum != ql_hash64(blob + HEADER_SIZE, len - HEADER_SIZE, CHECKSUM_SEED))
      fail(r, "checksum mismatch: the blob is damaged");
    fmt = rfix32(r);
    if (fmt == QL_FMT_AUTO || fmt >= QL_FMT_COUNT) fail(r, "unknown format %u", fmt);
    d->format = (ql_format)fmt;
    d->n_invalid = rfix32(r);
    r->flags = rfix32(r);
    if ((r->flags & ~(unsigned)(QL_SAVE_NO_SOURCE | QL_SAVE_NO_TEXT)) || rfix32(r) != 0)
      fail(r, "unknown flags in the header");
    load_body(r);
  }
  d->mem.oom = NULL;
  r->jb = NULL;
  return rc;
}

ql_status ql_doc_load(ql_doc *d, const char *blob, size_t len, const ql_blob_parts *parts,
                      char *errmsg, size_t errsize) {
  Reader r;
  int rc;
  if (errsize) errmsg[0] = '\0';
  if (d->read_done) {
    if (errsize) snprintf(errmsg, errsize, "document already read");
    return QL_EFORMAT;
  }
  d->read_done = 1;
  memset(&r, 0, sizeof r);
  r.p = (const unsigned char *)blob; r.n = len; r.d = d; r.err = errmsg; r.es = errsize;
  r.parts = parts;
  rc = guarded_load(&r, blob, len);
  ql_vec_free(&d->mem, &r.names, sizeof(Piece));
  ql_vec_free(&d->mem, &r.forms, sizeof(Piece));
  ql_vec_free(&d->mem, &r.ptrs, sizeof(char *));
  ql_vec_free(&d->mem, &r.ids, 4);
  if (rc == 1) {
    if (errsize) snprintf(errmsg, errsize, "out of memory while loading a document model");
    return QL_ENOMEM;
  }
  return rc == 0 ? QL_OK : QL_EFORMAT;
}
