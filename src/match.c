/* match.c - the codebook matcher (see match.h): patterns as token-id
 * sequences in one trie, hits routed to the rules that use them, rule logic
 * evaluated when a unit (sentence, block, section, document) closes. */
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
typedef struct { uint32_t slot, theme, rule; int32_t filter; uint8_t unit, positive, simple; } route_t;
typedef struct { uint32_t slot, term, t0, t1; } hit_t;
typedef struct { uint32_t coding, term, first, last; } rawterm_t;
typedef struct { uint32_t head; uint32_t kids; } node_t;  /* head: tl index + 1 */
/* A term ending at a trie node.  fast: the term, not exact-case, feeds
 * exactly one simple rule without filter, whose theme/rule/unit are copied
 * here. */
typedef struct { uint32_t term, next, theme, rule; uint8_t exact, fast, unit; } tl_t;
typedef struct { uint32_t elem, id; } pair_t;
/* The unit a hit belongs to, per level. */
typedef struct { uint64_t key; uint8_t kind; int32_t index, block, section; uint32_t start, stop; } unit_t;

struct ql_matcher {
  ql_mem mem;
  ql_vec chars;                 /* char */
  ql_vec elems, terms, rules, slots, filters, posts;
  ql_vec term_hash;             /* uint32_t: term index + 1, open addressing */
  uint32_t nthemes;
  /* prepared for one vocabulary */
  const ql_vocab *vocab; uint32_t vsize; int prepared;
  ql_vec root;                  /* uint32_t per vocabulary id: node, 0 = none */
  ql_vec fastinfo;              /* uint32_t per vocabulary id: (theme + 1) << 2 | unit when the
                                   id is a whole pattern feeding one simple rule; else 0 */
  ql_vec rinfo;                 /* uint64_t per vocabulary id: which next ids may follow
                                   (a 64-bit Bloom mask; all ones when a term ends there) */
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
  ql_vec codings, cterms;       /* ql_coding, ql_coding_term: the results */
  ql_vec raw;                   /* rawterm_t: terms as found, by coding */
  ql_vec order;                 /* uint32_t scratch of finish() */
  ql_vec cand;                  /* uint32_t: tokens that start a pattern */
  /* one coding per theme and unit: stamps[theme * 4 + unit kind] holds the
   * key of the unit last coded, owner[] the coding made there */
  ql_vec stamps;                /* uint64_t */
  ql_vec owner;                 /* uint32_t */
  ql_vec counts;                /* uint32_t per theme */
  uint64_t docgen;
  size_t ncand;                 /* candidates of the last document, for benchmarks */
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

/* In-place sorting: qsort may allocate (glibc's merge sort), and the core
 * allocates only through its allocator.  Elements are at most 64 bytes. */
typedef char ql_sort_fits[sizeof(ql_coding) <= 64 && sizeof(hit_t) <= 64 ? 1 : -1];

static void swap_bytes(char *a, char *b, size_t size) {
  char t[64];
  memcpy(t, a, size); memcpy(a, b, size); memcpy(b, t, size);
}

static void sift_down(char *base, size_t root, size_t n, size_t size,
                      int (*cmp)(const void *, const void *)) {
  for (;;) {
    size_t child = 2 * root + 1;
    if (child >= n) return;
    if (child + 1 < n && cmp(base + child * size, base + (child + 1) * size) < 0) child++;
    if (cmp(base + root * size, base + child * size) >= 0) return;
    swap_bytes(base + root * size, base + child * size, size);
    root = child;
  }
}

static void heap_sort(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *)) {
  char *base = (char *)v;
  size_t i, moves = 0;
  if (n < 2) return;
  /* codings and hits come nearly in order: try insertion sort first, and
   * give up for the heap when it moves too much */
  for (i = 1; i < n && moves <= 8 * n; i++) {
    size_t k = i;
    while (k > 0 && cmp(base + (k - 1) * size, base + k * size) > 0) {
      swap_bytes(base + (k - 1) * size, base + k * size, size);
      k--;
      moves++;
    }
  }
  if (i == n && moves <= 8 * n) return;
  for (i = n / 2; i-- > 0;) sift_down(base, i, n, size, cmp);
  for (i = n - 1; i > 0; i--) {
    swap_bytes(base, base + i * size, size);
    sift_down(base, 0, i, size, cmp);
  }
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
  ql_vec_free(mm, &m->rinfo, 8);
  ql_vec_free(mm, &m->fastinfo, 4);
  ql_vec_free(mm, &m->nodes, sizeof(node_t));
  ql_vec_free(mm, &m->tl, sizeof(tl_t));
  ql_vec_free(mm, &m->ekeys, 8);
  ql_vec_free(mm, &m->evals, 4);
  ql_vec_free(mm, &m->route_first, 4);
  ql_vec_free(mm, &m->routes, sizeof(route_t));
  ql_vec_free(mm, &m->eid_first, 4);
  ql_vec_free(mm, &m->eid, 4);
  ql_vec_free(mm, &m->pairs, sizeof(pair_t));
  ql_vec_free(mm, &m->stamps, 8);
  ql_vec_free(mm, &m->owner, 4);
  ql_vec_free(mm, &m->counts, 4);
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
  ql_vec_free(mm, &m->raw, sizeof(rawterm_t));
  ql_vec_free(mm, &m->order, 4);
  ql_vec_free(mm, &m->cand, 4);
  ql_vec_free(mm, &m->stamps, 8);
  ql_vec_free(mm, &m->owner, 4);
  ql_vec_free(mm, &m->counts, 4);
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
    out[k].stop = ql_doc_token_stop(d, i);
    out[k].kind = ql_doc_token_kind(d, i);
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
  uint32_t cap = m->term_hash.n ? m->term_hash.n * 2 : 64, i; /* n, not the vector capacity, is the power of two */
  ql_vec nh = {NULL, 0, 0, 0};
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
  ql_vec nk = {NULL, 0, 0, 0}, nv = {NULL, 0, 0, 0};
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
  ql_vec gb_first = {NULL, 0, 0, 0}, gb = {NULL, 0, 0, 0}, stems = {NULL, 0, 0, 0};
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
    ql_vec cur = {NULL, 0, 0, 0};
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

/* The Bloom bit of a token id in rinfo. */
static unsigned next_bit(uint32_t id) { return (unsigned)((id * 0x9E3779B1u) >> 26); }

/* Every id sequence a term can take goes into the trie (the product of its
 * elements' id sets); a glob that matched several forms makes several paths. */
#define QL_MAX_EXPANSION 65536u
static void insert_term(ql_matcher *m, uint32_t t) {
  const term_t *term = &QL_VEC_AT(m->terms, term_t, t);
  const uint32_t *first = (const uint32_t *)m->eid_first.p, *ids = (const uint32_t *)m->eid.p;
  uint32_t idx[QL_MATCH_MAX_WORDS], k, made = 0, nel = term->nelem, e0 = term->elem0;
  if (nel == 0 || nel > QL_MATCH_MAX_WORDS) return;
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
    if (nel == 1) ((uint64_t *)m->rinfo.p)[ids[idx[0]]] = ~(uint64_t)0;
    else ((uint64_t *)m->rinfo.p)[ids[idx[0]]] |= (uint64_t)1 << next_bit(ids[idx[1]]);
    for (k = 1; k < nel; k++) node = edge_add(m, node, ids[idx[k]]);
    entry.term = t;
    entry.exact = (term->flags & QL_PAT_EXACT) != 0;
    entry.fast = 0; entry.theme = entry.rule = 0; entry.unit = 0;
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
  m->root.n = V; /* root[V] stays 0: the sentinel the scan uses for unknown ids */
  memset(m->root.p, 0, ((size_t)V + 1) * 4);
  ql_vec_reserve(&m->mem, &m->rinfo, 8, (size_t)V + 1);
  m->rinfo.n = V;
  memset(m->rinfo.p, 0, ((size_t)V + 1) * 8);
  new_node(m); /* node 0 means "none" */
  for (t = 0; t < nt; t++) insert_term(m, t);
  ql_vec_reserve(&m->mem, &m->stamps, 8, (size_t)m->nthemes * QL_UNIT_COUNT + 1);
  m->stamps.n = m->nthemes * QL_UNIT_COUNT;
  memset(m->stamps.p, 0, ((size_t)m->nthemes * QL_UNIT_COUNT + 1) * 8);
  ql_vec_reserve(&m->mem, &m->owner, 4, (size_t)m->nthemes * QL_UNIT_COUNT + 1);
  m->owner.n = m->nthemes * QL_UNIT_COUNT;
  ql_vec_reserve(&m->mem, &m->counts, 4, (size_t)m->nthemes + 1);
  m->counts.n = m->nthemes;
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
    ql_vec cur = {NULL, 0, 0, 0};
    ql_vec_reserve(&m->mem, &cur, 4, (size_t)nt + 1);
    memcpy(cur.p, rf, ((size_t)nt + 1) * 4);
    for (i = 0; i < m->posts.n; i++) {
      const post_t *p = &QL_VEC_AT(m->posts, post_t, i);
      const slot_t *s = &QL_VEC_AT(m->slots, slot_t, p->slot);
      const rule_t *r = &QL_VEC_AT(m->rules, rule_t, s->rule);
      route_t ro;
      ro.slot = p->slot;
      ro.theme = r->theme;
      ro.rule = s->rule;
      ro.filter = r->filter;
      ro.unit = r->unit;
      ro.positive = s->kind != QL_SLOT_NONE && s->kind != QL_SLOT_EXCLUDE;
      /* one "any" slot and nothing else: a hit is a coding, no need to wait for the unit's end */
      ro.simple = r->nslots == 1 && s->kind == QL_SLOT_ANY;
      QL_VEC_AT(m->routes, route_t, ((uint32_t *)cur.p)[p->term]++) = ro;
    }
    ql_vec_free(&m->mem, &cur, 4);
  }
  for (i = 0; i < m->tl.n; i++) {
    tl_t *e = &QL_VEC_AT(m->tl, tl_t, i);
    const route_t *ro = (const route_t *)m->routes.p + rf[e->term];
    if (rf[e->term + 1] - rf[e->term] == 1 && ro->simple && ro->filter < 0 && !e->exact) {
      e->fast = 1; e->theme = ro->theme; e->rule = ro->rule; e->unit = ro->unit;
    }
  }
  /* one word, one simple rule: counting needs nothing but theme and unit */
  ql_vec_reserve(&m->mem, &m->fastinfo, 4, (size_t)V + 1);
  m->fastinfo.n = V;
  for (i = 0; i <= V; i++) {
    uint32_t n = i < V ? ((uint32_t *)m->root.p)[i] : 0, f = 0;
    if (n) {
      const node_t *nd = &QL_VEC_AT(m->nodes, node_t, n);
      const tl_t *e = nd->head ? &QL_VEC_AT(m->tl, tl_t, nd->head - 1) : NULL;
      if (!nd->kids && e && !e->next && e->fast && e->theme < (1u << 29)) f = (e->theme + 1) << 2 | e->unit;
    }
    ((uint32_t *)m->fastinfo.p)[i] = f;
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
#define QL_CHUNK 4096
typedef struct {
  const ql_doc *d;
  const char *text; size_t tlen;
  const uint32_t *starts, *forms;
  size_t ntok;
  const ql_block *blocks; size_t nb;
  const ql_span *sents; size_t ns;
  const ql_section *secs; size_t nsec;
  const uint8_t *const *secpass;
  size_t bc, sc;       /* cursors */
  uint32_t sent_start, sent_stop; /* the current sentence: a hit inside it changes nothing */
  uint32_t block_start, block_stop; /* the current block: phrases stop at its end */
} scan_t;

static int hit_less(const hit_t *a, const hit_t *b) {
  if (a->slot != b->slot) return a->slot < b->slot;
  if (a->t0 != b->t0) return a->t0 < b->t0;
  return a->t1 < b->t1;
}

static int hit_cmp(const void *a, const void *b) {
  return hit_less((const hit_t *)a, (const hit_t *)b) ? -1 : hit_less((const hit_t *)b, (const hit_t *)a);
}

static void push_raw(ql_matcher *m, uint32_t coding, uint32_t term, uint32_t first, uint32_t last) {
  rawterm_t t;
  t.coding = coding; t.term = term; t.first = first; t.last = last;
  QL_VEC_PUSH(&m->mem, &m->raw, rawterm_t, t);
}

/* Codes theme in unit u (or joins the coding already made there); returns
 * the coding index (full mode) or 0. */
static uint64_t unit_key(const ql_matcher *m, uint8_t kind, int32_t index) {
  return m->docgen << 34 | (uint64_t)kind << 30 | (uint64_t)(index + 1);
}

static inline uint32_t code_in(ql_matcher *m, uint32_t theme, uint32_t rule, const unit_t *u) {
  uint64_t key = u->key;
  size_t slot = (size_t)theme * QL_UNIT_COUNT + u->kind;
  uint64_t *stamp = (uint64_t *)m->stamps.p + slot;
  uint32_t *own = (uint32_t *)m->owner.p + slot;
  if (!m->want_terms) { /* counting: no branch to mispredict */
    ((uint32_t *)m->counts.p)[theme] += *stamp != key;
    *stamp = key;
    return 0;
  }
  if (*stamp == key) {
    if (m->want_terms) {
      ql_coding *c = &QL_VEC_AT(m->codings, ql_coding, *own);
      if (rule < c->rule) c->rule = rule;
    }
    return *own;
  }
  *stamp = key;
  ((uint32_t *)m->counts.p)[theme]++;
  if (m->want_terms) {
    ql_coding c;
    c.theme = theme; c.rule = rule; c.unit = u->kind; c.index = u->index;
    c.block = u->block; c.section = u->section;
    c.start = u->start; c.stop = u->stop;
    c.first_term = 0; c.nterms = 0;
    QL_VEC_PUSH(&m->mem, &m->codings, ql_coding, c);
    *own = m->codings.n - 1;
  }
  return *own;
}

/* Decides one rule on its hits in one unit.  use[i] marks the hits that
 * count as its matched terms. */
static void evaluate(ql_matcher *m, uint32_t rule, const unit_t *u, const hit_t *h, size_t n) {
  const rule_t *r = &QL_VEC_AT(m->rules, rule_t, rule);
  const slot_t *slots = (const slot_t *)m->slots.p;
  uint8_t *use;
  size_t i, j;
  int any = 0, none = 0, near = 0;
  uint32_t all = 0, last_all = UINT32_MAX, c;
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
  c = code_in(m, r->theme, rule, u);
  if (m->want_terms)
    for (i = 0; i < n; i++)
      if (use[i]) push_raw(m, c, h[i].term, h[i].t0, h[i].t1);
}

static void flush(ql_matcher *m, int lv) {
  ql_vec *buf = &m->hits[lv];
  hit_t *h = (hit_t *)buf->p;
  size_t n = buf->n, i, a;
  const slot_t *slots = (const slot_t *)m->slots.p;
  if (n == 0) return;
  if (n > 24) heap_sort(h, n, sizeof *h, hit_cmp);
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
    a = b;
  }
  buf->n = 0;
}

/* Makes u the current unit of level lv, closing the previous one. */
static void set_unit(ql_matcher *m, int lv, uint8_t kind, int32_t index, uint32_t start, uint32_t stop,
                     int32_t block, int32_t section) {
  unit_t *c = &m->cur[lv];
  if (c->kind == kind && c->index == index) { c->block = block; c->section = section; return; }
  if (m->hits[lv].n) flush(m, lv);
  c->kind = kind; c->index = index; c->start = start; c->stop = stop;
  c->block = block; c->section = section;
  c->key = unit_key(m, kind, index);
}

/* Places the scan at token i: finds its sentence, block and section, and
 * closes the units it has left. */
static void locate(ql_matcher *m, scan_t *s, size_t i) {
  uint32_t p = s->starts[i];
  int32_t b = -1, se = -1, sec = -1;
  if (p >= s->sent_start && p < s->sent_stop) return; /* same sentence, same everything */
  while (s->sc < s->ns && s->sents[s->sc].stop <= p) s->sc++;
  if (p >= s->block_start && p < s->block_stop && s->sc < s->ns && s->sents[s->sc].start <= p &&
      s->sents[s->sc].stop <= s->block_stop) {
    /* the common case: a new sentence in the same block */
    unit_t *c = &m->cur[0];
    if (m->hits[0].n) flush(m, 0);
    c->kind = QL_UNIT_SENTENCE; c->index = (int32_t)s->sc;
    c->key = unit_key(m, QL_UNIT_SENTENCE, c->index);
    c->start = s->sent_start = s->sents[s->sc].start;
    c->stop = s->sent_stop = s->sents[s->sc].stop;
    return;
  }
  while (s->bc < s->nb && s->blocks[s->bc].stop <= p) s->bc++;
  if (s->bc < s->nb && s->blocks[s->bc].start <= p) b = (int32_t)s->bc;
  if (s->sc < s->ns && s->sents[s->sc].start <= p) se = (int32_t)s->sc;
  if (b >= 0) {
    sec = s->blocks[b].section;
    if (sec >= (int32_t)s->nsec) sec = -1;
  }
  s->block_start = b >= 0 ? s->blocks[b].start : 1;
  s->block_stop = b >= 0 ? s->blocks[b].stop : 0;
  /* a sentence that overflows its block would let phrases cross blocks: only trust nested ones */
  if (se >= 0 && b >= 0 && s->sents[se].stop <= s->blocks[b].stop) {
    s->sent_start = s->sents[se].start; s->sent_stop = s->sents[se].stop;
  } else {
    s->sent_start = 1; s->sent_stop = 0;
  }
  /* each level falls back on the next wider unit */
  if (sec >= 0) set_unit(m, 2, QL_UNIT_SECTION, sec, s->secs[sec].start, s->secs[sec].stop, b, sec);
  else set_unit(m, 2, QL_UNIT_DOCUMENT, -1, 0, (uint32_t)s->tlen, b, sec);
  if (b >= 0) set_unit(m, 1, QL_UNIT_PARAGRAPH, b, s->blocks[b].start, s->blocks[b].stop, b, sec);
  else set_unit(m, 1, m->cur[2].kind, m->cur[2].index, m->cur[2].start, m->cur[2].stop, b, sec);
  if (se >= 0) set_unit(m, 0, QL_UNIT_SENTENCE, se, s->sents[se].start, s->sents[se].stop, b, sec);
  else set_unit(m, 0, m->cur[1].kind, m->cur[1].index, m->cur[1].start, m->cur[1].stop, b, sec);
  m->cur[3].block = b; m->cur[3].section = sec;
}

static int exact_ok(const ql_matcher *m, const scan_t *s, const term_t *t, size_t i) {
  uint32_t k;
  for (k = 0; k < t->nelem; k++) {
    const elem_t *e = &QL_VEC_AT(m->elems, elem_t, t->elem0 + k);
    const char *w = s->text + s->starts[i + k];
    size_t wn = ql_tok_stop(s->d, (uint32_t)(i + k)) - s->starts[i + k];
    if (e->kind == EL_GLOB) {
      if (!ql_glob_match(chars_at(m, e->raw), e->rlen, w, wn)) return 0;
    } else if (e->kind == EL_LIT) {
      if (wn != e->rlen || memcmp(w, chars_at(m, e->raw), wn) != 0) return 0;
    }
  }
  return 1;
}

static void on_term(ql_matcher *m, const scan_t *s, uint32_t t, int exact, size_t i, size_t j) {
  const uint32_t *rf = (const uint32_t *)m->route_first.p;
  const route_t *ro = (const route_t *)m->routes.p;
  uint32_t k;
  if (exact && !exact_ok(m, s, &QL_VEC_AT(m->terms, term_t, t), i)) return;
  for (k = rf[t]; k < rf[t + 1]; k++) {
    const route_t *r = &ro[k];
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
    if (r->simple) {
      uint32_t c = code_in(m, r->theme, r->rule, &m->cur[r->unit]);
      if (m->want_terms) push_raw(m, c, t, (uint32_t)i, (uint32_t)j);
    } else {
      hit_t h;
      h.slot = r->slot; h.term = t; h.t0 = (uint32_t)i; h.t1 = (uint32_t)j;
      QL_VEC_PUSH(&m->mem, &m->hits[r->unit], hit_t, h);
    }
  }
}

static int coding_cmp(const void *a, const void *b) {
  const ql_coding *x = (const ql_coding *)a, *y = (const ql_coding *)b;
  if (x->start != y->start) return x->start < y->start ? -1 : 1;
  if (x->unit != y->unit) return x->unit < y->unit ? -1 : 1;
  if (x->index != y->index) return x->index < y->index ? -1 : 1;
  if (x->theme != y->theme) return x->theme < y->theme ? -1 : 1;
  return (x->rule > y->rule) - (x->rule < y->rule);
}

static int cterm_cmp(const void *a, const void *b) {
  const ql_coding_term *x = (const ql_coding_term *)a, *y = (const ql_coding_term *)b;
  if (x->first != y->first) return x->first < y->first ? -1 : 1;
  if (x->last != y->last) return x->last < y->last ? -1 : 1;
  return (x->term > y->term) - (x->term < y->term);
}

/* Orders the codings, gathers each one's terms (by position, one per span)
 * and merges what is still one theme in one unit (a section met twice). */
static void finish(ql_matcher *m) {
  ql_coding *c = (ql_coding *)m->codings.p;
  size_t n = m->codings.n, i, w;
  uint32_t *newidx, *cnt;
  const rawterm_t *raw = (const rawterm_t *)m->raw.p;
  ql_coding_term *ct;
  if (n == 0) return;
  for (i = 0; i < n; i++) c[i].first_term = (uint32_t)i; /* original index, through the sort */
  heap_sort(c, n, sizeof *c, coding_cmp);
  /* merge equal neighbours; newidx: original index -> merged position */
  ql_vec_reserve(&m->mem, &m->order, 4, 2 * n + 1);
  newidx = (uint32_t *)m->order.p;
  cnt = newidx + n;
  for (i = 0, w = 0; i < n; i++) {
    if (w > 0 && c[w - 1].unit == c[i].unit && c[w - 1].index == c[i].index &&
        c[w - 1].theme == c[i].theme && c[w - 1].start == c[i].start) {
      if (c[i].rule < c[w - 1].rule) c[w - 1].rule = c[i].rule;
      newidx[c[i].first_term] = (uint32_t)(w - 1);
      continue;
    }
    newidx[c[i].first_term] = (uint32_t)w;
    c[w++] = c[i];
  }
  m->codings.n = (uint32_t)w;
  /* counting sort of the terms by coding */
  memset(cnt, 0, (w + 1) * 4);
  for (i = 0; i < m->raw.n; i++) cnt[newidx[raw[i].coding] + 1]++;
  for (i = 0; i < w; i++) cnt[i + 1] += cnt[i];
  ql_vec_reserve(&m->mem, &m->cterms, sizeof(ql_coding_term), (size_t)m->raw.n + 1);
  ct = (ql_coding_term *)m->cterms.p;
  raw = (const rawterm_t *)m->raw.p;
  for (i = 0; i < w; i++) { c[i].first_term = cnt[i]; c[i].nterms = 0; }
  for (i = 0; i < m->raw.n; i++) {
    uint32_t ci = newidx[raw[i].coding];
    ql_coding_term *t = &ct[c[ci].first_term + c[ci].nterms++];
    t->term = raw[i].term; t->first = raw[i].first; t->last = raw[i].last;
  }
  /* per coding: by position, one term per span */
  for (i = 0, w = 0; i < m->codings.n; i++) {
    ql_coding_term *t = ct + c[i].first_term;
    uint32_t k, nt = c[i].nterms, out = w;
    if (nt > 1) heap_sort(t, nt, sizeof *t, cterm_cmp);
    for (k = 0; k < nt; k++) {
      if (k > 0 && t[k].first == t[k - 1].first && t[k].last == t[k - 1].last) continue;
      ct[w++] = t[k];
    }
    c[i].first_term = out;
    c[i].nterms = (uint32_t)w - out;
  }
  m->cterms.n = (uint32_t)w;
}

ql_status ql_matcher_code(ql_matcher *m, const ql_doc *d, const uint8_t *const *secpass,
                          int want_terms) {
  jmp_buf jb;
  scan_t s;
  const ql_vocab *v = ql_doc_vocab(d);
  const uint32_t *root;
  const node_t *nodes;
  const tl_t *tl;
  uint32_t *cand;
  const uint64_t *rinfo;
  const uint32_t *fastinfo;
  size_t i, nsent, nc, c, base;
  int lv;
  m->codings.n = 0; m->cterms.n = 0; m->raw.n = 0;
  if (!m->prepared || m->vocab != v || m->vsize != ql_vocab_size(v)) {
    ql_status st = ql_matcher_prepare(m, v);
    if (st != QL_OK) return st;
  }
  if (setjmp(jb)) {
    m->mem.oom = NULL;
    for (lv = 0; lv < QL_UNIT_COUNT; lv++) m->hits[lv].n = 0;
    m->codings.n = 0; m->cterms.n = 0; m->raw.n = 0;
    return QL_ENOMEM;
  }
  m->mem.oom = &jb;
  m->want_terms = want_terms;
  m->docgen++;
  if (m->counts.n) memset(m->counts.p, 0, (size_t)m->counts.n * 4);
  memset(&s, 0, sizeof s);
  s.d = d;
  s.text = ql_doc_text(d, &s.tlen);
  s.ntok = ql_doc_ntokens(d);
  s.starts = ql_doc_token_starts(d);
  s.forms = ql_doc_token_forms(d);
  s.blocks = ql_doc_blocks(d, &s.nb);
  s.sents = ql_doc_sentences(d, &nsent); s.ns = nsent;
  s.secs = ql_doc_sections(d, &s.nsec);
  s.secpass = secpass;
  s.block_start = 1; s.block_stop = 0;
  s.sent_start = 1; s.sent_stop = 0;
  for (lv = 0; lv < QL_UNIT_COUNT; lv++) {
    m->hits[lv].n = 0;
    m->cur[lv].kind = QL_UNIT_COUNT; m->cur[lv].index = -2;
  }
  m->cur[3].kind = QL_UNIT_DOCUMENT; m->cur[3].index = -1;
  m->cur[3].start = 0; m->cur[3].stop = (uint32_t)s.tlen;
  m->cur[3].block = -1; m->cur[3].section = -1;
  m->cur[3].key = unit_key(m, QL_UNIT_DOCUMENT, -1);
  root = (const uint32_t *)m->root.p;
  nodes = (const node_t *)m->nodes.p;
  tl = (const tl_t *)m->tl.p;
  /* Chunks of QL_CHUNK tokens, each in two passes, so that what pass 1
   * prefetches is still in cache for pass 2 whatever the document's size.
   * Pass 1, the hot loop: one probe per token, without a branch, listing
   * the tokens that may start a pattern: a term ends at their trie node, or
   * the next token may continue it (rinfo's Bloom bit).  A branch per token
   * would be mispredicted at every hit, and most would-be phrase starts
   * ("care", "health"...) are dropped here.  Every id is < nroot: the
   * matcher was prepared for this very vocabulary at its present size. */
  ql_vec_reserve(&m->mem, &m->cand, 4, QL_CHUNK + 1);
  cand = (uint32_t *)m->cand.p;
  rinfo = (const uint64_t *)m->rinfo.p;
  fastinfo = (const uint32_t *)m->fastinfo.p;
  m->ncand = 0;
  for (base = 0; base < s.ntok; base += QL_CHUNK) {
    size_t end = base + QL_CHUNK < s.ntok ? base + QL_CHUNK : s.ntok;
    size_t last = end < s.ntok ? end : end - 1; /* the document's last token has no next */
    nc = 0;
    for (i = base; i < last; i++) {
      uint64_t info = rinfo[s.forms[i]];
      if ((i & 15) == 0 && i + 32 < s.ntok) { __builtin_prefetch(s.starts + i + 32); __builtin_prefetch((const uint16_t *)d->tok_lk.p + i + 32); }
      cand[nc] = (uint32_t)i;
      nc += (size_t)((info >> next_bit(s.forms[i + 1])) & 1);
    }
    if (last < end) {
      cand[nc] = (uint32_t)last;
      nc += rinfo[s.forms[last]] == ~(uint64_t)0;
    }
    m->ncand += nc;
    /* Pass 2: walk the trie from each start; only a whole pattern pays for
     * finding its sentence and block. */
    for (c = 0; c < nc; c++) {
      size_t j;
      uint32_t n, f;
      int located = 0;
      i = cand[c];
      if (!want_terms && (f = fastinfo[s.forms[i]]) != 0) { /* counting a single word: the short way */
        locate(m, &s, i);
        code_in(m, (f >> 2) - 1, 0, &m->cur[f & 3]);
        continue;
      }
      n = root[s.forms[i]];
      for (j = i;;) {
        const node_t *nd = &nodes[n];
        uint32_t e = nd->head;
        if (e) {
          if (!located) { locate(m, &s, i); located = 1; }
          if (j == i || ql_tok_stop(d, (uint32_t)j) <= s.block_stop || s.block_start > s.block_stop) /* a phrase stays in its block */
            for (; e; e = tl[e - 1].next) {
              const tl_t *x = &tl[e - 1];
              if (x->fast) {
                uint32_t cd = code_in(m, x->theme, x->rule, &m->cur[x->unit]);
                if (want_terms) push_raw(m, cd, x->term, (uint32_t)i, (uint32_t)j);
              } else {
                on_term(m, &s, x->term, x->exact, i, j);
              }
            }
        }
        if (!nd->kids || j + 1 >= s.ntok) break;
        n = edge_get(m, n, s.forms[j + 1]);
        if (!n) break;
        j++;
      }
    }
  }
  for (lv = 0; lv < QL_UNIT_COUNT; lv++) flush(m, lv);
  if (want_terms) finish(m);
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

const uint32_t *ql_matcher_counts(const ql_matcher *m, size_t *n) {
  *n = m->counts.n;
  return (const uint32_t *)m->counts.p;
}

size_t ql_matcher_last_candidates(const ql_matcher *m) { return m->ncand; }
