/* token.c - tokens over each block: words (with inner hyphens and
 * apostrophes), numbers (1,032  8.9  2015/16), URLs, punctuation and symbols,
 * each with its case-folded form interned in the vocabulary.  Most tokens
 * are read off bit masks of 64 bytes (simd.h); the others, one character at
 * a time. */
#include <utf8proc.h>
#include "ql_internal.h"
#include "simd.h"
#include "vocab.h"

enum { C_SPACE, C_ALPHA, C_DIGIT, C_PUNCT, C_SYMBOL, C_SUPER };

static int is_superscript_digit(uint32_t cp) {
  return cp == 0xB9 || cp == 0xB2 || cp == 0xB3 || (cp >= 0x2070 && cp <= 0x2079);
}

/* ASCII classes as digits: 0 space, 1 alpha, 2 digit, 3 punctuation,
   4 symbol (the order of the enum above). */
static const char ascii_class[129] =
  "33333333300330333333333333333333"   /* 0x00-0x1F: \t \n \r are spaces */
  "03344443334433332222222222334443"   /*  !"#$%&'()*+,-./0-9:;<=>? */
  "41111111111111111111111111134343"   /* @A-Z[\]^_ */
  "41111111111111111111111111134343";  /* `a-z{|}~ DEL */

/* Class of a character that is not ASCII (utf8proc's categories). */
static int wide_class(const char *t, uint32_t stop, uint32_t i, int *len) {
  int32_t cp = ql_utf8_decode((const unsigned char *)t, stop, i, len);
  if (cp < 0) return C_SYMBOL;
  if (is_superscript_digit((uint32_t)cp)) return C_SUPER;
  switch (utf8proc_category(cp)) {
  case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
  case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
  case UTF8PROC_CATEGORY_MC:
    return C_ALPHA;
  case UTF8PROC_CATEGORY_ND: return C_DIGIT;
  case UTF8PROC_CATEGORY_ZS: return C_SPACE;
  case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS: case UTF8PROC_CATEGORY_PE:
  case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF: case UTF8PROC_CATEGORY_PO:
  case UTF8PROC_CATEGORY_PC:
    return C_PUNCT;
  default: return C_SYMBOL;
  }
}

/* Class of the character at t[i]; *len gets its byte length. */
static inline int char_class(const char *t, uint32_t stop, uint32_t i, int *len) {
  unsigned char c = (unsigned char)t[i];
  if (c < 0x80) { *len = 1; return ascii_class[c] - '0'; }
  return wide_class(t, stop, i, len);
}

/* The four token arrays, written through local pointers while a block is
 * tokenised (the vectors' counts are set after each block). */
typedef struct {
  ql_doc *d;
  uint32_t *start, *form;
  uint16_t *lk;      /* length << 3 | kind */
  uint32_t n, cap;
  uint32_t punct[128]; /* forms of one-byte punctuation tokens, UINT32_MAX: not yet */
} tokens;

static void reserve_tokens(tokens *o, size_t need) {
  ql_doc *d = o->d;
  ql_vec_reserve(&d->mem, &d->tok_start, 4, need); /* the three arrays grow together */
  ql_vec_reserve(&d->mem, &d->tok_form, 4, need);
  ql_vec_reserve(&d->mem, &d->tok_lk, 2, need);
  o->start = (uint32_t *)d->tok_start.p; o->form = (uint32_t *)d->tok_form.p; o->lk = (uint16_t *)d->tok_lk.p;
  o->cap = d->tok_start.cap;
  if (o->cap > d->tok_form.cap) o->cap = d->tok_form.cap;
  if (o->cap > d->tok_lk.cap) o->cap = d->tok_lk.cap;
}

static inline uint32_t form_of(tokens *o, const char *t, uint32_t s, uint32_t e) {
  uint32_t id = ql_vocab_known(o->d->vocab, t + s, e - s);
  if (id == UINT32_MAX) id = ql_vocab_intern_padded(o->d->vocab, t + s, e - s);
  if (id == UINT32_MAX && o->d->mem.oom) longjmp(*o->d->mem.oom, 1);
  return id;
}

static inline void push_form(tokens *o, uint32_t s, uint32_t e, int kind, uint32_t id) {
  uint32_t n = o->n;
  if (n == o->cap) {
    reserve_tokens(o, (size_t)n + 1);
    if (n == o->cap) return; /* no memory and no handler: the token is left out */
  }
  o->start[n] = s; o->form[n] = id;
  o->lk[n] = e - s < QL_TOK_LONG ? (uint16_t)((e - s) << 3 | (uint32_t)kind) : ql_tok_pack(o->d, n, s, e, kind);
  o->n = n + 1;
}

static inline void push(tokens *o, const char *t, uint32_t s, uint32_t e, int kind) {
  push_form(o, s, e, kind, form_of(o, t, s, e));
}

static int starts_url(const char *t, uint32_t i, uint32_t stop) {
  uint32_t n = stop - i;
  return (n > 8 && memcmp(t + i, "https://", 8) == 0) || (n > 7 && memcmp(t + i, "http://", 7) == 0) ||
         (n > 4 && memcmp(t + i, "www.", 4) == 0);
}

static uint32_t url_end(const char *t, uint32_t i, uint32_t stop) {
  uint32_t e = i;
  while (e < stop && t[e] != ' ' && t[e] != '\n' && t[e] != '<' && t[e] != '>' && t[e] != '"') e++;
  while (e > i && (t[e - 1] == '.' || t[e - 1] == ',' || t[e - 1] == ';' || t[e - 1] == ':' ||
                   t[e - 1] == ')' || t[e - 1] == ']' || t[e - 1] == '\'')) e--;
  return e;
}

/* End of the run of ASCII letters and digits at t[e..stop), eight bytes at
   a time while t[e..e+8) lies inside the NUL-terminated text of length tn;
   *letter is set when the run holds a letter.  Stops early (for the
   careful loop) at anything else, non-ASCII bytes included. */
static inline uint32_t alnum_run(const char *t, uint32_t e, uint32_t stop, uint32_t tn, int *letter) {
  while (e < stop && e + 8 <= tn + 1) {
    uint64_t w = ql_load64(t + e), w7 = w & ~QL_HIGH, y = w7 | 0x20 * QL_ONES;
    uint64_t letters = QL_IN_RANGE(y, 'a', 'z'), ok = (letters | QL_IN_RANGE(w7, '0', '9')) & ~w;
    uint64_t ends = ~ok & QL_HIGH;
    if (stop - e < 8) ends |= QL_HIGH << (8 * (stop - e)); /* bytes past the block */
    if (ends) {
      unsigned k = ql_ctz64(ends) / 8;
      if (letters & ok & ((1ULL << (8 * k)) - 1)) *letter = 1;
      return e + k;
    }
    if (letters & ok) *letter = 1;
    e += 8;
  }
  return e;
}

/* One token at t[i] (not a space byte), the careful way: any character,
   URLs and joiners; returns where the next one may start. */
static uint32_t one_token(tokens *o, const char *t, uint32_t i, uint32_t stop, uint32_t tn) {
  int len, cls = char_class(t, stop, i, &len);
  uint32_t e;
  if (cls == C_SPACE) return i + (uint32_t)len;
  if (cls == C_ALPHA && (t[i] == 'h' || t[i] == 'w') && starts_url(t, i, stop)) {
    e = url_end(t, i, stop);
    push(o, t, i, e, QL_TOK_SYMBOL);
    return e;
  }
  e = i + (uint32_t)len;
  if (cls == C_ALPHA || cls == C_DIGIT) {
    int kind = cls == C_ALPHA ? QL_TOK_WORD : QL_TOK_NUMBER;
    for (;;) {
      int l2, c2, letter = 0;
      e = alnum_run(t, e, stop, tn, &letter);
      if (letter) kind = QL_TOK_WORD;
      if (e >= stop || t[e] == ' ') break;
      /* a letter or digit here is not ASCII, or lies within eight bytes
         of the end of the text */
      c2 = char_class(t, stop, e, &l2);
      if (c2 == C_ALPHA || c2 == C_DIGIT) {
        if (c2 == C_ALPHA) kind = QL_TOK_WORD;
        e += (uint32_t)l2;
        continue;
      }
      /* joiners: hyphen in words, separators inside numbers, apostrophe not before "s " */
      if (e + 1 < stop && (t[e] == '-' || t[e] == '.' || t[e] == ',' || t[e] == '/' || t[e] == '\'')) {
        char j = t[e];
        int l3, c3 = char_class(t, stop, e + 1, &l3);
        if (j == '-' && (c3 == C_ALPHA || c3 == C_DIGIT)) { e += 1; continue; }
        if ((j == '.' || j == ',' || j == '/') && kind == QL_TOK_NUMBER && c3 == C_DIGIT) { e += 1; continue; }
        if (j == '\'' && c3 == C_ALPHA && kind == QL_TOK_WORD &&
            !((t[e + 1] == 's' || t[e + 1] == 'S') &&
              (e + 2 >= stop || char_class(t, stop, e + 2, &l3) != C_ALPHA))) { e += 1; continue; }
      }
      break;
    }
    push(o, t, i, e, kind);
  } else if (cls == C_SUPER) {
    for (;;) {
      int l2;
      if (e >= stop || char_class(t, stop, e, &l2) != C_SUPER) break;
      e += (uint32_t)l2;
    }
    push(o, t, i, e, QL_TOK_SYMBOL);
  } else {
    /* runs of the same punctuation byte ("...", "--") are one token */
    if (len == 1) while (e < stop && t[e] == t[i]) e++;
    push(o, t, i, e, cls == C_PUNCT ? QL_TOK_PUNCT : QL_TOK_SYMBOL);
  }
  return e;
}

/* Bit k of each mask says what byte k of 64 bytes at t is: a space (ASCII
   space, tab, line break; also every byte from n on, past the range), an
   ASCII letter or digit, an ASCII letter, a byte of a non-ASCII character. */
typedef struct { uint64_t space, alnum, letter, wide; } masks;

static inline masks chunk_masks(const char *t, uint32_t n) {
  masks m = { 0, 0, 0, 0 };
  unsigned k;
  for (k = 0; k < 4; k++) {
    ql_v16 x = ql_v16_load(t + 16 * k);
    uint64_t letter = ql_v16_letter(x), digit = ql_v16_range(x, '0', '9');
    uint64_t space = ql_v16_eq(x, ' ') | ql_v16_range(x, '\t', '\n') | ql_v16_eq(x, '\r');
    m.space |= space << 16 * k;
    m.alnum |= (letter | digit) << 16 * k;
    m.letter |= letter << 16 * k;
    m.wide |= (uint64_t)ql_v16_high(x) << 16 * k;
  }
  if (n < 64) { /* bytes past the range end every token */
    uint64_t past = ~0ULL << n;
    m.space |= past; m.alnum &= ~past; m.letter &= ~past; m.wide &= ~past;
  }
  return m;
}

/* Tokens of t[i..stop).  The common tokens (ASCII words and numbers ended by
   a space or by punctuation that cannot join, punctuation runs) are read
   off bit masks of 64 bytes; anything else goes to one_token. */
static void tokenize_range(tokens *o, uint32_t i, uint32_t stop) {
  const char *t = (const char *)o->d->text.p;
  uint32_t tn = o->d->text.n;
  while (i < stop) {
    uint32_t base = i, n = stop - i < 64 ? stop - i : 64;
    masks m;
    if (base + 64 > tn + 8) { i = one_token(o, t, i, stop, tn); continue; } /* 64 bytes not readable */
    m = chunk_masks(t + base, n);
    for (;;) {
      uint32_t b = i - base, e, eb;
      uint64_t rest;
      unsigned char c, x;
      if (b >= 64 || !(rest = ~m.space >> b)) { if (b < 64) i = base + 64; break; }
      b += ql_ctz64(rest); /* below n: the bytes past the range are spaces */
      i = base + b;
      c = (unsigned char)t[i];
      if (m.alnum >> b & 1) {
        uint64_t run = ~m.alnum >> b;
        int word;
        if (!run) { /* the token goes on past the chunk: masks from its start */
          if (b == 0) i = one_token(o, t, i, stop, tn); /* longer than 64 bytes */
          break;
        }
        eb = b + ql_ctz64(run);
        e = base + eb;
        x = (unsigned char)t[e];
        word = (m.letter >> b & ((1ULL << (eb - b)) - 1)) != 0;
        if (!(m.space >> eb & 1)) {
          /* what the careful path decides: non-ASCII, hyphen, apostrophe,
             separators inside numbers, a possible URL */
          if ((m.wide >> eb & 1) || x == '-' || x == '\'' ||
              (!word && (x == '.' || x == ',' || x == '/')) ||
              ((c == 'h' || c == 'w') && (x == ':' || x == '.'))) {
            i = one_token(o, t, i, stop, tn);
            if (i - base >= 64) break;
            continue;
          }
        }
        push(o, t, i, e, word ? QL_TOK_WORD : QL_TOK_NUMBER);
        i = e;
      } else if (m.wide >> b & 1) {
        i = one_token(o, t, i, stop, tn);
        if (i - base >= 64) break;
      } else {
        int kind = ascii_class[c] == '3' ? QL_TOK_PUNCT : QL_TOK_SYMBOL;
        e = i + 1;
        while (e < stop && t[e] == (char)c) e++;
        if (e == i + 1) { /* one punctuation byte: its form is remembered */
          if (o->punct[c] == UINT32_MAX) o->punct[c] = form_of(o, t, i, e);
          push_form(o, i, e, kind, o->punct[c]);
        } else push(o, t, i, e, kind);
        i = e;
        if (i - base >= 64) break;
      }
    }
  }
}

#define PREFAULT_TOKENS 65536u

void ql_tokenize(ql_doc *d) {
  uint32_t b, ready = 0; /* tokens whose pages are faulted in */
  tokens o;
  memset(&o, 0, sizeof o);
  o.d = d;
  o.n = d->tok_start.n;
  memset(o.punct, 0xFF, sizeof o.punct);
  /* zeros after the text, so a token's eight bytes can be read at once */
  ql_vec_reserve(&d->mem, &d->text, 1, (size_t)d->text.n + 8);
  if (d->text.cap < d->text.n + 8) return; /* no memory and no handler */
  memset((char *)d->text.p + d->text.n, 0, 8);
  reserve_tokens(&o, d->text.n / 6 + 16); /* about one token per six bytes of English */
  for (b = 0; b < d->blocks.n; b++) {
    const ql_block *bl = &QL_VEC_AT(d->blocks, ql_block, b);
    if (o.n + PREFAULT_TOKENS / 2 > ready) { /* the next pages in bulk, never far ahead */
      ready = o.n + PREFAULT_TOKENS;
      ql_vec_prefault(&d->tok_start, 4, o.n, ready);
      ql_vec_prefault(&d->tok_form, 4, o.n, ready);
      ql_vec_prefault(&d->tok_lk, 2, o.n, ready);
    }
    tokenize_range(&o, bl->start, bl->stop);
    d->tok_start.n = d->tok_form.n = d->tok_lk.n = o.n; /* an OOM jump keeps what is done */
  }
}
