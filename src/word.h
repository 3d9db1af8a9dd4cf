/* word.h - eight bytes at a time: little-endian loads of whole and partial
 * words, and ASCII tests and case folding on a word, for the hot loops
 * (decoding, emitting, interning) that would otherwise go byte by byte. */
#ifndef QL_WORD_H
#define QL_WORD_H
#include <stdint.h>
#include <string.h>

#define QL_ONES 0x0101010101010101ULL
#define QL_HIGH 0x8080808080808080ULL

/* s[0..8) as a little-endian word, whatever the host's byte order, so that
   byte k of the text is always bits 8k..8k+7. */
static inline uint64_t ql_load64(const char *s) {
  uint64_t w;
  memcpy(&w, s, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  w = __builtin_bswap64(w);
#endif
  return w;
}

static inline uint32_t ql_load32(const char *s) {
  uint32_t w;
  memcpy(&w, s, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  w = __builtin_bswap32(w);
#endif
  return w;
}

/* s[0..n), n <= 8, as a zero-padded little-endian word, reading only those
   n bytes (overlapping loads instead of a byte loop). */
static inline uint64_t ql_load_partial(const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  if (n >= 8) return ql_load64(s);
  if (n >= 4) return (uint64_t)ql_load32(s) | ((uint64_t)ql_load32(s + n - 4) << (8 * (n - 4)));
  if (n == 0) return 0;
  return (uint64_t)u[0] | ((uint64_t)u[n / 2] << (8 * (n / 2))) | ((uint64_t)u[n - 1] << (8 * (n - 1)));
}

/* Lower-cases the ASCII capitals of a word whose bytes are all < 0x80. */
static inline uint64_t ql_ascii_lower64(uint64_t w) {
  uint64_t ge_a = w + 0x3F * QL_ONES;  /* high bit set where byte >= 'A' */
  uint64_t gt_z = w + 0x25 * QL_ONES;  /* high bit set where byte > 'Z' */
  return w | (((ge_a & ~gt_z) & QL_HIGH) >> 2);
}

/* Index of the lowest set bit of w (w != 0). */
static inline unsigned ql_ctz64(uint64_t w) {
#if defined(__GNUC__) || defined(__clang__)
  return (unsigned)__builtin_ctzll(w);
#else
  unsigned k = 0;
  while (!(w & 1)) { w >>= 1; k++; }
  return k;
#endif
}

/* Number of zero bits above the highest set bit of w (w != 0). */
static inline unsigned ql_clz64(uint64_t w) {
#if defined(__GNUC__) || defined(__clang__)
  return (unsigned)__builtin_clzll(w);
#else
  unsigned k = 0;
  while (!(w >> 63)) { w <<= 1; k++; }
  return k;
#endif
}

/* High bit of each byte of w (all bytes < 0x80) that lies in [lo, hi]:
   the sums stay inside their byte, so bytes do not disturb each other. */
#define QL_IN_RANGE(w, lo, hi) \
  (((w) + (0x80 - (lo)) * QL_ONES) & ~((w) + (0x7F - (hi)) * QL_ONES) & QL_HIGH)

/* The high bits of w's bytes gathered into eight bits, byte k to bit k
   (the product's partial sums never overlap). */
static inline unsigned ql_gather_high(uint64_t w) {
  return (unsigned)(((w & QL_HIGH) * 0x0002040810204081ULL) >> 56);
}

#endif
