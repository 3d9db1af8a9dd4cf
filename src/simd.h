/* simd.h - byte tests on sixteen bytes at once, as bit masks (bit k for
 * byte k), for the scanning loops that look for a few kinds of byte.
 * SSE2 where the compiler offers it (every x86-64), otherwise two 64-bit
 * words (word.h); define QL_NO_SIMD to test the portable path. */
#ifndef QL_SIMD_H
#define QL_SIMD_H
#include "word.h"

#if defined(__SSE2__) && !defined(QL_NO_SIMD)
#include <emmintrin.h>

typedef __m128i ql_v16;

static inline ql_v16 ql_v16_load(const char *p) { return _mm_loadu_si128((const __m128i *)(const void *)p); }

/* Bytes equal to c. */
static inline unsigned ql_v16_eq(ql_v16 x, unsigned char c) {
  return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8((char)c)));
}

/* Bytes in [lo, hi] (lo <= hi < 0x80): shifted so that the range sits at
   the bottom of the signed bytes, then one compare. */
static inline unsigned ql_v16_range(ql_v16 x, unsigned char lo, unsigned char hi) {
  __m128i y = _mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - lo)));
  return (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(y, _mm_set1_epi8((char)(-128 + hi - lo + 1))));
}

/* Letters, either case: ORing 0x20 maps capitals onto lower case. */
static inline unsigned ql_v16_letter(ql_v16 x) {
  return ql_v16_range(_mm_or_si128(x, _mm_set1_epi8(0x20)), 'a', 'z');
}

/* Bytes of non-ASCII characters (>= 0x80). */
static inline unsigned ql_v16_high(ql_v16 x) { return (unsigned)_mm_movemask_epi8(x); }

/* Bytes equal in x and y. */
static inline unsigned ql_v16_same(ql_v16 x, ql_v16 y) { return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, y)); }

/* x with c ORed into every byte (0x20: ASCII letters to lower case). */
static inline ql_v16 ql_v16_or(ql_v16 x, unsigned char c) { return _mm_or_si128(x, _mm_set1_epi8((char)c)); }

#else

typedef struct { uint64_t w[2]; } ql_v16;

static inline ql_v16 ql_v16_load(const char *p) {
  ql_v16 x;
  x.w[0] = ql_load64(p);
  x.w[1] = ql_load64(p + 8);
  return x;
}

static inline unsigned ql_v16_range(ql_v16 x, unsigned char lo, unsigned char hi) {
  unsigned m = 0, k;
  for (k = 0; k < 2; k++) {
    uint64_t w = x.w[k], w7 = w & ~QL_HIGH;
    m |= ql_gather_high(QL_IN_RANGE(w7, lo, hi) & ~w) << 8 * k;
  }
  return m;
}


static inline unsigned ql_v16_letter(ql_v16 x) {
  ql_v16 y;
  y.w[0] = x.w[0] | 0x20 * QL_ONES;
  y.w[1] = x.w[1] | 0x20 * QL_ONES;
  return ql_v16_range(y, 'a', 'z');
}

static inline unsigned ql_v16_high(ql_v16 x) {
  return ql_gather_high(x.w[0]) | ql_gather_high(x.w[1]) << 8;
}

static inline unsigned ql_v16_same(ql_v16 x, ql_v16 y) {
  unsigned m = 0, k;
  for (k = 0; k < 2; k++) {
    uint64_t v = x.w[k] ^ y.w[k]; /* zero bytes where equal */
    m |= ql_gather_high(~(((v & ~QL_HIGH) + ~QL_HIGH) | v) & QL_HIGH) << 8 * k;
  }
  return m;
}

static inline unsigned ql_v16_eq(ql_v16 x, unsigned char c) {
  ql_v16 y;
  if (c < 0x80) return ql_v16_range(x, c, c);
  y.w[0] = y.w[1] = c * QL_ONES;
  return ql_v16_same(x, y);
}

static inline ql_v16 ql_v16_or(ql_v16 x, unsigned char c) {
  x.w[0] |= c * QL_ONES;
  x.w[1] |= c * QL_ONES;
  return x;
}

#endif
#endif
