/* abstract.c - the structured-abstract segmenter: finds section labels in an
 * abstract (`RESULTS: ...`, `Background: ...`, glued `ResultsThree themes...`,
 * a label alone on its line) and emits each part as a heading + paragraph in
 * a section carrying its NLM category.  Labels are looked up in the NLM table
 * (nlm_labels.c).  Scanning is one forward pass per candidate pass; each label
 * candidate looks at most MAXLAB bytes around it, so the whole is O(n). */
#include "ql_internal.h"
#include "nlm_labels.h"
#include "simd.h"

#define MAXLAB 64  /* longest NLM label is 59 bytes */

static int is_up(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int is_low(unsigned char c) { return c >= 'a' && c <= 'z'; }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
/* characters that occur in NLM labels */
static int is_labch(unsigned char c) {
  return is_up(c) || is_low(c) || c == ' ' || c == '&' || c == '/' || c == ',' ||
         c == '(' || c == ')' || c == '-' || c == '\'';
}

/* The NLM category of key (upper case, single-spaced): the table's hash
   index, one or two probes. */
static ql_category nlm_category(const char *key, size_t len) {
  uint32_t h = 2166136261u;
  size_t i;
  for (i = 0; i < len; i++) h = (h ^ (unsigned char)key[i]) * 16777619u;
  for (i = h & (QL_NLM_SLOTS - 1); ql_nlm_slots[i]; i = (i + 1) & (QL_NLM_SLOTS - 1)) {
    const ql_nlm_row *r = &ql_nlm_rows[ql_nlm_slots[i] - 1];
    if (r->len == len && memcmp(r->label, key, len) == 0) return (ql_category)r->cat;
  }
  return QL_CAT_NONE;
}

ql_category ql_category_from_label(const char *label, size_t len) {
  char key[MAXLAB];
  size_t i, n = 0;
  int sp = 0;
  if (!label) return QL_CAT_NONE;
  while (len > 0 && (is_ws((unsigned char)label[len - 1]) || label[len - 1] == ':' || label[len - 1] == '.')) len--;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)label[i];
    if (is_ws(c)) { sp = n > 0; continue; }
    /* a typographic apostrophe (U+2019) as in AUTHORS' CONCLUSIONS */
    if (c == 0xE2 && i + 2 < len && (unsigned char)label[i + 1] == 0x80 &&
        (unsigned char)label[i + 2] == 0x99) { c = '\''; i += 2; }
    if (sp) { if (n >= sizeof key) return QL_CAT_NONE; key[n++] = ' '; sp = 0; }
    if (n >= sizeof key) return QL_CAT_NONE;
    key[n++] = (char)(is_low(c) ? c - 32 : c);
  }
  if (n == 0) return QL_CAT_NONE;
  return nlm_category(key, n);
}

typedef struct {
  uint32_t ls, le;     /* the label as written */
  uint32_t colon;      /* position of its ':' or UINT32_MAX */
  uint32_t body;       /* where its text starts */
  ql_category cat;
} label;

typedef struct {
  const unsigned char *src;
  uint32_t s, e;
  int loose;           /* accept glued and mixed-case labels */
  int seen;            /* labels found so far */
} scan;

/* True when position `at` starts a sentence: the start of the abstract, a line
 * start, or after . ? ! (with or without a space, as scraped pages glue them). */
static int sentence_start(const scan *sc, uint32_t at) {
  uint32_t j = at;
  while (j > sc->s && (sc->src[j - 1] == ' ' || sc->src[j - 1] == '\t')) j--;
  if (j == sc->s) return 1;
  if (sc->src[j - 1] == ')' || sc->src[j - 1] == ']') {
    /* a citation after the full stop: "workforce.(3,4) Aim" */
    unsigned char open = sc->src[j - 1] == ')' ? '(' : '[';
    uint32_t k = j - 1;
    while (k > sc->s && j - k < 24 && sc->src[k - 1] != open) k--;
    if (k > sc->s + 1 && sc->src[k - 1] == open) j = k - 1;
  }
  {
    unsigned char c = sc->src[j - 1];
    return c == '.' || c == '?' || c == '!' || c == '\n' || c == '\r';
  }
}

static int all_caps(const unsigned char *p, uint32_t n) {
  uint32_t i, letters = 0;
  for (i = 0; i < n; i++) {
    if (is_low(p[i])) return 0;
    letters += is_up(p[i]);
  }
  return letters >= 2;
}

/* Title-case or capitals: a label starts upper-case and is not glued inside. */
static ql_category lookup(const scan *sc, uint32_t a, uint32_t b) {
  while (b > a && sc->src[b - 1] == ' ') b--;
  if (b <= a || b - a >= MAXLAB || !is_up(sc->src[a])) return QL_CAT_NONE;
  return ql_category_from_label((const char *)sc->src + a, b - a);
}

/* After a label's ':' the text must not go on in lower case ("the UK: most"),
 * nor be a URL or a time. */
static int colon_body_ok(const scan *sc, uint32_t c) {
  uint32_t j = c + 1;
  if (j < sc->e && (sc->src[j] == '/' || is_digit(sc->src[j]))) return 0;
  while (j < sc->e && is_ws(sc->src[j])) j++;
  return j >= sc->e || !is_low(sc->src[j]);
}

/* High bit of each byte of w that may be in a label (is_labch). */
static uint64_t labch_bytes(uint64_t w) {
  uint64_t w7 = w & ~QL_HIGH;
  return (QL_IN_RANGE(w7 | 0x20 * QL_ONES, 'a', 'z') | QL_IN_RANGE(w7, ' ', ' ') | QL_IN_RANGE(w7, '&', ')') |
          QL_IN_RANGE(w7, ',', '-') | QL_IN_RANGE(w7, '/', '/')) & ~w;
}

/* Start of the run of label bytes that ends at c, going back at most to
 * floor: eight bytes a step, then byte by byte. */
static uint32_t labch_run_start(const unsigned char *src, uint32_t c, uint32_t floor) {
  uint32_t a = c;
  while (a >= floor + 8) {
    uint64_t other = ~labch_bytes(ql_load64((const char *)src + a - 8)) & QL_HIGH;
    if (other) return a - 8 + (63 - ql_clz64(other)) / 8 + 1;
    a -= 8;
  }
  while (a > floor && is_labch(src[a - 1])) a--;
  return a;
}

/* A label ending at the ':' at c: the longest table label that ends there and
 * starts a word; mixed case only at a sentence start or once the abstract
 * has shown labels, capitals anywhere. */
static int colon_label(const scan *sc, uint32_t c, uint32_t from, label *out) {
  uint32_t a = c, k;
  if (!colon_body_ok(sc, c)) return 0;
  a = labch_run_start(sc->src, c, c - from > MAXLAB ? c - MAXLAB : from);
  while (a < c && sc->src[a] == ' ') a++;
  for (k = a; k < c; k++) {
    ql_category cat;
    if (k > a && sc->src[k - 1] != ' ') continue;
    if (!is_up(sc->src[k])) continue;
    cat = lookup(sc, k, c);
    if (cat == QL_CAT_NONE) continue;
    if (!all_caps(sc->src + k, c - k) &&
        !(sc->loose && (sc->seen > 0 || sentence_start(sc, k)))) continue;
    out->ls = k; out->le = c; out->colon = c; out->cat = cat;
    while (out->le > k && sc->src[out->le - 1] == ' ') out->le--;
    out->body = c + 1;
    return 1;
  }
  return 0;
}

/* The first of the eight bytes of w where start_label has something to
 * decide: a byte that cannot be in a label (line breaks included), or a
 * capital or digit right after a lower-case letter (prev_low: the byte
 * before w is one); 8 when none is. */
static unsigned label_stop(uint64_t w, int prev_low) {
  uint64_t w7 = w & ~QL_HIGH;
  uint64_t low = QL_IN_RANGE(w7, 'a', 'z') & ~w, up = QL_IN_RANGE(w7, 'A', 'Z') & ~w;
  uint64_t dig = QL_IN_RANGE(w7, '0', '9') & ~w;
  uint64_t glued = (up | dig) & (low << 8 | (prev_low ? 0x80u : 0u));
  uint64_t stop = (~labch_bytes(w) & QL_HIGH) | glued;
  return stop ? ql_ctz64(stop) / 8 : 8;
}

/* A label at a sentence start i: glued to its text (`ResultsThree`, the label
 * in title case, the text starting upper-case or with a digit) or alone on
 * its line. */
static int start_label(const scan *sc, uint32_t i, label *out) {
  uint32_t j;
  for (j = i + 1; j < sc->e && j - i < MAXLAB; j++) {
    unsigned char c;
    /* most bytes only continue the label: skip them eight at a time */
    while (j + 8 <= sc->e && j - i < MAXLAB) {
      unsigned k = label_stop(ql_load64((const char *)sc->src + j), is_low(sc->src[j - 1]));
      j += k;
      if (k < 8) break;
    }
    if (j >= sc->e || j - i >= MAXLAB) break;
    c = sc->src[j];
    if (c == '\n' || c == '\r') {
      ql_category cat = lookup(sc, i, j);
      if (cat == QL_CAT_NONE) return 0;
      out->ls = i; out->le = j; out->colon = UINT32_MAX; out->cat = cat; out->body = j;
      while (out->le > i && sc->src[out->le - 1] == ' ') out->le--;
      return 1;
    }
    if (is_low(sc->src[j - 1]) && (is_up(c) || is_digit(c))) {
      ql_category cat;
      if (!sc->loose) return 0;
      if (all_caps(sc->src + i, j - i)) return 0;
      cat = lookup(sc, i, j);
      if (cat == QL_CAT_NONE) return 0;
      out->ls = i; out->le = j; out->colon = UINT32_MAX; out->cat = cat; out->body = j;
      return 1;
    }
    if (!is_labch(c)) return 0;
  }
  return 0;
}

/* Bit k set where p[k] (k < 16) is a capital or a ':'. */
static unsigned label_cands16(const unsigned char *p) {
  ql_v16 x = ql_v16_load((const char *)p);
  return ql_v16_range(x, 'A', 'Z') | ql_v16_eq(x, ':');
}

/* Whether a label ends at the ':' at i or starts at the capital at i. */
static int label_at(scan *sc, uint32_t i, uint32_t pos, label *out) {
  unsigned char c = sc->src[i];
  if (c == ':') return colon_label(sc, i, pos, out);
  return is_up(c) && (i == pos || !is_labch(sc->src[i - 1]) || sc->src[i - 1] == ' ') &&
         sentence_start(sc, i) && start_label(sc, i, out);
}

/* The next label at or after pos, or 0.  Only capitals and colons can be
 * where a label is decided; they are found sixteen bytes at a time. */
static int next_label(scan *sc, uint32_t pos, label *out) {
  uint32_t i = pos;
  for (; i + 16 <= sc->e; i += 16) {
    unsigned m = label_cands16(sc->src + i);
    for (; m; m &= m - 1)
      if (label_at(sc, i + ql_ctz64(m), pos, out)) { sc->seen++; return 1; }
  }
  for (; i < sc->e; i++)
    if (label_at(sc, i, pos, out)) { sc->seen++; return 1; }
  return 0;
}

/* Emits source [a, b) as running text: whitespace runs with a line break or
 * more than one space become one space. */
static void emit_flow(ql_doc *d, uint32_t a, uint32_t b) {
  const unsigned char *src = (const unsigned char *)d->source;
  uint32_t i = a, chunk = a;
  while (i < b) {
    /* sixteen bytes without a tab, line break or double space are copied
       as they are (the last byte may be a space that starts a double one) */
    if (i + 16 <= b) {
      ql_v16 x = ql_v16_load((const char *)src + i);
      unsigned sp = ql_v16_eq(x, ' ');
      if (!(ql_v16_range(x, '\t', '\r') | (sp & (sp >> 1)))) { i += sp >> 15 ? 15 : 16; continue; }
    }
    if (is_ws(src[i])) {
      uint32_t j = i;
      while (j < b && is_ws(src[j])) j++;
      if (j - i > 1 || src[i] != ' ') {
        ql_emit(d, chunk, i);
        if (j < b) ql_emit_lit(d, " ", 1, i, j - i);
        chunk = j;
      }
      i = j;
    } else i++;
  }
  ql_emit(d, chunk, b);
}

static void trim_ws(const char *s, uint32_t *a, uint32_t *b) {
  while (*a < *b && is_ws((unsigned char)s[*a])) (*a)++;
  while (*b > *a && is_ws((unsigned char)s[*b - 1])) (*b)--;
}

static void sep(ql_doc *d, uint32_t src_pos) {
  uint32_t n = ql_text_len(d);
  if (n > 0 && ((const char *)d->text.p)[n - 1] != '\n') ql_block_sep(d, src_pos);
}

static void emit_para(ql_doc *d, uint32_t a, uint32_t b) {
  uint32_t t0;
  trim_ws(d->source, &a, &b);
  if (a >= b) return;
  sep(d, a);
  t0 = ql_text_len(d);
  emit_flow(d, a, b);
  ql_add_block(d, QL_BLOCK_PARAGRAPH, t0, ql_text_len(d), QL_NONE);
}

int ql_emit_abstract(ql_doc *d, uint32_t s, uint32_t e, int level) {
  scan sc;
  label cur, nxt, first[2];
  int n = 0, have;
  if (e > d->srclen) e = d->srclen;
  trim_ws(d->source, &s, &e);
  if (s >= e) return 0;
  sc.src = (const unsigned char *)d->source; sc.s = s; sc.e = e;
  /* pass 1: glued and mixed-case labels count only when the abstract has at
   * least two labels, so a lone "Background: ..." sentence stays prose;
   * when it has, the two found are the first two of pass 2 */
  sc.loose = 1; sc.seen = 0;
  while (sc.seen < 2 && next_label(&sc, sc.seen ? first[0].body : s, &first[sc.seen])) {}
  sc.loose = sc.seen >= 2;
  if (sc.loose) { cur = first[0]; have = 1; sc.seen = 1; }
  else { sc.seen = 0; have = next_label(&sc, s, &cur); }
  emit_para(d, s, have ? cur.ls : e);
  while (have) {
    uint32_t h0, bs = cur.body, be;
    if (sc.loose && n == 0) { nxt = first[1]; sc.seen++; }
    else have = next_label(&sc, cur.body, &nxt);
    be = have ? nxt.ls : e;
    sep(d, cur.ls);
    ql_section_open(d, d->source + cur.ls, cur.le - cur.ls, level, cur.cat, ql_text_len(d));
    h0 = ql_text_len(d);
    emit_flow(d, cur.ls, cur.le);
    ql_add_block(d, QL_BLOCK_HEADING, h0, ql_text_len(d), QL_NONE);
    if (cur.colon != UINT32_MAX) ql_drop(d, cur.colon, cur.colon + 1, "abstract label separator");
    emit_para(d, bs, be);
    n++;
    cur = nxt;
  }
  if (n > 0) ql_section_close(d, level, ql_text_len(d));
  return n;
}
