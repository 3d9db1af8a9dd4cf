/* read_report.c - reports converted from PDF (Markdown-ish or OCR'd text)
 * and the plain-text / Markdown fallback, on one block builder.
 *
 * Four passes, each linear:
 *  1. lines: page starts (a line opening with one space), shapes of page
 *     footers ("14 — Title") counted by form, and the reflow pre-scan
 *     (hyphenation and OCR-slip candidates, then their evidence);
 *  2. blocks: lines grouped into paragraphs, list items, footnotes, lone
 *     URLs and page furniture (dropped);
 *  3. structure on the block list: running headers (a title that only ever
 *     appears at page tops), headings and their levels, stranded footnote
 *     URLs reattached, paragraphs cut by a page break or by footnotes joined
 *     again, list items whose bullet the OCR lost;
 *  4. emission, footnotes after the paragraph they interrupted, then the
 *     footnote markers linked.
 * The block list is the only per-document table (a few words per block);
 * title statistics use hash tables sized from the block count. */
#include <setjmp.h>
#include "reflow.h"

enum { RB_PARA, RB_ITEM, RB_NOTE, RB_HEAD, RB_CAPTION, RB_FIELD, RB_URL, RB_REF, RB_DROP };

enum {
  F_PAGETOP = 1 << 0,  /* starts a page */
  F_HEADLIKE = 1 << 1, /* short, title-like */
  F_BOLD = 1 << 2,     /* wholly **bold** */
  F_MD = 1 << 3,       /* a Markdown heading (# or setext) */
  F_END = 1 << 4,      /* ends with terminal punctuation */
  F_LOWER = 1 << 5,    /* starts with a lower-case letter */
  F_UPPER = 1 << 6,    /* starts with a capital */
  F_CONT = 1 << 7,     /* continues an earlier paragraph */
  F_DEFER = 1 << 8,    /* emitted after the paragraph it interrupts */
  F_USED = 1 << 9,     /* a URL appended to a footnote */
  F_CHAPTER = 1 << 10, /* a top-level title (running header, front/back matter) */
  F_NUMHEAD = 1 << 11, /* "1. Integrated systems" */
  F_WORDEND = 1 << 12, /* ends with a word or a comma: the sentence goes on */
  F_LOST = 1 << 13     /* a list item whose bullet was lost */
};

enum { G_NONE, G_STAR, G_DASH, G_PLUS, G_LONGDASH, G_OCR, G_OTHER, G_NUM };

typedef struct {
  uint32_t s, e;       /* source: first line's content .. last line's end */
  uint32_t body;       /* where the text starts (after a bullet or marker) */
  uint32_t nlines;
  int32_t n;           /* item or footnote number, -1 */
  int32_t cont;        /* next part of a paragraph the source has apart */
  int32_t attach;      /* a stranded URL appended to this footnote */
  uint64_t form;       /* folded title form */
  const char *reason;  /* RB_DROP: why */
  uint16_t flags;
  uint8_t kind, level, glyph;
} rblock;

typedef struct { uint64_t key; uint32_t count, pt, live, first; uint8_t items; } fstat;

typedef struct {
  ql_doc *d;
  const char *src;
  uint32_t len;
  int report, page_mode;
  int32_t cur;         /* open block, -1 */
  ql_reflow rf;
  ql_vec blocks;       /* rblock */
  ql_vec footers;      /* fstat: forms of footer-shaped lines */
  ql_vec titles;       /* fstat: forms of heading-like blocks */
} reader;

#define BLK(R, i) (&QL_VEC_AT((R)->blocks, rblock, (i)))
#define FOOTER_SLOTS_MIN 1024u
#define FOOTER_SLOTS_MAX 16384u

static int is_low(unsigned char c) { return c >= 'a' && c <= 'z'; }
static int is_up(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int is_alpha(unsigned char c) { return is_low(c) || is_up(c); }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_sp(unsigned char c) { return c == ' ' || c == '\t'; }

/* ---- small text tests ---- */

/* Folded form of a title or line: letters lower-cased, digit runs as '#',
 * markup skipped, any other run as one separator. */
static uint64_t form_hash(const char *s, uint32_t a, uint32_t b) {
  uint64_t h = 1469598103934665603ULL;
  int sep = 0, any = 0;
  uint32_t i = a;
  while (i < b) {
    unsigned char c = (unsigned char)s[i];
    int ch = -1;
    if (is_alpha(c)) ch = c | 0x20;
    else if (is_digit(c)) { while (i + 1 < b && is_digit((unsigned char)s[i + 1])) i++; ch = '#'; }
    else if (c == '*') { i++; continue; }
    else if (c >= 0xC3 && c != 0xE2) { /* a non-ASCII letter: kept whole */
      uint32_t j = i + 1;
      while (j < b && ((unsigned char)s[j] & 0xC0) == 0x80) j++;
      if (sep && any) { h ^= ' '; h *= 1099511628211ULL; }
      sep = 0; any = 1;
      for (; i < j; i++) { h ^= (unsigned char)s[i]; h *= 1099511628211ULL; }
      continue;
    } else {
      sep = 1;
      i++;
      while (i < b && ((unsigned char)s[i] & 0xC0) == 0x80) i++;
      continue;
    }
    if (sep && any) { h ^= ' '; h *= 1099511628211ULL; }
    sep = 0; any = 1;
    h ^= (uint64_t)ch; h *= 1099511628211ULL;
    i++;
  }
  return h ? h : 1;
}

/* Folded copy of a title (letters and digits, single spaces) into buf. */
static size_t norm_title(const char *s, uint32_t a, uint32_t b, char *buf, size_t cap) {
  size_t n = 0;
  int sep = 0;
  uint32_t i;
  for (i = a; i < b && n + 2 < cap; i++) {
    unsigned char c = (unsigned char)s[i];
    if (is_alpha(c) || is_digit(c)) {
      if (sep && n) buf[n++] = ' ';
      sep = 0;
      buf[n++] = (char)(is_up(c) ? c + 32 : c);
    } else if (c != '*') sep = 1;
  }
  buf[n] = '\0';
  return n;
}

static uint32_t count_words(const char *s, uint32_t a, uint32_t b) {
  uint32_t i, n = 0;
  int in = 0;
  for (i = a; i < b; i++) {
    int sp = is_sp((unsigned char)s[i]) || s[i] == '\n' || s[i] == '\r';
    if (!sp && !in) n++;
    in = !sp;
  }
  return n;
}

/* An e-mail address or a URL in s[a, b): '@', "http" or "www.". */
static int has_link(const char *s, uint32_t a, uint32_t b) {
  uint32_t i;
  for (i = a; i < b; i++) {
    char c = s[i];
    if (c == '@') return 1;
    if ((c == 'h' && i + 4 <= b && memcmp(s + i, "http", 4) == 0) || (c == 'w' && i + 4 <= b && memcmp(s + i, "www.", 4) == 0))
      return 1;
  }
  return 0;
}

/* Skips what may trail a sentence end: markup, quotes, footnote marks
 * (real and OCR'd), spaces.  Returns the index just past the last real
 * character. */
static uint32_t end_skip(const char *s, uint32_t a, uint32_t e) {
  const unsigned char *u = (const unsigned char *)s;
  while (e > a) {
    unsigned char c = u[e - 1];
    if (c == '*' || c == '"' || c == '\'' || is_sp(c)) { e--; continue; }
    if (e - a >= 2 && u[e - 2] == 0xC2 && (c == 0xAE || c == 0xB0 || c == 0xB9 || c == 0xB2 || c == 0xB3)) { e -= 2; continue; }
    if (e - a >= 3 && u[e - 3] == 0xE2 && u[e - 2] == 0x80 && (c == 0x99 || c == 0x9D)) { e -= 3; continue; }
    if (e - a >= 3 && u[e - 3] == 0xE2 && u[e - 2] == 0x81 && (c == 0xB0 || (c >= 0xB4 && c <= 0xB9))) { e -= 3; continue; }
    break;
  }
  return e;
}

/* Index of the first real character: markup, opening quotes skipped. */
static uint32_t start_skip(const char *s, uint32_t a, uint32_t e) {
  const unsigned char *u = (const unsigned char *)s;
  while (a < e) {
    unsigned char c = u[a];
    if (c == '*' || c == '"' || c == '\'' || c == '(' || is_sp(c)) { a++; continue; }
    if (a + 2 < e && c == 0xE2 && u[a + 1] == 0x80 && (u[a + 2] == 0x98 || u[a + 2] == 0x9C)) { a += 3; continue; }
    break;
  }
  return a;
}

static int terminal(unsigned char c) { return c == '.' || c == '!' || c == '?' || c == ':' || c == ';'; }

/* Starts like a title: a capital, or a glyph OCR made of a capital I. */
static int title_start(const char *s, uint32_t i, uint32_t e) {
  unsigned char c = (unsigned char)s[i];
  if (is_up(c)) return 1;
  if (c >= 0xC3 && c <= 0xDF) return 1; /* an accented Latin letter */
  if (c == '[' && i + 1 < e && is_low((unsigned char)s[i + 1])) return 1;
  if (c == '|' && i + 1 < e && is_up((unsigned char)s[i + 1])) return 1;
  if (c == 'l' && i + 1 < e && is_up((unsigned char)s[i + 1])) return 1;
  return 0;
}

/* "ICB – Integrated Care Board": a glossary entry, not a title. */
static int acronym_def(const char *s, uint32_t a, uint32_t b) {
  uint32_t i = a, caps = 0;
  while (i < b && (is_up((unsigned char)s[i]) || s[i] == '&' || s[i] == '/' || is_digit((unsigned char)s[i]))) { i++; caps++; }
  if (i < b && s[i] == 's') i++;
  if (caps < 2 || i >= b || s[i] != ' ') return 0;
  i++;
  if (i < b && s[i] == '-') return 1;
  return i + 2 < b && (unsigned char)s[i] == 0xE2 && (unsigned char)s[i + 1] == 0x80 &&
         ((unsigned char)s[i + 2] == 0x93 || (unsigned char)s[i + 2] == 0x94);
}

/* ". The": a sentence ends inside, so this is prose, not a title. */
static int sentence_break(const char *s, uint32_t a, uint32_t e) {
  uint32_t i;
  for (i = a + 1; i + 2 < e; i++)
    if ((s[i] == '.' || s[i] == '!' || s[i] == ';') && s[i + 1] == ' ' && is_up((unsigned char)s[i + 2]) &&
        is_low((unsigned char)s[i - 1]))
      return 1;
  return 0;
}

/* Starts with a word in capitals ("PCN hubs"). */
static int acronym_start(const char *s, uint32_t a, uint32_t e) {
  uint32_t i = a;
  while (i < e && is_up((unsigned char)s[i])) i++;
  return i - a >= 2 && (i == e || s[i] == ' ' || s[i] == 's');
}

/* A title does not end on a word that needs another after it. */
static int dangling_end(const char *s, uint32_t a, uint32_t e) {
  static const char *const words[] = {
    "and", "or", "of", "the", "a", "an", "to", "but", "with", "for", "in", "on", "at", "by",
    "from", "as", "that", "which", "have", "has", "is", "are", "was", "were", "be", "been",
    "will", "would", "can", "could", "should", "its", "their", "our", "this", "these", "than", NULL };
  uint32_t w = e;
  char buf[8];
  size_t n = 0, k;
  while (w > a && is_alpha((unsigned char)s[w - 1])) w--;
  if (e - w >= sizeof buf || w == e || (w > a && s[w - 1] != ' ')) return 0;
  for (k = w; k < e; k++) buf[n++] = (char)(s[k] | 0x20);
  buf[n] = '\0';
  return ql_list_index(words, buf, n) >= 0;
}

/* One line that could be a heading by itself. */
static int line_headlike(const char *s, uint32_t a, uint32_t b) {
  uint32_t e = end_skip(s, a, b), f = start_skip(s, a, b);
  if (b - a > 90 || e <= f || !title_start(s, f, e)) return 0;
  if (terminal((unsigned char)s[e - 1]) && s[e - 1] != '?') return 0;
  if (s[e - 1] == ',') return 0;
  /* the scans of the whole line last */
  return !dangling_end(s, f, e) && !acronym_def(s, a, b) && !has_link(s, a, b) && count_words(s, a, b) <= 14 &&
         !sentence_break(s, f, e);
}

/* ---- line shapes ---- */

/* A dash, bar or middle dot at i: its length, else 0. */
static uint32_t sep_at(const char *s, uint32_t i, uint32_t b) {
  const unsigned char *u = (const unsigned char *)s;
  if (i >= b) return 0;
  if (u[i] == '-' || u[i] == '|') return 1;
  if (i + 1 < b && u[i] == 0xC2 && u[i + 1] == 0xB7) return 2;
  if (i + 2 < b && u[i] == 0xE2 && u[i + 1] == 0x80 && (u[i + 2] >= 0x92 && u[i + 2] <= 0x95)) return 3;
  return 0;
}

/* Page furniture by shape: 2 a bare page number ("12", "Page 3 of 9"),
 * 1 a number beside a title ("14 — The future of primary care"), 0 none. */
/* Skips spaces and separators from i. */
static uint32_t skip_seps(const char *s, uint32_t i, uint32_t b) {
  for (;;) {
    uint32_t k;
    if (i < b && is_sp((unsigned char)s[i])) i++;
    else if ((k = sep_at(s, i, b)) > 0) i += k;
    else return i;
  }
}

static int footer_shape(const char *s, uint32_t a, uint32_t b) {
  uint32_t i = a, d0, k;
  if (b - a > 100) return 0;
  if (b - a >= 5 && (s[a] | 0x20) == 'p' && (s[a + 1] | 0x20) == 'a' && (s[a + 2] | 0x20) == 'g' &&
      (s[a + 3] | 0x20) == 'e' && s[a + 4] == ' ') i = a + 5;
  i = skip_seps(s, i, b);
  d0 = i;
  while (i < b && is_digit((unsigned char)s[i])) i++;
  if (i > d0 && i - d0 <= 3) {
    uint32_t j = i;
    while (j < b && is_sp((unsigned char)s[j])) j++;
    if (j + 3 < b && s[j] == 'o' && s[j + 1] == 'f' && s[j + 2] == ' ') {
      j += 3;
      while (j < b && is_digit((unsigned char)s[j])) j++;
    } else if (j < b && s[j] == '/') {
      j++;
      while (j < b && is_digit((unsigned char)s[j])) j++;
    }
    if (skip_seps(s, j, b) >= b) return 2;
  }
  /* number, separator, title */
  i = a;
  while (i < b && is_digit((unsigned char)s[i])) i++;
  if (i > a && i - a <= 4 && i < b && is_sp((unsigned char)s[i])) {
    uint32_t j = i;
    while (j < b && is_sp((unsigned char)s[j])) j++;
    if ((k = sep_at(s, j, b)) > 0 || j - i >= 2) {
      j += k;
      while (j < b && is_sp((unsigned char)s[j])) j++;
      if (j < b && (is_alpha((unsigned char)s[j]) || (unsigned char)s[j] >= 0xC3)) return 1;
    }
  }
  /* title, separator, number */
  i = b;
  while (i > a && is_digit((unsigned char)s[i - 1])) i--;
  if (i < b && b - i <= 4 && i > a && is_sp((unsigned char)s[i - 1])) {
    uint32_t j = i;
    while (j > a && is_sp((unsigned char)s[j - 1])) j--;
    if (j < i - 1 || (j > a && (s[j - 1] == '-' || s[j - 1] == '|' ||
                               (j >= a + 3 && (unsigned char)s[j - 3] == 0xE2 && (unsigned char)s[j - 2] == 0x80)))) {
      if (j < i - 1 && !(j > a && (s[j - 1] == '-' || s[j - 1] == '|'))) return 1;
      j -= (s[j - 1] == '-' || s[j - 1] == '|') ? 1 : 3;
      while (j > a && is_sp((unsigned char)s[j - 1])) j--;
      if (j > a) return 1;
    }
  }
  return 0;
}

/* A bullet at a: returns the length up to the item text, 0 if none. */
static uint32_t bullet_at(const char *s, uint32_t a, uint32_t b, uint8_t *glyph, int *strong) {
  const unsigned char *u = (const unsigned char *)s;
  uint32_t i = a;
  int n = 0;
  *strong = 0; *glyph = G_NONE;
  while (i < b && n < 3) {
    if (u[i] == '*') { if (!n) *glyph = G_STAR; i++; }
    else if (i + 1 < b && u[i] == 0xC2 && (u[i + 1] == 0xBB || u[i + 1] == 0xB7)) { if (!n) *glyph = G_OTHER; i += 2; }
    else if (i + 2 < b && ((u[i] == 0xE2 && ((u[i + 1] == 0x80 && (u[i + 2] == 0xA2 || u[i + 2] == 0xA3)) ||
                                              (u[i + 1] == 0x81 && u[i + 2] == 0x83) ||
                                              (u[i + 1] == 0x96 && (u[i + 2] == 0xAA || u[i + 2] == 0xA0 || u[i + 2] == 0xBA || u[i + 2] == 0xB8)) ||
                                              (u[i + 1] == 0x97 && (u[i + 2] == 0x8F || u[i + 2] == 0x8B || u[i + 2] == 0xA6)) ||
                                              (u[i + 1] == 0x9E && u[i + 2] == 0xA2) ||
                                              (u[i + 1] == 0x9C && (u[i + 2] == 0x93 || u[i + 2] == 0x94)))) ||
                           (u[i] == 0xEF && u[i + 1] == 0x82 && (u[i + 2] == 0xB7 || u[i + 2] == 0xA7)))) {
      if (!n) *glyph = G_OTHER;
      i += 3;
    } else break;
    n++;
  }
  if (n > 0) {
    if (i >= b || !is_sp(u[i])) { *glyph = G_NONE; return 0; }
    while (i < b && is_sp(u[i])) i++;
    if (i >= b) { *glyph = G_NONE; return 0; }
    *strong = 1;
    return i - a;
  }
  /* dashes and OCR'd bullets count only where an item may start */
  if (u[i] == '-' || u[i] == '+') { *glyph = u[i] == '-' ? G_DASH : G_PLUS; i++; }
  else if (i + 2 < b && u[i] == 0xE2 && u[i + 1] == 0x80 && u[i + 2] >= 0x93 && u[i + 2] <= 0x95) { *glyph = G_LONGDASH; i += 3; }
  else if ((u[i] == 'e' || u[i] == 'o') && i + 2 < b && u[i + 1] == ' ' && is_up(u[i + 2])) { *glyph = G_OCR; i++; }
  else return 0;
  if (i >= b || !is_sp(u[i])) { *glyph = G_NONE; return 0; }
  while (i < b && is_sp(u[i])) i++;
  if (i >= b) { *glyph = G_NONE; return 0; }
  return i - a;
}

/* "12. ", "3) ", "(4) ": the number, *body set; -1 if none. */
static int32_t numitem_at(const char *s, uint32_t a, uint32_t b, uint32_t *body) {
  uint32_t i = a, d0;
  int32_t n = 0;
  int paren = 0;
  if (i < b && s[i] == '(') { paren = 1; i++; }
  d0 = i;
  while (i < b && is_digit((unsigned char)s[i]) && i - d0 < 4) { n = n * 10 + (s[i] - '0'); i++; }
  if (i == d0 || i - d0 > 3 || i >= b) return -1;
  if (paren) { if (s[i] != ')') return -1; }
  else if (s[i] != '.' && s[i] != ')') return -1;
  i++;
  if (i >= b || !is_sp((unsigned char)s[i])) return -1;
  while (i < b && is_sp((unsigned char)s[i])) i++;
  if (i >= b) return -1;
  *body = i;
  return n;
}

static int md_heading_at(const char *s, uint32_t a, uint32_t b, uint32_t *body) {
  uint32_t i = a, level;
  while (i < b && s[i] == '#' && i - a < 7) i++;
  level = i - a;
  if (level == 0 || level > 6 || (i < b && !is_sp((unsigned char)s[i]))) return 0;
  while (i < b && is_sp((unsigned char)s[i])) i++;
  if (i >= b) return 0;
  *body = i;
  return (int)level;
}

/* A line of one repeated character (---, ***, ===, ___) with optional spaces. */
static int rule_line(const char *s, uint32_t a, uint32_t b, char *ch) {
  uint32_t i, n = 0;
  char c = s[a];
  if (c != '-' && c != '*' && c != '_' && c != '=') return 0;
  for (i = a; i < b; i++) {
    if (s[i] == c) n++;
    else if (!is_sp((unsigned char)s[i])) return 0;
  }
  *ch = c;
  return n >= 3;
}

/* ---- hash tables of forms ---- */

static void table_init(reader *R, ql_vec *t, uint32_t cap) {
  ql_vec_reserve(&R->d->mem, t, sizeof(fstat), cap);
  t->n = cap;
  memset(t->p, 0, (size_t)cap * sizeof(fstat));
}

/* The entry of key (inserted when `add` and the table has room), or NULL. */
static fstat *table_get(ql_vec *t, uint64_t key, int add) {
  fstat *e = (fstat *)t->p;
  uint32_t mask = t->n - 1, i, probes = 0;
  if (t->n == 0) return NULL;
  i = (uint32_t)key & mask;
  while (e[i].key != 0 && e[i].key != key) {
    i = (i + 1) & mask;
    if (++probes > t->n / 2) return NULL;
  }
  if (e[i].key == key) return &e[i];
  if (!add) return NULL;
  e[i].key = key;
  return &e[i];
}

/* ---- pass 1: lines ---- */

static void pass_lines(reader *R) {
  const char *s = R->src;
  uint32_t pos = 0, ls, le, ps = 0, pe = 0, one = 0, more = 0, nfooter = 0;
  int have = 0;
  if (R->report) {
    /* a slot per 64 bytes of source, within bounds: a short document
       should not pay for a table made for a book */
    uint32_t cap = FOOTER_SLOTS_MIN;
    while (cap < FOOTER_SLOTS_MAX && cap < R->len / 64) cap *= 2;
    table_init(R, &R->footers, cap);
  }
  while (ql_next_line(s, R->len, &pos, &ls, &le)) {
    uint32_t a = ls, b = le;
    ql_trim(s, &a, &b);
    if (a >= b) {
      if (have) ql_rf_scan_line(&R->rf, ps, pe, 0, 0);
      have = 0;
      continue;
    }
    if (R->report) {
      if (s[ls] == ' ') {
        if (ls + 1 < le && !is_sp((unsigned char)s[ls + 1])) one++; else more++;
      } else if (s[ls] == '\t') more++;
      if (footer_shape(s, a, b) == 1 && nfooter < R->footers.n / 2) {
        fstat *f = table_get(&R->footers, form_hash(s, a, b), 1);
        if (f) { if (f->count == 0) nfooter++; f->count++; }
      }
    }
    if (have) ql_rf_scan_line(&R->rf, ps, pe, a, b);
    ps = a; pe = b; have = 1;
  }
  if (have) ql_rf_scan_line(&R->rf, ps, pe, 0, 0);
  R->page_mode = R->report && one >= 2 && one > more;
  ql_rf_evidence(&R->rf);
}

/* ---- pass 2: blocks ---- */

/* The next non-blank line after pos (at most a few blank lines on). */
static int peek_line(const reader *R, uint32_t pos, uint32_t *a, uint32_t *b, int *blank_before) {
  uint32_t ls, le;
  int k = 0;
  *blank_before = 0;
  while (k < 4 && ql_next_line(R->src, R->len, &pos, &ls, &le)) {
    *a = ls; *b = le;
    ql_trim(R->src, a, b);
    if (*a < *b) return 1;
    *blank_before = 1;
    k++;
  }
  return 0;
}

static int next_is_blank(const reader *R, uint32_t pos) {
  uint32_t a, b;
  int blank;
  return !peek_line(R, pos, &a, &b, &blank) || blank;
}

static int32_t push_block(reader *R, uint8_t kind, uint32_t a, uint32_t b, uint32_t body) {
  rblock x;
  memset(&x, 0, sizeof x);
  x.kind = kind; x.s = a; x.e = b; x.body = body; x.nlines = 1;
  x.n = -1; x.cont = -1; x.attach = -1;
  QL_VEC_PUSH(&R->d->mem, &R->blocks, rblock, x);
  return (int32_t)R->blocks.n - 1;
}

static void add_drop(reader *R, uint32_t a, uint32_t b, const char *reason) {
  int32_t i = push_block(R, RB_DROP, a, b, a);
  BLK(R, i)->reason = reason;
}

static int is_caption(const char *s, uint32_t a, uint32_t b) {
  static const char *const words[] = { "Figure ", "Fig. ", "Fig ", "Table ", "Chart ", "Box ",
                                       "Exhibit ", "Graph ", "Map ", "Image ", "Plate ", NULL };
  int k;
  for (k = 0; words[k]; k++) {
    size_t n;
    if (s[a] != words[k][0]) continue; /* most blocks differ at once */
    n = strlen(words[k]);
    if (a + n < b && memcmp(s + a, words[k], n) == 0) {
      uint32_t i = a + (uint32_t)n;
      if (!is_digit((unsigned char)s[i]) && !is_up((unsigned char)s[i])) return 0;
      while (i < b && (is_digit((unsigned char)s[i]) || is_up((unsigned char)s[i]) || s[i] == '.')) i++;
      return i < b && (s[i] == ':' || s[i] == ' ' || s[i] == '.' || (unsigned char)s[i] == 0xE2);
    }
  }
  return 0;
}

/* "Health System: **United Kingdom**": a labelled value. */
static int is_field(const char *s, uint32_t a, uint32_t b, uint32_t *colon) {
  uint32_t i;
  if (!is_up((unsigned char)s[a]) || b - a < 8 || s[b - 1] != '*' || s[b - 2] != '*') return 0;
  for (i = a; i < b && i - a <= 40; i++) {
    if (s[i] == '*') return 0;
    if (s[i] == ':') break;
  }
  if (i >= b || s[i] != ':' || i + 4 >= b || s[i + 1] != ' ' || s[i + 2] != '*' || s[i + 3] != '*') return 0;
  *colon = i;
  return 1;
}

static int whole_bold(const char *s, uint32_t a, uint32_t b) {
  uint32_t i, n = 0;
  if (b - a < 5 || s[a] != '*' || s[a + 1] != '*' || s[b - 1] != '*' || s[b - 2] != '*') return 0;
  if (b - a > 260) return 0;
  for (i = a; i + 1 < b; i++) if (s[i] == '*' && s[i + 1] == '*') { n++; i++; }
  return n == 2;
}

/* Whether a closed paragraph block reads as a heading. */
static int block_headlike(const reader *R, const rblock *B) {
  const char *s = R->src;
  uint32_t f = start_skip(s, B->body, B->e), e = end_skip(s, B->body, B->e), p, ls, le, first_len = 0;
  uint32_t line2 = 0;
  int bold = (B->flags & F_BOLD) != 0, k = 0;
  if (B->nlines > (bold ? 3u : 2u)) return 0;
  if (B->e - B->s > (bold ? 240u : 140u) || e <= f) return 0;
  if (!title_start(s, f, e)) return 0;
  if ((terminal((unsigned char)s[e - 1]) && s[e - 1] != '?') || s[e - 1] == ',') return 0;
  /* the scans of the whole block last */
  if (dangling_end(s, f, e) || acronym_def(s, f, B->e)) return 0;
  if (has_link(s, B->s, B->e) || count_words(s, B->s, B->e) > 16 || sentence_break(s, f, e)) return 0;
  {
    uint32_t i, letters = 0;
    for (i = f; i < e && letters < 2; i++) letters += is_alpha((unsigned char)s[i]);
    if (letters < 2) return 0;
  }
  p = B->s;
  while (ql_next_line(s, B->e, &p, &ls, &le)) {
    uint32_t a = ls, b = le;
    ql_trim(s, &a, &b);
    if (b - a > 100) return 0;
    if (k == 0) first_len = b - a;
    if (k == 1) line2 = a;
    k++;
  }
  if (B->nlines == 2 && !bold) {
    /* a title wrapped in two: the second line goes on in lower case, the
     * first is long, or the second is one word */
    uint32_t a2 = start_skip(s, line2, B->e);
    if (!(is_low((unsigned char)s[a2]) || first_len >= 30 || count_words(s, line2, B->e) == 1)) return 0;
  }
  return 1;
}

static void close_block(reader *R) {
  const char *s = R->src;
  rblock *B;
  uint32_t f, e;
  uint32_t colon;
  if (R->cur < 0) return;
  B = BLK(R, R->cur);
  R->cur = -1;
  f = start_skip(s, B->body, B->e);
  e = end_skip(s, B->body, B->e);
  if (e > f) {
    unsigned char last = (unsigned char)s[e - 1];
    if (terminal(last)) B->flags |= F_END;
    if (is_alpha(last) || is_digit(last) || last == ',' || last >= 0x80) B->flags |= F_WORDEND;
    if (is_low((unsigned char)s[f])) B->flags |= F_LOWER;
    else if (title_start(s, f, e)) B->flags |= F_UPPER;
  }
  if (B->kind == RB_PARA) {
    if (B->flags & F_MD) { B->form = form_hash(s, B->body, B->e); return; }
    if (B->nlines <= 3 && is_caption(s, B->s, B->e)) { B->kind = RB_CAPTION; return; }
    if (R->report && B->nlines == 1 && is_field(s, B->s, B->e, &colon)) { B->kind = RB_FIELD; return; }
    if (whole_bold(s, B->s, B->e) && B->nlines <= 3) B->flags |= F_BOLD;
    if (R->report ? block_headlike(R, B) : (B->flags & F_BOLD) != 0) {
      B->flags |= F_HEADLIKE;
      B->form = form_hash(s, B->body, B->e);
    }
  } else if (B->kind == RB_ITEM && B->glyph == G_NUM && R->report && B->nlines == 1) {
    /* "1. Integrated systems" may be a numbered heading */
    if ((B->flags & F_UPPER) && !(B->flags & F_END) && s[e - 1] != ',' && B->e - B->body <= 60 &&
        count_words(s, B->body, B->e) <= 8 && is_up((unsigned char)s[B->body]))
      B->flags |= F_NUMHEAD;
  }
}

/* A page-top line that repeats the next line: a running header. */
static int dup_of_next(const reader *R, uint32_t a, uint32_t b, uint32_t pos) {
  uint32_t a2, b2;
  int blank;
  if (b - a > 100 || !peek_line(R, pos, &a2, &b2, &blank)) return 0;
  return b2 - a2 <= 100 && form_hash(R->src, a, b) == form_hash(R->src, a2, b2);
}

static void pass_blocks(reader *R) {
  const char *s = R->src;
  uint32_t pos = 0, ls, le;
  int prev_blank = 1, pt_next = 1;
  R->cur = -1;
  while (ql_next_line(s, R->len, &pos, &ls, &le)) {
    uint32_t a = ls, b = le, body = 0, fme = 0, us, ue;
    int pt = 0, strong = 0, mdl = 0, is_url;
    int32_t num = -1, fn = -1;
    uint32_t bl = 0;
    uint8_t glyph = G_NONE;
    char rc;
    ql_trim(s, &a, &b);
    if (a >= b) {
      if (le > ls) ql_drop(R->d, ls, le, "blank-line");
      close_block(R);
      prev_blank = 1;
      continue;
    }
    if (R->report) {
      int shape = footer_shape(s, a, b);
      pt = R->page_mode && s[ls] == ' ' && ls + 1 < le && !is_sp((unsigned char)s[ls + 1]);
      if (pt_next) { pt = 1; pt_next = 0; }
      if (shape == 2 && prev_blank && next_is_blank(R, pos)) {
        close_block(R); add_drop(R, a, b, "page-number"); pt_next = 1; prev_blank = 1;
        continue;
      }
      if (shape == 1) {
        fstat *f = table_get(&R->footers, form_hash(s, a, b), 0);
        if (f && f->count >= 2) {
          close_block(R); add_drop(R, a, b, "page-footer"); pt_next = 1; prev_blank = 1;
          continue;
        }
      }
      if (pt && line_headlike(s, a, b) && dup_of_next(R, a, b, pos)) {
        close_block(R); add_drop(R, a, b, "running-header"); prev_blank = 1;
        continue;
      }
    }
    if (rule_line(s, a, b, &rc)) {
      if ((rc == '=' || rc == '-') && R->cur >= 0 && BLK(R, R->cur)->nlines == 1 &&
          BLK(R, R->cur)->kind == RB_PARA) {
        rblock *B = BLK(R, R->cur);   /* a setext heading underline */
        B->flags |= F_MD;
        B->level = rc == '=' ? 1 : 2;
        ql_drop(R->d, a, b, "markup");
      } else {
        close_block(R);
        add_drop(R, a, b, "rule");
      }
      close_block(R);
      prev_blank = 1;
      continue;
    }
    mdl = md_heading_at(s, a, b, &body);
    if (!mdl) bl = bullet_at(s, a, b, &glyph, &strong);
    if (!mdl && !bl) {
      num = numitem_at(s, a, b, &body);
      if (num >= 0) glyph = G_NUM;
    }
    if (!mdl && !bl && num < 0 && (prev_blank || pt || R->cur < 0)) fn = ql_fn_start(s, a, b, &fme, &body);
    is_url = (prev_blank || pt || R->cur < 0) && !mdl && !bl && ql_fn_lone_url(s, a, b, &us, &ue);
    if (R->cur >= 0) {
      rblock *B = BLK(R, R->cur);
      uint32_t be = end_skip(s, B->s, B->e);
      int endp = be > B->s && terminal((unsigned char)s[be - 1]);
      int brk = 0;
      if (mdl || is_url || fn >= 0) brk = 1;
      else if (bl && strong) brk = 1;
      else if ((bl || num >= 0) && (endp || pt || B->kind == RB_ITEM)) brk = 1;
      else if (pt && (endp || (line_headlike(s, a, b) && next_is_blank(R, pos)))) brk = 1;
      else if (R->report && B->kind == RB_PARA && B->nlines == 1 && B->e - B->s < 30 &&
               line_headlike(s, B->s, B->e) && line_headlike(s, a, b) && is_up((unsigned char)s[a]) &&
               count_words(s, a, b) >= 2 && next_is_blank(R, pos))
        brk = 1; /* "Our vision for 2035" / "For citizens": two headings */
      if (!brk) {
        B->e = b;
        B->nlines++;
        prev_blank = 0;
        continue;
      }
      close_block(R);
    }
    {
      uint8_t kind = RB_PARA;
      uint32_t start = a;
      if (mdl) kind = RB_PARA;
      else if (bl) { kind = RB_ITEM; body = a + bl; }
      else if (num >= 0) kind = RB_ITEM;
      else if (fn >= 0) kind = RB_NOTE;
      else if (is_url) { kind = RB_URL; body = a; }
      else body = a;
      R->cur = push_block(R, kind, start, b, body);
      {
        rblock *B = BLK(R, R->cur);
        B->glyph = glyph;
        if (pt) B->flags |= F_PAGETOP;
        if (num >= 0) B->n = num;
        if (fn >= 0) B->n = fn;
        if (mdl) { B->flags |= F_MD; B->level = (uint8_t)mdl; close_block(R); }
      }
    }
    prev_blank = 0;
  }
  close_block(R);
}

/* ---- pass 3: structure ---- */

static int content_kind(const rblock *B) {
  return B->kind != RB_DROP && B->kind != RB_NOTE && B->kind != RB_URL && B->kind != RB_REF;
}

/* Numbered headings: a numbered line that no numbered item follows or
 * precedes. */
static void find_numbered_headings(reader *R) {
  uint32_t i, n = R->blocks.n;
  int prev_numitem = 0;
  for (i = 0; i < n; i++) {
    rblock *B = BLK(R, i);
    if (!content_kind(B)) continue;
    if (B->flags & F_NUMHEAD) {
      uint32_t j = i + 1;
      while (j < n && !content_kind(BLK(R, j))) j++;
      if (!prev_numitem && (j >= n || BLK(R, j)->kind != RB_ITEM || BLK(R, j)->glyph != G_NUM)) {
        B->kind = RB_HEAD;
        B->body = B->s; /* the number is part of the title */
        B->form = form_hash(R->src, B->s, B->e);
        prev_numitem = 0;
        continue;
      }
    }
    prev_numitem = B->kind == RB_ITEM && B->glyph == G_NUM;
  }
}

/* Titles that only ever stand at a page top are running headers: the first
 * is kept as a top-level heading, the others dropped. */
static void find_running_headers(reader *R) {
  uint32_t i, n = R->blocks.n, cand = 0, cap = 64;
  for (i = 0; i < n; i++) {
    const rblock *B = BLK(R, i);
    if ((B->kind == RB_PARA && (B->flags & (F_HEADLIKE | F_MD))) || B->kind == RB_HEAD) cand++;
  }
  while (cap < cand * 2 + 16) cap *= 2;
  table_init(R, &R->titles, cap);
  for (i = 0; i < n; i++) {
    rblock *B = BLK(R, i);
    fstat *f;
    if (!((B->kind == RB_PARA && (B->flags & (F_HEADLIKE | F_MD))) || B->kind == RB_HEAD)) continue;
    f = table_get(&R->titles, B->form, 1);
    if (!f) continue;
    if (f->count == 0) f->first = i;
    f->count++;
    f->live++;
    if (B->flags & F_PAGETOP) f->pt++;
  }
  if (!R->report) return;
  for (i = 0; i < n; i++) {
    rblock *B = BLK(R, i);
    fstat *f;
    if (!(B->kind == RB_PARA && (B->flags & F_HEADLIKE))) continue;
    f = table_get(&R->titles, B->form, 0);
    if (!f || f->count < 2 || f->pt != f->count) continue;
    if (f->first == i) B->flags |= F_CHAPTER;
    else { B->kind = RB_DROP; B->reason = "running-header"; f->live--; }
  }
}

static int recurring(const reader *R, const rblock *B) {
  fstat *f = table_get((ql_vec *)&R->titles, B->form, 0);
  return f && f->live >= 2;
}

/* Front and back matter titles: top level wherever they stand. */
static int top_title(const reader *R, const rblock *B) {
  static const char *const exact[] = {
    "abstract", "summary", "executive summary", "key points", "key messages", "key findings",
    "key recommendations", "background", "introduction", "foreword", "preface", "contents",
    "table of contents", "conclusion", "conclusions", "closing remarks", "concluding remarks",
    "recommendations", "references", "bibliography", "notes", "endnotes", "abbreviations",
    "glossary", "acknowledgements", "acknowledgments", "about the authors", "about us", NULL };
  static const char *const prefix[] = { "appendix", "annex", "recommendations", "conclusions",
                                        "summary", "references", NULL };
  char buf[72];
  size_t n = norm_title(R->src, B->body, B->e, buf, sizeof buf), k;
  if (ql_list_index(exact, buf, n) >= 0) return 1;
  for (k = 0; prefix[k]; k++) {
    size_t m = strlen(prefix[k]);
    if (n > m && memcmp(buf, prefix[k], m) == 0 && buf[m] == ' ') return 1;
  }
  return 0;
}

/* Stranded footnote URLs: appended to the footnote just before, or to a
 * recent footnote without a URL whose words the URL repeats. */
static void attach_urls(reader *R) {
  const char *s = R->src;
  uint32_t i, n = R->blocks.n;
  for (i = 0; i < n; i++) {
    rblock *U = BLK(R, i);
    uint32_t us, ue;
    int32_t k, best = -1, best_score = 1, prev = (int32_t)i - 1;
    if (U->kind != RB_URL) continue;
    if (!ql_fn_lone_url(s, U->s, U->e, &us, &ue)) { U->kind = RB_REF; continue; }
    while (prev >= 0 && BLK(R, prev)->kind == RB_DROP) prev--;
    if (prev >= 0) {
      rblock *P = BLK(R, prev);
      if (P->kind == RB_NOTE && P->attach < 0 && !ql_fn_has_url(s, P->body, P->e)) best = prev;
    }
    for (k = (int32_t)i - 1; best < 0 && k >= 0 && (int32_t)i - k <= 40; k--) {
      rblock *P = BLK(R, k);
      int sc;
      if (P->kind == RB_HEAD) break;
      if (P->kind != RB_NOTE || P->attach >= 0 || ql_fn_has_url(s, P->body, P->e < P->body + 4000 ? P->e : P->body + 4000)) continue;
      sc = ql_fn_url_score(s, us, ue, P->body, P->e);
      if (sc > best_score) { best_score = sc; best = k; }
    }
    if (best < 0) { U->kind = RB_REF; continue; }
    BLK(R, best)->attach = (int32_t)i;
    U->flags |= F_USED;
  }
}

/* A paragraph that stops mid-sentence goes on in the next paragraph when
 * that starts in lower case (page break, OCR blank line), possibly after
 * footnotes and page furniture, which are then emitted after it. */
static void join_paragraphs(reader *R) {
  uint32_t i, n = R->blocks.n;
  for (i = 0; i < n; i++) {
    rblock *B = BLK(R, i), *C;
    uint32_t j = i + 1, k, skipped = 0;
    int ok;
    if ((B->kind != RB_PARA && B->kind != RB_ITEM) || (B->flags & F_END)) continue;
    if ((B->flags & F_HEADLIKE) && (B->flags & (F_BOLD | F_MD | F_CHAPTER))) continue;
    while (j < n && j - i <= 40) {
      const rblock *X = BLK(R, j);
      if (X->kind == RB_NOTE || X->kind == RB_URL || X->kind == RB_REF || X->kind == RB_DROP || (X->flags & F_USED)) {
        skipped++; j++;
        continue;
      }
      break;
    }
    if (j >= n) continue;
    C = BLK(R, j);
    if (C->kind != RB_PARA || (C->flags & (F_CONT | F_HEADLIKE | F_MD))) continue;
    ok = (C->flags & F_LOWER) != 0;
    if (B->flags & F_HEADLIKE) {
      /* a short first line cut off by a blank line is no title */
      if (!ok || B->nlines > 1) continue;
      B->flags &= (uint16_t)~F_HEADLIKE;
    }
    if (!ok && skipped && (B->flags & F_WORDEND) && (C->flags & F_UPPER)) ok = 1;
    if (!ok && B->nlines >= 2 && is_low((unsigned char)R->src[end_skip(R->src, B->s, B->e) - 1]) &&
        acronym_start(R->src, C->body, C->e))
      ok = 1; /* "...others have developed" / "PCN hubs and ..." */
    if (!ok && (B->flags & F_WORDEND) && C->nlines == 1 && (C->flags & F_END) && count_words(R->src, C->s, C->e) <= 4)
      ok = 1; /* a stranded sentence tail: "GP practices." */
    if (!ok) continue;
    B->cont = (int32_t)j;
    C->flags |= F_CONT;
    for (k = i + 1; k < j; k++) {
      rblock *X = BLK(R, k);
      if ((X->kind == RB_NOTE || X->kind == RB_URL || X->kind == RB_REF) && !(X->flags & F_USED)) X->flags |= F_DEFER;
    }
  }
}

/* Folded form of the first word of a heading ("for" in "For primary
 * care"); 0 when it is shorter than three letters. */
static uint64_t first_word(const char *s, const rblock *B) {
  uint32_t a = start_skip(s, B->body, B->e), i = a;
  while (i < B->e && is_alpha((unsigned char)s[i])) i++;
  return i - a >= 3 && (i == B->e || s[i] == ' ') ? form_hash(s, a, i) : 0;
}

/* Heading levels without layout: chapter titles (running headers, front and
 * back matter) at 1; a heading right under another one level deeper; titles
 * that recur (the same sub-structure in every chapter, "Shifting the dial")
 * under the current topic, a recurring one after another as its sibling;
 * other headings at 2 once a top level exists, unless they open with the
 * first word of a deeper heading of the same chapter: they continue that
 * series ("For citizens" ... "For primary care"). */
static void assign_levels(reader *R) {
  uint32_t i, n = R->blocks.n, nseries = 0, k;
  int stacked = 0, prev_level = 0, prev_group = 0, topic = 1, has_top = 0, last_md = 0, last_plain = 1;
  struct { uint64_t word; int level; } series[8]; /* the chapter's last headings, a ring */
  for (i = 0; i < n; i++) {
    rblock *B = BLK(R, i);
    int level, rec, numbered;
    uint64_t word;
    if (B->kind == RB_PARA && (B->flags & (F_HEADLIKE | F_MD))) B->kind = RB_HEAD;
    if (!content_kind(B) || (B->flags & F_CONT)) continue;
    if (B->kind != RB_HEAD) { stacked = 0; continue; }
    rec = recurring(R, B);
    numbered = B->glyph == G_NUM;
    word = first_word(R->src, B);
    if (B->flags & F_MD) level = last_md = B->level;
    else if (last_md) level = last_md + 1;
    else if (!has_top && !prev_level) { level = 1; topic = 1; } /* the first heading */
    else if (numbered) level = last_plain + 1;
    else if ((B->flags & F_CHAPTER) || top_title(R, B)) { level = 1; topic = 1; }
    else if (stacked) level = prev_level + 1;
    else if (rec) level = prev_group ? prev_level : topic + 1;
    else {
      level = has_top ? 2 : 1;
      topic = level;
      for (k = 0; word && k < nseries && k < 8; k++)
        if (series[k].word == word && series[k].level > level) level = series[k].level;
    }
    if (level < 1) level = 1;
    if (level > 8) level = 8;
    if (level == 1) nseries = 0;
    else if (word && !numbered && !rec) {
      series[nseries % 8].word = word;
      series[nseries++ % 8].level = level;
    }
    prev_group = rec || (stacked && prev_group);
    if (level == 1) has_top = 1;
    prev_level = level;
    if (!numbered) last_plain = level;
    B->level = (uint8_t)level;
    stacked = 1;
  }
}

/* First words of running prose rather than of an instruction. */
static int prose_start(const char *s, uint32_t a, uint32_t e) {
  static const char *const words[] = {
    "the", "this", "these", "that", "those", "there", "their", "they", "it", "its", "in", "on",
    "at", "of", "for", "from", "with", "by", "to", "into", "we", "our", "us", "you", "your",
    "he", "she", "his", "her", "a", "an", "however", "but", "and", "or", "so", "yet", "between",
    "during", "while", "when", "where", "whereas", "if", "although", "though", "because",
    "since", "such", "some", "many", "most", "all", "each", "both", "one", "what", "which",
    "who", "how", "why", "also", "furthermore", "moreover", "additionally", "overall",
    "finally", "firstly", "secondly", "thus", "therefore", "hence", "here", "today",
    "currently", "despite", "after", "before", "over", "under", "through", "within",
    "without", "among", "across", "according", "i", "my", "not", "no", "yes", NULL };
  char w[16];
  size_t n = 0;
  uint32_t i = start_skip(s, a, e);
  while (i < e && is_alpha((unsigned char)s[i]) && n < sizeof w - 1) w[n++] = (char)(s[i++] | 0x20);
  w[n] = '\0';
  return ql_list_index(words, w, n) >= 0;
}

/* Shape of a recommendation whose bullet the OCR lost: a short paragraph
 * (with its continuations) starting with a capital and ending a sentence. */
static int item_shaped(const reader *R, const rblock *B, int strict) {
  const rblock *T = B;
  uint32_t lines = B->nlines;
  if (B->kind != RB_PARA || (B->flags & (F_CONT | F_HEADLIKE)) || !(B->flags & F_UPPER)) return 0;
  while (T->cont >= 0 && lines <= 8) { T = BLK(R, T->cont); lines += T->nlines; }
  if (lines > 8 || !(T->flags & F_END)) return 0;
  return !strict || !prose_start(R->src, B->body, B->e);
}

static int member(const rblock *B) {
  return content_kind(B) && !(B->flags & (F_CONT | F_DEFER)) && B->kind != RB_CAPTION && B->kind != RB_FIELD;
}

static void make_item(rblock *B) { B->kind = RB_ITEM; B->flags |= F_LOST; B->n = -1; }

/* Under a heading, the paragraphs next to bullet items that look like items
 * are items too; and a section whose title elsewhere heads a list is read
 * as a list. */
static void find_lost_bullets(reader *R) {
  uint32_t n = R->blocks.n, i = 0;
  int round;
  /* which titles head a section with explicit items */
  for (round = 0; round < 2; round++) {
    uint32_t start = 0;
    fstat *head = NULL;
    for (i = 0; i <= n; i++) {
      rblock *B = i < n ? BLK(R, i) : NULL;
      if (B && B->kind != RB_HEAD) continue;
      /* the run (start, i) under `head` */
      {
        uint32_t k, items = 0;
        int32_t prev = -1;
        for (k = start; k < i; k++) {
          rblock *X = BLK(R, k);
          if (member(X) && X->kind == RB_ITEM && !(X->flags & F_LOST)) items++;
        }
        if (round == 0) { if (head && items) head->items = 1; }
        else if (items) {
          /* forward then backward: neighbours of items */
          for (k = start; k < i; k++) {
            rblock *X = BLK(R, k);
            if (!member(X)) continue;
            if (prev >= 0 && BLK(R, prev)->kind == RB_ITEM && item_shaped(R, X, 1)) make_item(X);
            prev = (int32_t)k;
          }
          prev = -1;
          for (k = i; k-- > start;) {
            rblock *X = BLK(R, k);
            if (!member(X)) continue;
            if (prev >= 0 && BLK(R, prev)->kind == RB_ITEM && item_shaped(R, X, 1)) make_item(X);
            prev = (int32_t)k;
          }
        } else if (head && head->items) {
          for (k = start; k < i; k++) {
            rblock *X = BLK(R, k);
            if (member(X) && item_shaped(R, X, 1)) make_item(X);
          }
        }
      }
      start = i + 1;
      head = B ? table_get(&R->titles, B->form, 0) : NULL;
    }
  }
}

/* ---- pass 4: emission ---- */

static void emit_lines(reader *R, uint32_t from, uint32_t to) {
  const char *s = R->src;
  uint32_t p = from, ls, le, a = 0, b = 0;
  int have = 0;
  while (ql_next_line(s, to, &p, &ls, &le)) {
    uint32_t x = ls, y = le;
    ql_trim(s, &x, &y);
    if (x >= y) continue;
    if (have) ql_rf_line(&R->rf, a, b, x);
    a = x; b = y; have = 1;
  }
  if (have) ql_rf_line(&R->rf, a, b, UINT32_MAX);
}

static uint32_t emit_block(reader *R, uint32_t i, int *title_done) {
  ql_doc *d = R->d;
  rblock *B = BLK(R, i);
  uint32_t t0, t1, tail = i;
  int32_t c, idx;
  ql_block_sep(d, B->s);
  t0 = ql_text_len(d);
  if (B->body > B->s)
    ql_drop(d, B->s, B->body, B->kind == RB_ITEM ? (B->glyph == G_NUM ? "list-number" : "bullet")
                            : B->kind == RB_NOTE ? "footnote-number" : "markup");
  ql_rf_begin(&R->rf);
  emit_lines(R, B->body, B->e);
  for (c = B->cont; c >= 0; c = BLK(R, c)->cont) {
    ql_rf_join(&R->rf, BLK(R, c)->s);
    emit_lines(R, BLK(R, c)->body, BLK(R, c)->e);
    tail = (uint32_t)c;
  }
  if (B->attach >= 0) {
    ql_rf_join(&R->rf, BLK(R, B->attach)->s);
    emit_lines(R, BLK(R, B->attach)->s, BLK(R, B->attach)->e);
  }
  t1 = ql_text_len(d);
  switch (B->kind) {
  case RB_HEAD:
    if (t1 > t0) {
      ql_section_open(d, (const char *)d->text.p + t0, t1 - t0, B->level ? B->level : 1, QL_CAT_NONE, t0);
      /* a wholly bold heading near the top is the document title */
      if ((B->flags & F_BOLD) && !*title_done && !ql_meta_get(d, "title", NULL) && i < 16) {
        ql_meta_add(d, "title", (const char *)d->text.p + t0, t1 - t0);
        *title_done = 1;
      }
    }
    ql_add_block(d, QL_BLOCK_HEADING, t0, t1, QL_NONE);
    break;
  case RB_ITEM:
    ql_add_block(d, QL_BLOCK_LIST_ITEM, t0, t1, B->glyph == G_NUM ? B->n : QL_NONE);
    break;
  case RB_NOTE:
    idx = ql_add_block(d, QL_BLOCK_FOOTNOTE, t0, t1, B->n);
    if (idx >= 0) {
      ql_rf_note nt;
      nt.n = B->n; nt.block = idx; nt.src = B->s;
      QL_VEC_PUSH(&d->mem, &R->rf.notes, ql_rf_note, nt);
    }
    break;
  case RB_CAPTION:
    ql_add_block(d, QL_BLOCK_CAPTION, t0, t1, QL_NONE);
    break;
  case RB_FIELD: {
    const char *t = (const char *)d->text.p;
    uint32_t k = t0;
    while (k < t1 && t[k] != ':') k++;
    if (k < t1) {
      uint32_t v = k + 1;
      while (v < t1 && t[v] == ' ') v++;
      ql_field_add(d, t + t0, k - t0, t + v, t1 - v);
    }
    ql_add_block(d, QL_BLOCK_FIELD, t0, t1, QL_NONE);
    break;
  }
  case RB_URL: case RB_REF:
    ql_add_block(d, QL_BLOCK_REFERENCE, t0, t1, QL_NONE);
    break;
  default:
    ql_add_block(d, QL_BLOCK_PARAGRAPH, t0, t1, QL_NONE);
    break;
  }
  return tail;
}

static void pass_emit(reader *R) {
  uint32_t i, n = R->blocks.n;
  int title_done = 0;
  for (i = 0; i < n; i++) {
    rblock *B = BLK(R, i);
    uint32_t tail, k;
    if (B->kind == RB_DROP) { ql_drop(R->d, B->s, B->e, B->reason); continue; }
    if (B->flags & (F_CONT | F_DEFER | F_USED)) continue;
    tail = emit_block(R, i, &title_done);
    for (k = i + 1; k < tail; k++)
      if (BLK(R, k)->flags & F_DEFER) emit_block(R, k, &title_done);
  }
  ql_fn_link(&R->rf);
}

/* ---- driver ---- */

static void reader_free(reader *R) {
  ql_mem *m = &R->d->mem;
  ql_rf_free(&R->rf);
  ql_vec_free(m, &R->blocks, sizeof(rblock));
  ql_vec_free(m, &R->footers, sizeof(fstat));
  ql_vec_free(m, &R->titles, sizeof(fstat));
}

static void read_all(reader *R) {
  /* the text is about as long as the source: one allocation, no copies */
  ql_vec_reserve(&R->d->mem, &R->d->text, 1, (size_t)R->len + 64);
  ql_vec_prefault(&R->d->text, 1, R->d->text.n, R->len);
  pass_lines(R);
  pass_blocks(R);
  if (R->report) find_numbered_headings(R);
  find_running_headers(R);
  attach_urls(R);
  if (R->report) join_paragraphs(R);
  assign_levels(R);
  if (R->report) find_lost_bullets(R);
  pass_emit(R);
}

/* Runs the passes with an out-of-memory handler of our own, so the scratch
 * tables are freed before the document's handler takes over. */
static void run_guarded(reader *R) {
  jmp_buf jb;
  jmp_buf *outer = R->d->mem.oom;
  if (setjmp(jb)) {
    R->d->mem.oom = outer;
    reader_free(R);
    if (outer) longjmp(*outer, 1);
    return;
  }
  R->d->mem.oom = &jb;
  read_all(R);
  R->d->mem.oom = outer;
  reader_free(R);
}

static void read_doc(ql_doc *d, int report) {
  reader R;
  memset(&R, 0, sizeof R);
  R.d = d;
  R.src = d->source ? d->source : "";
  R.len = d->srclen;
  R.report = report;
  ql_rf_init(&R.rf, d);
  if (R.len == 0) return;
  run_guarded(&R);
}

void ql_read_report(ql_doc *d) { read_doc(d, 1); }

void ql_read_text(ql_doc *d) { read_doc(d, 0); }
