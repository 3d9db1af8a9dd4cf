/* vocab.c - interned case-folded token forms, shared by the documents of a
 * corpus so that counting and matching work on integer ids.
 *
 * Interning runs once per token (16 million times for 100 MB of text), so
 * forms are handled eight bytes at a time: an ASCII token is folded and
 * hashed a word at a time, and each stored form is zero-padded to whole
 * words so a candidate is compared word by word.  A slot holds the form's
 * first word and length beside its id: most forms are eight bytes or less,
 * so a lookup is usually settled by one memory access. */
#include <utf8proc.h>
#include "vocab.h"

#define STACK_BYTES 256 /* longer tokens (URLs...) take the allocator */

static size_t words_for(size_t n) { return (n + 7) / 8; }


/* Hash of nw zero-padded words at p (a candidate or a stored form). */
static inline uint64_t hash_words(const void *p, size_t nw, size_t n) {
  uint64_t h = QL_VOCAB_HASH_SEED;
  size_t j;
  if (nw == 1) return ql_vocab_hash_one(ql_load64((const char *)p));
  for (j = 0; j < nw; j++) h = ql_vocab_hash_step(h, ql_load64((const char *)p + j * 8));
  return ql_vocab_hash_finish(h, n);
}

/* s[0..n) as zero-padded words. */
static void load_words(const char *s, size_t n, uint64_t *out) {
  size_t j, nw = words_for(n);
  for (j = 0; j < nw; j++) {
    size_t rem = n - j * 8;
    out[j] = rem >= 8 ? ql_load64(s + j * 8) : ql_load_partial(s + j * 8, rem);
  }
}

ql_vocab *ql_vocab_new(ql_alloc_fn f, void *ud) {
  ql_vocab *v = (ql_vocab *)f(ud, NULL, 0, sizeof *v);
  if (!v) return NULL;
  memset(v, 0, sizeof *v);
  v->f = f; v->ud = ud;
  v->nslots = 1024; v->shift = 64 - 10;
  v->slots = (struct ql_vocab_slot *)f(ud, NULL, 0, v->nslots * sizeof *v->slots);
  v->cap = 512;
  v->forms = (uint32_t *)f(ud, NULL, 0, v->cap * 2 * sizeof(uint32_t));
  v->capchars = 4096;
  v->chars = (char *)f(ud, NULL, 0, v->capchars);
  if (!v->slots || !v->forms || !v->chars) { ql_vocab_free(v); return NULL; }
  memset(v->slots, 0, v->nslots * sizeof *v->slots);
  return v;
}

void ql_vocab_free(ql_vocab *v) {
  if (!v) return;
  if (v->slots) v->f(v->ud, v->slots, v->nslots * sizeof *v->slots, 0);
  if (v->forms) v->f(v->ud, v->forms, v->cap * 2 * sizeof(uint32_t), 0);
  if (v->chars) v->f(v->ud, v->chars, v->capchars, 0);
  v->f(v->ud, v, sizeof *v, 0);
}

/* Words after the first of form id against w[1..]. */
static int same_tail(const ql_vocab *v, uint32_t id, const uint64_t *w, size_t n) {
  const char *c = v->chars + v->forms[2 * id];
  size_t j, nw = words_for(n);
  for (j = 1; j < nw; j++)
    if (ql_load64(c + j * 8) != w[j]) return 0;
  return 1;
}

static inline uint32_t lookup(const ql_vocab *v, const uint64_t *w, size_t n, uint64_t h, uint32_t *slot) {
  uint32_t mask = v->nslots - 1, i = (uint32_t)(h >> v->shift);
  uint64_t w0 = n ? w[0] : 0;
  for (;; i = (i + 1) & mask) {
    const struct ql_vocab_slot *e = &v->slots[i];
    if (e->id1 == 0) { *slot = i; return UINT32_MAX; }
    if (e->w0 == w0 && e->n == n && (n <= 8 || same_tail(v, e->id1 - 1, w, n))) { *slot = i; return e->id1 - 1; }
  }
}

static int rehash(ql_vocab *v) {
  uint32_t ns = v->nslots * 2, i;
  struct ql_vocab_slot *slots = (struct ql_vocab_slot *)v->f(v->ud, NULL, 0, ns * sizeof *slots);
  if (!slots) return 0;
  memset(slots, 0, ns * sizeof *slots);
  for (i = 0; i < v->nslots; i++) {
    const struct ql_vocab_slot *e = &v->slots[i];
    uint32_t j, id = e->id1 - 1;
    if (!e->id1) continue;
    j = (uint32_t)(hash_words(v->chars + v->forms[2 * id], words_for(e->n), e->n) >> (v->shift - 1));
    while (slots[j].id1) j = (j + 1) & (ns - 1);
    slots[j] = *e;
  }
  v->f(v->ud, v->slots, v->nslots * sizeof *v->slots, 0);
  v->slots = slots; v->nslots = ns; v->shift--;
  return 1;
}

/* Adds the folded form w (n bytes, zero-padded words, hash h), known to be
   absent, at slot; returns its id, or UINT32_MAX when memory runs out, the
   vocabulary left as it was. */
static uint32_t insert(ql_vocab *v, const uint64_t *w, size_t n, uint64_t h, uint32_t slot) {
  size_t nw = words_for(n);
  uint32_t id;
  /* grow before the table gets full: a full table would make lookup spin */
  if ((v->n + 1) * 4 > v->nslots * 3) {
    if (!rehash(v)) return UINT32_MAX;
    lookup(v, w, n, h, &slot);
  }
  if (v->n + 1 > v->cap) {
    uint32_t *fm = (uint32_t *)v->f(v->ud, v->forms, v->cap * 2 * sizeof(uint32_t), v->cap * 4 * sizeof(uint32_t));
    if (!fm) return UINT32_MAX;
    v->forms = fm; v->cap *= 2;
  }
  if (v->nchars + nw * 8 > v->capchars) {
    size_t nc = v->capchars * 2;
    char *c;
    while (nc < v->nchars + nw * 8) nc *= 2;
    if (nc > UINT32_MAX) return UINT32_MAX;
    c = (char *)v->f(v->ud, v->chars, v->capchars, nc);
    if (!c) return UINT32_MAX;
    v->chars = c; v->capchars = nc;
  }
  memcpy(v->chars + v->nchars, w, nw * 8);
  id = v->n++;
  v->forms[2 * id] = (uint32_t)v->nchars;
  v->forms[2 * id + 1] = (uint32_t)n;
  v->nchars += nw * 8;
  v->slots[slot].w0 = n ? w[0] : 0;
  v->slots[slot].n = (uint32_t)n;
  v->slots[slot].id1 = id + 1;
  return id;
}

static inline uint32_t intern_hashed(ql_vocab *v, const uint64_t *w, size_t n, uint64_t h) {
  uint32_t slot, id = lookup(v, w, n, h, &slot);
  return id != UINT32_MAX ? id : insert(v, w, n, h, slot);
}

static uint32_t add(ql_vocab *v, const uint64_t *w, size_t n) {
  return intern_hashed(v, w, n, hash_words(w, words_for(n), n));
}

/* Runs fn on s[0..n) as zero-padded words, on the stack when short. */
static uint32_t with_words(ql_vocab *v, const char *s, size_t n,
                           uint32_t (*fn)(ql_vocab *, const uint64_t *, size_t)) {
  uint64_t stack[STACK_BYTES / 8] = { 0 }, *w = stack;
  uint32_t id;
  size_t bytes = words_for(n) * 8;
  if (n > STACK_BYTES && !(w = (uint64_t *)v->f(v->ud, NULL, 0, bytes))) return UINT32_MAX;
  load_words(s, n, w);
  id = fn(v, w, n);
  if (w != stack) v->f(v->ud, w, bytes, 0);
  return id;
}

size_t ql_fold(const char *s, size_t n, char *out) {
  size_t i = 0, o = 0;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
      out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
      i++;
    } else {
      utf8proc_int32_t cp, buf[8];
      utf8proc_ssize_t l = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
      int last = 0;
      utf8proc_ssize_t k, m;
      if (l <= 0) { out[o++] = (char)c; i++; continue; }
      m = utf8proc_decompose_char(cp, buf, 8, UTF8PROC_CASEFOLD | UTF8PROC_COMPAT, &last);
      if (m < 0 || m > 8) { memcpy(out + o, s + i, (size_t)l); o += (size_t)l; }
      else for (k = 0; k < m; k++) o += ql_utf8_encode((uint32_t)buf[k], out + o);
      i += (size_t)l;
    }
  }
  return o;
}

/* An ASCII form of 1 to 8 bytes, zero-padded in w: one word, usually
   settled by its slot. */
static inline uint32_t intern_one(ql_vocab *v, uint64_t w, size_t n) {
  uint32_t mask = v->nslots - 1, i;
  uint64_t h;
  w = ql_ascii_lower64(w);
  h = ql_vocab_hash_one(w);
  for (i = (uint32_t)(h >> v->shift); v->slots[i].id1; i = (i + 1) & mask)
    if (v->slots[i].w0 == w && v->slots[i].n == n) return v->slots[i].id1 - 1;
  return insert(v, &w, n, h, i);
}

uint32_t ql_vocab_intern_padded(ql_vocab *v, const char *s, size_t n) {
  uint64_t w[2], h;
  if (ql_vocab_short_key(s, n, w, &h)) return intern_hashed(v, w, n, h);
  return ql_vocab_intern(v, s, n);
}

uint32_t ql_vocab_intern(ql_vocab *v, const char *s, size_t n) {
  if (n >= 1 && n <= 8) {
    uint64_t w = ql_load_partial(s, n);
    if (!(w & QL_HIGH)) return intern_one(v, w, n);
  }
  if (n <= STACK_BYTES) { /* ASCII: folded and hashed a word at a time */
    uint64_t w[STACK_BYTES / 8], any = 0, h = QL_VOCAB_HASH_SEED;
    size_t j, nw = words_for(n);
    for (j = 0; j < nw; j++) {
      size_t rem = n - j * 8;
      uint64_t x = rem >= 8 ? ql_load64(s + j * 8) : ql_load_partial(s + j * 8, rem);
      any |= x;
      w[j] = ql_ascii_lower64(x);
      h = ql_vocab_hash_step(h, w[j]);
    }
    if (!(any & QL_HIGH)) return intern_hashed(v, w, n, nw == 1 ? ql_vocab_hash_one(w[0]) : ql_vocab_hash_finish(h, n));
  }
  {
    char stack[STACK_BYTES * 3 + 4], *tmp = stack;
    size_t cap = n * 3 + 4;
    uint32_t id;
    if (cap > sizeof stack && !(tmp = (char *)v->f(v->ud, NULL, 0, cap))) return UINT32_MAX;
    id = with_words(v, tmp, ql_fold(s, n, tmp), add);
    if (tmp != stack) v->f(v->ud, tmp, cap, 0);
    return id;
  }
}

static uint32_t find(ql_vocab *v, const uint64_t *w, size_t n) {
  uint32_t slot;
  return lookup(v, w, n, hash_words(w, words_for(n), n), &slot);
}

uint32_t ql_vocab_find(const ql_vocab *v, const char *s, size_t n) {
  /* with_words only allocates through v; the lookup itself changes nothing */
  return with_words((ql_vocab *)v, s, n, find);
}

const char *ql_vocab_form(const ql_vocab *v, uint32_t id, size_t *len) {
  if (id >= v->n) { *len = 0; return ""; }
  *len = v->forms[2 * id + 1];
  return v->chars + v->forms[2 * id];
}

uint32_t ql_vocab_size(const ql_vocab *v) { return v->n; }
