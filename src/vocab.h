/* vocab.h - the vocabulary's table, shared with the tokeniser so that the
 * most common lookup (a known ASCII form of up to eight bytes) is inlined
 * where tokens are made; everything else goes through vocab.c. */
#ifndef QL_VOCAB_H
#define QL_VOCAB_H
#include "ql_internal.h"
#include "word.h"

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

/* The id of the ASCII form s[0..n), 1 <= n <= 8, eight bytes readable at s,
   when the vocabulary has it; UINT32_MAX otherwise (not there, longer, or
   not ASCII: ql_vocab_intern_padded decides). */
static inline uint32_t ql_vocab_known_short(const ql_vocab *v, const char *s, size_t n) {
  uint64_t w;
  uint32_t i, mask = v->nslots - 1;
  if (n - 1 >= 8) return UINT32_MAX;
  w = ql_load64(s) & (~0ULL >> (64 - 8 * n));
  if (w & QL_HIGH) return UINT32_MAX;
  w = ql_ascii_lower64(w);
  for (i = (uint32_t)(ql_vocab_hash_one(w) >> v->shift); v->slots[i].id1; i = (i + 1) & mask)
    if (v->slots[i].w0 == w && v->slots[i].n == n) return v->slots[i].id1 - 1;
  return UINT32_MAX;
}

#endif
