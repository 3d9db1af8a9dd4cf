/* enumerate.c - enumerations inside prose: `1. foo 2. bar`, `(1) foo, (2) bar
 * and (3) baz`, `a) ... b) ...`, `(i) ... (ii) ...`.
 *
 * One left-to-right pass per paragraph block with a small state machine: a
 * run opens on a marker of value 1 (1, a or i) and grows while markers of the
 * same style come in sequence.  What keeps citations and cross-references out:
 * a run needs two items; a `1.` run must start a sentence or follow a colon
 * ("theme 1. The..." is a reference, not a list); a `(k)` / `k)` marker after
 * the first must stand after a space and after a list separator (`,` `;`
 * `and` `or`), and those items may not cross a sentence end, so "in 1978 (1)
 * global ... disease.(2) Yet" is not a list. */
#include "ql_internal.h"
#include "simd.h"

#define MAXITEMS 64

enum { ST_DOT, ST_PAREN, ST_HALF };          /* 1.   (1)   1) */
enum { TY_NUM, TY_LOWER, TY_UPPER, TY_ROMAN, TY_UROMAN };

typedef struct {
  uint32_t ms, me;     /* the marker [ms, me), me after the closing . or ) */
  int style;
  int num;             /* number, or 0 */
  int letter;          /* a=1 / A=1, or 0 */
  int roman;           /* i=1 / I=1, or 0 */
  int upper;           /* letter or roman in capitals */
} marker;

typedef struct {
  int active, style, type, next;
  uint32_t first;      /* start of the first marker */
  uint32_t stop1;      /* first sentence end inside the current item, or 0 */
  size_t n;
  ql_span items[MAXITEMS];
} run;

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_low(unsigned char c) { return c >= 'a' && c <= 'z'; }
static int is_up(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int is_alnum(unsigned char c) { return (unsigned)((c | 32) - 'a') < 26u || (unsigned)(c - '0') < 10u || c >= 0x80; }

static const char *const romans[] = {
  "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x",
  "xi", "xii", "xiii", "xiv", "xv", "xvi", "xvii", "xviii", "xix", "xx"
};

static int roman_value(const char *t, uint32_t a, uint32_t b) {
  size_t k;
  uint32_t n = b - a, j;
  for (k = 0; k < sizeof romans / sizeof romans[0]; k++) {
    if (strlen(romans[k]) != n) continue;
    for (j = 0; j < n; j++) {
      unsigned char c = (unsigned char)t[a + j];
      if (is_up(c)) c = (unsigned char)(c + 32);
      if (c != (unsigned char)romans[k][j]) break;
    }
    if (j == n) return (int)k + 1;
  }
  return 0;
}

/* Reads the marker token t[a, b): digits, one letter, or a roman numeral. */
static int marker_token(const char *t, uint32_t a, uint32_t b, marker *m) {
  uint32_t j;
  int all_digits = 1, all_low = 1, all_up = 1;
  if (b <= a || b - a > 5) return 0;
  for (j = a; j < b; j++) {
    unsigned char c = (unsigned char)t[j];
    all_digits &= is_digit(c); all_low &= is_low(c); all_up &= is_up(c);
  }
  m->num = m->letter = m->roman = m->upper = 0;
  if (all_digits) {
    if (b - a > 2 || t[a] == '0') return 0;
    m->num = b - a == 1 ? t[a] - '0' : (t[a] - '0') * 10 + (t[a + 1] - '0');
    return 1;
  }
  if (!all_low && !all_up) return 0;
  m->upper = all_up;
  if (b - a == 1) m->letter = (t[a] | 0x20) - 'a' + 1;
  m->roman = roman_value(t, a, b);
  return m->letter || m->roman;
}

/* A marker at i in [bs, be): "(x) ", "x) " or "N. " followed by item text. */
static int read_marker(const char *t, uint32_t i, uint32_t bs, uint32_t be, marker *m) {
  uint32_t j;
  if (i > bs && is_alnum((unsigned char)t[i - 1])) return 0;
  if (t[i] == '(') {
    if (i > bs && t[i - 1] == '(') return 0;
    for (j = i + 1; j < be && j - i <= 6 && t[j] != ')'; j++) {}
    if (j >= be || t[j] != ')' || !marker_token(t, i + 1, j, m)) return 0;
    m->style = ST_PAREN;
    m->ms = i; m->me = j + 1;
  } else {
    for (j = i; j < be && j - i <= 5 && is_alnum((unsigned char)t[j]); j++) {}
    if (j >= be || j == i || (t[j] != ')' && t[j] != '.')) return 0;
    if (!marker_token(t, i, j, m)) return 0;
    if (t[j] == '.') {
      if (!m->num) return 0; /* "a." is too often an initial or an abbreviation */
      m->style = ST_DOT;
    } else m->style = ST_HALF;
    m->ms = i; m->me = j + 1;
  }
  /* the item text follows after one space */
  if (m->me + 1 >= be || t[m->me] != ' ') return 0;
  {
    unsigned char c = (unsigned char)t[m->me + 1];
    if (m->style == ST_DOT)
      return is_up(c) || is_low(c) || c == '\'' || c == '"' || c == '(' || c >= 0x80;
    return c != ' ';
  }
}

static int value_in(const marker *m, int type) {
  switch (type) {
  case TY_NUM: return m->num;
  case TY_LOWER: return m->upper ? 0 : m->letter;
  case TY_UPPER: return m->upper ? m->letter : 0;
  case TY_ROMAN: return m->upper ? 0 : m->roman;
  default: return m->upper ? m->roman : 0;
  }
}

/* The type a first marker opens a run with, or -1 when it is not a 1. */
static int start_type(const marker *m) {
  if (m->num == 1) return TY_NUM;
  if (m->roman == 1) return m->upper ? TY_UROMAN : TY_ROMAN; /* "(i)": roman, not the 9th letter */
  if (m->letter == 1) return m->upper ? TY_UPPER : TY_LOWER;
  return -1;
}

/* A sentence end at i: . ! ? then a space and an upper-case letter, digit or
 * opening bracket/quote, or the end of the block. */
static int sentence_end(const char *t, uint32_t i, uint32_t be) {
  uint32_t j;
  if (t[i] != '.' && t[i] != '!' && t[i] != '?') return 0;
  j = i + 1;
  while (j < be && (t[j] == '\'' || t[j] == '"' || t[j] == ')')) j++;
  if (j >= be) return 1;
  if (t[j] != ' ') return 0;
  while (j < be && t[j] == ' ') j++;
  if (j >= be) return 1;
  {
    unsigned char c = (unsigned char)t[j];
    return is_up(c) || is_digit(c) || c == '(' || c == '\'' || c == '"';
  }
}

static int ends_with_word(const char *t, uint32_t a, uint32_t b, const char *w) {
  uint32_t n = (uint32_t)strlen(w), k;
  if (b - a < n) return 0;
  for (k = 0; k < n; k++) if ((t[b - n + k] | 0x20) != w[k]) return 0;
  return b - a == n || t[b - n - 1] == ' ';
}

/* Trims an item's end: spaces, then the list separator it ends with. */
static uint32_t trim_item(const char *t, uint32_t a, uint32_t b) {
  int again = 1;
  while (again) {
    again = 0;
    while (b > a && t[b - 1] == ' ') b--;
    if (b > a && (t[b - 1] == ',' || t[b - 1] == ';' || t[b - 1] == '.' || t[b - 1] == ':')) { b--; again = 1; }
    else if (ends_with_word(t, a, b, "and")) { b -= 3; again = 1; }
    else if (ends_with_word(t, a, b, "or")) { b -= 2; again = 1; }
  }
  return b;
}

/* Whether the text before a later (k) marker ends in a list separator. */
static int separated(const char *t, uint32_t a, uint32_t b) {
  while (b > a && t[b - 1] == ' ') b--;
  if (b <= a) return 0;
  if (t[b - 1] == ',' || t[b - 1] == ';') return 1;
  return ends_with_word(t, a, b, "and") || ends_with_word(t, a, b, "or");
}

/* Closes the run, its last item ending at `end` (or at its first sentence
 * end), and records it when it has two non-empty items. */
static void finish(ql_doc *d, run *r, const char *t, uint32_t end) {
  size_t k;
  ql_span *last;
  if (!r->active) return;
  r->active = 0;
  if (r->n < 2) return;
  last = &r->items[r->n - 1];
  if (r->stop1 && r->stop1 < end) end = r->stop1;
  last->stop = trim_item(t, last->start, end);
  for (k = 0; k < r->n; k++)
    if (r->items[k].stop <= r->items[k].start) return;
  ql_enum_add(d, r->first, last->stop, r->items, r->n);
}

static int skip_spaces(const char *t, uint32_t i, uint32_t be) {
  while (i < be && t[i] == ' ') i++;
  return (int)i;
}

/* May m open a run?  `1.` must start the block or a sentence, or follow a
 * colon; `(1)` / `1)` must stand after a space (not glued to a word). */
static int can_open(const char *t, uint32_t bs, const marker *m) {
  uint32_t j = m->ms;
  if (j == bs) return 1;
  if (t[j - 1] != ' ') return 0;
  if (m->style != ST_DOT) return 1;
  while (j > bs && t[j - 1] == ' ') j--;
  return j == bs || t[j - 1] == '.' || t[j - 1] == ':' || t[j - 1] == ';' ||
         t[j - 1] == '!' || t[j - 1] == '?';
}

/* Bytes the scan stops at: '(' opens a marker, ')' and '.' may close one
 * (its word is read back), '.', '!' and '?' may end a sentence.  Nothing
 * else can change the state, so the rest is skipped sixteen bytes a step. */
static const unsigned char stop_byte[256] = {
  ['('] = 1, [')'] = 1, ['.'] = 1, ['!'] = 1, ['?'] = 1
};

/* Where the marker ending at the ')' or '.' at j starts: the start of the
 * word of at most five letters or digits before it, or UINT32_MAX. */
static uint32_t marker_word(const char *t, uint32_t bs, uint32_t j) {
  uint32_t a = j;
  while (a > bs && j - a <= 5 && is_alnum((unsigned char)t[a - 1])) a--;
  if (a == j || j - a > 5 || (a > bs && is_alnum((unsigned char)t[a - 1]))) return UINT32_MAX;
  return a;
}

static void scan_block(ql_doc *d, run *r, const char *t, uint32_t bs, uint32_t be) {
  const unsigned char *u = (const unsigned char *)t;
  uint32_t i = bs;
  r->active = 0;
  while (i < be) {
    marker m;
    uint32_t ms;
    for (; be - i >= 16; i += 16) {
      ql_v16 x = ql_v16_load(t + i);
      unsigned hit = ql_v16_range(x, '(', ')') | ql_v16_eq(x, '.') | ql_v16_eq(x, '!') | ql_v16_eq(x, '?');
      if (hit) { i += ql_ctz64(hit); break; }
    }
    while (i < be && !stop_byte[u[i]]) i++;
    if (i >= be) break;
    ms = t[i] == '(' ? i : (t[i] == ')' || t[i] == '.') ? marker_word(t, bs, i) : UINT32_MAX;
    if (ms != UINT32_MAX && read_marker(t, ms, bs, be, &m)) {
      int taken = 0;
      if (r->active && m.style == r->style) {
        ql_span *cur = &r->items[r->n - 1];
        if (value_in(&m, r->type) == r->next && t[m.ms - 1] == ' ' && r->n < MAXITEMS &&
            (r->style == ST_DOT || separated(t, cur->start, m.ms))) {
          cur->stop = trim_item(t, cur->start, m.ms);
          r->items[r->n].start = (uint32_t)skip_spaces(t, m.me, be);
          r->items[r->n].stop = be;
          r->n++; r->next++; r->stop1 = 0;
          taken = 1;
        } else finish(d, r, t, m.ms);
      }
      if (!taken && !r->active && start_type(&m) >= 0 && can_open(t, bs, &m)) {
        r->active = 1; r->style = m.style; r->type = start_type(&m); r->next = 2;
        r->first = m.ms; r->stop1 = 0; r->n = 1;
        r->items[0].start = (uint32_t)skip_spaces(t, m.me, be);
        r->items[0].stop = be;
        taken = 1;
      }
      if (taken) { i = m.me; continue; }
    }
    if (r->active && sentence_end(t, i, be)) {
      /* items of a (k) list are phrases of one sentence: a sentence end
       * closes the list; items of a 1. list may be whole sentences */
      if (r->style != ST_DOT) finish(d, r, t, i);
      else if (!r->stop1) r->stop1 = i;
    }
    i++;
  }
  finish(d, r, t, be);
}

/* Every marker read_marker accepts ends in ')' or is a number before '.':
 * a block with neither holds no enumeration, and most blocks have neither. */
static int may_hold_markers(const char *t, uint32_t bs, uint32_t be) {
  const char *p = t + bs, *e = t + be;
  if (memchr(p, ')', (size_t)(e - p))) return 1;
  while ((p = (const char *)memchr(p, '.', (size_t)(e - p))) != NULL) {
    if (p > t + bs && is_digit((unsigned char)p[-1])) return 1;
    p++;
  }
  return 0;
}

void ql_find_enumerations(ql_doc *d) {
  const char *t = (const char *)d->text.p;
  uint32_t b;
  run r;
  if (!t) return;
  for (b = 0; b < d->blocks.n; b++) {
    const ql_block *bl = &QL_VEC_AT(d->blocks, ql_block, b);
    if (bl->kind != QL_BLOCK_PARAGRAPH && bl->kind != QL_BLOCK_LIST_ITEM) continue;
    if (!may_hold_markers(t, bl->start, bl->stop)) continue;
    scan_block(d, &r, t, bl->start, bl->stop);
  }
}
