/* sentence.c - English sentence boundary detection.
 *
 * One forward pass over the bytes with a bounded look-back and look-ahead
 * around each candidate; no allocation, no global mutable state.  The rules
 * follow the spirit of the "Golden Rules" of Pragmatic Segmenter (written
 * from scratch here):
 *  - ". ", "? ", "! " and ellipses end a sentence when what follows can start
 *    one (not a lower-case word);
 *  - a word before "." is looked up in a table of abbreviations, each with a
 *    class saying when it may still end a sentence;
 *  - closing quotes and brackets, superscript footnote markers, glued
 *    reference numbers ("disease.(2)", "martyr.[1]", "consultation.11 12")
 *    stay with the sentence they close;
 *  - the text inside a quotation or brackets is not split;
 *  - numbered or lettered list items ("1. a 2. b", "a) x b) y") are split
 *    before each marker, never after it;
 *  - a blank line always ends a sentence; a single newline is a space.
 */
#include <stdint.h>
#include <string.h>
#include "qualua.h"

/* Positions are computed in 64 bits so that "i + 3" cannot wrap even for a
 * range that ends at UINT32_MAX. */
typedef uint64_t qpos;
#define NONE UINT64_MAX
/* How far a quotation or bracket may reach: beyond it the opener is taken
 * for a stray character rather than swallowing the paragraph. */
#define MASK_WINDOW 800u
/* Longest token looked at before a full stop. */
#define TOKEN_MAX 64u

/* ------------------------------------------------------------------ */
/* Character classes                                                    */

enum { K_NONE = 0, K_TERM, K_NL, K_OPEN, K_U8, K_SPACE };

/* Bytes that may need attention; everything else is skipped in the hot
 * loop.  The list variant also stops at spaces, where a list item may
 * begin. */
#define K_COMMON \
  ['.'] = K_TERM, ['?'] = K_TERM, ['!'] = K_TERM, \
  ['\n'] = K_NL, ['\r'] = K_NL, \
  ['"'] = K_OPEN, ['\''] = K_OPEN, ['`'] = K_OPEN, \
  ['('] = K_OPEN, ['['] = K_OPEN, ['{'] = K_OPEN, \
  [0xC2] = K_U8, [0xE2] = K_U8, [0xE3] = K_U8, [0xEF] = K_U8

static const unsigned char k_base[256] = { K_COMMON };
static const unsigned char k_list[256] = { K_COMMON, [' '] = K_SPACE, ['\t'] = K_SPACE };

static int is_digit(unsigned c) { return c >= '0' && c <= '9'; }
static int is_upper(unsigned c) { return c >= 'A' && c <= 'Z'; }
static int is_lower(unsigned c) { return c >= 'a' && c <= 'z'; }
static int is_alpha(unsigned c) { return is_upper(c) || is_lower(c); }
static int is_alnum(unsigned c) { return is_alpha(c) || is_digit(c); }

static int is_ws_cp(uint32_t c) {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D);
  return c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

/* 1: full stop, 2: question or exclamation mark, 3: ellipsis character. */
static int term_kind(uint32_t c) {
  switch (c) {
  case '.': case 0xFF0E: case 0x3002: case 0xFE52: return 1;
  case '?': case '!': case 0xFF1F: case 0xFF01: case 0x203C: case 0x203D:
  case 0x2047: case 0x2048: case 0x2049: return 2;
  case 0x2026: return 3;
  default: return 0;
  }
}

/* Full-width marks end a sentence without a following space. */
static int is_wide_term(uint32_t c) {
  return c == 0xFF0E || c == 0x3002 || c == 0xFF1F || c == 0xFF01;
}

static int is_close_quote(uint32_t c) {
  return c == '"' || c == '\'' || c == 0x201D || c == 0x2019 || c == 0xBB ||
         c == 0x203A || c == 0x300D || c == 0x300F;
}

static int is_close_bracket(uint32_t c) {
  return c == ')' || c == ']' || c == '}' || c == 0xFF09 || c == 0x3011;
}

static int is_open_char(uint32_t c) {
  return c == '"' || c == '\'' || c == '`' || c == '(' || c == '[' || c == '{' ||
         c == 0x201C || c == 0x2018 || c == 0x201E || c == 0xAB || c == 0x2039 ||
         c == 0xBF || c == 0xA1 || c == 0xFF08 || c == 0x300C;
}

/* Footnote markers that may follow a sentence end: superscript digits, and
 * what OCR makes of them (®, °, *, daggers). */
static int is_sup_marker(uint32_t c) {
  return c == 0xB9 || c == 0xB2 || c == 0xB3 || c == 0x2070 || c == 0x2071 ||
         (c >= 0x2074 && c <= 0x207F) || c == 0xAE || c == 0xB0 || c == '*' ||
         c == 0x2020 || c == 0x2021;
}

static int is_bullet(uint32_t c) {
  switch (c) {
  case 0x2022: case 0x2023: case 0x2043: case 0x2219: case 0x25AA: case 0x25AB:
  case 0x25CF: case 0x25CB: case 0x25A0: case 0x25A1: case 0x25E6: case 0x25BA:
  case 0x25B8: case 0x25B6: case 0x25C6: case 0x27A2: case 0x2794: case 0x2713:
  case 0x2714: case 0x2717: case 0x2610: case 0x2611: case 0x2756: case 0xF0B7:
  case 0xF0A7: case 0xF0D8:
    return 1;
  default:
    return 0;
  }
}

static int is_dash(uint32_t c) {
  return c == '-' || (c >= 0x2010 && c <= 0x2015) || c == 0x2212;
}

/* 1 upper-case letter, -1 lower-case letter, 0 anything else or unknown. */
static int case_of(uint32_t c) {
  if (c < 0x80) return is_upper(c) ? 1 : is_lower(c) ? -1 : 0;
  if (c >= 0xC0 && c <= 0xDE) return c == 0xD7 ? 0 : 1;
  if (c >= 0xDF && c <= 0xFF) return c == 0xF7 ? 0 : -1;
  if (c >= 0x100 && c <= 0x17F) {   /* Latin Extended-A pairs */
    if (c <= 0x137 || (c >= 0x14A && c <= 0x177)) return (c & 1) ? -1 : 1;
    if (c == 0x138 || c == 0x149 || c == 0x17F) return -1;
    if (c == 0x178) return 1;
    return (c & 1) ? 1 : -1;
  }
  if (c >= 0x391 && c <= 0x3A9) return 1;
  if (c >= 0x3B1 && c <= 0x3C9) return -1;
  if (c >= 0x410 && c <= 0x42F) return 1;
  if (c >= 0x430 && c <= 0x44F) return -1;
  return 0;
}

/* ------------------------------------------------------------------ */
/* The splitter state                                                   */

enum { Q_DQ, Q_SQ, Q_BQ, Q_PAREN, Q_BRACKET, Q_BRACE, Q_CDQ, Q_CSQ, Q_GUIL,
       Q_SGUIL, Q_LOW, Q_WPAREN, Q_NKINDS };

enum { M_NUM = 1, M_LETTER, M_ROMAN };           /* list marker kinds */
enum { D_DOT = 1, D_PAREN, D_DOTPAREN, D_BOTH };  /* "1." "1)" "1.)" "(1)" */

typedef struct {
  int kind, delim, upper;
  qpos val;
  int alt_kind;        /* a single letter that is also a roman numeral */
  qpos alt_val;
  qpos end;            /* just past the marker */
} marker;

typedef struct {
  const unsigned char *s;
  qpos lo, hi;
  ql_span_cb cb;
  void *ud;
  qpos sent;           /* first byte of the current sentence */
  qpos content;        /* first byte after its leading bullets */
  int list_on, list_kind, list_delim, list_upper;
  qpos list_next;
  qpos nomatch[Q_NKINDS]; /* an opener before this has no closer */
} splitter;

static uint32_t u8(const splitter *b, qpos i, int *len) {
  const unsigned char *s = b->s;
  uint32_t c = s[i];
  if (c < 0x80) { *len = 1; return c; }
  if (c >= 0xC2 && c <= 0xDF && i + 1 < b->hi && (s[i + 1] & 0xC0) == 0x80) {
    *len = 2;
    return ((c & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu);
  }
  if (c >= 0xE0 && c <= 0xEF && i + 2 < b->hi && (s[i + 1] & 0xC0) == 0x80 &&
      (s[i + 2] & 0xC0) == 0x80) {
    *len = 3;
    return ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
  }
  if (c >= 0xF0 && c <= 0xF4 && i + 3 < b->hi && (s[i + 1] & 0xC0) == 0x80 &&
      (s[i + 2] & 0xC0) == 0x80 && (s[i + 3] & 0xC0) == 0x80) {
    *len = 4;
    return ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) |
           ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu);
  }
  *len = 1;
  return 0xFFFD;
}

/* The code point ending just before i (i > floor); 0 at the floor. */
static uint32_t u8_prev(const splitter *b, qpos floor, qpos i, int *len) {
  qpos j;
  uint32_t c;
  int n = 0, l;
  if (i <= floor) { *len = 0; return 0; }
  j = i - 1;
  while (j > floor && (b->s[j] & 0xC0) == 0x80 && n < 3) { j--; n++; }
  c = u8(b, j, &l);
  if (j + (qpos)l != i) { *len = 1; return 0xFFFD; }
  *len = l;
  return c;
}

static int ws_at(const splitter *b, qpos i) {
  unsigned c = b->s[i];
  int l;
  if (c < 0x80) return (c == ' ' || (c >= 0x09 && c <= 0x0D)) ? 1 : 0;
  if (c != 0xC2 && c != 0xE1 && c != 0xE2 && c != 0xE3) return 0;
  return is_ws_cp(u8(b, i, &l)) ? l : 0;
}

/* Line breaks counted at i: a lone CR is a paragraph mark (as in word
 * processors), so it counts as a blank line. */
static int line_breaks(const splitter *b, qpos i) {
  if (b->s[i] == '\n') return 1;
  if (b->s[i] == '\r') return (i + 1 < b->hi && b->s[i + 1] == '\n') ? 0 : 2;
  return 0;
}

static qpos skip_ws(const splitter *b, qpos i) {
  int l;
  while (i < b->hi && (l = ws_at(b, i)) > 0) i += (qpos)l;
  return i;
}

static int ws_before(const splitter *b, qpos i) {
  int l;
  if (i <= b->lo) return 1;
  if (b->s[i - 1] < 0x80) return is_ws_cp(b->s[i - 1]);
  return is_ws_cp(u8_prev(b, b->lo, i, &l));
}

/* ------------------------------------------------------------------ */
/* Word tables                                                          */

/* Abbreviation classes: when may the word before "." still end a sentence? */
enum {
  A_PLAIN = 0, /* not an abbreviation: whenever a sentence can start */
  A_PRE,       /* titles and the like (Mr., Dr., e.g.): never */
  A_NUM,       /* takes a number (No., Fig., p.): not before a number */
  A_STARTER,   /* only before a typical sentence starter (Inc., Jan., U.S.) */
  A_TIME       /* a.m., p.m.: before any capital */
};

typedef struct { const char *w; unsigned char cls; } abbrev;

/* Sorted (strcmp order) for binary search; lower case, inner dots kept. */
static const abbrev abbrevs[] = {
  {"a.k.a", A_PRE}, {"a.m", A_TIME}, {"acad", A_STARTER}, {"adm", A_PRE},
  {"al", A_NUM}, {"ala", A_STARTER}, {"app", A_NUM}, {"approx", A_PRE},
  {"appx", A_NUM}, {"apr", A_STARTER}, {"ariz", A_STARTER}, {"ark", A_STARTER},
  {"art", A_NUM}, {"arts", A_NUM}, {"assn", A_STARTER}, {"assoc", A_STARTER},
  {"asst", A_STARTER}, {"attys", A_PRE}, {"aug", A_STARTER}, {"ave", A_STARTER},
  {"bldg", A_STARTER}, {"blvd", A_STARTER}, {"brig", A_PRE}, {"bros", A_STARTER},
  {"btw", A_STARTER}, {"c", A_NUM}, {"ca", A_NUM}, {"calif", A_STARTER},
  {"capt", A_PRE}, {"cf", A_PRE}, {"ch", A_NUM}, {"chap", A_NUM},
  {"cit", A_STARTER}, {"cl", A_NUM}, {"cmdr", A_PRE}, {"co", A_STARTER},
  {"col", A_PRE}, {"colo", A_STARTER}, {"comdr", A_PRE}, {"conn", A_STARTER},
  {"corp", A_STARTER}, {"cpl", A_PRE}, {"cpt", A_PRE}, {"dec", A_STARTER},
  {"dept", A_STARTER}, {"depts", A_STARTER}, {"det", A_PRE}, {"dist", A_STARTER},
  {"div", A_STARTER}, {"dr", A_PRE}, {"drs", A_PRE}, {"e.g", A_PRE},
  {"ed", A_NUM}, {"eds", A_NUM}, {"eq", A_NUM}, {"eqn", A_NUM},
  {"eqs", A_NUM}, {"esp", A_STARTER}, {"esq", A_STARTER}, {"est", A_NUM},
  {"excl", A_PRE}, {"ext", A_NUM}, {"feb", A_STARTER}, {"fig", A_NUM},
  {"figs", A_NUM}, {"fla", A_STARTER}, {"fr", A_PRE}, {"ft", A_STARTER},
  {"gen", A_PRE}, {"gov", A_PRE}, {"govt", A_STARTER}, {"hon", A_PRE},
  {"hosp", A_STARTER}, {"hwy", A_STARTER}, {"i.e", A_PRE}, {"ibid", A_STARTER},
  {"inc", A_STARTER}, {"incl", A_PRE}, {"insp", A_PRE}, {"inst", A_STARTER},
  {"intl", A_STARTER}, {"jan", A_STARTER}, {"jr", A_STARTER}, {"jul", A_STARTER},
  {"jun", A_STARTER}, {"kans", A_STARTER}, {"l", A_NUM}, {"ll", A_NUM},
  {"llc", A_STARTER}, {"llp", A_STARTER}, {"lt", A_PRE}, {"ltd", A_STARTER},
  {"maj", A_PRE}, {"mar", A_STARTER}, {"messrs", A_PRE}, {"mfg", A_STARTER},
  {"mgmt", A_STARTER}, {"mich", A_STARTER}, {"minn", A_STARTER}, {"misc", A_STARTER},
  {"mlle", A_PRE}, {"mme", A_PRE}, {"mont", A_STARTER}, {"mr", A_PRE},
  {"mrs", A_PRE}, {"ms", A_PRE}, {"msgr", A_PRE}, {"mssrs", A_PRE},
  {"mt", A_PRE}, {"mx", A_PRE}, {"n", A_NUM}, {"natl", A_STARTER},
  {"nebr", A_STARTER}, {"nev", A_STARTER}, {"nn", A_NUM}, {"no", A_NUM},
  {"nos", A_NUM}, {"nov", A_STARTER}, {"nr", A_NUM}, {"oct", A_STARTER},
  {"okla", A_STARTER}, {"op", A_PRE}, {"p", A_NUM}, {"p.m", A_TIME},
  {"para", A_NUM}, {"paras", A_NUM}, {"penn", A_STARTER}, {"pg", A_NUM},
  {"ph", A_PRE}, {"plc", A_STARTER}, {"pp", A_NUM}, {"pres", A_PRE},
  {"prof", A_PRE}, {"profs", A_PRE}, {"pt", A_NUM}, {"pts", A_NUM},
  {"pvt", A_PRE}, {"ref", A_NUM}, {"refs", A_NUM}, {"rep", A_PRE},
  {"reps", A_PRE}, {"resp", A_STARTER}, {"rev", A_PRE}, {"revd", A_PRE},
  {"rs", A_NUM}, {"rt", A_PRE}, {"sec", A_NUM}, {"secs", A_NUM},
  {"sect", A_NUM}, {"sen", A_PRE}, {"sens", A_PRE}, {"sep", A_STARTER},
  {"sept", A_STARTER}, {"ser", A_NUM}, {"sgt", A_PRE}, {"sr", A_STARTER},
  {"st", A_PRE}, {"supt", A_PRE}, {"suppl", A_NUM}, {"tab", A_NUM},
  {"tbl", A_NUM}, {"tel", A_NUM}, {"tenn", A_STARTER}, {"tex", A_STARTER},
  {"thur", A_STARTER}, {"thurs", A_STARTER}, {"tues", A_STARTER}, {"univ", A_STARTER},
  {"v", A_PRE}, {"ver", A_NUM}, {"viz", A_PRE}, {"vol", A_NUM},
  {"vols", A_NUM}, {"vs", A_PRE}, {"wisc", A_STARTER}, {"wyo", A_STARTER},
};

/* Words that typically open a sentence; after an ambiguous abbreviation
 * ("U.S.", "Co.", an initial) only these make a boundary.  Sorted. */
static const char *const starters[] = {
  "a", "after", "all", "also", "although", "an", "and", "as", "at", "because",
  "being", "both", "but", "by", "despite", "did", "during", "each", "finally",
  "for", "from", "further", "furthermore", "he", "her", "here", "his", "how",
  "however", "i", "if", "in", "it", "its", "many", "millions", "more",
  "moreover", "most", "my", "nevertheless", "no", "not", "one", "our",
  "overall", "she", "since", "so", "some", "such", "that", "the", "their",
  "then", "there", "these", "they", "this", "those", "thus", "to", "we",
  "what", "when", "where", "which", "while", "who", "why", "with", "yet",
  "you",
};

static int cmp_str(const char *a, const char *b) { return strcmp(a, b); }

static int abbrev_class(const char *w) {
  size_t lo = 0, hi = sizeof abbrevs / sizeof abbrevs[0];
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = cmp_str(w, abbrevs[mid].w);
    if (c == 0) return abbrevs[mid].cls;
    if (c < 0) hi = mid; else lo = mid + 1;
  }
  return -1;
}

/* Is the word at p (ASCII letters) a typical sentence starter? */
static int is_starter(const splitter *b, qpos p) {
  char w[16];
  size_t n = 0, lo = 0, hi = sizeof starters / sizeof starters[0];
  while (p < b->hi && is_alpha(b->s[p])) {
    if (n + 1 >= sizeof w) return 0;
    w[n++] = (char)(b->s[p++] | 0x20);
  }
  if (n == 0) return 0;
  w[n] = 0;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = cmp_str(w, starters[mid]);
    if (c == 0) return 1;
    if (c < 0) hi = mid; else lo = mid + 1;
  }
  return 0;
}

/* ------------------------------------------------------------------ */
/* List markers                                                         */

static qpos roman_value(const unsigned char *s, qpos n) {
  long v = 0;
  qpos i;
  for (i = 0; i < n; i++) {
    long a;
    unsigned c = (unsigned)(s[i] | 0x20);
    unsigned nx = i + 1 < n ? (unsigned)(s[i + 1] | 0x20) : 0;
    switch (c) {
    case 'i': a = 1; break;
    case 'v': a = 5; break;
    case 'x': a = 10; break;
    case 'l': a = 50; break;
    case 'c': a = 100; break;
    default: return 0;
    }
    /* "iv", "ix", "xl", "xc" subtract */
    if ((c == 'i' && (nx == 'v' || nx == 'x')) || (c == 'x' && (nx == 'l' || nx == 'c')))
      v -= a;
    else
      v += a;
  }
  return v > 0 ? (qpos)v : 0;
}

static int is_roman_lower(unsigned char c) { return c == 'i' || c == 'v' || c == 'x' || c == 'l' || c == 'c'; }

/* A word at q that cannot be a list marker ("The", "in"): most words fail
 * at once, and the list scan asks at every space. */
static int plain_word_at(const splitter *b, qpos q) {
  const unsigned char *s = b->s;
  return q + 1 < b->hi && is_alpha(s[q]) && is_lower(s[q + 1]) &&
         (is_upper(s[q]) || (q + 2 < b->hi && is_lower(s[q + 2]) && !is_roman_lower(s[q])));
}

/* Recognises "1.", "1)", "1.)", "(1)", "a.", "b)", "(iv)", "ii)" at p. */
static int marker_at(const splitter *b, qpos p, marker *m) {
  const unsigned char *s = b->s;
  qpos q = p, t0, n;
  int paren = 0, upper = 0, lower = 0;
  if (q < b->hi && s[q] == '(') { paren = 1; q++; }
  if (plain_word_at(b, q)) return 0;
  t0 = q;
  while (q < b->hi && q - t0 < 5 && is_alnum(s[q])) {
    upper |= is_upper(s[q]);
    lower |= is_lower(s[q]);
    q++;
  }
  n = q - t0;
  if (n == 0 || q >= b->hi || (q - t0 == 5 && is_alnum(s[q]))) return 0;
  memset(m, 0, sizeof *m);
  if (!upper && !lower) {
    qpos i;
    if (n > 2) return 0;
    m->kind = M_NUM;
    for (i = 0; i < n; i++) m->val = m->val * 10 + (qpos)(s[t0 + i] - '0');
    if (m->val == 0) return 0;
  } else if (upper && lower) {
    return 0;
  } else if (n == 1) {
    m->upper = upper;
    m->kind = M_LETTER;
    m->val = (qpos)((s[t0] | 0x20) - 'a' + 1);
    if ((s[t0] | 0x20) == 'i') { m->kind = M_ROMAN; m->val = 1; m->alt_kind = M_LETTER; m->alt_val = 9; }
    else if ((s[t0] | 0x20) == 'v') { m->alt_kind = M_ROMAN; m->alt_val = 5; }
    else if ((s[t0] | 0x20) == 'x') { m->alt_kind = M_ROMAN; m->alt_val = 10; }
  } else {
    m->upper = upper;
    m->kind = M_ROMAN;
    m->val = roman_value(s + t0, n);
    if (m->val == 0 || m->val > 39) return 0;
  }
  if (paren) {
    if (s[q] != ')') return 0;
    m->delim = D_BOTH;
    q++;
  } else if (s[q] == ')') {
    m->delim = D_PAREN;
    q++;
  } else if (s[q] == '.') {
    q++;
    if (q < b->hi && s[q] == ')') { m->delim = D_DOTPAREN; q++; }
    else m->delim = D_DOT;
  } else {
    return 0;
  }
  if (q < b->hi && !ws_at(b, q)) return 0;
  m->end = q;
  return 1;
}

static int marker_continues(const splitter *b, const marker *m) {
  if (m->delim != b->list_delim || m->upper != b->list_upper) return 0;
  /* A new list may follow the last item of another ("... 2. b 1. x"). */
  if (m->val == 1 && m->kind == b->list_kind) return 1;
  if (m->kind == b->list_kind && m->val == b->list_next) return 1;
  return m->alt_kind == b->list_kind && m->alt_val == b->list_next;
}

/* ------------------------------------------------------------------ */
/* Sentences                                                            */

static void emit(splitter *b, qpos end) {
  qpos a = b->sent, e = end;
  int l;
  while (e > a && is_ws_cp(u8_prev(b, a, e, &l))) e -= (qpos)l;
  if (a < e) b->cb(b->ud, (uint32_t)a, (uint32_t)e);
}

/* Starts a sentence at (or after the spaces from) i; notes a list marker
 * that opens it. */
static void begin(splitter *b, qpos i) {
  qpos p;
  int n, l;
  marker m;
  b->sent = skip_ws(b, i);
  b->list_on = 0;
  p = b->sent;
  for (n = 0; n < 3 && p < b->hi; n++) {
    uint32_t c = u8(b, p, &l);
    if (is_bullet(c)) {
      p = skip_ws(b, p + (qpos)l);
    } else if ((c == '*' || is_dash(c) || c == 0xBB) && p + (qpos)l < b->hi &&
               ws_at(b, p + (qpos)l)) {
      p = skip_ws(b, p + (qpos)l);
    } else {
      break;
    }
  }
  b->content = p;
  /* "(1)" opening a sentence is more often a citation than a list, and
   * "A. Smith" an initial. */
  if (marker_at(b, p, &m) && !(m.kind == M_NUM && m.delim == D_BOTH) &&
      !(m.kind == M_LETTER && m.upper && m.delim == D_DOT)) {
    b->list_on = 1;
    b->list_kind = m.kind;
    b->list_delim = m.delim;
    b->list_upper = m.upper;
    b->list_next = m.val + 1;
  }
}

/* What follows a candidate boundary. */
enum { NS_END = 0, NS_LOWER, NS_UPPER, NS_DIGIT, NS_OTHER, NS_MARKER };

static int can_start(int ns) { return ns != NS_LOWER && ns != NS_END; }

/* After a quotation, a bracketed aside starts a sentence only when it is
 * one itself and more text follows ('..." (Dinah was the cat.) "I ...');
 * at the end it is a comment on the quotation. */
static int aside_between(const splitter *b, qpos p) {
  const unsigned char *s = b->s;
  unsigned close = s[p] == '(' ? ')' : ']';
  qpos q;
  for (q = p + 1; q < b->hi && q - p < 240 && s[q] != close; q++)
    if (s[q] == s[p] || s[q] == '\n') return NS_LOWER;
  if (q >= b->hi || q - p >= 240 || !term_kind(s[q - 1])) return NS_LOWER;
  q = skip_ws(b, q + 1);
  return q < b->hi ? NS_OTHER : NS_LOWER;
}

/* Classifies the start of the text at p (past the spaces).  After a closing
 * quote a bracket does not open a new sentence ("...house!' (Which ...)"). */
static int next_start(const splitter *b, qpos p, qpos *wpos, int after_quote) {
  const unsigned char *s = b->s;
  marker m;
  int n, l;
  uint32_t c;
  *wpos = p;
  if (p >= b->hi) return NS_END;
  if (marker_at(b, p, &m)) return m.kind == M_NUM ? NS_DIGIT : NS_MARKER;
  for (n = 0; n < 8 && p < b->hi; n++) {
    c = u8(b, p, &l);
    if (is_open_char(c)) {
      if (after_quote && (c == '(' || c == '[')) return aside_between(b, p);
      p += (qpos)l;
    } else if (is_dash(c) || is_bullet(c) || c == '*' || c == '_') {
      p += (qpos)l;
      if (p < b->hi && s[p] == ' ') p++;
    } else {
      break;
    }
  }
  if (p >= b->hi) return NS_OTHER;
  *wpos = p;
  c = u8(b, p, &l);
  if (term_kind(c)) return NS_LOWER;  /* "! ! !", "Fig. ??" */
  if (is_digit(c)) return NS_DIGIT;
  if (is_upper(c)) return NS_UPPER;
  if (is_lower(c)) {
    /* "iPhone", "mRNA", "pH" start sentences too. */
    qpos q = p;
    while (q < b->hi && q - p < 24 && is_alpha(s[q])) {
      if (is_upper(s[q])) return NS_UPPER;
      q++;
    }
    return NS_LOWER;
  }
  n = case_of(c);
  return n > 0 ? NS_UPPER : n < 0 ? NS_LOWER : NS_OTHER;
}

/* "(2)", "(3,4)", "[1]", "[2-11]" glued after a sentence end. */
static qpos ref_group(const splitter *b, qpos p) {
  const unsigned char *s = b->s;
  unsigned close = s[p] == '(' ? ')' : ']';
  qpos q = p + 1;
  int digits = 0, l;
  while (q < b->hi && q - p < 32) {
    uint32_t c = u8(b, q, &l);
    if (c == close) return digits ? q + 1 : 0;
    if (is_digit(c)) digits = 1;
    else if (!(c == ',' || c == ' ' || c == ';' || c == '-' || c == 0x2013)) return 0;
    q += (qpos)l;
  }
  return 0;
}

/* Reference numbers glued to a full stop ("consultation.11 12 Take"). */
static qpos footnote_digits(const splitter *b, qpos p) {
  const unsigned char *s = b->s;
  qpos q = p;
  int groups;
  while (q < b->hi && q - p < 12 && (is_digit(s[q]) || s[q] == ',' || s[q] == '-')) q++;
  if (q - p > 11 || !is_digit(s[q - 1])) return 0;
  if (q < b->hi && !ws_at(b, q)) return 0;
  for (groups = 0; groups < 4 && q + 1 < b->hi && s[q] == ' '; groups++) {
    qpos r = q + 1;
    while (r < b->hi && r - q <= 3 && is_digit(s[r])) r++;
    if (r == q + 1 || r - q > 3 || r >= b->hi || s[r] != ' ') break;
    q = r;
  }
  return q;
}

/* Takes in what closes a sentence after its final mark at e: quotes,
 * brackets, footnote markers, glued references.  Sets *quote when a
 * closing quote was passed, *glued when bare reference digits were. */
static qpos extend(const splitter *b, qpos t, qpos e, int *quote, int *glued) {
  const unsigned char *s = b->s;
  qpos c = e, r;
  int n, l, digits_ok = 0;
  if (t > b->lo) {
    unsigned pc = s[t - 1];
    digits_ok = is_alpha(pc) || pc == ')' || pc == ']' || pc >= 0x80;
  }
  for (n = 0; n < 24 && c < b->hi; n++) {
    uint32_t ch = u8(b, c, &l);
    if (is_close_quote(ch)) {
      if ((ch == '\'' || ch == 0x2019) && c + (qpos)l < b->hi && is_alnum(s[c + (qpos)l]))
        break;  /* "Jr.'s" */
      *quote = 1;
      c += (qpos)l;
    } else if (is_close_bracket(ch) || is_sup_marker(ch)) {
      c += (qpos)l;
    } else if ((ch == '(' || ch == '[') && (r = ref_group(b, c)) != 0) {
      c = r;
    } else if (digits_ok && is_digit(ch) && (r = footnote_digits(b, c)) != 0) {
      c = r;
      *glued = 1;
      digits_ok = 0;
    } else {
      break;
    }
  }
  return c;
}

/* "world.Today" - a missing space after a full stop.  Not inside a URL,
 * an e-mail address or a domain name. */
static int glued_boundary(const splitter *b, qpos t, qpos e) {
  const unsigned char *s = b->s;
  qpos p, q;
  if (t <= b->lo || e + 1 >= b->hi) return 0;
  if (!(is_lower(s[t - 1]) || is_digit(s[t - 1])) || !is_upper(s[e]) || !is_lower(s[e + 1]))
    return 0;
  for (p = t; p > b->lo && t - p < TOKEN_MAX && !ws_at(b, p - 1); p--) {
    unsigned c = s[p - 1];
    if (c == '@' || c == '/' || c == ':') return 0;
  }
  if (t - p >= TOKEN_MAX) return 0;
  if (t - p >= 4 && (s[p] | 0x20) == 'w' && (s[p + 1] | 0x20) == 'w' && (s[p + 2] | 0x20) == 'w')
    return 0;
  if (t - p == 1) return 0;  /* "J.Smith" is more likely an initial */
  for (q = e; q < b->hi && q - e < TOKEN_MAX && !ws_at(b, q); q++) {
    unsigned c = s[q];
    if (c == '@' || c == '/') return 0;
    if (c == '.' && q + 1 < b->hi && is_lower(s[q + 1])) return 0;
  }
  return 1;
}

/* The token ending at t (the full stop), without leading openers and
 * bullets; NONE when too long to be an abbreviation. */
static qpos token_start(const splitter *b, qpos t) {
  qpos ts = t, floor = b->sent > b->lo && b->sent <= t ? b->sent : b->lo;
  int l, n;
  while (ts > floor && t - ts < TOKEN_MAX) {
    uint32_t c = b->s[ts - 1];
    if (c < 0x80) {
      if (is_ws_cp(c)) break;
      ts--;
      continue;
    }
    c = u8_prev(b, floor, ts, &l);
    if (is_ws_cp(c)) break;
    ts -= (qpos)l;
  }
  if (t - ts >= TOKEN_MAX) return NONE;
  for (n = 0; n < 4 && ts < t; n++) {
    uint32_t c = u8(b, ts, &l);
    if (!(is_open_char(c) || is_bullet(c) || is_dash(c))) break;
    ts += (qpos)l;
  }
  return ts;
}

static int is_marker_token(const unsigned char *s, qpos n) {
  qpos i;
  if (n == 0 || n > 4) return 0;
  if (n == 1) return is_alnum(s[0]);
  if (is_digit(s[0])) return n <= 2 && is_digit(s[1]);
  for (i = 0; i < n; i++)
    if (!strchr("ivxlIVXL", s[i])) return 0;
  return roman_value(s, n) > 0;
}

/* "At 5 a.m. Mr. Smith went": a time that only opens the sentence. */
static int time_opens(const splitter *b, qpos ts) {
  const unsigned char *s = b->s;
  qpos p = ts, q;
  while (p > b->content && s[p - 1] == ' ') p--;
  for (q = p; p > b->content && (is_digit(s[p - 1]) || s[p - 1] == ':'); p--) {}
  if (p == q) return 0;
  if (p == b->content) return 1;
  while (p > b->content && s[p - 1] == ' ') p--;
  for (q = p; p > b->content && q - p < 12 && is_alpha(s[p - 1]); p--) {}
  return p == b->content && p < q;
}

/* Does the full stop at t end a sentence, given what follows (ns, at
 * wpos)?  glued: bare reference digits followed the stop. */
static int decide_stop(const splitter *b, qpos t, int ns, qpos wpos, int glued) {
  const unsigned char *s = b->s;
  qpos ts, n, i, seg = 0;
  int alpha = 0, upper = 0, digit = 0, dots = 0, other = 0, nonascii = 0, longseg = 0, cls;
  if (!can_start(ns)) return 0;
  ts = token_start(b, t);
  if (ts == NONE || ts >= t) return 1;
  n = t - ts;
  if (ts == b->content && is_marker_token(s + ts, n)) return 0;  /* "1. The" */
  for (i = 0; i < n; i++) {
    unsigned c = s[ts + i];
    if (is_alpha(c)) { alpha++; upper += is_upper(c); seg++; if (seg > 2) longseg = 1; }
    else if (is_digit(c)) digit++;
    else if (c == '.') { dots++; if (seg == 0) longseg = 1; seg = 0; }
    else if (c >= 0x80) nonascii++;
    else other++;
  }
  if (nonascii) {
    /* "N°. 1026" */
    if (n == 3 && (s[ts] | 0x20) == 'n' && s[ts + 1] == 0xC2 && (s[ts + 2] == 0xB0 || s[ts + 2] == 0xBA))
      return !(ns == NS_DIGIT || glued);
    return 1;
  }
  if (other || digit || alpha == 0) return 1;
  if (dots) {
    if (longseg) return 1;       /* a domain name or "Jane.Doe" */
    cls = A_STARTER;             /* "U.S.", "Ph.D.", "J.C." */
  } else if (n == 1 && upper) {
    cls = A_STARTER;             /* an initial, or "I" */
  } else {
    cls = A_PLAIN;
  }
  if (n <= 6 && !(n == 1 && upper)) {
    char w[8];
    int k;
    for (i = 0; i < n; i++) w[i] = (char)(s[ts + i] | (s[ts + i] == '.' ? 0 : 0x20));
    w[n] = 0;
    k = abbrev_class(w);
    if (k >= 0) cls = k;
    else if (n == 1) cls = A_STARTER;
    /* "MS", "NO", "ST" in capitals are as often acronyms as titles. */
    if (!dots && n > 1 && upper == alpha && (cls == A_PRE || cls == A_NUM)) cls = A_STARTER;
  }
  switch (cls) {
  case A_PRE: return 0;
  case A_NUM: return !(ns == NS_DIGIT || glued);
  case A_STARTER: return ns == NS_UPPER && is_starter(b, wpos);
  case A_TIME: return ns != NS_DIGIT && !time_opens(b, ts);
  default: return 1;
  }
}

/* Handles the run of sentence marks starting at t; returns where to go on. */
static qpos on_term(splitter *b, qpos t) {
  const unsigned char *s = b->s;
  qpos e = t, c, j, wpos;
  int dots = 0, qx = 0, ell = 0, wide = 0, l, quote = 0, glued = 0, ns, nl, split;
  int single, pre_ws;
  while (e < b->hi) {
    uint32_t ch = u8(b, e, &l);
    int k = term_kind(ch);
    if (!k) break;
    if (k == 1) dots++; else if (k == 2) qx++; else ell++;
    wide |= is_wide_term(ch);
    e += (qpos)l;
  }
  /* "[...]", "(...)", "[?]": an omission mark, not an end. */
  if (t > b->lo && (s[t - 1] == '[' || s[t - 1] == '(') && e < b->hi && (s[e] == ']' || s[e] == ')'))
    return e + 1;
  pre_ws = ws_before(b, t);
  single = dots == 1 && !qx && !ell;
  if (single && e + 1 < b->hi && s[e] == ' ' && s[e + 1] == '.') {
    /* Spaced ellipsis ". . ." */
    qpos p = e;
    int k = 1;
    while (p + 1 < b->hi && s[p] == ' ' && s[p + 1] == '.') { k++; p += 2; }
    if (k >= 3) {
      if (pre_ws) {
        if (k == 3) return p;            /* "is . . . I didn't" */
        e = p;                           /* "period . . . . Next" */
        single = 0;
        pre_ws = 0;
      } else {
        /* "compounds. . . . The": the stop ends the sentence, the
         * ellipsis opens the next one. */
        c = extend(b, p, p, &quote, &glued);
        if (c >= b->hi) return b->hi;
        if (!ws_at(b, c)) return c;
        j = skip_ws(b, c);
        if (can_start(next_start(b, j, &wpos, quote))) {
          emit(b, t + 1);
          begin(b, t + 1);
          return b->sent > p ? b->sent : p;
        }
        return c;
      }
    }
  }
  if (!single && !qx && pre_ws) return e;  /* "really ... well" */
  c = extend(b, t, e, &quote, &glued);
  if (c >= b->hi) return b->hi;
  if (!ws_at(b, c) && !wide) {
    if (single && c == e && glued_boundary(b, t, e) &&
        decide_stop(b, t, NS_UPPER, e, 0) && next_start(b, e, &wpos, 0) == NS_UPPER) {
      emit(b, e);
      begin(b, e);
      return e;
    }
    return e;
  }
  /* Count the line breaks before the next word: a blank line always ends. */
  for (j = c, nl = 0; j < b->hi && (l = ws_at(b, j)) > 0; j += (qpos)l)
    nl += line_breaks(b, j);
  if (nl >= 2) {
    emit(b, c);
    begin(b, j);
    return j;
  }
  if (j >= b->hi) return b->hi;
  ns = next_start(b, j, &wpos, quote);
  split = single ? decide_stop(b, t, ns, wpos, glued) : can_start(ns);
  if (!split) return c;
  emit(b, c);
  begin(b, j);
  return j;
}

/* Bytes find_close must look at; the rest is skipped in bulk. */
static const unsigned char q_stop[256] = {
  ['\n'] = 1, ['"'] = 1, ['\''] = 1, ['('] = 1, [')'] = 1, ['['] = 1, [']'] = 1,
  ['{'] = 1, ['}'] = 1, [0xC2] = 1, [0xE2] = 1, [0xEF] = 1,
};

/* Finds the closer of the opener of kind k at i (olen bytes); NONE if none
 * within the window or before a blank line (*scanned: where the search
 * stopped). */
static qpos find_close(const splitter *b, qpos i, int olen, int k, qpos *clen,
                           qpos *scanned) {
  const unsigned char *s = b->s;
  qpos p = i + (qpos)olen, lim = b->hi - i > MASK_WINDOW ? i + MASK_WINDOW : b->hi;
  qpos last_nl = NONE;
  int depth = 0, l;
  for (;;) {
    unsigned ch;
    while (p < lim && !q_stop[s[p]]) p++;
    if (p >= lim) break;
    ch = s[p];
    *clen = 1;
    if (ch == '\n') {
      /* Only spaces since the last line break: a blank line. */
      if (last_nl != NONE) {
        qpos q = last_nl + 1;
        while (q < p && (s[q] == ' ' || s[q] == '\t' || s[q] == '\r')) q++;
        if (q == p) break;
      }
      last_nl = p++;
      continue;
    }
    switch (k) {
    case Q_PAREN: case Q_BRACKET: case Q_BRACE: {
      unsigned o = k == Q_PAREN ? '(' : k == Q_BRACKET ? '[' : '{';
      unsigned cl = k == Q_PAREN ? ')' : k == Q_BRACKET ? ']' : '}';
      if (ch == o) depth++;
      else if (ch == cl && depth-- == 0) return p;
      break;
    }
    case Q_DQ:
      if (ch == '"') return p;
      break;
    case Q_SQ: case Q_BQ:
      if (ch == '\'' && !ws_at(b, p - 1) && !(p + 1 < b->hi && is_alnum(s[p + 1]))) return p;
      break;
    default:
      if (ch >= 0x80) {
        uint32_t c = u8(b, p, &l);
        *clen = (qpos)l;
        if ((k == Q_CDQ || k == Q_LOW) && (c == 0x201D || c == 0x201C)) return p;
        if (k == Q_CSQ && c == 0x2019 && !(p + 3 < b->hi && is_alnum(s[p + 3]))) return p;
        if (k == Q_GUIL && c == 0xBB) return p;
        if (k == Q_SGUIL && c == 0x203A) return p;
        if (k == Q_WPAREN && c == 0xFF09) return p;
        p += (qpos)l;
        continue;
      }
      if ((k == Q_CDQ || k == Q_LOW) && ch == '"') return p;
      if (k == Q_CSQ && ch == '\'' && !(p + 1 < b->hi && is_alnum(s[p + 1]))) return p;
      break;
    }
    p++;
  }
  *scanned = p;
  return NONE;
}

/* The opener kind of c at i, or -1 when c does not open anything here. */
static int opener_kind(const splitter *b, qpos i, uint32_t c, int len) {
  int l;
  switch (c) {
  case '(': return Q_PAREN;
  case '[': return Q_BRACKET;
  case '{': return Q_BRACE;
  case 0xAB: return Q_GUIL;
  case 0x2039: return Q_SGUIL;
  case 0xFF08: return Q_WPAREN;
  case '"': case '\'': case '`': case 0x201C: case 0x2018: case 0x201E: {
    /* A quotation opens after a space or an opener and before a word. */
    uint32_t pc;
    if (i > b->lo && is_alnum(b->s[i - 1])) return -1;
    pc = u8_prev(b, b->lo, i, &l);
    if (i > b->lo && !(is_ws_cp(pc) || is_open_char(pc) || is_dash(pc))) return -1;
    if (i + (qpos)len >= b->hi || ws_at(b, i + (qpos)len)) return -1;
    return c == '"' ? Q_DQ : c == '\'' ? Q_SQ : c == '`' ? Q_BQ : c == 0x201C ? Q_CDQ
         : c == 0x2018 ? Q_CSQ : Q_LOW;
  }
  default:
    return -1;
  }
}

/* Skips a quotation or bracketed text at i; a sentence mark just inside its
 * closer is judged there.  Returns where to go on. */
static qpos on_open(splitter *b, qpos i, uint32_t c, int len) {
  int k = opener_kind(b, i, c, len), l, steps;
  qpos cpos, clen = 1, scanned = 0, q, r;
  uint32_t pc;
  if (k < 0 || i < b->nomatch[k]) return i + (qpos)len;
  cpos = find_close(b, i, len, k, &clen, &scanned);
  if (cpos == NONE) {
    b->nomatch[k] = scanned;
    return i + (qpos)len;
  }
  r = cpos + clen;
  q = cpos;
  for (steps = 0; steps < 3 && q > i + (qpos)len; steps++) {
    pc = u8_prev(b, i, q, &l);
    if (!(is_close_quote(pc) || pc == ')')) break;
    q -= (qpos)l;
  }
  pc = u8_prev(b, i, q, &l);
  if (q > i + (qpos)len && q == cpos && k != Q_PAREN && k != Q_BRACKET && k != Q_BRACE &&
      (pc == 0x2014 || (pc == '-' && q - i > 2 && b->s[q - 2] == '-'))) {
    /* Speech broken off ('to--" At this moment'): ends before a capital. */
    qpos wpos, j = skip_ws(b, r);
    if (j > r && j < b->hi && next_start(b, j, &wpos, 1) == NS_UPPER) {
      emit(b, r);
      begin(b, j);
      return j;
    }
    return r;
  }
  if (q > i + (qpos)len && term_kind(pc)) {
    qpos rr, t = q - (qpos)l;
    while (t > i + (qpos)len && term_kind(u8_prev(b, i, t, &l))) t -= (qpos)l;
    rr = on_term(b, t);
    if (rr > r) r = rr;
  }
  return r;
}

/* After spaces, inside a list: the next item's marker ends the sentence. */
static qpos on_space(splitter *b, qpos p) {
  marker m;
  qpos wpos;
  if (!b->list_on || p >= b->hi || p <= b->sent) return p;
  if (!marker_at(b, p, &m) || !marker_continues(b, &m)) return p;
  if (m.kind == M_NUM && m.delim == D_DOT && !can_start(next_start(b, skip_ws(b, m.end), &wpos, 0)))
    return p;
  emit(b, p);
  begin(b, p);
  return m.end;
}

void ql_split_sentences(const char *text, uint32_t start, uint32_t stop, ql_span_cb cb, void *ud) {
  splitter b;
  qpos i;
  if (!text || !cb || start >= stop) return;
  memset(&b, 0, sizeof b);
  b.s = (const unsigned char *)text;
  b.lo = start;
  b.hi = stop;
  b.cb = cb;
  b.ud = ud;
  begin(&b, start);
  i = b.sent;
  while (i < stop) {
    const unsigned char *tab = b.list_on ? k_list : k_base;
    const unsigned char *s = b.s;
    uint32_t c;
    qpos j;
    int l, nl;
    /* Four bytes a step: most text has nothing to look at. */
    while (stop - i >= 4 && !(tab[s[i]] | tab[s[i + 1]] | tab[s[i + 2]] | tab[s[i + 3]])) i += 4;
    while (i < stop && !tab[s[i]]) i++;
    if (i >= stop) break;
    switch (tab[s[i]]) {
    case K_TERM:
      i = on_term(&b, i);
      break;
    case K_OPEN:
      i = on_open(&b, i, s[i], 1);
      break;
    case K_NL:
      for (j = i, nl = 0; j < stop && (l = ws_at(&b, j)) > 0; j += (qpos)l)
        nl += line_breaks(&b, j);
      if (nl >= 2) {
        emit(&b, i);
        begin(&b, j);
        i = b.sent;
      } else {
        i = on_space(&b, j);
      }
      break;
    case K_SPACE:
      for (j = i; j < stop && (s[j] == ' ' || s[j] == '\t'); j++) {}
      i = (j < stop && (s[j] == '\n' || s[j] == '\r')) || plain_word_at(&b, j) ? j : on_space(&b, j);
      break;
    default:
      c = u8(&b, i, &l);
      if (term_kind(c)) {
        i = on_term(&b, i);
      } else if (is_open_char(c)) {
        i = on_open(&b, i, c, l);
      } else if (is_bullet(c) && i > b.sent && ws_before(&b, i)) {
        /* A bullet inside a run of text starts an item. */
        emit(&b, i);
        begin(&b, i);
        i += (qpos)l;
      } else {
        i += (qpos)l;
      }
      break;
    }
  }
  emit(&b, stop);
}
