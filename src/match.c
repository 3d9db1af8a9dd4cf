/* match.c - the codebook matcher (see match.h): patterns as token-id
 * sequences in one trie, hits routed to the rules that use them, rule logic
 * evaluated when a unit (sentence, block, section, document) closes. */
#include <stdlib.h>
#include "ql_internal.h"
#include "match.h"

enum { EL_LIT, EL_GLOB, EL_STEM };

typedef struct { uint8_t kind; uint32_t fold, flen, raw, rlen; } elem_t; /* offsets into chars */
typedef struct { uint32_t elem0, nelem, flags, key, klen; uint64_t hash; } term_t;
typedef struct {
  uint32_t theme, near_k, slot0, nslots;
  int32_t filter;
  uint8_t unit, has_any, has_none, has_near;
  uint32_t n_all;
} rule_t;
typedef struct { uint32_t rule; uint8_t kind; } slot_t;
typedef struct { uint32_t kinds; int by_section; } filter_t;
typedef struct { uint32_t term, slot; } post_t;
/* A posting as the hot path wants it: everything in one place. */
typedef struct { uint32_t slot; int32_t filter; uint8_t unit, positive; } route_t;
typedef struct { uint32_t slot, term, t0, t1; } hit_t;
typedef struct { uint32_t head; uint32_t kids; } node_t;  /* head: tl index + 1 */
typedef struct { uint32_t term, next; } tl_t;
typedef struct { uint32_t elem, id; } pair_t;
/* The unit a hit belongs to, per level. */
typedef struct { uint8_t kind; int32_t index, block, section; uint32_t start, stop; } unit_t;

struct ql_matcher {
  ql_mem mem;
  ql_vec chars;                 /* char */
  ql_vec elems, terms, rules, slots, filters, posts;
  ql_vec term_hash;             /* uint32_t: term index + 1, open addressing */
  uint32_t nthemes;
  /* prepared for one vocabulary */
  const ql_vocab *vocab; uint32_t vsize; int prepared;
  ql_vec root;                  /* uint32_t per vocabulary id: node, 0 = none */
  ql_vec nodes;                 /* node_t; node 0 unused */
  ql_vec tl;                    /* tl_t */
  ql_vec ekeys;                 /* uint64_t: node << 32 | id, 0 = empty */
  ql_vec evals;                 /* uint32_t */
  uint32_t ecount;
  ql_vec route_first;           /* uint32_t per term + 1 */
  ql_vec routes;                /* route_t */
  ql_vec eid_first, eid;        /* uint32_t: ids of each element */
  ql_vec pairs;                 /* pair_t, scratch */
  size_t nseq;
  /* per document */
  ql_vec hits[QL_UNIT_COUNT];      /* hit_t, one buffer per level */
  unit_t cur[QL_UNIT_COUNT];
  ql_vec marks;                 /* uint8_t scratch per hit */
  ql_vec codings, cterms;       /* ql_coding, ql_coding_term */
  ql_vec codings2, cterms2, order;
  int want_terms;
};

/* ---- helpers ---- */
static uint64_t hash_bytes(const char *s, size_t n, uint64_t h) {
  size_t i;
  for (i = 0; i < n; i++) { h ^= (unsigned char)s[i]; h *= 1099511628211ULL; }
  return h ^ (h >> 31);
}

static uint32_t add_chars(ql_matcher *m, const char *s, size_t n) {
  uint32_t off = m->chars.n;
  ql_vec_reserve(&m->mem, &m->chars, 1, (size_t)m->chars.n + n + 1);
  if (n) memcpy((char *)m->chars.p + off, s, n);
  m->chars.n += (uint32_t)n;
  return off;
}

static const char *chars_at(const ql_matcher *m, uint32_t off) { return (const char *)m->chars.p + off; }

int ql_glob_match(const char *p, size_t pn, const char *s, size_t sn) {
  size_t pi = 0, si = 0, star_p = (size_t)-1, star_s = 0;
  while (si < sn) {
    if (pi < pn && p[pi] == '*') { star_p = ++pi; star_s = si; continue; }
    if (pi < pn && p[pi] == '?') {
      /* one character, not one byte */
      si++;
      while (si < sn && ((unsigned char)s[si] & 0xC0) == 0x80) si++;
      pi++;
      continue;
    }
    if (pi < pn && p[pi] == s[si]) { pi++; si++; continue; }
    if (star_p != (size_t)-1) {
      pi = star_p;
      si = ++star_s;
      while (si < sn && ((unsigned char)s[si] & 0xC0) == 0x80) si = ++star_s;
      continue;
    }
    return 0;
  }
  while (pi < pn && p[pi] == '*') pi++;
  return pi == pn;
}

static int ends(const char *s, size_t n, const char *suf) {
  size_t k = strlen(suf);
  return n >= k && memcmp(s + n - k, suf, k) == 0;
}

static int is_vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

size_t ql_stem_en(const char *s, size_t n, char *out) {
  int stripped = 0;
  memcpy(out, s, n);
  if (n > 3 && (ends(out, n, "'s") || ends(out, n, "\xE2\x80\x99s"))) n -= out[n - 2] == '\'' ? 2 : 4;
  if (n > 4 && ends(out, n, "ies")) { n -= 3; out[n++] = 'y'; }
  else if (n > 4 && ends(out, n, "sses")) n -= 2;
  else if (n > 3 && (ends(out, n, "xes") || ends(out, n, "zes") || ends(out, n, "ches") || ends(out, n, "shes"))) n -= 2;
  else if (n > 3 && out[n - 1] == 's' && out[n - 2] != 's' && out[n - 2] != 'u' && out[n - 2] != 'i') n -= 1;
  if (n > 5 && ends(out, n, "ing") && (is_vowel(out[0]) || out[0] == 'y' || n > 6)) { n -= 3; stripped = 1; }
  else if (n > 4 && ends(out, n, "ied")) { n -= 3; out[n++] = 'y'; }
  else if (n > 4 && ends(out, n, "ed") && !ends(out, n, "eed")) { n -= 2; stripped = 1; }
  if (stripped && n >= 2 && out[n - 1] == out[n - 2] && !is_vowel(out[n - 1]) &&
      out[n - 1] != 'l' && out[n - 1] != 's' && out[n - 1] != 'z' && out[n - 1] != 'f')
    n--;  /* planning -> plan, but staffing -> staff */
  if (n > 3 && out[n - 1] == 'e') n--;
  if (n > 4 && out[n - 2] == 'i' && out[n - 1] == 'z') out[n - 1] = 's'; /* organiz- / organis- */
  return n;
}

/* ---- building ---- */
ql_matcher *ql_matcher_new(ql_alloc_fn f, void *ud) {
  ql_matcher *m = (ql_matcher *)f(ud, NULL, 0, sizeof *m);
  if (!m) return NULL;
  memset(m, 0, sizeof *m);
  m->mem.f = f; m->mem.ud = ud; m->mem.oom = NULL;
  return m;
}

static void free_prepared(ql_matcher *m) {
  ql_mem *mm = &m->mem;
  ql_vec_free(mm, &m->root, 4);
  ql_vec_free(mm, &m->nodes, sizeof(node_t));
  ql_vec_free(mm, &m->tl, sizeof(tl_t));
  ql_vec_free(mm, &m->ekeys, 8);
  ql_vec_free(mm, &m->evals, 4);
  ql_vec_free(mm, &m->route_first, 4);
  ql_vec_free(mm, &m->routes, sizeof(route_t));
  ql_vec_free(mm, &m->eid_first, 4);
  ql_vec_free(mm, &m->eid, 4);
  ql_vec_free(mm, &m->pairs, sizeof(pair_t));
  m->prepared = 0; m->vocab = NULL; m->ecount = 0; m->nseq = 0;
}

void ql_matcher_free(ql_matcher *m) {
  ql_mem *mm;
  int i;
  if (!m) return;
  mm = &m->mem;
  mm->oom = NULL;
  free_prepared(m);
  ql_vec_free(mm, &m->chars, 1);
  ql_vec_free(mm, &m->elems, sizeof(elem_t));
  ql_vec_free(mm, &m->terms, sizeof(term_t));
  ql_vec_free(mm, &m->rules, sizeof(rule_t));
  ql_vec_free(mm, &m->slots, sizeof(slot_t));
  ql_vec_free(mm, &m->filters, sizeof(filter_t));
  ql_vec_free(mm, &m->posts, sizeof(post_t));
  ql_vec_free(mm, &m->term_hash, 4);
  for (i = 0; i < QL_UNIT_COUNT; i++) ql_vec_free(mm, &m->hits[i], sizeof(hit_t));
  ql_vec_free(mm, &m->marks, 1);
  ql_vec_free(mm, &m->codings, sizeof(ql_coding));
  ql_vec_free(mm, &m->cterms, sizeof(ql_coding_term));
  ql_vec_free(mm, &m->codings2, sizeof(ql_coding));
  ql_vec_free(mm, &m->cterms2, sizeof(ql_coding_term));
  ql_vec_free(mm, &m->order, 4);
  mm->f(mm->ud, m, sizeof *m, 0);
}

typedef struct { uint32_t start, stop; uint8_t kind; } tokrange;

/* Splits a word-pattern chunk with the document tokenizer itself, so that a
 * pattern cuts where the text does ("voluntary," -> "voluntary" ","). */
static int tokenize_chunk(ql_matcher *m, const char *s, size_t n, tokrange *out, int max) {
  ql_doc *d = ql_doc_new(m->mem.f, m->mem.ud, NULL);
  jmp_buf jb;
  int k = 0;
  size_t i, nt;
  if (!d) return -1;
  if (setjmp(jb)) { d->mem.oom = NULL; ql_doc_free(d); return -1; }
  d->mem.oom = &jb;
  ql_vec_reserve(&d->mem, &d->text, 1, n + 1);
  memcpy(d->text.p, s, n);
  d->text.n = (uint32_t)n;
  ((char *)d->text.p)[n] = '\0';
  ql_add_block(d, QL_BLOCK_PARAGRAPH, 0, (uint32_t)n, -1);
  ql_tokenize(d);
  d->mem.oom = NULL;
  nt = ql_doc_ntokens(d);
  for (i = 0; i < nt; i++) {
    if (k == max) { k = max + 1; break; }
    out[k].start = ql_doc_token_starts(d)[i];
    out[k].stop = ql_doc_token_stops(d)[i];
    out[k].kind = ql_doc_token_kinds(d)[i];
    k++;
  }
  ql_doc_free(d);
  return k;
}

static void push_elem(ql_matcher *m, int kind, const char *raw, size_t rn, const char *fold, size_t fn) {
  elem_t e;
  e.kind = (uint8_t)kind;
  e.raw = add_chars(m, raw, rn); e.rlen = (uint32_t)rn;
  e.fold = add_chars(m, fold, fn); e.flen = (uint32_t)fn;
  QL_VEC_PUSH(&m->mem, &m->elems, elem_t, e);
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Parses pat into elements appended to m->elems; returns the count or -1. */
static int parse_pattern(ql_matcher *m, const char *pat, size_t len, unsigned flags, const char **err) {
  size_t i = 0;
  int nel = 0;
  char fbuf[3 * 256 + 4];
  while (i < len) {
    size_t a, b, k;
    int glob = 0, lit = 0;
    while (i < len && is_space(pat[i])) i++;
    if (i >= len) break;
    a = i;
    while (i < len && !is_space(pat[i])) i++;
    b = i;
    if (b - a > 256) { *err = "a word longer than 256 bytes"; return -1; }
    for (k = a; k < b; k++) {
      if (pat[k] == '*' || pat[k] == '?') glob = 1; else lit = 1;
    }
    if (glob) {
      size_t fl;
      if (!lit) { *err = "a wildcard alone matches every word"; return -1; }
      if (nel == QL_MATCH_MAX_WORDS) { *err = "more than 32 words"; return -1; }
      fl = ql_fold(pat + a, b - a, fbuf);
      push_elem(m, EL_GLOB, pat + a, b - a, fbuf, fl);
      nel++;
    } else {
      tokrange tr[QL_MATCH_MAX_WORDS];
      int nt = tokenize_chunk(m, pat + a, b - a, tr, QL_MATCH_MAX_WORDS), t;
      if (nt < 0) { *err = "out of memory"; return -1; }
      if (nel + nt > QL_MATCH_MAX_WORDS) { *err = "more than 32 words"; return -1; }
      for (t = 0; t < nt; t++) {
        const char *w = pat + a + tr[t].start;
        size_t wn = tr[t].stop - tr[t].start, fl = ql_fold(w, wn, fbuf);
        if ((flags & QL_PAT_STEM) && tr[t].kind == QL_TOK_WORD) {
          char sb[3 * 256 + 4];
          size_t sl = ql_stem_en(fbuf, fl, sb);
          push_elem(m, EL_STEM, w, wn, sb, sl);
        } else {
          push_elem(m, EL_LIT, w, wn, fbuf, fl);
        }
        nel++;
      }
    }
  }
  if (nel == 0) { *err = "empty pattern"; return -1; }
  return nel;
}

static void term_hash_grow(ql_matcher *m) {
  uint32_t cap = m->term_hash.cap ? m->term_hash.cap * 2 : 64, i;
  ql_vec nh = {NULL, 0, 0};
  ql_vec_reserve(&m->mem, &nh, 4, cap);
  nh.n = cap;
  memset(nh.p, 0, (size_t)cap * 4);
  for (i = 0; i < m->terms.n; i++) {
    uint32_t j = (uint32_t)QL_VEC_AT(m->terms, term_t, i).hash & (cap - 1);
    while (((uint32_t *)nh.p)[j]) j = (j + 1) & (cap - 1);
    ((uint32_t *)nh.p)[j] = i + 1;
  }
  ql_vec_free(&m->mem, &m->term_hash, 4);
  m->term_hash = nh;
  m->term_hash.n = cap;
}

int32_t ql_matcher_add_term(ql_matcher *m, const char *pat, size_t len, unsigned flags_in,
                            const char **err) {
  const unsigned flags = flags_in & (QL_PAT_EXACT | QL_PAT_STEM);
  jmp_buf jb;
  uint64_t h;
  uint32_t mask, j, elem0, chars0;
  int nel;
  term_t t;
  *err = NULL;
  if (setjmp(jb)) { m->mem.oom = NULL; *err = "out of memory"; return -1; }
  m->mem.oom = &jb;
  h = hash_bytes(pat, len, 1469598103934665603ULL ^ flags);
  if ((m->terms.n + 1) * 2 > m->term_hash.n) term_hash_grow(m);
  mask = m->term_hash.n - 1;
  for (j = (uint32_t)h & mask;; j = (j + 1) & mask) {
    uint32_t id = ((uint32_t *)m->term_hash.p)[j];
    const term_t *o;
    if (!id) break;
    o = &QL_VEC_AT(m->terms, term_t, id - 1);
    if (o->hash == h && o->flags == flags && o->klen == len && memcmp(chars_at(m, o->key), pat, len) == 0) {
      m->mem.oom = NULL;
      return (int32_t)(id - 1);
    }
  }
  elem0 = m->elems.n; chars0 = m->chars.n;
  nel = parse_pattern(m, pat, len, flags, err);
  if (nel < 0) { m->elems.n = elem0; m->chars.n = chars0; m->mem.oom = NULL; return -1; }
  t.elem0 = elem0; t.nelem = (uint32_t)nel; t.flags = flags; t.hash = h;
  t.key = add_chars(m, pat, len); t.klen = (uint32_t)len;
  QL_VEC_PUSH(&m->mem, &m->terms, term_t, t);
  ((uint32_t *)m->term_hash.p)[j] = m->terms.n;
  m->prepared = 0;
  m->mem.oom = NULL;
  return (int32_t)(m->terms.n - 1);
}

int32_t ql_matcher_add_filter(ql_matcher *m, uint32_t block_kinds, int by_section) {
  jmp_buf jb;
  filter_t f;
  if (setjmp(jb)) { m->mem.oom = NULL; return -1; }
  m->mem.oom = &jb;
  f.kinds = block_kinds; f.by_section = by_section != 0;
  QL_VEC_PUSH(&m->mem, &m->filters, filter_t, f);
  m->mem.oom = NULL;
  return (int32_t)m->filters.n - 1;
}

int32_t ql_matcher_add_rule(ql_matcher *m, uint32_t theme, ql_unit unit, int32_t filter,
                            uint32_t near_k) {
  jmp_buf jb;
  rule_t r;
  if ((unsigned)unit >= QL_UNIT_COUNT || filter >= (int32_t)m->filters.n) return -1;
  if (setjmp(jb)) { m->mem.oom = NULL; return -1; }
  m->mem.oom = &jb;
  memset(&r, 0, sizeof r);
  r.theme = theme; r.unit = (uint8_t)unit; r.filter = filter < 0 ? -1 : filter; r.near_k = near_k;
  r.slot0 = m->slots.n;
  QL_VEC_PUSH(&m->mem, &m->rules, rule_t, r);
  if (theme + 1 > m->nthemes) m->nthemes = theme + 1;
  m->prepared = 0;
  m->mem.oom = NULL;
  return (int32_t)m->rules.n - 1;
}

int32_t ql_matcher_add_slot(ql_matcher *m, uint32_t rule, ql_slot_kind kind, const char **err) {
  jmp_buf jb;
  slot_t s;
  rule_t *r;
  *err = NULL;
  if (m->rules.n == 0 || rule != m->rules.n - 1) { *err = "slots must follow their rule"; return -1; }
  if ((unsigned)kind >= QL_SLOT_COUNT) { *err = "unknown slot kind"; return -1; }
  if (setjmp(jb)) { m->mem.oom = NULL; *err = "out of memory"; return -1; }
  m->mem.oom = &jb;
  s.rule = rule; s.kind = (uint8_t)kind;
  QL_VEC_PUSH(&m->mem, &m->slots, slot_t, s);
  m->mem.oom = NULL;
  r = &QL_VEC_AT(m->rules, rule_t, rule);
  r->nslots++;
  if (kind == QL_SLOT_ANY) r->has_any = 1;
  else if (kind == QL_SLOT_ALL) r->n_all++;
  else if (kind == QL_SLOT_NONE) r->has_none = 1;
  else if (kind == QL_SLOT_NEAR_A || kind == QL_SLOT_NEAR_B) r->has_near = 1;
  m->prepared = 0;
  return (int32_t)m->slots.n - 1;
}

int ql_matcher_post(ql_matcher *m, uint32_t term, uint32_t slot) {
  jmp_buf jb;
  post_t p;
  if (term >= m->terms.n || slot >= m->slots.n) return -1;
  if (setjmp(jb)) { m->mem.oom = NULL; return -1; }
  m->mem.oom = &jb;
  p.term = term; p.slot = slot;
  QL_VEC_PUSH(&m->mem, &m->posts, post_t, p);
  m->prepared = 0;
  m->mem.oom = NULL;
  return 0;
}

uint32_t ql_matcher_nthemes(const ql_matcher *m) { return m->nthemes; }
uint32_t ql_matcher_nfilters(const ql_matcher *m) { return m->filters.n; }
size_t ql_matcher_nsequences(const ql_matcher *m) { return m->nseq; }

/* ---- preparing: resolve, then build the trie ---- */
static uint32_t edge_get(const ql_matcher *m, uint32_t node, uint32_t id) {
  uint64_t key = (uint64_t)node << 32 | id;
  const uint64_t *keys = (const uint64_t *)m->ekeys.p;
  uint32_t mask = m->ekeys.n - 1, i;
  if (!m->ekeys.n) return 0;
  i = (uint32_t)((key * 0x9E3779B97F4A7C15ULL) >> 32) & mask;
  for (;; i = (i + 1) & mask) {
    if (keys[i] == key) return ((const uint32_t *)m->evals.p)[i];
    if (keys[i] == 0) return 0;
  }
}

static void edge_rehash(ql_matcher *m) {
  uint32_t cap = m->ekeys.n ? m->ekeys.n * 2 : 1024, i;
  ql_vec nk = {NULL, 0, 0}, nv = {NULL, 0, 0};
  ql_vec_reserve(&m->mem, &nk, 8, cap);
  ql_vec_reserve(&m->mem, &nv, 4, cap);
  memset(nk.p, 0, (size_t)cap * 8);
  for (i = 0; i < m->ekeys.n; i++) {
    uint64_t key = ((uint64_t *)m->ekeys.p)[i];
    uint32_t j;
    if (!key) continue;
    j = (uint32_t)((key * 0x9E3779B97F4A7C15ULL) >> 32) & (cap - 1);
    while (((uint64_t *)nk.p)[j]) j = (j + 1) & (cap - 1);
    ((uint64_t *)nk.p)[j] = key;
    ((uint32_t *)nv.p)[j] = ((uint32_t *)m->evals.p)[i];
  }
  ql_vec_free(&m->mem, &m->ekeys, 8);
  ql_vec_free(&m->mem, &m->evals, 4);
  m->ekeys = nk; m->evals = nv;
  m->ekeys.n = m->evals.n = cap;
}

static uint32_t new_node(ql_matcher *m) {
  node_t n;
  n.head = 0; n.kids = 0;
  QL_VEC_PUSH(&m->mem, &m->nodes, node_t, n);
  return m->nodes.n - 1;
}

static uint32_t edge_add(ql_matcher *m, uint32_t node, uint32_t id) {
  uint64_t key = (uint64_t)node << 32 | id;
  uint32_t mask, i, child;
  if ((m->ecount + 1) * 2 > m->ekeys.n) edge_rehash(m);
  mask = m->ekeys.n - 1;
  i = (uint32_t)((key * 0x9E3779B97F4A7C15ULL) >> 32) & mask;
  for (;; i = (i + 1) & mask) {
    uint64_t k = ((uint64_t *)m->ekeys.p)[i];
    if (k == key) return ((uint32_t *)m->evals.p)[i];
    if (k == 0) break;
  }
  child = new_node(m);
  ((uint64_t *)m->ekeys.p)[i] = key;
  ((uint32_t *)m->evals.p)[i] = child;
  m->ecount++;
  QL_VEC_AT(m->nodes, node_t, node).kids++;
  return child;
}

static void add_pair(ql_matcher *m, uint32_t elem, uint32_t id) {
  pair_t p;
  p.elem = elem; p.id = id;
  QL_VEC_PUSH(&m->mem, &m->pairs, pair_t, p);
}

static int cmp_stem(const void *a, const void *b, const ql_matcher *m) {
  const elem_t *x = &QL_VEC_AT(m->elems, elem_t, *(const uint32_t *)a);
  const elem_t *y = &QL_VEC_AT(m->elems, elem_t, *(const uint32_t *)b);
  size_t n = x->flen < y->flen ? x->flen : y->flen;
  int c = memcmp(chars_at(m, x->fold), chars_at(m, y->fold), n);
  return c ? c : (x->flen > y->flen) - (x->flen < y->flen);
}

/* Finds, for every element, the vocabulary ids it matches: a literal by one
 * lookup, globs and stems by one pass over the vocabulary forms. */
static void resolve(ql_matcher *m, const ql_vocab *v) {
  uint32_t ne = m->elems.n, V = ql_vocab_size(v), e, i;
  ql_vec gb_first = {NULL, 0, 0}, gb = {NULL, 0, 0}, stems = {NULL, 0, 0};
  uint32_t *cnt;
  int any_glob = 0;
  m->pairs.n = 0;
  /* globs bucketed by their first byte; 256 holds those starting with a wildcard */
  ql_vec_reserve(&m->mem, &gb_first, 4, 258);
  memset(gb_first.p, 0, 258 * 4);
  for (e = 0; e < ne; e++) {
    const elem_t *el = &QL_VEC_AT(m->elems, elem_t, e);
    if (el->kind == EL_LIT) {
      uint32_t id = ql_vocab_find(v, chars_at(m, el->fold), el->flen);
      if (id != UINT32_MAX) add_pair(m, e, id);
    } else if (el->kind == EL_GLOB) {
      unsigned char c = (unsigned char)chars_at(m, el->fold)[0];
      ((uint32_t *)gb_first.p)[(c == '*' || c == '?') ? 256 : c]++;
      any_glob = 1;
    } else {
      QL_VEC_PUSH(&m->mem, &stems, uint32_t, e);
    }
  }
  if (any_glob) {
    uint32_t sum = 0, b;
    for (b = 0; b < 257; b++) { uint32_t c = ((uint32_t *)gb_first.p)[b]; ((uint32_t *)gb_first.p)[b] = sum; sum += c; }
    ((uint32_t *)gb_first.p)[257] = sum;
    ql_vec_reserve(&m->mem, &gb, 4, sum + 1);
    gb.n = sum;
    {
      uint32_t fill[257];
      memcpy(fill, gb_first.p, sizeof fill);
      for (e = 0; e < ne; e++) {
        const elem_t *el = &QL_VEC_AT(m->elems, elem_t, e);
        unsigned char c;
        if (el->kind != EL_GLOB) continue;
        c = (unsigned char)chars_at(m, el->fold)[0];
        b = (c == '*' || c == '?') ? 256 : c;
        ((uint32_t *)gb.p)[fill[b]++] = e;
      }
    }
  }
  if (stems.n > 1) {
    /* insertion sort by stem: few stem elements, and qsort has no context */
    uint32_t *s = (uint32_t *)stems.p, a2;
    for (a2 = 1; a2 < stems.n; a2++) {
      uint32_t x = s[a2], k = a2;
      while (k > 0 && cmp_stem(&s[k - 1], &x, m) > 0) { s[k] = s[k - 1]; k--; }
      s[k] = x;
    }
  }
  if (any_glob || stems.n) {
    char sb[1024];
    for (i = 0; i < V; i++) {
      size_t fl;
      const char *f = ql_vocab_form(v, i, &fl);
      if (fl == 0) continue;
      if (any_glob) {
        uint32_t pass, k;
        for (pass = 0; pass < 2; pass++) {
          uint32_t b = pass ? 256 : (unsigned char)f[0];
          for (k = ((uint32_t *)gb_first.p)[b]; k < ((uint32_t *)gb_first.p)[b + 1]; k++) {
            uint32_t ge = ((uint32_t *)gb.p)[k];
            const elem_t *el = &QL_VEC_AT(m->elems, elem_t, ge);
            if (ql_glob_match(chars_at(m, el->fold), el->flen, f, fl)) add_pair(m, ge, i);
          }
        }
      }
      if (stems.n && fl <= sizeof sb) {
        size_t sl = ql_stem_en(f, fl, sb);
        /* binary search for the first element with this stem */
        uint32_t lo = 0, hi = stems.n;
        while (lo < hi) {
          uint32_t mid = (lo + hi) / 2;
          const elem_t *el = &QL_VEC_AT(m->elems, elem_t, ((uint32_t *)stems.p)[mid]);
          size_t n = el->flen < sl ? el->flen : sl;
          int c = memcmp(chars_at(m, el->fold), sb, n);
          if (c == 0) c = (el->flen > sl) - (el->flen < sl);
          if (c < 0) lo = mid + 1; else hi = mid;
        }
        for (; lo < stems.n; lo++) {
          uint32_t se = ((uint32_t *)stems.p)[lo];
          const elem_t *el = &QL_VEC_AT(m->elems, elem_t, se);
          if (el->flen != sl || memcmp(chars_at(m, el->fold), sb, sl) != 0) break;
          add_pair(m, se, i);
        }
      }
    }
  }
  ql_vec_free(&m->mem, &gb_first, 4);
  ql_vec_free(&m->mem, &gb, 4);
  ql_vec_free(&m->mem, &stems, 4);
  /* counting sort of the pairs by element */
  ql_vec_reserve(&m->mem, &m->eid_first, 4, (size_t)ne + 1);
  m->eid_first.n = ne + 1;
  cnt = (uint32_t *)m->eid_first.p;
  memset(cnt, 0, ((size_t)ne + 1) * 4);
  for (i = 0; i < m->pairs.n; i++) cnt[QL_VEC_AT(m->pairs, pair_t, i).elem + 1]++;
  for (e = 0; e < ne; e++) cnt[e + 1] += cnt[e];
  ql_vec_reserve(&m->mem, &m->eid, 4, (size_t)m->pairs.n + 1);
  m->eid.n = m->pairs.n;
  {
    /* pairs are in element order per source, but not overall: place by cursor */
    ql_vec cur = {NULL, 0, 0};
    ql_vec_reserve(&m->mem, &cur, 4, (size_t)ne + 1);
    memcpy(cur.p, cnt, ((size_t)ne + 1) * 4);
    for (i = 0; i < m->pairs.n; i++) {
      const pair_t *p = &QL_VEC_AT(m->pairs, pair_t, i);
      ((uint32_t *)m->eid.p)[((uint32_t *)cur.p)[p->elem]++] = p->id;
    }
    ql_vec_free(&m->mem, &cur, 4);
  }
  ql_vec_free(&m->mem, &m->pairs, sizeof(pair_t));
}

/* Every id sequence a term can take goes into the trie (the product of its
 * elements' id sets); a glob that matched several forms makes several paths. */
#define QL_MAX_EXPANSION 65536u
static void insert_term(ql_matcher *m, uint32_t t) {
  const term_t *term = &QL_VEC_AT(m->terms, term_t, t);
  const uint32_t *first = (const uint32_t *)m->eid_first.p, *ids = (const uint32_t *)m->eid.p;
  uint32_t idx[QL_MATCH_MAX_WORDS], k, made = 0, nel = term->nelem, e0 = term->elem0;
  for (k = 0; k < nel; k++) {
    if (first[e0 + k + 1] == first[e0 + k]) return; /* an element matches nothing */
    idx[k] = first[e0 + k];
  }
  for (;;) {
    uint32_t node = ((uint32_t *)m->root.p)[ids[idx[0]]];
    tl_t entry;
    if (!node) {
      node = new_node(m);
      ((uint32_t *)m->root.p)[ids[idx[0]]] = node;
    }
    for (k = 1; k < nel; k++) node = edge_add(m, node, ids[idx[k]]);
    entry.term = t;
    entry.next = QL_VEC_AT(m->nodes, node_t, node).head;
    QL_VEC_PUSH(&m->mem, &m->tl, tl_t, entry);
    QL_VEC_AT(m->nodes, node_t, node).head = m->tl.n;
    m->nseq++;
    if (++made >= QL_MAX_EXPANSION) return;
    /* odometer over the elements' id lists */
    for (k = nel; k-- > 0;) {
      if (++idx[k] < first[e0 + k + 1]) break;
      idx[k] = first[e0 + k];
    }
    if (k == (uint32_t)-1) return;
  }
}

static void build(ql_matcher *m, const ql_vocab *v) {
  uint32_t V = ql_vocab_size(v), t, i, nt = m->terms.n;
  uint32_t *rf;
  resolve(m, v);
  ql_vec_reserve(&m->mem, &m->root, 4, (size_t)V + 1);
  m->root.n = V;
  memset(m->root.p, 0, ((size_t)V + 1) * 4);
  new_node(m); /* node 0 means "none" */
  for (t = 0; t < nt; t++) insert_term(m, t);
  /* routes: the postings grouped by term, with what the hot path needs */
  ql_vec_reserve(&m->mem, &m->route_first, 4, (size_t)nt + 1);
  m->route_first.n = nt + 1;
  rf = (uint32_t *)m->route_first.p;
  memset(rf, 0, ((size_t)nt + 1) * 4);
  for (i = 0; i < m->posts.n; i++) rf[QL_VEC_AT(m->posts, post_t, i).term + 1]++;
  for (t = 0; t < nt; t++) rf[t + 1] += rf[t];
  ql_vec_reserve(&m->mem, &m->routes, sizeof(route_t), (size_t)m->posts.n + 1);
  m->routes.n = m->posts.n;
  {
    ql_vec cur = {NULL, 0, 0};
    ql_vec_reserve(&m->mem, &cur, 4, (size_t)nt + 1);
    memcpy(cur.p, rf, ((size_t)nt + 1) * 4);
    for (i = 0; i < m->posts.n; i++) {
      const post_t *p = &QL_VEC_AT(m->posts, post_t, i);
      const slot_t *s = &QL_VEC_AT(m->slots, slot_t, p->slot);
      const rule_t *r = &QL_VEC_AT(m->rules, rule_t, s->rule);
      route_t ro;
      ro.slot = p->slot;
      ro.filter = r->filter;
      ro.unit = r->unit;
      ro.positive = s->kind != QL_SLOT_NONE && s->kind != QL_SLOT_EXCLUDE;
      QL_VEC_AT(m->routes, route_t, ((uint32_t *)cur.p)[p->term]++) = ro;
    }
    ql_vec_free(&m->mem, &cur, 4);
  }
}

ql_status ql_matcher_prepare(ql_matcher *m, const ql_vocab *v) {
  jmp_buf jb;
  free_prepared(m);
  if (setjmp(jb)) { m->mem.oom = NULL; free_prepared(m); return QL_ENOMEM; }
  m->mem.oom = &jb;
  build(m, v);
  m->mem.oom = NULL;
  m->vocab = v;
  m->vsize = ql_vocab_size(v);
  m->prepared = 1;
  return QL_OK;
}

/* ---- coding ---- */
typedef struct {
  const ql_doc *d;
  const char *text; size_t tlen;
  const uint32_t *starts, *stops, *forms;
  size_t ntok;
  const ql_block *blocks; size_t nb;
  const ql_span *sents; size_t ns;
  const ql_section *secs; size_t nsec;
  const uint8_t *const *secpass;
  size_t bc, sc;       /* cursors */
  uint32_t block_stop; /* where the current block ends: phrases stop there */
} scan_t;

static int same_unit(const unit_t *a, const unit_t *b) { return a->kind == b->kind && a->index == b->index; }

static int hit_less(const hit_t *a, const hit_t *b) {
  if (a->slot != b->slot) return a->slot < b->slot;
  if (a->t0 != b->t0) return a->t0 < b->t0;
  return a->t1 < b->t1;
}

static int hit_cmp(const void *a, const void *b) {
  return hit_less((const hit_t *)a, (const hit_t *)b) ? -1 : hit_less((const hit_t *)b, (const hit_t *)a);
}

static void emit(ql_matcher *m, const rule_t *r, uint32_t rule, const unit_t *u, const hit_t *h,
                 const uint8_t *use, size_t n) {
  ql_coding c;
  size_t i;
  c.theme = r->theme; c.rule = rule; c.unit = u->kind; c.index = u->index;
  c.block = u->block; c.section = u->section;
  c.start = u->start; c.stop = u->stop;
  c.first_term = m->cterms.n; c.nterms = 0;
  if (m->want_terms)
    for (i = 0; i < n; i++) {
      ql_coding_term ct;
      if (!use[i]) continue;
      ct.term = h[i].term; ct.first = h[i].t0; ct.last = h[i].t1;
      QL_VEC_PUSH(&m->mem, &m->cterms, ql_coding_term, ct);
      c.nterms++;
    }
  QL_VEC_PUSH(&m->mem, &m->codings, ql_coding, c);
}

/* Decides one rule on its hits in one unit.  use[i] = 1 marks the hits
 * that count as its matched terms. */
static void evaluate(ql_matcher *m, uint32_t rule, const unit_t *u, const hit_t *h, size_t n) {
  const rule_t *r = &QL_VEC_AT(m->rules, rule_t, rule);
  const slot_t *slots = (const slot_t *)m->slots.p;
  uint8_t *use;
  size_t i, j;
  int any = 0, none = 0, near = 0;
  uint32_t all = 0, last_all = UINT32_MAX;
  ql_vec_reserve(&m->mem, &m->marks, 1, n);
  use = (uint8_t *)m->marks.p;
  for (i = 0; i < n; i++) {
    int k = slots[h[i].slot].kind;
    use[i] = 0;
    if (k == QL_SLOT_NONE) none = 1;
    if (k == QL_SLOT_NONE || k == QL_SLOT_EXCLUDE) continue;
    use[i] = 1;
    for (j = 0; j < n; j++)
      if (slots[h[j].slot].kind == QL_SLOT_EXCLUDE && h[j].t0 <= h[i].t1 && h[i].t0 <= h[j].t1) { use[i] = 0; break; }
  }
  if (none) return;
  for (i = 0; i < n; i++) {
    int k = slots[h[i].slot].kind;
    if (!use[i]) continue;
    if (k == QL_SLOT_ANY) any = 1;
    else if (k == QL_SLOT_ALL && h[i].slot != last_all) { all++; last_all = h[i].slot; }
  }
  if (r->has_any && !any) return;
  if (all < r->n_all) return;
  if (r->has_near) {
    /* near hits count only when paired; 2 marks "seen in a pair" */
    for (i = 0; i < n; i++) {
      if (!use[i] || slots[h[i].slot].kind != QL_SLOT_NEAR_A) continue;
      for (j = 0; j < n; j++) {
        uint32_t dist;
        if (!use[j] || slots[h[j].slot].kind != QL_SLOT_NEAR_B) continue;
        if (h[i].t0 == h[j].t0 && h[i].t1 == h[j].t1) continue;
        dist = h[j].t0 > h[i].t1 ? h[j].t0 - h[i].t1 : h[i].t0 > h[j].t1 ? h[i].t0 - h[j].t1 : 0;
        if (dist <= r->near_k) { use[i] = 2; use[j] = 2; near = 1; }
      }
    }
    if (!near) return;
    for (i = 0; i < n; i++) {
      int k = slots[h[i].slot].kind;
      if ((k == QL_SLOT_NEAR_A || k == QL_SLOT_NEAR_B) && use[i] == 1) use[i] = 0;
    }
  }
  if (!r->has_any && !r->n_all && !r->has_near) return; /* nothing positive: never fires */
  emit(m, r, rule, u, h, use, n);
}

static void flush(ql_matcher *m, int lv) {
  ql_vec *buf = &m->hits[lv];
  hit_t *h = (hit_t *)buf->p;
  size_t n = buf->n, i, a;
  const slot_t *slots = (const slot_t *)m->slots.p;
  if (n == 0) return;
  if (n > 24) qsort(h, n, sizeof *h, hit_cmp);
  else
    for (i = 1; i < n; i++) {
      hit_t x = h[i];
      size_t k = i;
      while (k > 0 && hit_less(&x, &h[k - 1])) { h[k] = h[k - 1]; k--; }
      h[k] = x;
    }
  /* slots are contiguous per rule, so sorting by slot groups the rules */
  for (a = 0; a < n;) {
    uint32_t rule = slots[h[a].slot].rule;
    size_t b = a + 1;
    while (b < n && slots[h[b].slot].rule == rule) b++;
    evaluate(m, rule, &m->cur[lv], h + a, b - a);
    h = (hit_t *)buf->p; /* evaluate may not grow hits, but stay safe */
    a = b;
  }
  buf->n = 0;
}

/* Places the scan at token i: finds its sentence, block and section, and
 * closes the units it has left. */
static void locate(ql_matcher *m, scan_t *s, size_t i) {
  uint32_t p = s->starts[i];
  unit_t u[3];
  int32_t b = -1, se = -1, sec = -1;
  int lv;
  while (s->bc < s->nb && s->blocks[s->bc].stop <= p) s->bc++;
  if (s->bc < s->nb && s->blocks[s->bc].start <= p) b = (int32_t)s->bc;
  while (s->sc < s->ns && s->sents[s->sc].stop <= p) s->sc++;
  if (s->sc < s->ns && s->sents[s->sc].start <= p) se = (int32_t)s->sc;
  if (b >= 0) {
    sec = s->blocks[b].section;
    if (sec >= (int32_t)s->nsec) sec = -1;
  }
  s->block_stop = b >= 0 ? s->blocks[b].stop : UINT32_MAX;
  /* document */
  u[2].kind = QL_UNIT_DOCUMENT; u[2].index = -1; u[2].start = 0; u[2].stop = (uint32_t)s->tlen;
  u[2].block = b; u[2].section = sec;
  if (sec >= 0) {
    u[2].kind = QL_UNIT_SECTION; u[2].index = sec;
    u[2].start = s->secs[sec].start; u[2].stop = s->secs[sec].stop;
  }
  u[1] = u[2];
  if (b >= 0) {
    u[1].kind = QL_UNIT_PARAGRAPH; u[1].index = b;
    u[1].start = s->blocks[b].start; u[1].stop = s->blocks[b].stop;
  }
  u[0] = u[1];
  if (se >= 0) {
    u[0].kind = QL_UNIT_SENTENCE; u[0].index = se;
    u[0].start = s->sents[se].start; u[0].stop = s->sents[se].stop;
  }
  for (lv = 0; lv < 3; lv++) {
    if (!same_unit(&u[lv], &m->cur[lv])) {
      flush(m, lv);
      m->cur[lv] = u[lv];
    }
  }
}

static int exact_ok(const ql_matcher *m, const scan_t *s, const term_t *t, size_t i) {
  uint32_t k;
  for (k = 0; k < t->nelem; k++) {
    const elem_t *e = &QL_VEC_AT(m->elems, elem_t, t->elem0 + k);
    const char *w = s->text + s->starts[i + k];
    size_t wn = s->stops[i + k] - s->starts[i + k];
    if (e->kind == EL_GLOB) {
      if (!ql_glob_match(chars_at(m, e->raw), e->rlen, w, wn)) return 0;
    } else if (e->kind == EL_LIT) {
      if (wn != e->rlen || memcmp(w, chars_at(m, e->raw), wn) != 0) return 0;
    }
  }
  return 1;
}

static void on_term(ql_matcher *m, const scan_t *s, uint32_t t, size_t i, size_t j) {
  const term_t *term = &QL_VEC_AT(m->terms, term_t, t);
  const uint32_t *rf = (const uint32_t *)m->route_first.p;
  const route_t *ro = (const route_t *)m->routes.p;
  uint32_t k;
  if ((term->flags & QL_PAT_EXACT) && !exact_ok(m, s, term, i)) return;
  for (k = rf[t]; k < rf[t + 1]; k++) {
    const route_t *r = &ro[k];
    hit_t h;
    if (r->positive && r->filter >= 0) {
      const filter_t *f = &QL_VEC_AT(m->filters, filter_t, r->filter);
      const unit_t *u = &m->cur[0];
      if (f->kinds) {
        if (u->block < 0 || !(f->kinds & (1u << s->blocks[u->block].kind))) continue;
      }
      if (f->by_section && s->secpass && s->secpass[r->filter]) {
        size_t si = u->section >= 0 ? (size_t)u->section : s->nsec;
        if (!s->secpass[r->filter][si]) continue;
      }
    }
    h.slot = r->slot; h.term = t; h.t0 = (uint32_t)i; h.t1 = (uint32_t)j;
    QL_VEC_PUSH(&m->mem, &m->hits[r->unit], hit_t, h);
  }
}

static int coding_cmp(const void *a, const void *b) {
  const ql_coding *x = (const ql_coding *)a, *y = (const ql_coding *)b;
  if (x->start != y->start) return x->start < y->start ? -1 : 1;
  if (x->unit != y->unit) return x->unit < y->unit ? -1 : 1;
  if (x->index != y->index) return x->index < y->index ? -1 : 1;
  if (x->theme != y->theme) return x->theme < y->theme ? -1 : 1;
  if (x->rule != y->rule) return x->rule < y->rule ? -1 : 1;
  return 0;
}

static int cterm_cmp(const void *a, const void *b) {
  const ql_coding_term *x = (const ql_coding_term *)a, *y = (const ql_coding_term *)b;
  if (x->first != y->first) return x->first < y->first ? -1 : 1;
  if (x->last != y->last) return x->last < y->last ? -1 : 1;
  return (x->term > y->term) - (x->term < y->term);
}

/* Orders the codings and merges those of one theme in one unit. */
static void finish(ql_matcher *m) {
  ql_coding *c = (ql_coding *)m->codings.p;
  size_t n = m->codings.n, a, i;
  if (n == 0) return;
  qsort(c, n, sizeof *c, coding_cmp);
  m->codings2.n = 0; m->cterms2.n = 0;
  for (a = 0; a < n;) {
    size_t b = a + 1;
    ql_coding out = c[a];
    while (b < n && c[b].unit == c[a].unit && c[b].index == c[a].index && c[b].theme == c[a].theme &&
           c[b].start == c[a].start) b++;
    if (m->want_terms) {
      uint32_t t0 = m->cterms2.n;
      ql_coding_term *ct;
      for (i = a; i < b; i++) {
        uint32_t k;
        for (k = 0; k < c[i].nterms; k++)
          QL_VEC_PUSH(&m->mem, &m->cterms2, ql_coding_term,
                      QL_VEC_AT(m->cterms, ql_coding_term, c[i].first_term + k));
      }
      ct = (ql_coding_term *)m->cterms2.p + t0;
      if (m->cterms2.n - t0 > 1) {
        uint32_t k, w = 1, nt = m->cterms2.n - t0;
        qsort(ct, nt, sizeof *ct, cterm_cmp);
        for (k = 1; k < nt; k++)   /* one span, one term */
          if (ct[k].first != ct[w - 1].first || ct[k].last != ct[w - 1].last) ct[w++] = ct[k];
        m->cterms2.n = t0 + w;
      }
      out.first_term = t0;
      out.nterms = m->cterms2.n - t0;
    }
    QL_VEC_PUSH(&m->mem, &m->codings2, ql_coding, out);
    a = b;
  }
  {
    ql_vec tmp = m->codings; m->codings = m->codings2; m->codings2 = tmp;
    tmp = m->cterms; m->cterms = m->cterms2; m->cterms2 = tmp;
  }
}

ql_status ql_matcher_code(ql_matcher *m, const ql_doc *d, const uint8_t *const *secpass,
                          int want_terms) {
  jmp_buf jb;
  scan_t s;
  const ql_vocab *v = ql_doc_vocab(d);
  const uint32_t *root;
  const node_t *nodes;
  uint32_t nroot;
  size_t i, nsent;
  int lv;
  m->codings.n = 0; m->cterms.n = 0;
  if (!m->prepared || m->vocab != v || m->vsize != ql_vocab_size(v)) {
    ql_status st = ql_matcher_prepare(m, v);
    if (st != QL_OK) return st;
  }
  if (setjmp(jb)) {
    m->mem.oom = NULL;
    for (lv = 0; lv < QL_UNIT_COUNT; lv++) m->hits[lv].n = 0;
    m->codings.n = 0; m->cterms.n = 0;
    return QL_ENOMEM;
  }
  m->mem.oom = &jb;
  m->want_terms = want_terms;
  memset(&s, 0, sizeof s);
  s.d = d;
  s.text = ql_doc_text(d, &s.tlen);
  s.ntok = ql_doc_ntokens(d);
  s.starts = ql_doc_token_starts(d);
  s.stops = ql_doc_token_stops(d);
  s.forms = ql_doc_token_forms(d);
  s.blocks = ql_doc_blocks(d, &s.nb);
  s.sents = ql_doc_sentences(d, &nsent); s.ns = nsent;
  s.secs = ql_doc_sections(d, &s.nsec);
  s.secpass = secpass;
  s.block_stop = UINT32_MAX;
  for (lv = 0; lv < QL_UNIT_COUNT; lv++) {
    m->hits[lv].n = 0;
    m->cur[lv].kind = QL_UNIT_COUNT; m->cur[lv].index = -2;
  }
  m->cur[3].kind = QL_UNIT_DOCUMENT; m->cur[3].index = -1;
  m->cur[3].start = 0; m->cur[3].stop = (uint32_t)s.tlen;
  m->cur[3].block = -1; m->cur[3].section = -1;
  root = (const uint32_t *)m->root.p;
  nroot = m->root.n;
  nodes = (const node_t *)m->nodes.p;
  /* the hot loop: one probe per token; only pattern starts go further */
  for (i = 0; i < s.ntok; i++) {
    uint32_t id = s.forms[i], n;
    size_t j;
    if (id >= nroot || !(n = root[id])) continue;
    locate(m, &s, i);
    for (j = i;;) {
      const node_t *nd = &nodes[n];
      uint32_t e;
      for (e = nd->head; e; e = QL_VEC_AT(m->tl, tl_t, e - 1).next)
        on_term(m, &s, QL_VEC_AT(m->tl, tl_t, e - 1).term, i, j);
      if (!nd->kids || j + 1 >= s.ntok || s.starts[j + 1] >= s.block_stop) break;
      n = edge_get(m, n, s.forms[j + 1]);
      if (!n) break;
      j++;
    }
  }
  for (lv = 0; lv < QL_UNIT_COUNT; lv++) flush(m, lv);
  finish(m);
  m->mem.oom = NULL;
  return QL_OK;
}

const ql_coding *ql_matcher_codings(const ql_matcher *m, size_t *n) {
  *n = m->codings.n;
  return (const ql_coding *)m->codings.p;
}

const ql_coding_term *ql_matcher_coding_terms(const ql_matcher *m, size_t *n) {
  *n = m->cterms.n;
  return (const ql_coding_term *)m->cterms.p;
}
