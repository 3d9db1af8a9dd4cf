/* reflow.c - turns the lines of one block into running text: lines joined
 * by one space, end-of-line hyphenation undone where the word was really
 * split, `**bold**` / `*italic*` / `<url>` / `[text](url)` markup removed,
 * superscript footnote markers recorded, and OCR slips repaired.
 *
 * Repairs need evidence, so reading is two-phase: a pre-scan of the lines
 * notes candidate spots and the word forms that would confirm them (the
 * word with I for l, the hyphenated compound, ...), a scan of the source
 * looks those forms up (stopping once all are found), and emission applies
 * only the confirmed ones.  Tables are bounded or sized from the input;
 * every step is O(n). */
#include "reflow.h"
#include "simd.h"

#define MAX_WANTED 65536u  /* evidence forms kept; beyond, no repair */
#define MAX_FORM 48u       /* longest word form considered */

static int is_low(unsigned char c) { return c >= 'a' && c <= 'z'; }
static int is_up(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int is_alpha(unsigned char c) { return is_low(c) || is_up(c); }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alnum(unsigned char c) { return is_alpha(c) || is_digit(c); }
static int is_space(unsigned char c) { return c == ' ' || c == '\t'; }
static unsigned char fold(unsigned char c) { return is_up(c) ? (unsigned char)(c + 32) : c; }

static uint64_t hash_bytes(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  size_t i;
  for (i = 0; i < n; i++) { h ^= (unsigned char)s[i]; h *= 1099511628211ULL; }
  return h ? h : 1;
}

/* Bytes that may continue a word, so a word does not start right after. */
static int wordish(unsigned char c) {
  return is_alnum(c) || c >= 0x80 || c == '\'' || c == '-' || c == '_' || c == '/' ||
         c == '@' || c == '=' || c == '&' || c == '%' || c == '#' || c == '~';
}

static void set_pair(ql_reflow *r, unsigned a, unsigned b) {
  unsigned k = a << 8 | b;
  r->pairs[k >> 5] |= 1u << (k & 31);
}

/* Byte classes: letters, capitals, bytes that continue a word, the
 * glyphs OCR makes of a capital I, letters that may follow a real initial
 * l (vowels, l, y), l itself, other lower-case letters. */
enum { C_ALPHA = 1, C_UPPER = 2, C_WORD = 4, C_GLYPH = 8, C_VOWEL = 16, C_ELL = 32, C_LOWER = 64 };

void ql_rf_init(ql_reflow *r, ql_doc *d) {
  unsigned c;
  memset(r, 0, sizeof *r);
  r->d = d;
  for (c = 0; c < 256; c++) {
    unsigned char k = 0;
    if (is_alpha((unsigned char)c)) k |= C_ALPHA | C_WORD;
    if (is_up((unsigned char)c)) k |= C_UPPER;
    if (wordish((unsigned char)c)) k |= C_WORD;
    if (c == '[' || c == '|') k |= C_GLYPH;
    if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y' || c == 'l') k |= C_VOWEL;
    if (c == 'l') k |= C_ELL;
    else if (is_low((unsigned char)c)) k |= C_LOWER;
    r->cls[c] = k;
  }
  /* byte pairs where a slip may be: a glyph for I; l before a consonant or
   * a capital; a letter doubled as its capital; the starts of glued pairs
   * (It.., Th..); a capital before l ("Al") */
  for (c = 0; c < 256; c++) {
    set_pair(r, c, '['); set_pair(r, c, '|');
    if (is_low((unsigned char)c)) { set_pair(r, c, c - 32); set_pair(r, c - 32, c); }
    if (is_up((unsigned char)c)) { set_pair(r, c, 'l'); set_pair(r, 'l', c); }
    if (is_low((unsigned char)c) && !(r->cls[c] & C_VOWEL)) set_pair(r, 'l', c);
  }
  set_pair(r, 'I', 't'); set_pair(r, 'i', 't'); set_pair(r, 'T', 'h'); set_pair(r, 't', 'h');
}

void ql_rf_free(ql_reflow *r) {
  ql_mem *m = &r->d->mem;
  ql_vec_free(m, &r->cands, sizeof(ql_rf_cand));
  ql_vec_free(m, &r->words, sizeof(ql_rf_word));
  ql_vec_free(m, &r->wchars, 1);
  ql_vec_free(m, &r->wslots, sizeof(uint32_t));
  ql_vec_free(m, &r->markers, sizeof(ql_rf_marker));
  ql_vec_free(m, &r->notes, sizeof(ql_rf_note));
  ql_vec_free(m, &r->scratch, sizeof(int32_t));
}

/* ---- evidence table: folded word forms, open addressing ---- */

/* A bit per folded first letter, to skip most words without hashing. */
static uint32_t letter_bit(unsigned char c) {
  c = fold(c);
  return (c >= 'a' && c <= 'z') ? (uint32_t)1 << (c - 'a') : (uint32_t)1 << 31;
}

/* Words that count as attested even when the document lacks them: the
 * usual targets of an l/I or [/I confusion. */
static const char *const lexicon[] = {
  "i", "it", "its", "in", "is", "if", "into", "ai", "ict", "ics", "icss", "icb", "icbs",
  "icu", "ireland", "irish", "italy", "italian", "india", "indian", "international",
  "information", "institute", "integrated", "increase", "including", "important", NULL
};

static int in_lexicon(const char *s, size_t n) { return ql_list_index(lexicon, s, n) >= 0; }

static uint32_t slot_find(const ql_reflow *r, const char *s, size_t n, uint64_t h) {
  const uint32_t *slots = (const uint32_t *)r->wslots.p;
  uint32_t mask = r->wslots.n - 1, i = (uint32_t)h & mask;
  if (r->wslots.n == 0) return UINT32_MAX;
  for (;;) {
    uint32_t w = slots[i];
    if (w == 0) return UINT32_MAX - 1 - i; /* empty slot i, encoded */
    {
      const ql_rf_word *x = &QL_VEC_AT(r->words, ql_rf_word, w - 1);
      if (x->hash == h && x->len == n && memcmp((const char *)r->wchars.p + x->off, s, n) == 0)
        return w - 1;
    }
    i = (i + 1) & mask;
  }
}

static void rehash(ql_reflow *r, uint32_t cap) {
  ql_mem *m = &r->d->mem;
  uint32_t k;
  ql_vec_free(m, &r->wslots, sizeof(uint32_t));
  ql_vec_reserve(m, &r->wslots, sizeof(uint32_t), cap);
  r->wslots.n = cap;
  memset(r->wslots.p, 0, (size_t)cap * sizeof(uint32_t));
  for (k = 0; k < r->words.n; k++) {
    const ql_rf_word *x = &QL_VEC_AT(r->words, ql_rf_word, k);
    uint32_t i = (uint32_t)x->hash & (cap - 1);
    while (((uint32_t *)r->wslots.p)[i]) i = (i + 1) & (cap - 1);
    ((uint32_t *)r->wslots.p)[i] = k + 1;
  }
}

/* Index of the folded form s[0..n), adding it; UINT32_MAX when full. */
static uint32_t want(ql_reflow *r, const char *s, size_t n) {
  uint64_t h;
  uint32_t f;
  ql_rf_word w;
  if (n == 0 || n > MAX_FORM) return UINT32_MAX;
  h = hash_bytes(s, n);
  if (r->wslots.n == 0) rehash(r, 64);
  f = slot_find(r, s, n, h);
  if (f < r->words.n) return f;
  if (r->words.n >= MAX_WANTED) return UINT32_MAX;
  if ((r->words.n + 1) * 2 > r->wslots.n) rehash(r, r->wslots.n * 2);
  w.off = r->wchars.n; w.len = (uint32_t)n; w.hash = h;
  w.found = (uint8_t)in_lexicon(s, n);
  ql_vec_reserve(&r->d->mem, &r->wchars, 1, (size_t)r->wchars.n + n);
  memcpy((char *)r->wchars.p + r->wchars.n, s, n);
  r->wchars.n += (uint32_t)n;
  QL_VEC_PUSH(&r->d->mem, &r->words, ql_rf_word, w);
  {
    uint32_t i = (uint32_t)h & (r->wslots.n - 1);
    while (((uint32_t *)r->wslots.p)[i]) i = (i + 1) & (r->wslots.n - 1);
    ((uint32_t *)r->wslots.p)[i] = r->words.n;
  }
  r->wlen_mask |= (uint64_t)1 << n;
  return r->words.n - 1;
}

static int found(const ql_reflow *r, uint32_t w) {
  return w < r->words.n && QL_VEC_AT(r->words, ql_rf_word, w).found;
}

/* Marks the form found; returns 1 when it was still pending. */
static int mark(ql_reflow *r, const char *s, size_t n) {
  uint32_t f;
  if (n == 0 || n > MAX_FORM || !(r->wlen_mask >> n & 1)) return 0;
  f = slot_find(r, s, n, hash_bytes(s, n));
  if (f < r->words.n && !QL_VEC_AT(r->words, ql_rf_word, f).found) {
    QL_VEC_AT(r->words, ql_rf_word, f).found = 1;
    return 1;
  }
  return 0;
}

/* ---- pre-scan ---- */

/* Glued word pairs OCR makes of a dropped space, and their repairs. */
static const char *const glued[] = {
  "Itis", "itis", "Itwas", "itwas", "Thisis", "thisis", "Thatis", "thatis", "Thereis",
  "thereis", "Thereare", "thereare", NULL };
static const char *const unglued[] = {
  "It is", "it is", "It was", "it was", "This is", "this is", "That is", "that is", "There is",
  "there is", "There are", "there are" };

static int glued_index(const char *s, size_t n) { return ql_list_index(glued, s, n); }

/* Prefixes that mostly make hyphenated compounds ("long-term", "self-care"):
 * at a line end their hyphen stays unless the joined word is attested. */
static const char *const compound_prefixes[] = {
  "self", "non", "co", "cross", "well", "ill", "long", "short", "high", "low", "full",
  "part", "half", "all", "ex", "semi", "multi", "mid", "first", "one", "two", "three",
  "four", "five", "ten", "best", "large", "small", "face", "real", "evidence", "person",
  "patient", "community", "place", "value", "at", "up", "data", "user", "age", "hard",
  NULL
};

static int is_compound_prefix(const char *s, size_t n) { return ql_list_index(compound_prefixes, s, n) >= 0; }

static void push_cand(ql_reflow *r, uint8_t kind, uint32_t s, uint32_t e, uint32_t w1,
                      uint32_t w2, uint32_t pos) {
  ql_rf_cand c;
  c.s = s; c.e = e; c.kind = kind; c.want = w1; c.want2 = w2; c.keep = 0;
  c.pos = (uint16_t)pos;
  QL_VEC_PUSH(&r->d->mem, &r->cands, ql_rf_cand, c);
}

/* A candidate form "I" + rest (folded), and without a plural s. */
static void i_form(ql_reflow *r, const char *src, uint32_t a, uint32_t b, uint32_t *w1, uint32_t *w2) {
  char buf[MAX_FORM + 1];
  size_t n = 0;
  uint32_t k;
  buf[n++] = 'i';
  for (k = a; k < b && n < MAX_FORM; k++) buf[n++] = (char)fold((unsigned char)src[k]);
  *w1 = want(r, buf, n);
  *w2 = (n > 3 && buf[n - 1] == 's') ? want(r, buf, n - 1) : UINT32_MAX;
}

/* Looks at one word src[a, b) (ASCII letters; a may be a glyph for I). */
static void scan_word(ql_reflow *r, uint32_t ls, uint32_t le, uint32_t a, uint32_t b) {
  const char *src = r->d->source;
  unsigned char c0 = (unsigned char)src[a];
  uint32_t n = b - a, k;
  if (n > MAX_FORM) return;
  /* what follows must not make it part of a URL, path or number */
  if (b < le) {
    unsigned char nx = (unsigned char)src[b];
    if (nx == '/' || nx == '@' || nx == '_' || is_digit(nx) || nx == ']' ||
        (nx == '.' && b + 1 < le && is_alnum((unsigned char)src[b + 1]))) return;
  }
  if (c0 == '[' || c0 == '|') {
    uint32_t w1, w2;
    if (n < 3) return;
    if (c0 == '[' && !is_low((unsigned char)src[a + 1])) return;
    i_form(r, src, a + 1, b, &w1, &w2);
    push_cand(r, RF_I_GLYPH, a, b, w1, w2, 0);
    return;
  }
  if (c0 == 'l' && n >= 2) {
    unsigned char c1 = (unsigned char)src[a + 1];
    if ((is_low(c1) && !(r->cls[c1] & C_VOWEL)) || is_up(c1)) {
      uint32_t w1, w2;
      i_form(r, src, a + 1, b, &w1, &w2);
      push_cand(r, RF_L_FOR_I, a, b, w1, w2, 0);
      return;
    }
  }
  if (glued_index(src + a, n) >= 0) { push_cand(r, RF_GLUED, a, b, UINT32_MAX, UINT32_MAX, 0); return; }
  /* "Al" for "AI": capitals and l only, between lower-case words */
  if (n >= 2 && n <= 5 && is_up(c0)) {
    int caps = 1, ells = 0;
    for (k = a + 1; k < b; k++) {
      if (src[k] == 'l') ells++;
      else if (!is_up((unsigned char)src[k])) caps = 0;
    }
    if (caps && ells > 0 && a >= ls + 2 && src[a - 1] == ' ' && is_low((unsigned char)src[a - 2]) &&
        b + 1 < le && src[b] == ' ' && is_low((unsigned char)src[b + 1])) {
      char buf[8];
      for (k = 0; k < n; k++) buf[k] = (char)fold((unsigned char)(src[a + k] == 'l' ? 'I' : src[a + k]));
      push_cand(r, RF_ACRONYM, a, b, want(r, buf, n), UINT32_MAX, 0);
      return;
    }
  }
  /* one capital inside a lower-case word: "skKill" */
  if (n >= 4) {
    uint32_t cap = 0, ncap = 0;
    for (k = a + 1; k < b; k++)
      if (is_up((unsigned char)src[k])) { cap = k; ncap++; }
    /* OCR doubles a letter as a capital: the capital repeats a neighbour,
     * inside a lower-case word (names like McCallum start with a capital) */
    if (ncap == 1 && cap + 1 < b && is_low(c0) && is_low((unsigned char)src[cap - 1]) &&
        is_low((unsigned char)src[cap + 1]) &&
        (fold((unsigned char)src[cap]) == (unsigned char)src[cap - 1] ||
         fold((unsigned char)src[cap]) == (unsigned char)src[cap + 1])) {
      char buf[MAX_FORM];
      size_t m = 0;
      for (k = a; k < b; k++) if (k != cap) buf[m++] = (char)fold((unsigned char)src[k]);
      push_cand(r, RF_STRAY_CAP, a, b, want(r, buf, m), UINT32_MAX, cap - a);
    }
  }
}

/* The word around a flagged byte pair ending at i: its bounds, then the
 * close look.  *done skips further pairs inside the same word. */
static void check_at(ql_reflow *r, uint32_t s, uint32_t e, uint32_t i, uint32_t *done) {
  const unsigned char *src = (const unsigned char *)r->d->source;
  const unsigned char *cls = r->cls;
  uint32_t a, b;
  if (i < *done) return;
  if (cls[src[i]] & C_GLYPH) a = i;
  else if (fold(src[i]) == fold(src[i - 1])) { /* a doubled letter: inside a word */
    a = i;
    while (a > s && (cls[src[a - 1]] & C_ALPHA) && i - a < MAX_FORM) a--;
  } else a = i - 1;                            /* a word start */
  if (a > s && (cls[src[a - 1]] & C_WORD)) return; /* inside a longer token */
  b = (cls[src[a]] & C_GLYPH) ? a + 1 : a;
  while (b < e && (cls[src[b]] & C_ALPHA)) b++;
  *done = b;
  if (b == a + 1 && (cls[src[a]] & C_GLYPH)) return;
  if (b < e && (src[b] == '\'' || src[b] == '-' || src[b] >= 0x80) && !(src[b] == '-' && b + 1 == e)) return;
  scan_word(r, s, e, a, b);
}

/* Whether the pair prev, src[k] deserves check_at: flagged in the table,
 * and, for It and Th (flagged for the glued pairs only: Itis, Itwas,
 * Thisis, Thatis, Thereis, Thereare), starting one of those words.  Such
 * common word starts are passed over otherwise, and done stays: any other
 * slip in the word has a flagged pair of its own. */
static int worth_a_look(const ql_reflow *r, const unsigned char *src, uint32_t prev, uint32_t k, uint32_t e) {
  static const struct { const char *tail; uint32_t n; } it[] = { { "tis", 3 }, { "twas", 4 } },
    th[] = { { "hisis", 5 }, { "hatis", 5 }, { "hereis", 6 }, { "hereare", 7 } };
  uint32_t key = prev << 8 | src[k], y = prev | 0x20, j;
  if (!(r->pairs[key >> 5] >> (key & 31) & 1)) return 0;
  if (y == 'i' && src[k] == 't') {
    for (j = 0; j < 2; j++)
      if (k + it[j].n <= e && memcmp(src + k, it[j].tail, it[j].n) == 0 && (k + it[j].n == e || !is_alpha(src[k + it[j].n])))
        return 1;
    return 0;
  }
  if (y == 't' && src[k] == 'h') {
    for (j = 0; j < 4; j++)
      if (k + th[j].n <= e && memcmp(src + k, th[j].tail, th[j].n) == 0 && (k + th[j].n == e || !is_alpha(src[k + th[j].n])))
        return 1;
    return 0;
  }
  return 1;
}

/* Bit k set where the pair ending at p[k] may be flagged in the pair table
 * and get past check_at's first test: a glyph for I; a letter doubled in
 * the other case; at a word start (after a byte that is not an ASCII
 * letter or digit, nor part of a non-ASCII character), a capital before l,
 * l before a letter, It or Th in either case.  Reads p[-2..16). */
static unsigned pair_cands16(const unsigned char *p) {
  ql_v16 x = ql_v16_load((const char *)p), y = ql_v16_load((const char *)p - 1);
  ql_v16 z = ql_v16_load((const char *)p - 2), yl = ql_v16_or(y, 0x20);
  unsigned letter = ql_v16_letter(x);
  unsigned doubled = letter & ql_v16_same(ql_v16_or(x, 0x20), yl) & ~ql_v16_same(x, y);
  unsigned word_start = ~(ql_v16_letter(z) | ql_v16_range(z, '0', '9') | ql_v16_high(z));
  unsigned pair = (ql_v16_range(y, 'A', 'Z') & ql_v16_eq(x, 'l')) | (ql_v16_eq(y, 'l') & letter) |
                  (ql_v16_eq(yl, 'i') & ql_v16_eq(x, 't')) | (ql_v16_eq(yl, 't') & ql_v16_eq(x, 'h'));
  return ql_v16_eq(x, '[') | ql_v16_eq(x, '|') | doubled | (word_start & pair);
}

void ql_rf_scan_line(ql_reflow *r, uint32_t s, uint32_t e, uint32_t next_s, uint32_t next_e) {
  const unsigned char *src = (const unsigned char *)r->d->source;
  uint32_t i, done = s;
  /* the few pairs that pass get a closer look.  Sixteen bytes are sifted
     at a time once two bytes of the line lie behind (the line's first
     pair starts from a space). */
  for (i = s; i < e && i < s + 2; i++)
    if (worth_a_look(r, src, i == s ? ' ' : src[i - 1], i, e)) check_at(r, s, e, i, &done);
  for (; i < e; i += 16) {
    uint32_t at = i;
    unsigned m;
    if (i + 16 > e) { /* the last bytes: a load that ends at the line's end */
      if (e - s < 18) break;
      at = e - 16;
    }
    m = pair_cands16(src + at) & (~0u << (i - at));
    for (; m; m &= m - 1) {
      uint32_t k = at + ql_ctz64(m);
      if (worth_a_look(r, src, src[k - 1], k, e)) check_at(r, s, e, k, &done);
    }
  }
  for (; i < e; i++) /* a short line */
    if (worth_a_look(r, src, src[i - 1], i, e)) check_at(r, s, e, i, &done);
  /* "organi-" at the end, a lower-case word on the next line */
  if (e - s >= 3 && src[e - 1] == '-' && is_alpha((unsigned char)src[e - 2]) &&
      next_e > next_s && is_low((unsigned char)src[next_s])) {
    uint32_t xa = e - 1, yb = next_s;
    char buf[2 * MAX_FORM + 2];
    size_t n = 0;
    uint32_t k, w1;
    while (xa > s && is_alpha((unsigned char)src[xa - 1])) xa--;
    while (yb < next_e && is_alpha((unsigned char)src[yb])) yb++;
    if (e - 1 - xa > MAX_FORM || yb - next_s > MAX_FORM) return;
    for (k = xa; k < e - 1; k++) buf[n++] = (char)fold((unsigned char)src[k]);
    buf[n++] = '-';
    for (k = next_s; k < yb; k++) buf[n++] = (char)fold((unsigned char)src[k]);
    w1 = want(r, buf, n);
    if (is_compound_prefix(buf, e - 1 - xa)) {
      /* the joined word, attested, still undoes the hyphen */
      memmove(buf + (e - 1 - xa), buf + (e - xa), n - (e - xa));
      push_cand(r, RF_HYPH, e - 1, e, w1, want(r, buf, n - 1), 0);
      QL_VEC_LAST(r->cands, ql_rf_cand).keep = 1;
    } else push_cand(r, RF_HYPH, e - 1, e, w1, UINT32_MAX, 0);
  }
}

#define NO_RUN UINT32_MAX

/* Bit k: byte k of the (up to) 64 bytes at p is an ASCII letter; m bytes
   remain, the rest count as not letters. */
static uint64_t letter_mask64(const unsigned char *p, uint32_t m) {
  unsigned char tail[64];
  uint64_t mask = 0;
  unsigned k;
  if (m < 64) { /* the last bytes: copied, so the loads stay inside */
    memset(tail, 0, sizeof tail);
    memcpy(tail, p, m);
    p = tail;
  }
  for (k = 0; k < 4; k++) mask |= (uint64_t)ql_v16_letter(ql_v16_load((const char *)p + 16 * k)) << 16 * k;
  return mask;
}

/* Marks the run of ASCII letters src[a, j) found when it is a wanted plain
   form; 1 if newly found.  Most runs fail the first test, on their length
   and first and last letters, which is inlined. */
static int plain_word_slow(ql_reflow *r, const unsigned char *src, uint32_t n, uint32_t a, uint32_t j) {
  char buf[MAX_FORM];
  uint32_t k;
  if ((a > 0 && src[a - 1] >= 0x80) || (j < n && src[j] >= 0x80)) return 0; /* part of a non-ASCII word */
  for (k = a; k < j; k++) buf[k - a] = (char)fold(src[k]);
  return mark(r, buf, j - a);
}

static inline int plain_word(ql_reflow *r, const unsigned char *src, uint32_t n, uint32_t a, uint32_t j,
                             const uint32_t *first, const uint32_t *last) {
  if (j - a > MAX_FORM || !(first[j - a] & letter_bit(src[a])) || !(last[j - a] & letter_bit(src[j - 1]))) return 0;
  return plain_word_slow(r, src, n, a, j);
}

/* Evidence is looked for until every wanted form is found: plain words in
 * one scan of letter runs, hyphenated pairs around each hyphen (memchr). */
void ql_rf_evidence(ql_reflow *r) {
  const unsigned char *src = (const unsigned char *)r->d->source;
  const unsigned char *cls = r->cls;
  uint32_t n = r->d->srclen, i, k, run;
  char buf[2 * MAX_FORM + 2];
  uint32_t first[MAX_FORM + 1], last[MAX_FORM + 1];
  int plain = 0, hyph = 0;
  memset(first, 0, sizeof first);
  memset(last, 0, sizeof last);
  for (k = 0; k < r->words.n; k++) {
    const ql_rf_word *w = &QL_VEC_AT(r->words, ql_rf_word, k);
    const char *f = (const char *)r->wchars.p + w->off;
    if (w->found) continue;
    if (memchr(f, '-', w->len)) { hyph++; continue; }
    plain++;
    first[w->len] |= letter_bit((unsigned char)f[0]);
    last[w->len] |= letter_bit((unsigned char)f[w->len - 1]);
  }
  /* runs of ASCII letters, their edges read off 64-byte masks: in a short
     document some wanted form is often absent, and this scan then reads
     every byte */
  for (i = 0, run = NO_RUN; plain > 0 && i < n; i += 64) {
    uint64_t letters = letter_mask64(src + i, n - i), edges;
    edges = letters ^ (letters << 1 | (run != NO_RUN)); /* where a run starts or ends */
    for (; edges && plain > 0; edges &= edges - 1) {
      uint32_t at = i + ql_ctz64(edges);
      if (letters >> (at - i) & 1) { run = at; continue; }
      plain -= plain_word(r, src, n, run, at, first, last);
      run = NO_RUN;
    }
  }
  if (plain > 0 && run != NO_RUN) plain -= plain_word(r, src, n, run, n, first, last);
  for (i = 0; hyph > 0 && i < n;) {
    const unsigned char *h = (const unsigned char *)memchr(src + i, '-', n - i);
    uint32_t p, a, b;
    if (!h) break;
    p = (uint32_t)(h - src);
    i = p + 1;
    if (p == 0 || p + 1 >= n || !(cls[src[p - 1]] & C_ALPHA) || !(cls[src[p + 1]] & C_ALPHA)) continue;
    for (a = p; a > 0 && p - a < MAX_FORM && (cls[src[a - 1]] & C_ALPHA); a--) {}
    for (b = p + 1; b < n && b - p <= MAX_FORM && (cls[src[b]] & C_ALPHA); b++) {}
    for (k = a; k < b; k++) buf[k - a] = (char)fold(src[k]);
    hyph -= mark(r, buf, b - a);
  }
}

/* ---- emission ---- */

int ql_rf_sup_digit(const char *s, uint32_t i, uint32_t e, int *len) {
  const unsigned char *u = (const unsigned char *)s;
  if (i + 1 < e && u[i] == 0xC2) {
    *len = 2;
    if (u[i + 1] == 0xB9) return 1;
    if (u[i + 1] == 0xB2) return 2;
    if (u[i + 1] == 0xB3) return 3;
    return -1;
  }
  if (i + 2 < e && u[i] == 0xE2 && u[i + 1] == 0x81) {
    *len = 3;
    if (u[i + 2] == 0xB0) return 0;
    if (u[i + 2] >= 0xB4 && u[i + 2] <= 0xB9) return u[i + 2] - 0xB0;
  }
  return -1;
}

void ql_rf_begin(ql_reflow *r) {
  r->bold = r->italic = 0;
  r->nojoin = -1; /* no line yet */
}

void ql_rf_join(ql_reflow *r, uint32_t src_pos) {
  ql_emit_lit(r->d, " ", 1, src_pos, 0);
  r->nojoin = 1;
}

/* First candidate with s >= pos.  Lines come mostly in source order, so
 * the search starts from the last answer and steps on a little; otherwise
 * it is a binary search. */
static uint32_t cand_from(ql_reflow *r, uint32_t pos) {
  const ql_rf_cand *c = (const ql_rf_cand *)r->cands.p;
  uint32_t lo = 0, hi = r->cands.n, h = r->cand_hint, k;
  if (h <= hi && (h == 0 || c[h - 1].s < pos)) {
    for (k = 0; k < 4 && h < hi && c[h].s < pos; k++) h++;
    if (h == hi || c[h].s >= pos) return r->cand_hint = h;
    lo = h;
  }
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (c[mid].s < pos) lo = mid + 1; else hi = mid;
  }
  return r->cand_hint = lo;
}

/* Applies candidate c at its position; returns where emission resumes, or
 * c->s when the candidate lacks evidence (then nothing was emitted). */
static uint32_t apply_cand(ql_reflow *r, const ql_rf_cand *c) {
  ql_doc *d = r->d;
  const char *src = d->source;
  switch (c->kind) {
  case RF_GLUED: {
    int k = glued_index(src + c->s, c->e - c->s);
    if (k < 0) return c->s;
    ql_emit_repair(d, "ocr-glued-words", c->s, c->e, unglued[k], strlen(unglued[k]));
    return c->e;
  }
  case RF_I_GLYPH:
  case RF_L_FOR_I:
    if (!found(r, c->want) && !found(r, c->want2)) return c->s;
    ql_emit_repair(d, c->kind == RF_I_GLYPH ? "ocr-glyph-for-I" : "ocr-l-for-I", c->s, c->s + 1, "I", 1);
    return c->s + 1;
  case RF_ACRONYM: {
    char buf[8];
    uint32_t k, n = c->e - c->s;
    if (!found(r, c->want) || n > sizeof buf) return c->s;
    for (k = 0; k < n; k++) buf[k] = src[c->s + k] == 'l' ? 'I' : src[c->s + k];
    ql_emit_repair(d, "ocr-l-for-I", c->s, c->e, buf, n);
    return c->e;
  }
  case RF_STRAY_CAP: {
    char buf[MAX_FORM];
    uint32_t k, m = 0;
    if (!found(r, c->want)) return c->s;
    for (k = c->s; k < c->e; k++) if (k != c->s + c->pos) buf[m++] = src[k];
    ql_emit_repair(d, "ocr-stray-capital", c->s, c->e, buf, m);
    return c->e;
  }
  default:
    return c->s;
  }
}

static int url_start(const char *s, uint32_t i, uint32_t e) {
  static const char *const pre[] = { "http://", "https://", "www.", "doi:", "mailto:", "ftp://", NULL };
  int k;
  for (k = 0; pre[k]; k++) {
    size_t n = strlen(pre[k]);
    if (i + n <= e && memcmp(s + i, pre[k], n) == 0) return 1;
  }
  return 0;
}

/* "10 m²", "5 km²", "2 cm³": a power of a unit, not a footnote marker. */
static int unit_power(const char *src, uint32_t s, uint32_t pos, int v) {
  static const char *const units[] = { "m", "cm", "mm", "km", "ft", "in", "mi", "yd", NULL };
  uint32_t a = pos;
  if (v != 2 && v != 3) return 0;
  while (a > s && is_alpha((unsigned char)src[a - 1]) && pos - a < 3) a--;
  if (a == pos || (a > s && (is_alpha((unsigned char)src[a - 1]) || src[a - 1] == '-'))) return 0;
  return ql_list_index(units, src + a, pos - a) >= 0;
}

/* Bytes the inline loop must look at. */
static const unsigned char special[256] = {
  ['*'] = 1, ['<'] = 1, ['['] = 1, [0xC2] = 1, [0xE2] = 1
};

/* Bit k set where p[k] (k < 16) is one of the special bytes above. */
static unsigned special16(const char *p) {
  ql_v16 x = ql_v16_load(p);
  return ql_v16_eq(x, '*') | ql_v16_eq(x, '<') | ql_v16_eq(x, '[') | ql_v16_eq(x, 0xC2) | ql_v16_eq(x, 0xE2);
}

/* Index of the first repair candidate at or after pos (hyphens are handled
 * at line ends), and its position. */
static uint32_t cand_next(const ql_reflow *r, uint32_t *ci, uint32_t pos, uint32_t e) {
  const ql_rf_cand *c = (const ql_rf_cand *)r->cands.p;
  while (*ci < r->cands.n && c[*ci].s < e && (c[*ci].kind == RF_HYPH || c[*ci].s < pos)) (*ci)++;
  return (*ci < r->cands.n && c[*ci].s < e) ? c[*ci].s : UINT32_MAX;
}

static void emit_inline(ql_reflow *r, uint32_t s, uint32_t e) {
  ql_doc *d = r->d;
  const char *src = d->source;
  const unsigned char *u = (const unsigned char *)src;
  uint32_t ci = cand_from(r, s), pos = s, run = s;
  uint32_t next_cand = cand_next(r, &ci, s, e);
  while (pos < e) {
    uint32_t lim = next_cand < e ? next_cand : e;
    while (pos + 16 <= lim) {
      unsigned m = special16(src + pos);
      if (m) { pos += ql_ctz64(m); break; }
      pos += 16;
    }
    if (pos < lim && lim - pos < 16 && lim >= 16) { /* the rest: one load ending at lim */
      unsigned m = special16(src + lim - 16) >> (16 - (lim - pos));
      pos = m ? pos + ql_ctz64(m) : lim;
    }
    while (pos < lim && !special[u[pos]]) pos++;
    if (pos >= e) break;
    if (pos == next_cand) {
      const ql_rf_cand *c = &QL_VEC_AT(r->cands, ql_rf_cand, ci);
      ci++;
      if (c->e <= e) {
        uint32_t resume;
        ql_emit(d, run, pos);
        run = pos;
        resume = apply_cand(r, c);
        if (resume != c->s) pos = run = resume;
      }
      next_cand = cand_next(r, &ci, pos, e);
      continue;
    }
    switch (u[pos]) {
    case '*': {
      uint32_t k = pos;
      unsigned char prev, nx;
      int markup = 0;
      while (k < e && src[k] == '*') k++;
      prev = pos > s ? u[pos - 1] : ' ';
      nx = k < e ? u[k] : ' ';
      if (k - pos == 2 || k - pos == 3) {
        if (r->bold && !is_space(prev)) { r->bold = 0; markup = 1; }
        else if (!r->bold && !is_space(nx)) { r->bold = 1; markup = 1; }
        if (markup && k - pos == 3) r->italic = !r->italic;
      } else if (k - pos == 1) {
        if (r->italic && !is_space(prev) && !is_alnum(nx)) { r->italic = 0; markup = 1; }
        else if (!r->italic && !is_space(nx) &&
                 (is_space(prev) || prev == '(' || prev == '"' || prev == '\'' || pos == s ||
                  (prev >= 0x80 && pos >= s + 3 && u[pos - 3] == 0xE2))) {
          const char *j = (const char *)memchr(src + pos + 1, '*', e - pos - 1);
          if (j) {
            uint32_t jj = (uint32_t)(j - src);
            if (jj > pos + 1 && !is_space(u[jj - 1]) && (jj + 1 >= e || (!is_alnum(u[jj + 1]) && u[jj + 1] != '*'))) {
              r->italic = 1;
              markup = 1;
            }
          }
        }
      }
      if (markup) {
        ql_emit(d, run, pos);
        ql_drop(d, pos, k, "markup");
        run = k;
      }
      pos = k;
      break;
    }
    case '<': {
      uint32_t j = pos + 1;
      if (!url_start(src, pos + 1, e)) { pos++; break; }
      while (j < e && j - pos < 2000 && src[j] != '>' && !is_space(u[j]) && src[j] != '<') j++;
      if (j >= e || src[j] != '>') { pos++; break; }
      ql_emit(d, run, pos);
      ql_drop(d, pos, pos + 1, "markup");
      ql_emit(d, pos + 1, j);
      ql_drop(d, j, j + 1, "markup");
      pos = run = j + 1;
      break;
    }
    case '[': {
      /* [text](target): the text stays, the target is logged */
      uint32_t j = pos + 1, k;
      while (j < e && j - pos < 400 && src[j] != ']' && src[j] != '[') j++;
      if (j + 1 >= e || src[j] != ']' || src[j + 1] != '(' || j == pos + 1) { pos++; break; }
      for (k = j + 2; k < e && k - j < 2000 && src[k] != ')' && !is_space(u[k]); k++) {}
      if (k >= e || src[k] != ')') { pos++; break; }
      ql_emit(d, run, pos);
      ql_drop(d, pos, pos + 1, "markup");
      ql_emit(d, pos + 1, j);
      ql_drop(d, j, k + 1, (k == j + 2 || (k == j + 3 && src[j + 2] == '#')) ? "markup" : "link-target");
      pos = run = k + 1;
      break;
    }
    default: { /* 0xC2 / 0xE2: a superscript footnote marker? */
      int len, v = ql_rf_sup_digit(src, pos, e, &len);
      uint32_t q;
      int32_t n = 0;
      int digits = 0;
      if (v < 0 || (pos > s && is_digit(u[pos - 1])) || unit_power(src, s, pos, v)) { pos++; break; }
      q = pos;
      while (q < e && (v = ql_rf_sup_digit(src, q, e, &len)) >= 0) {
        if (digits < 4) n = n * 10 + v;
        digits++;
        q += (uint32_t)len;
      }
      ql_emit(d, run, pos);
      {
        ql_rf_marker m;
        m.n = n; m.ms = ql_text_len(d); m.src = pos;
        ql_emit(d, pos, q);
        m.me = ql_text_len(d);
        if (digits <= 4) QL_VEC_PUSH(&d->mem, &r->markers, ql_rf_marker, m);
      }
      pos = run = q;
      break;
    }
    }
  }
  ql_emit(d, run, e);
}

/* The hyphen candidate at src position p, or NULL. */
static const ql_rf_cand *hyph_at(ql_reflow *r, uint32_t p) {
  uint32_t i = cand_from(r, p);
  for (; i < r->cands.n; i++) {
    const ql_rf_cand *c = &QL_VEC_AT(r->cands, ql_rf_cand, i);
    if (c->s != p) return NULL;
    if (c->kind == RF_HYPH) return c;
  }
  return NULL;
}

void ql_rf_line(ql_reflow *r, uint32_t s, uint32_t e, uint32_t next_s) {
  ql_doc *d = r->d;
  const char *src = d->source;
  /* the space stands for the line break (one map piece per paragraph) */
  if (r->nojoin == 0) ql_emit_lit(d, " ", 1, r->prev_e, s > r->prev_e ? s - r->prev_e : 0);
  r->nojoin = 0;
  r->prev_e = e;
  if (next_s == UINT32_MAX || e <= s) { emit_inline(r, s, e); return; }
  if (e - s >= 2 && (unsigned char)src[e - 2] == 0xC2 && (unsigned char)src[e - 1] == 0xAD) {
    emit_inline(r, s, e); /* a soft hyphen: folded away, the word goes on */
    r->nojoin = 1;
    return;
  }
  if (src[e - 1] == '-' && e - s >= 2 && is_alpha((unsigned char)src[e - 2]) &&
      is_alpha((unsigned char)src[next_s])) {
    const ql_rf_cand *c = hyph_at(r, e - 1);
    r->nojoin = 1;
    if (c && !found(r, c->want) && (!c->keep || found(r, c->want2))) {
      uint32_t xa = e - 1, yb = next_s, k, t;
      char buf[2 * MAX_FORM + 2];
      size_t n = 0;
      while (xa > s && is_alpha((unsigned char)src[xa - 1])) xa--;
      while (yb < d->srclen && is_alpha((unsigned char)src[yb])) yb++;
      emit_inline(r, s, e - 1);
      t = ql_text_len(d) - (e - 1 - xa);
      for (k = xa; k < e - 1 && n < MAX_FORM; k++) buf[n++] = src[k];
      for (k = next_s; k < yb && n < 2 * MAX_FORM; k++) buf[n++] = src[k];
      ql_log_repair(d, "dehyphenate", src + xa, yb - xa, buf, n, xa, yb, t);
      ql_drop(d, e - 1, e, "dehyphenate");
      return;
    }
    emit_inline(r, s, e); /* a compound or a dash: the hyphen stays, no space */
    return;
  }
  emit_inline(r, s, e);
}
