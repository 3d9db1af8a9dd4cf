/* vocab.c - interned case-folded token forms, shared by the documents of a
 * corpus so that counting and matching work on integer ids. */
#include <utf8proc.h>
#include "ql_internal.h"

struct ql_vocab {
  ql_alloc_fn f; void *ud;
  uint32_t *slots;      /* id + 1, 0 = empty; open addressing */
  uint32_t nslots;      /* power of two */
  uint32_t *off;        /* form i = chars[off[i] .. off[i+1]) */
  uint64_t *hashes;
  uint32_t n, cap;
  char *chars; size_t nchars, capchars;
};

static uint64_t hash_bytes(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  size_t i;
  for (i = 0; i < n; i++) { h ^= (unsigned char)s[i]; h *= 1099511628211ULL; }
  return h ^ (h >> 29);
}

ql_vocab *ql_vocab_new(ql_alloc_fn f, void *ud) {
  ql_vocab *v = (ql_vocab *)f(ud, NULL, 0, sizeof *v);
  if (!v) return NULL;
  memset(v, 0, sizeof *v);
  v->f = f; v->ud = ud;
  v->nslots = 1024;
  v->slots = (uint32_t *)f(ud, NULL, 0, v->nslots * sizeof(uint32_t));
  v->cap = 512;
  v->off = (uint32_t *)f(ud, NULL, 0, (v->cap + 1) * sizeof(uint32_t));
  v->hashes = (uint64_t *)f(ud, NULL, 0, v->cap * sizeof(uint64_t));
  v->capchars = 4096;
  v->chars = (char *)f(ud, NULL, 0, v->capchars);
  if (!v->slots || !v->off || !v->hashes || !v->chars) { ql_vocab_free(v); return NULL; }
  memset(v->slots, 0, v->nslots * sizeof(uint32_t));
  v->off[0] = 0;
  return v;
}

void ql_vocab_free(ql_vocab *v) {
  if (!v) return;
  if (v->slots) v->f(v->ud, v->slots, v->nslots * sizeof(uint32_t), 0);
  if (v->off) v->f(v->ud, v->off, (v->cap + 1) * sizeof(uint32_t), 0);
  if (v->hashes) v->f(v->ud, v->hashes, v->cap * sizeof(uint64_t), 0);
  if (v->chars) v->f(v->ud, v->chars, v->capchars, 0);
  v->f(v->ud, v, sizeof *v, 0);
}

static uint32_t lookup(const ql_vocab *v, const char *s, size_t n, uint64_t h, uint32_t *slot) {
  uint32_t mask = v->nslots - 1, i = (uint32_t)h & mask;
  for (;; i = (i + 1) & mask) {
    uint32_t id = v->slots[i];
    if (id == 0) { *slot = i; return UINT32_MAX; }
    id--;
    if (v->hashes[id] == h && v->off[id + 1] - v->off[id] == n &&
        memcmp(v->chars + v->off[id], s, n) == 0) { *slot = i; return id; }
  }
}

static int rehash(ql_vocab *v) {
  uint32_t ns = v->nslots * 2, i;
  uint32_t *slots = (uint32_t *)v->f(v->ud, NULL, 0, ns * sizeof(uint32_t));
  if (!slots) return 0;
  memset(slots, 0, ns * sizeof(uint32_t));
  for (i = 0; i < v->n; i++) {
    uint32_t j = (uint32_t)v->hashes[i] & (ns - 1);
    while (slots[j]) j = (j + 1) & (ns - 1);
    slots[j] = i + 1;
  }
  v->f(v->ud, v->slots, v->nslots * sizeof(uint32_t), 0);
  v->slots = slots; v->nslots = ns;
  return 1;
}

static uint32_t add_hashed(ql_vocab *v, const char *s, size_t n, uint64_t h) {
  uint32_t slot, id = lookup(v, s, n, h, &slot);
  if (id != UINT32_MAX) return id;
  /* grow before the table gets full: a full table would make lookup spin */
  if ((v->n + 1) * 4 > v->nslots * 3) {
    if (!rehash(v)) return UINT32_MAX;
    lookup(v, s, n, h, &slot);
  }
  if (v->n + 1 > v->cap) {
    /* allocate both new arrays before giving up the old ones, so a failure
       leaves the vocabulary as it was */
    uint32_t nc = v->cap * 2;
    uint32_t *off = (uint32_t *)v->f(v->ud, NULL, 0, (nc + 1) * sizeof(uint32_t));
    uint64_t *hs = off ? (uint64_t *)v->f(v->ud, NULL, 0, nc * sizeof(uint64_t)) : NULL;
    if (!hs) {
      if (off) v->f(v->ud, off, (nc + 1) * sizeof(uint32_t), 0);
      return UINT32_MAX;
    }
    memcpy(off, v->off, (v->n + 1) * sizeof(uint32_t));
    memcpy(hs, v->hashes, v->n * sizeof(uint64_t));
    v->f(v->ud, v->off, (v->cap + 1) * sizeof(uint32_t), 0);
    v->f(v->ud, v->hashes, v->cap * sizeof(uint64_t), 0);
    v->off = off; v->hashes = hs; v->cap = nc;
  }
  if (v->nchars + n > v->capchars) {
    size_t nc = v->capchars * 2;
    char *c;
    while (nc < v->nchars + n) nc *= 2;
    if (nc > UINT32_MAX) return UINT32_MAX;
    c = (char *)v->f(v->ud, v->chars, v->capchars, nc);
    if (!c) return UINT32_MAX;
    v->chars = c; v->capchars = nc;
  }
  memcpy(v->chars + v->nchars, s, n);
  v->nchars += n;
  id = v->n++;
  v->off[id + 1] = (uint32_t)v->nchars;
  v->hashes[id] = h;
  v->slots[slot] = id + 1;
  return id;
}

static uint32_t add_folded(ql_vocab *v, const char *s, size_t n) {
  return add_hashed(v, s, n, hash_bytes(s, n));
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

uint32_t ql_vocab_intern(ql_vocab *v, const char *s, size_t n) {
  char stack[256];
  size_t fl;
  if (n <= sizeof stack) { /* ASCII fast path: lower-case and hash in one pass */
    uint64_t h = 1469598103934665603ULL;
    size_t i;
    for (i = 0; i < n; i++) {
      unsigned char c = (unsigned char)s[i];
      if (c >= 0x80) break;
      if (c >= 'A' && c <= 'Z') c += 32;
      stack[i] = (char)c;
      h ^= c; h *= 1099511628211ULL;
    }
    if (i == n) return add_hashed(v, stack, n, h ^ (h >> 29));
  }
  if (n * 3 + 4 > sizeof stack) {
    char *tmp = (char *)v->f(v->ud, NULL, 0, n * 3 + 4);
    uint32_t id;
    if (!tmp) return UINT32_MAX;
    fl = ql_fold(s, n, tmp);
    id = add_folded(v, tmp, fl);
    v->f(v->ud, tmp, n * 3 + 4, 0);
    return id;
  }
  fl = ql_fold(s, n, stack);
  return add_folded(v, stack, fl);
}

uint32_t ql_vocab_find(const ql_vocab *v, const char *s, size_t n) {
  uint32_t slot;
  return lookup(v, s, n, hash_bytes(s, n), &slot);
}

const char *ql_vocab_form(const ql_vocab *v, uint32_t id, size_t *len) {
  if (id >= v->n) { *len = 0; return ""; }
  *len = v->off[id + 1] - v->off[id];
  return v->chars + v->off[id];
}

uint32_t ql_vocab_size(const ql_vocab *v) { return v->n; }
