/* annotate.c - runs the annotation passes at the end of a read (acronyms,
 * then actors, which use them, quantities, references and recommendations,
 * which use the actors), and holds what the passes share: a small hash map,
 * token lookups and the accessors. */
#include <stdio.h>
#include "annot.h"

/* ---- hashing ---- */
uint64_t ql_hash_bytes(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  size_t i;
  for (i = 0; i < n; i++) { h ^= (unsigned char)s[i]; h *= 1099511628211ULL; }
  return h ^ (h >> 29);
}

static size_t slot_of(uint64_t key, size_t mask) {
  uint64_t x = key * 0x9E3779B97F4A7C15ULL;
  return (size_t)(x >> 32) & mask;
}

void ql_hmap_reset(ql_mem *m, ql_hmap *h, size_t expected) {
  size_t cap = 16;
  while (cap < expected * 2) cap <<= 1;
  ql_vec_reserve(m, &h->slots, sizeof(ql_hslot), cap);
  h->slots.n = (uint32_t)cap;
  memset(h->slots.p, 0, cap * sizeof(ql_hslot));
  h->n = 0;
}

void ql_hmap_free(ql_mem *m, ql_hmap *h) {
  ql_vec_free(m, &h->slots, sizeof(ql_hslot));
  h->n = 0;
}

uint32_t *ql_hmap_get(const ql_hmap *h, uint64_t key, int (*eq)(const void *, uint32_t), const void *ctx) {
  ql_hslot *s = (ql_hslot *)h->slots.p;
  size_t mask, i;
  if (!h->slots.n) return NULL;
  mask = h->slots.n - 1;
  for (i = slot_of(key, mask); s[i].used; i = (i + 1) & mask)
    if (s[i].key == key && (!eq || eq(ctx, s[i].val))) return &s[i].val;
  return NULL;
}

static void hmap_grow(ql_mem *m, ql_hmap *h) {
  ql_vec nv = { NULL, 0, 0, 0 };
  const ql_hslot *o = (const ql_hslot *)h->slots.p;
  ql_hslot *s;
  size_t cap = h->slots.n ? (size_t)h->slots.n * 2 : 16, i;
  /* the old table stays in h until the new one exists (OOM safety) */
  ql_vec_reserve(m, &nv, sizeof(ql_hslot), cap);
  s = (ql_hslot *)nv.p;
  memset(s, 0, cap * sizeof(ql_hslot));
  for (i = 0; i < h->slots.n; i++) {
    if (o[i].used) {
      size_t j = slot_of(o[i].key, cap - 1);
      while (s[j].used) j = (j + 1) & (cap - 1);
      s[j] = o[i];
    }
  }
  ql_vec_free(m, &h->slots, sizeof(ql_hslot));
  nv.n = (uint32_t)cap;
  h->slots = nv;
}

void ql_hmap_add(ql_mem *m, ql_hmap *h, uint64_t key, uint32_t val) {
  ql_hslot *s;
  size_t mask, i;
  if ((size_t)(h->n + 1) * 2 > h->slots.n) hmap_grow(m, h);
  s = (ql_hslot *)h->slots.p;
  mask = h->slots.n - 1;
  for (i = slot_of(key, mask); s[i].used; i = (i + 1) & mask) {}
  s[i].key = key; s[i].val = val; s[i].used = 1;
  h->n++;
}

/* ---- token helpers ---- */
uint32_t ql_annot_word_id(const ql_doc *d, const char *w) {
  return ql_vocab_find(d->vocab, w, strlen(w));
}

uint32_t ql_annot_token_at(const ql_doc *d, uint32_t pos) {
  const uint32_t *st = (const uint32_t *)d->tok_start.p;
  uint32_t lo = 0, hi = d->tok_start.n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (st[mid] < pos) lo = mid + 1; else hi = mid;
  }
  return lo;
}

const uint32_t *ql_annot_block_tokens(ql_doc *d) {
  struct ql_annot *a = d->annot;
  uint32_t nb = d->blocks.n, b, t = 0, nt = d->tok_start.n;
  const uint32_t *st = (const uint32_t *)d->tok_start.p;
  uint32_t *f;
  if (a->tok_first.n == nb + 1) return (const uint32_t *)a->tok_first.p;
  ql_vec_reserve(&d->mem, &a->tok_first, 4, (size_t)nb + 1);
  f = (uint32_t *)a->tok_first.p;
  for (b = 0; b < nb; b++) {
    const ql_block *bl = &QL_VEC_AT(d->blocks, ql_block, b);
    while (t < nt && st[t] < bl->start) t++;
    f[b] = t;
  }
  f[nb] = nt;
  /* tokens of block b stop where its text stops */
  for (b = nb; b-- > 0;) if (f[b] > f[b + 1]) f[b] = f[b + 1];
  a->tok_first.n = nb + 1;
  return f;
}

int ql_annot_is_space(const char *t, uint32_t a, uint32_t b) {
  for (; a < b; a++) if (t[a] != ' ' && t[a] != '\n' && t[a] != '\t') return 0;
  return 1;
}

/* ---- lifecycle ---- */
static void free_scratch(ql_doc *d) {
  struct ql_annot *a = d->annot;
  int i;
  ql_vec_free(&d->mem, &a->tok_first, 4);
  for (i = 0; i < 6; i++) ql_vec_free(&d->mem, &a->tmp[i], 1);
  for (i = 0; i < 3; i++) ql_hmap_free(&d->mem, &a->map[i]);
}

static void annotate(ql_doc *d) {
  d->annot = (struct ql_annot *)ql_mem_grow(&d->mem, NULL, 0, sizeof *d->annot);
  memset(d->annot, 0, sizeof *d->annot);
  ql_find_acronyms(d);
  ql_find_actors(d, NULL, 0);
  ql_find_quantities(d);
  ql_find_references(d);
  ql_find_recommendations(d);
  free_scratch(d);
}

void ql_annot_free(ql_doc *d) {
  struct ql_annot *a = d->annot;
  ql_mem *m = &d->mem;
  if (!a) return;
  free_scratch(d);
  ql_vec_free(m, &a->abbrevs, sizeof(ql_abbrev));
  ql_vec_free(m, &a->uses, sizeof(ql_acro_use));
  ql_vec_free(m, &a->undef, sizeof(ql_undef_acro));
  ql_vec_free(m, &a->actors, sizeof(ql_actor));
  ql_vec_free(m, &a->mentions, sizeof(ql_actor_mention));
  ql_vec_free(m, &a->quantities, sizeof(ql_quantity));
  ql_vec_free(m, &a->refs, sizeof(ql_reference));
  ql_vec_free(m, &a->authors, sizeof(ql_span));
  ql_vec_free(m, &a->markers, sizeof(ql_span));
  ql_vec_free(m, &a->recs, sizeof(ql_recommendation));
  ql_vec_free(m, &a->rec_actors, sizeof(int32_t));
  ql_vec_free(m, &a->rec_keys, sizeof(uint32_t));
  ql_vec_free(m, &a->groups, sizeof(ql_rec_group));
  m->f(m->ud, a, sizeof *a, 0);
  d->annot = NULL;
}

/* The passes run on first demand, not during the read: a caller that only
   segments, tokenises or codes a corpus does not pay for them. */
ql_status ql_doc_annotate(ql_doc *d) {
  jmp_buf oom;
  jmp_buf *volatile saved = d->mem.oom;
  if (d->annot) return QL_OK;
  if (!d->read_done) return QL_EFORMAT;
  if (setjmp(oom)) {
    d->mem.oom = saved;
    ql_annot_free(d); /* all or nothing: the next call starts again */
    return QL_ENOMEM;
  }
  d->mem.oom = &oom;
  annotate(d);
  d->mem.oom = saved;
  return QL_OK;
}

ql_status ql_doc_find_actors(ql_doc *d, const ql_actor_spec *extra, size_t n) {
  jmp_buf oom;
  jmp_buf *volatile saved = d->mem.oom;
  ql_status st = ql_doc_annotate(d);
  if (st != QL_OK) return st;
  if (setjmp(oom)) {
    d->mem.oom = saved;
    /* leave a consistent state: no mentions rather than half of them */
    d->annot->mentions.n = 0;
    d->annot->rec_actors.n = 0;
    {
      uint32_t i;
      for (i = 0; i < d->annot->recs.n; i++) QL_VEC_AT(d->annot->recs, ql_recommendation, i).nactors = 0;
    }
    free_scratch(d);
    return QL_ENOMEM;
  }
  d->mem.oom = &oom;
  ql_find_actors(d, extra, n);
  ql_recommendation_actors(d);
  free_scratch(d);
  d->mem.oom = saved;
  return QL_OK;
}

/* ---- accessors ---- */
#define ANNOT_ACCESSOR(name, T, field) \
  const T *name(const ql_doc *d, size_t *n) { \
    if (!d->annot) { *n = 0; return NULL; } \
    *n = d->annot->field.n; return (const T *)d->annot->field.p; }
ANNOT_ACCESSOR(ql_doc_abbreviations, ql_abbrev, abbrevs)
ANNOT_ACCESSOR(ql_doc_acronym_uses, ql_acro_use, uses)
ANNOT_ACCESSOR(ql_doc_undefined_acronyms, ql_undef_acro, undef)
ANNOT_ACCESSOR(ql_doc_actors, ql_actor, actors)
ANNOT_ACCESSOR(ql_doc_actor_mentions, ql_actor_mention, mentions)
ANNOT_ACCESSOR(ql_doc_quantities, ql_quantity, quantities)
ANNOT_ACCESSOR(ql_doc_references, ql_reference, refs)
ANNOT_ACCESSOR(ql_doc_reference_authors, ql_span, authors)
ANNOT_ACCESSOR(ql_doc_reference_markers, ql_span, markers)
ANNOT_ACCESSOR(ql_doc_recommendations, ql_recommendation, recs)
ANNOT_ACCESSOR(ql_doc_recommendation_actors, int32_t, rec_actors)
ANNOT_ACCESSOR(ql_doc_recommendation_keys, uint32_t, rec_keys)
ANNOT_ACCESSOR(ql_doc_recommendation_groups, ql_rec_group, groups)

const char *ql_quantity_kind_name(int kind) {
  static const char *const names[QL_Q_KINDS] = {
    "percent", "money", "count", "year", "financial_year", "range", "marker"
  };
  return kind >= 0 && kind < QL_Q_KINDS ? names[kind] : "?";
}

const char *ql_horizon_name(int h) {
  static const char *const names[] = { "unspecified", "short-term", "medium-term", "long-term", "mixed" };
  return h >= 0 && h <= QL_HZ_MIXED ? names[h] : "unspecified";
}
