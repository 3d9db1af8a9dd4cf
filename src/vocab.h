/* vocab.h - the vocabulary's table, shared with the tokeniser so that the
 * most common lookup (a known ASCII form of up to sixteen bytes) is inlined
 * where tokens are made; everything else goes through vocab.c. */
#ifndef QL_VOCAB_H
#define QL_VOCAB_H
#include "ql_internal.h"
#include "word.h"

#define QL_VOCAB_HASH_SEED 0x243F6A8885A308D3ULL
#define QL_VOCAB_HASH_MUL 0x9E3779B97F4A7C15ULL

struct ql_vocab {
  ql_alloc_fn f; void *ud;
  struct ql_vocab_slot { uint64_t w0; uint32_t n, id1; } *slots; /* id1 = id + 1, 0 = empty */
  uint32_t nslots;      /* power of two */
  unsigned shift;       /* 64 - log2(nslots): a slot is the hash's top bits */
  uint32_t *forms;      /* form i: chars[forms[2i] ..] of length forms[2i + 1] */
  uint32_t n, cap;
  char *chars; size_t nchars, capchars; /* word-aligned, zero-padded forms */
};

/* A form of one word is hashed by one multiplication, whose top bits, the
   slot, depend on every byte; forms hold no NUL, so the zero-padded word
   already tells the length. */
static inline uint64_t ql_vocab_hash_one(uint64_t w) { return w * QL_VOCAB_HASH_MUL; }

/* Longer forms: a multiplication per word from the seed, then a finish
   that mixes in the length. */
static inline uint64_t ql_vocab_hash_step(uint64_t h, uint64_t w) { return (h ^ w) * QL_VOCAB_HASH_MUL; }

static inline uint64_t ql_vocab_hash_finish(uint64_t h, size_t n) {
  h ^= n;
  h ^= h >> 29;
  h *= 0xD6E8FEB86659FD93ULL;
  return h ^ (h >> 32);
}

/* Hash of a form of two words (9 to 16 bytes, zero-padded). */
static inline uint64_t ql_vocab_hash_two(uint64_t w0, uint64_t w1, size_t n) {
  return ql_vocab_hash_finish(ql_vocab_hash_step(ql_vocab_hash_step(QL_VOCAB_HASH_SEED, w0), w1), n);
}

/* An ASCII form of 1 to 16 bytes at s (sixteen bytes readable), folded
   into zero-padded words w[0..2) with its hash; 0 when longer, empty or not
   ASCII. */
static inline int ql_vocab_short_key(const char *s, size_t n, uint64_t w[2], uint64_t *h) {
  if (n - 1 >= 16) return 0;
  if (n <= 8) {
    w[0] = ql_load64(s) & (~0ULL >> (64 - 8 * n));
    w[1] = 0;
    if (w[0] & QL_HIGH) return 0;
    w[0] = ql_ascii_lower64(w[0]);
    *h = ql_vocab_hash_one(w[0]);
  } else {
    w[0] = ql_load64(s);
    w[1] = ql_load64(s + 8) & (~0ULL >> (128 - 8 * n));
    if ((w[0] | w[1]) & QL_HIGH) return 0;
    w[0] = ql_ascii_lower64(w[0]); w[1] = ql_ascii_lower64(w[1]);
    *h = ql_vocab_hash_two(w[0], w[1], n);
  }
  return 1;
}

/* The id of the ASCII form s[0..n), 1 <= n <= 16, sixteen bytes readable
   at s, when the vocabulary has it; UINT32_MAX otherwise (not there,
   longer, or not ASCII: ql_vocab_intern_padded decides). */
static inline uint32_t ql_vocab_known(const ql_vocab *v, const char *s, size_t n) {
  uint64_t w[2], h;
  uint32_t i, mask = v->nslots - 1;
  if (!ql_vocab_short_key(s, n, w, &h)) return UINT32_MAX;
  for (i = (uint32_t)(h >> v->shift); v->slots[i].id1; i = (i + 1) & mask) {
    const struct ql_vocab_slot *e = &v->slots[i];
    if (e->w0 == w[0] && e->n == n &&
        (n <= 8 || ql_load64(v->chars + v->forms[2 * (e->id1 - 1)] + 8) == w[1]))
      return e->id1 - 1;
  }
  return UINT32_MAX;
}

#endif
