/* read_ris.c - RIS citation exports.
 *
 * Two shapes are read: the standard export (one "XX  - value" per line,
 * several records ended by "ER  -", CRLF or CR line ends, a BOM, untagged
 * continuation lines, unknown tags) and the flattened form where a whole
 * record sits on one line ("TY - JOUR AU - ... ER -").  In the flattened form
 * only known RIS tags are split on, so "AIM:" or "UK - " inside an abstract
 * stay text.
 *
 * Every tag is kept as a raw field, in order.  The first record's values also
 * become canonical metadata.  Each record becomes a level-1 section holding
 * its title (heading) and its abstract (through the structured-abstract
 * segmenter); the other source bytes are logged as dropped ("ris tag",
 * "metadata", "preamble", "duplicate field XX"), so every byte is accounted
 * for.  One forward pass; line ends are found with memchr and cached. */
#include <stdio.h>
#include "ql_internal.h"

#define NOPOS UINT32_MAX
#define MAX_TEXT_ABS 4   /* distinct abstracts per record emitted as text */
#define MAX_WARN 20
#define T(a, b) (((a) << 8) | (b))

typedef struct { uint32_t s, e; } rng;

typedef struct {
  ql_doc *d;
  const char *s;
  uint32_t len;
  uint32_t pos;         /* next unread byte */
  int at_tag;           /* pos is at a tag (a record's next field) */
  uint32_t eol, eol_from; /* cached: the line end found from eol_from */
  int nrec, nwarn;
} ris_reader;

typedef struct {
  char t0, t1;
  uint32_t ts;          /* tag start */
  uint32_t vs, ve;      /* value, trimmed; may span continuation lines */
  int multiline;
} ris_field;

/* What one record keeps while its fields stream past. */
typedef struct {
  int flat, w;          /* flattened form; spaces before its '-' */
  int want_meta;
  uint32_t meta0;       /* first meta entry of this record */
  rng title[3];         /* first TI/T1, first ST, first BT */
  rng abs[MAX_TEXT_ABS]; int nabs;
  rng year_of[3], yval_of[3]; /* PY, Y1, DA: first value holding a year */
  rng date_any[3];      /* PY, Y1, DA: first non-empty value */
  rng doi_do, doi_other;
  rng an, pmid_tagged; int pubmed;
  rng journal; int journal_prio;
  rng sp, ep;
  int have_type, have_vol, have_issue, have_lang, have_pub, have_series;
} ris_rec;

static int is_up(char c) { return c >= 'A' && c <= 'Z'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alnum(char c) { return is_up(c) || is_digit(c) || (c >= 'a' && c <= 'z'); }
static int is_tag2(char c) { return is_up(c) || is_digit(c); }
static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
static int is_bom(const char *s, uint32_t p, uint32_t e) {
  return e - p >= 3 && (unsigned char)s[p] == 0xEF && (unsigned char)s[p + 1] == 0xBB && (unsigned char)s[p + 2] == 0xBF;
}
static rng none(void) { rng r; r.s = r.e = NOPOS; return r; }
static int has(rng r) { return r.s != NOPOS; }
static rng mk(uint32_t s, uint32_t e) { rng r; r.s = s; r.e = e; return r; }

/* The RIS tags of the specification (and common exporters' extras): only these
 * are split on in the middle of a flattened line. */
static int known_tag(char a, char b) {
  switch (a) {
  case 'A': return (b >= '1' && b <= '4') || b == 'B' || b == 'D' || b == 'N' || b == 'U' || b == 'V';
  case 'B': return b == 'T';
  case 'C': return (b >= '1' && b <= '8') || b == 'A' || b == 'N' || b == 'P' || b == 'T' || b == 'Y';
  case 'D': return b == 'A' || b == 'B' || b == 'O' || b == 'P';
  case 'E': return b == 'D' || b == 'P' || b == 'R' || b == 'T';
  case 'I': return b == 'D' || b == 'S';
  case 'J': return b == '1' || b == '2' || b == 'A' || b == 'F' || b == 'O';
  case 'K': return b == 'W';
  case 'L': return (b >= '1' && b <= '4') || b == 'A' || b == 'B' || b == 'K';
  case 'M': return b >= '1' && b <= '3';
  case 'N': return b == '1' || b == '2' || b == 'V';
  case 'O': return b == 'P';
  case 'P': return b == 'B' || b == 'P' || b == 'Y';
  case 'R': return b == 'I' || b == 'N' || b == 'P';
  case 'S': return b == 'E' || b == 'N' || b == 'P' || b == 'T';
  case 'T': return (b >= '1' && b <= '3') || b == 'A' || b == 'I' || b == 'T' || b == 'Y';
  case 'U': return (b >= '1' && b <= '5') || b == 'R';
  case 'V': return b == 'L' || b == 'O';
  case 'Y': return b == '1' || b == '2';
  default: return 0;
  }
}

/* ---- lines ---- */
/* End of the line starting at p; cached, as a line is asked for more than
 * once. */
static uint32_t eol(ris_reader *r, uint32_t p) {
  if (p < r->eol_from || p > r->eol) { r->eol = ql_line_end(r->s, p, r->len); r->eol_from = p; }
  return r->eol;
}

static uint32_t next_line(const ris_reader *r, uint32_t e) {
  if (e < r->len && r->s[e] == '\r') e++;
  if (e < r->len && r->s[e] == '\n') e++;
  return e;
}

static int blank(const char *s, uint32_t a, uint32_t b) {
  for (; a < b; a++) if (!is_ws(s[a])) return 0;
  return 1;
}

/* Length of the tag and separator ("TY  - ") opening the line at p, 0 when
 * the line does not open with a tag.  Known tags may use 1 to 3 spaces (the
 * flattened form has one) and may lack the space after '-'; unknown tags must
 * have the standard two spaces, so prose such as "OR - ..." stays prose. */
static uint32_t line_tag(const char *s, uint32_t p, uint32_t e, int *w) {
  uint32_t i = p + 2;
  int k = 0, known;
  if (e - p < 4 || !is_up(s[p]) || !is_tag2(s[p + 1])) return 0;
  known = known_tag(s[p], s[p + 1]);
  while (i < e && s[i] == ' ' && k < 4) { i++; k++; }
  if (k == 0 || k > 3 || i >= e || s[i] != '-') return 0;
  if (!known && k != 2) return 0;
  i++;
  if (i < e) {
    if (s[i] == ' ' || s[i] == '\t') i++;
    else if (!known) return 0;
  }
  if (w) *w = k;
  return i - p;
}

/* First tag of the flattened form inside s[a, b): a known tag (or only "TY")
 * after whitespace, then exactly w spaces (1 or 2 when w == 0), '-', and a
 * space or the end.  Returns its offset, or b. */
static uint32_t find_mid_tag(const char *s, uint32_t a, uint32_t b, int w, int ty_only) {
  uint32_t i = a;
  while (i < b) {
    const char *q = (const char *)memchr(s + i, '-', b - i);
    uint32_t dash, t, k;
    if (!q) return b;
    dash = (uint32_t)(q - s);
    i = dash + 1;
    if (dash + 1 < b && s[dash + 1] != ' ' && s[dash + 1] != '\t') continue;
    k = 0;
    while (k < 3 && dash >= a + k + 1 && s[dash - 1 - k] == ' ') k++;
    if (k == 0 || k == 3 || (w && k != (uint32_t)w) || dash < a + k + 2) continue;
    t = dash - k - 2;
    if (!is_up(s[t]) || !is_tag2(s[t + 1]) || (t > 0 && !is_ws(s[t - 1]))) continue;
    if (ty_only ? (s[t] == 'T' && s[t + 1] == 'Y') : known_tag(s[t], s[t + 1])) return t;
  }
  return b;
}

/* Separator length of a tag known to be at p ("AU", spaces, '-', a space). */
static uint32_t sep_len(const char *s, uint32_t p, uint32_t e) {
  uint32_t i = p + 2;
  while (i < e && s[i] == ' ') i++;
  if (i < e && s[i] == '-') i++;
  if (i < e && (s[i] == ' ' || s[i] == '\t')) i++;
  return i - p;
}

/* The sniffing rule: after an optional BOM, the first tag line among the
 * first ten non-blank lines is "TY" + one or two spaces + "-" + a space or
 * the line end (the standard and the flattened form); a preamble of non-tag
 * lines may come before it.  Only the first 64 KiB are looked at. */
int ql_looks_like_ris(const char *s, uint32_t len) {
  uint32_t p = 0, n = 0;
  if (len > 65536) len = 65536; /* bounds the line-end searches of CR-only files */
  while (p < len && n < 10) {
    const char *nl = (const char *)memchr(s + p, '\n', len - p);
    uint32_t e = nl ? (uint32_t)(nl - s) : len, q = p, next;
    const char *cr = (const char *)memchr(s + p, '\r', e - p);
    if (cr) e = (uint32_t)(cr - s);
    next = e;
    if (next < len && s[next] == '\r') next++;
    if (next < len && s[next] == '\n') next++;
    while (q < e && (s[q] == ' ' || s[q] == '\t')) q++;
    if (is_bom(s, q, e)) q += 3;
    if (q < e && !blank(s, q, e)) {
      int w;
      uint32_t sl = line_tag(s, q, e, &w);
      n++;
      if (sl) return s[q] == 'T' && s[q + 1] == 'Y' && w <= 2 && (q + sl == e || s[q + sl - 1] == ' ' || s[q + sl - 1] == '\t');
    }
    p = next;
  }
  return 0;
}

/* ---- building values ---- */
/* Adds a canonical value from source bytes (never from the pool, which may
 * move): whitespace runs, line breaks included, become one space. */
static void meta_put(ql_doc *d, const char *key, const char *v, uint32_t n) {
  ql_field f;
  char *o;
  uint32_t i, k = 0;
  int sp = 0;
  while (n > 0 && is_ws(v[n - 1])) n--;
  while (n > 0 && is_ws(*v)) { v++; n--; }
  if (n == 0) return;
  f.key = ql_pool_add(d, key, strlen(key));
  ql_vec_reserve(&d->mem, &d->pool, 1, (size_t)d->pool.n + n + 1);
  o = (char *)d->pool.p + d->pool.n;
  for (i = 0; i < n; i++) {
    if (is_ws(v[i])) { sp = 1; continue; }
    if (sp) { o[k++] = ' '; sp = 0; }
    o[k++] = v[i];
  }
  o[k] = '\0';
  f.value.off = d->pool.n; f.value.len = k;
  d->pool.n += k + 1;
  QL_VEC_PUSH(&d->mem, &d->meta, ql_field, f);
}

static void meta_rng(ql_doc *d, const char *key, rng r) {
  if (has(r) && r.e > r.s) meta_put(d, key, d->source + r.s, r.e - r.s);
}

/* Raw field: a one-line value verbatim, where it lies in the source;
 * continuation lines trimmed and joined with '\n' in the pool, so the line
 * structure (e.g. N1 lists) survives. */
static void field_put(ql_doc *d, const ris_field *f) {
  if (!f->multiline) { ql_field_add_source(d, f->ts, 2, f->vs, f->ve - f->vs); return; }
  {
    const char *s = d->source;
    ql_field x;
    char *o;
    uint32_t i = f->vs, k = 0;
    x.key = ql_pool_add(d, s + f->ts, 2);
    ql_vec_reserve(&d->mem, &d->pool, 1, (size_t)d->pool.n + (f->ve - f->vs) + 1);
    o = (char *)d->pool.p + d->pool.n;
    while (i < f->ve) {
      uint32_t a = i, b;
      while (i < f->ve && s[i] != '\n' && s[i] != '\r') i++;
      b = i;
      while (i < f->ve && (s[i] == '\n' || s[i] == '\r')) i++;
      while (a < b && is_ws(s[a])) a++;
      while (b > a && is_ws(s[b - 1])) b--;
      if (b == a) continue;
      if (k) o[k++] = '\n';
      memcpy(o + k, s + a, b - a);
      k += b - a;
    }
    o[k] = '\0';
    x.value.off = d->pool.n; x.value.len = k;
    d->pool.n += k + 1;
    QL_VEC_PUSH(&d->mem, &d->fields, ql_field, x);
  }
}

/* Equal once whitespace runs count as one space (AB and N2 often differ only
 * in wrapping). */
static int same_text(const char *s, rng a, rng b) {
  uint32_t i = a.s, j = b.s;
  if (a.e - a.s == b.e - b.s && memcmp(s + a.s, s + b.s, a.e - a.s) == 0) return 1;
  for (;;) {
    int wa = 0, wb = 0;
    while (i < a.e && is_ws(s[i])) { i++; wa = 1; }
    while (j < b.e && is_ws(s[j])) { j++; wb = 1; }
    if (i >= a.e || j >= b.e) return i >= a.e && j >= b.e;
    if (wa != wb || s[i] != s[j]) return 0;
    i++; j++;
  }
}

/* Emits source [a, b) as one line of text: whitespace runs other than a
 * single space become one space mapped to the run. */
static void emit_collapsed(ql_doc *d, uint32_t a, uint32_t b) {
  const char *s = d->source;
  uint32_t i = a, run = a;
  while (i < b) {
    if (is_ws(s[i]) && (s[i] != ' ' || (i + 1 < b && is_ws(s[i + 1])))) {
      uint32_t j = i;
      while (j < b && is_ws(s[j])) j++;
      ql_emit(d, run, i);
      if (i > a && j < b) ql_emit_lit(d, " ", 1, i, j - i);
      run = i = j;
    } else i++;
  }
  ql_emit(d, run, b);
}

/* ---- recognisers for canonical values ---- */
/* A DOI inside s[a, b): "10." + 4-9 digits (+ ".digits") + "/" + suffix up
 * to whitespace, without trailing punctuation.  Prefixes such as
 * https://doi.org/ or doi: are thereby left out. */
static int find_doi(const char *s, uint32_t a, uint32_t b, rng *out) {
  uint32_t i;
  for (i = a; i + 8 < b; i++) {
    uint32_t j, k;
    if (s[i] != '1' || s[i + 1] != '0' || s[i + 2] != '.' || (i > a && is_alnum(s[i - 1]))) continue;
    j = k = i + 3;
    while (j < b && is_digit(s[j])) j++;
    if (j - k < 4 || j - k > 9) continue;
    while (j + 1 < b && s[j] == '.' && is_digit(s[j + 1])) { j++; while (j < b && is_digit(s[j])) j++; }
    if (j >= b || s[j] != '/') continue;
    k = ++j;
    while (j < b && !is_ws(s[j])) j++;
    while (j > k && (s[j - 1] == '.' || s[j - 1] == ',' || s[j - 1] == ';' || s[j - 1] == '"' || s[j - 1] == '\'')) j--;
    if (j > k && (s[j - 1] == ')' || s[j - 1] == ']')) {
      int depth = 0;
      uint32_t m;
      for (m = k; m < j; m++) depth += (s[m] == '(' || s[m] == '[') - (s[m] == ')' || s[m] == ']');
      if (depth < 0) j--;
    }
    if (j == k) continue;
    *out = mk(i, j);
    return 1;
  }
  return 0;
}

/* First standalone four-digit year (1000-2999) in s[a, b). */
static int find_year(const char *s, uint32_t a, uint32_t b, rng *out) {
  uint32_t i = a;
  while (i < b) {
    if (is_digit(s[i])) {
      uint32_t j = i;
      while (j < b && is_digit(s[j])) j++;
      if (j - i == 4 && (s[i] == '1' || s[i] == '2')) { *out = mk(i, j); return 1; }
      i = j;
    } else i++;
  }
  return 0;
}

static int all_digits(const char *s, rng r) {
  uint32_t i;
  if (r.e - r.s == 0 || r.e - r.s > 10) return 0;
  for (i = r.s; i < r.e; i++) if (!is_digit(s[i])) return 0;
  return 1;
}

/* Case-insensitive search of a short lower-case needle. */
static int contains_ci(const char *s, rng r, const char *needle) {
  size_t n = strlen(needle);
  uint32_t i, k;
  for (i = r.s; i + n <= r.e; i++) {
    for (k = 0; k < n; k++) {
      char c = s[i + k];
      if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
      if (c != needle[k]) break;
    }
    if (k == n) return 1;
  }
  return 0;
}

/* "23690738[pmid]" as PubMed exports put in U1/U2. */
static int tagged_pmid(const char *s, rng r, rng *out) {
  uint32_t i = r.s;
  while (i < r.e && is_digit(s[i])) i++;
  if (i == r.s || i - r.s > 10 || r.e - i != 6 || !contains_ci(s, mk(i, r.e), "[pmid]")) return 0;
  *out = mk(r.s, i);
  return 1;
}

/* SN: every ISSN (dddd-dddX) it holds; else an ISBN-shaped value as isbn;
 * else the value as given. */
static void put_issn(ql_doc *d, rng r) {
  const char *s = d->source;
  uint32_t i, digits = 0, other = 0;
  int found = 0;
  for (i = r.s; i + 9 <= r.e; i++) {
    uint32_t k;
    if (i > r.s && (is_alnum(s[i - 1]) || s[i - 1] == '-')) continue; /* not inside an ISBN */
    for (k = 0; k < 4 && is_digit(s[i + k]); k++) {}
    if (k < 4 || s[i + 4] != '-') continue;
    for (k = 5; k < 8 && is_digit(s[i + k]); k++) {}
    if (k < 8 || !(is_digit(s[i + 8]) || s[i + 8] == 'X' || s[i + 8] == 'x')) continue;
    if (i + 9 < r.e && (is_alnum(s[i + 9]) || s[i + 9] == '-')) continue;
    meta_put(d, "issn", s + i, 9);
    found = 1;
    i += 8;
  }
  if (found) return;
  for (i = r.s; i < r.e; i++) {
    if (is_digit(s[i]) || ((s[i] == 'X' || s[i] == 'x') && i + 1 == r.e)) digits++;
    else if (s[i] != '-' && s[i] != ' ') other++;
  }
  meta_put(d, (!other && (digits == 10 || digits == 13)) ? "isbn" : "issn", s + r.s, r.e - r.s);
}

/* Splits on ';' and line breaks (KW, UR), one entry per part. */
static void put_split(ql_doc *d, const char *key, rng r) {
  const char *s = d->source;
  uint32_t i, st = r.s;
  for (i = r.s; i <= r.e; i++)
    if (i == r.e || s[i] == ';' || s[i] == '\n' || s[i] == '\r') {
      meta_put(d, key, s + st, i - st);
      st = i + 1;
    }
}

/* AD: affiliations joined by ".;" (PubMed); each without its final period. */
static void put_affiliations(ql_doc *d, rng r) {
  const char *s = d->source;
  uint32_t i, st = r.s, e = r.e;
  for (i = r.s; i + 1 < r.e; i++)
    if (s[i] == '.' && s[i + 1] == ';') {
      meta_put(d, "affiliations", s + st, i - st);
      st = i + 2;
    }
  while (e > st && is_ws(s[e - 1])) e--;
  if (e > st && s[e - 1] == '.') e--;
  meta_put(d, "affiliations", s + st, e - st);
}

static void put_pages(ql_doc *d, const ris_rec *rec) {
  const char *s = d->source;
  if (has(rec->sp)) {
    uint32_t n = rec->sp.e - rec->sp.s, m = has(rec->ep) ? rec->ep.e - rec->ep.s : 0;
    char buf[160];
    if (m > 0 && n + m + 1 <= sizeof buf && !memchr(s + rec->sp.s, '-', n) &&
        !(n == m && memcmp(s + rec->sp.s, s + rec->ep.s, n) == 0)) {
      memcpy(buf, s + rec->sp.s, n);
      buf[n] = '-';
      memcpy(buf + n + 1, s + rec->ep.s, m);
      meta_put(d, "pages", buf, n + 1 + m);
    } else meta_rng(d, "pages", rec->sp);
  } else meta_rng(d, "pages", rec->ep);
}

static const char *dup_reason(char a, char b) {
  switch (T(a, b)) {
  case T('A', 'B'): return "duplicate field AB";
  case T('N', '2'): return "duplicate field N2";
  case T('T', 'I'): return "duplicate field TI";
  case T('T', '1'): return "duplicate field T1";
  case T('S', 'T'): return "duplicate field ST";
  case T('B', 'T'): return "duplicate field BT";
  default: return "metadata";
  }
}

/* ---- one field ---- */
/* Reads the field whose tag is at r->pos.  Leaves r->pos at the next tag
 * (r->at_tag = 1), at the end of the input, or after an ER line. */
static void read_field(ris_reader *r, const ris_rec *rec, ris_field *f) {
  const char *s = r->s;
  uint32_t p = r->pos, e = eol(r, p), vs, ve, q, next;
  int is_er;
  f->ts = p; f->t0 = s[p]; f->t1 = s[p + 1];
  f->multiline = 0;
  vs = p + sep_len(s, p, e);
  is_er = f->t0 == 'E' && f->t1 == 'R';
  q = rec->flat ? find_mid_tag(s, vs, e, rec->w, 0) : e;
  ve = q;
  r->at_tag = 0;
  if (q < e) { r->pos = q; r->at_tag = 1; }
  else {
    next = next_line(r, e);
    /* untagged lines continue the value (ER never has a continuation) */
    while (!is_er && next < r->len) {
      uint32_t le = eol(r, next), c = next;
      int w;
      if (is_bom(s, c, le)) c += 3;
      if (line_tag(s, c, le, &w)) {
        if (c > next) ql_drop(r->d, next, c, "byte-order mark");
        r->pos = c; r->at_tag = 1;
        break;
      }
      if (!blank(s, next, le)) {
        uint32_t q2 = rec->flat ? find_mid_tag(s, next, le, rec->w, 0) : le;
        if (q2 > next) { ve = q2; f->multiline = 1; }
        if (q2 < le) { r->pos = q2; r->at_tag = 1; break; }
      }
      next = next_line(r, le);
    }
    if (!r->at_tag) r->pos = next;
  }
  while (ve > vs && is_ws(s[ve - 1])) ve--;
  while (vs < ve && is_ws(s[vs])) vs++;
  f->vs = vs; f->ve = ve;
}

/* Title candidates: the first TI/T1, the first ST, the first BT (the best
 * present becomes the heading).  Returns 0 when the class is already taken;
 * the caller then drops the value as a duplicate or as metadata. */
static int title_field(ris_rec *rec, const ris_field *f, int cls) {
  if (has(rec->title[cls])) return 0;
  rec->title[cls] = mk(f->vs, f->ve);
  return 1;
}

static rng best_title(const ris_rec *rec, int *cls) {
  int i;
  for (i = 0; i < 3; i++) if (has(rec->title[i])) { *cls = i; return rec->title[i]; }
  *cls = -1;
  return none();
}

static const char *title_tag_reason(const char *s, const ris_rec *rec, rng v, char a, char b) {
  int c;
  rng t = best_title(rec, &c);
  return (c >= 0 && same_text(s, t, v)) ? dup_reason(a, b) : "metadata";
}

/* Handles one non-ER field: raw field, canonical value.  Returns 1 when the
 * value was taken care of here (text to emit, or dropped with a reason of its
 * own); 0 leaves it to be dropped as metadata. */
static int take_field(ris_reader *r, ris_rec *rec, const ris_field *f) {
  ql_doc *d = r->d;
  const char *s = d->source;
  rng v = mk(f->vs, f->ve), x;
  int tag = T(f->t0, f->t1), empty = f->ve == f->vs, i;
  field_put(d, f);
  if (empty) return 0;
  switch (tag) {
  case T('T', 'I'): case T('T', '1'): case T('S', 'T'): case T('B', 'T'): {
    int cls = (tag == T('S', 'T')) ? 1 : (tag == T('B', 'T')) ? 2 : 0;
    if (title_field(rec, f, cls)) return 1;
    ql_drop(d, f->vs, f->ve, title_tag_reason(s, rec, v, f->t0, f->t1));
    return 1;
  }
  case T('A', 'B'): case T('N', '2'):
    for (i = 0; i < rec->nabs; i++)
      if (same_text(s, rec->abs[i], v)) { ql_drop(d, f->vs, f->ve, dup_reason(f->t0, f->t1)); return 1; }
    if (rec->nabs < MAX_TEXT_ABS) {
      rec->abs[rec->nabs++] = v;
      if (rec->want_meta) meta_rng(d, "abstract", v);
      return 1;
    }
    return 0;
  default: break;
  }
  if (!rec->want_meta) return 0;
  switch (tag) {
  case T('T', 'Y'): if (!rec->have_type++) meta_rng(d, "type", v); break;
  case T('A', 'U'): case T('A', '1'): meta_rng(d, "authors", v); break;
  case T('A', '2'): case T('E', 'D'): meta_rng(d, "editors", v); break;
  case T('P', 'Y'): case T('Y', '1'): case T('D', 'A'): {
    int k = tag == T('P', 'Y') ? 0 : tag == T('Y', '1') ? 1 : 2;
    if (!has(rec->date_any[k])) rec->date_any[k] = v;
    if (!has(rec->year_of[k]) && find_year(s, v.s, v.e, &x)) { rec->year_of[k] = x; rec->yval_of[k] = v; }
    break;
  }
  case T('D', 'O'):
    if (!has(rec->doi_do) && find_doi(s, v.s, v.e, &x)) rec->doi_do = x;
    break;
  case T('U', '3'): case T('U', 'R'): case T('M', '3'): case T('N', '1'): case T('L', '2'):
    if (!has(rec->doi_other) && find_doi(s, v.s, v.e, &x)) rec->doi_other = x;
    if (tag == T('U', 'R')) put_split(d, "url", v);
    break;
  case T('A', 'N'):
    if (!has(rec->an) && all_digits(s, v)) rec->an = v;
    break;
  case T('D', 'P'): case T('D', 'B'):
    if (contains_ci(s, v, "pubmed") || contains_ci(s, v, "medline") || contains_ci(s, v, "nlm")) rec->pubmed = 1;
    break;
  case T('J', 'F'): case T('J', 'O'): case T('T', '2'): case T('J', 'A'): case T('J', '2'): case T('J', '1'): {
    int pr = tag == T('J', 'F') ? 0 : tag == T('J', 'O') ? 1 : tag == T('T', '2') ? 2 :
             tag == T('J', 'A') ? 3 : tag == T('J', '2') ? 4 : 5;
    if (pr < rec->journal_prio) { rec->journal_prio = pr; rec->journal = v; }
    break;
  }
  case T('S', 'N'): put_issn(d, v); break;
  case T('V', 'L'): if (!rec->have_vol++) meta_rng(d, "volume", v); break;
  case T('I', 'S'): if (!rec->have_issue++) meta_rng(d, "issue", v); break;
  case T('S', 'P'): if (!has(rec->sp)) rec->sp = v; break;
  case T('E', 'P'): if (!has(rec->ep)) rec->ep = v; break;
  case T('L', 'A'): if (!rec->have_lang++) meta_rng(d, "language", v); break;
  case T('K', 'W'): put_split(d, "keywords", v); break;
  case T('A', 'D'): put_affiliations(d, v); break;
  case T('P', 'B'): if (!rec->have_pub++) meta_rng(d, "publisher", v); break;
  case T('T', '3'): if (!rec->have_series++) meta_rng(d, "series", v); break;
  default: break;
  }
  if ((f->t0 == 'U' || f->t0 == 'N' || f->t0 == 'A') && !has(rec->pmid_tagged)) tagged_pmid(s, v, &rec->pmid_tagged);
  return 0;
}

static void reverse_fields(ql_field *f, uint32_t a, uint32_t b) {
  while (a + 1 < b) {
    ql_field t = f[a];
    f[a] = f[b - 1]; f[b - 1] = t;
    a++; b--;
  }
}

/* Canonical values that needed the whole record; put before the ones added
 * while streaming so a record's meta opens with its title. */
static void finish_meta(ql_doc *d, const ris_rec *rec) {
  uint32_t m1 = d->meta.n;
  int c, k;
  rng t = best_title(rec, &c);
  meta_rng(d, "title", t);
  for (k = 0; k < 3; k++) if (has(rec->year_of[k])) { meta_rng(d, "year", rec->year_of[k]); break; }
  {
    /* DA when it holds a year, else the fuller of PY and Y1 ("2015/09/10"
     * rather than "2015"), else whatever date-like value there is */
    static const int order[3] = { 2, 0, 1 }; /* DA, PY, Y1 */
    rng date = rec->yval_of[2];
    if (!has(date)) {
      rng a = rec->yval_of[0], b = rec->yval_of[1];
      if (has(a) && has(b)) date = (b.e - b.s > a.e - a.s) ? b : a;
      else date = has(a) ? a : b;
    }
    for (k = 0; k < 3 && !has(date); k++) if (has(rec->date_any[order[k]])) date = rec->date_any[order[k]];
    meta_rng(d, "date", date);
  }
  meta_rng(d, "journal", rec->journal);
  meta_rng(d, "doi", has(rec->doi_do) ? rec->doi_do : rec->doi_other);
  if (has(rec->an) && rec->pubmed) meta_rng(d, "pmid", rec->an);
  else meta_rng(d, "pmid", rec->pmid_tagged);
  put_pages(d, rec);
  if (d->meta.n > m1 && m1 > rec->meta0) {
    ql_field *f = (ql_field *)d->meta.p;
    reverse_fields(f, rec->meta0, m1);
    reverse_fields(f, m1, d->meta.n);
    reverse_fields(f, rec->meta0, d->meta.n);
  }
}

/* The record's text: a level-1 section titled with its title (or "Record N"),
 * the title as heading, then each distinct abstract. */
static void emit_record(ris_reader *r, ris_rec *rec, uint32_t src) {
  ql_doc *d = r->d;
  int cls, i;
  rng t = best_title(rec, &cls);
  int32_t sec;
  ql_str title;
  ql_block_sep(d, src);
  sec = ql_section_open(d, "", 0, 1, QL_CAT_NONE, ql_text_len(d));
  if (has(t)) {
    uint32_t t0 = ql_text_len(d);
    /* the title leads the record's text wherever its tag stood: the offset
       map is ordered by text position, so its source bytes may come later */
    emit_collapsed(d, t.s, t.e);
    ql_add_block(d, QL_BLOCK_HEADING, t0, ql_text_len(d), QL_NONE);
    /* the pool is separate from the text, so the text may be copied into it */
    title = ql_pool_add(d, (const char *)d->text.p + t0, ql_text_len(d) - t0);
  } else {
    char buf[32];
    int n = snprintf(buf, sizeof buf, "Record %d", r->nrec + 1);
    title = ql_pool_add(d, buf, (size_t)(n > 0 ? n : 0));
  }
  QL_VEC_AT(d->sections, ql_section, sec).title = title;
  for (i = 0; i < rec->nabs; i++) {
    ql_block_sep(d, rec->abs[i].s);
    ql_emit_abstract(d, rec->abs[i].s, rec->abs[i].e, 2);
  }
  ql_section_close(d, 1, ql_text_len(d));
}

static void warn(ris_reader *r, const char *code, const char *msg) {
  if (r->nwarn++ < MAX_WARN) ql_warn(r->d, code, ql_text_len(r->d), "RIS record %d: %s", r->nrec + 1, msg);
}

/* One record, from the tag at r->pos to its ER (or to a TY opening the next
 * record, or the end).  want_meta: its values become the canonical metadata.
 * Kept self-contained so records can later become documents of their own. */
static void read_record(ris_reader *r, int want_meta) {
  ql_doc *d = r->d;
  const char *s = r->s;
  ris_rec rec;
  uint32_t start = r->pos, e = eol(r, start), sl;
  int k, seen_other = 0, ended = 0;
  memset(&rec, 0, sizeof rec);
  for (k = 0; k < 3; k++) {
    rec.title[k] = rec.year_of[k] = rec.yval_of[k] = rec.date_any[k] = none();
  }
  rec.doi_do = rec.doi_other = rec.an = rec.pmid_tagged = rec.journal = rec.sp = rec.ep = none();
  rec.journal_prio = 99;
  rec.want_meta = want_meta;
  rec.meta0 = d->meta.n;
  /* the first line decides the shape: known tags after the first value mean
   * the record is flattened onto one line */
  sl = sep_len(s, start, e);
  rec.w = 0;
  for (k = 2; start + (uint32_t)k < e && s[start + k] == ' '; k++) rec.w++;
  if (rec.w < 1) rec.w = 1;
  rec.flat = rec.w <= 2 && find_mid_tag(s, start + sl, e, rec.w, 0) < e;
  if (!(s[start] == 'T' && s[start + 1] == 'Y')) warn(r, "ris-missing-ty", "does not start with TY");
  while (r->at_tag) {
    ris_field f;
    int text;
    if (seen_other && s[r->pos] == 'T' && s[r->pos + 1] == 'Y') break;
    read_field(r, &rec, &f);
    ql_drop(d, f.ts, f.vs, "ris tag");
    if (f.t0 == 'E' && f.t1 == 'R') {
      field_put(d, &f);
      ql_drop(d, f.vs, f.ve, "ris tag");
      ended = 1;
      break;
    }
    if (!(f.t0 == 'T' && f.t1 == 'Y')) seen_other = 1;
    text = take_field(r, &rec, &f);
    if (!text) ql_drop(d, f.vs, f.ve, "metadata");
  }
  if (!ended) warn(r, "ris-missing-er", "has no ER line");
  {
    /* title candidates that lost to a better one */
    int cls;
    best_title(&rec, &cls);
    for (k = 0; k < 3; k++)
      if (has(rec.title[k]) && k != cls) {
        static const char tags[3][2] = { { 'T', 'I' }, { 'S', 'T' }, { 'B', 'T' } };
        const char *why = same_text(s, rec.title[cls], rec.title[k]) ? dup_reason(tags[k][0], tags[k][1]) : "metadata";
        ql_drop(d, rec.title[k].s, rec.title[k].e, why);
      }
  }
  if (want_meta) finish_meta(d, &rec);
  emit_record(r, &rec, start);
}

/* ---- text outside records ---- */
typedef struct { uint32_t s, e; int textlike; } junk_run;

/* Lines outside any record: kept as a paragraph when they read like prose
 * (a line of five or more words with lower case), else dropped as the
 * exporter's preamble ("Record #1 of 2", "Provider: ...", "1."). */
static void junk_flush(ris_reader *r, junk_run *j) {
  ql_doc *d = r->d;
  if (j->s == NOPOS) return;
  if (j->textlike) {
    uint32_t t0;
    ql_block_sep(d, j->s);
    t0 = ql_text_len(d);
    emit_collapsed(d, j->s, j->e);
    ql_add_block(d, QL_BLOCK_PARAGRAPH, t0, ql_text_len(d), QL_NONE);
  } else ql_drop(d, j->s, j->e, "preamble");
  j->s = NOPOS;
  j->textlike = 0;
}

static void junk_add(const char *s, junk_run *j, uint32_t a, uint32_t b) {
  uint32_t i, words = 0;
  int lower = 0, in = 0;
  while (b > a && is_ws(s[b - 1])) b--;
  if (b <= a) return;
  if (j->s == NOPOS) j->s = a;
  j->e = b;
  for (i = a; i < b; i++) {
    if (is_ws(s[i])) in = 0;
    else { if (!in) words++; in = 1; if (s[i] >= 'a' && s[i] <= 'z') lower = 1; }
  }
  if (words >= 5 && lower) j->textlike = 1;
}

void ql_read_ris(ql_doc *d) {
  ris_reader r;
  junk_run j;
  const char *s = d->source;
  memset(&r, 0, sizeof r);
  r.d = d; r.s = s; r.len = d->srclen;
  r.eol_from = NOPOS;
  r.pos = is_bom(s, 0, r.len) ? 3 : 0; /* the pipeline logged it */
  j.s = NOPOS; j.e = 0; j.textlike = 0;
  if (r.len > 0 && !ql_looks_like_ris(s + r.pos, r.len - r.pos))
    ql_warn(d, "ris-unsniffed", 0, "input does not start like RIS (no TY line near the start); read as RIS anyway");
  while (r.pos < r.len) {
    uint32_t p = r.pos, e, c;
    int w;
    if (r.at_tag) {
      junk_flush(&r, &j);
      read_record(&r, r.nrec == 0);
      r.nrec++;
      continue;
    }
    e = eol(&r, p);
    c = p;
    while (c < e && (s[c] == ' ' || s[c] == '\t')) c++;
    if (is_bom(s, c, e)) { ql_drop(d, c, c + 3, "byte-order mark"); c += 3; }
    if (blank(s, c, e)) { junk_flush(&r, &j); r.pos = next_line(&r, e); continue; }
    if (line_tag(s, c, e, &w)) {
      junk_flush(&r, &j);
      if (s[c] == 'E' && s[c + 1] == 'R') { /* a stray ER: keep it as a field */
        ris_field f;
        uint32_t ve = e;
        f.t0 = 'E'; f.t1 = 'R'; f.ts = c; f.multiline = 0;
        f.vs = c + sep_len(s, c, e);
        while (ve > f.vs && is_ws(s[ve - 1])) ve--;
        f.ve = ve;
        field_put(d, &f);
        ql_drop(d, c, ve, "ris tag");
        r.pos = next_line(&r, e);
        continue;
      }
      r.pos = c; r.at_tag = 1;
      continue;
    }
    {
      /* a flattened record glued after junk on the same line */
      uint32_t q = find_mid_tag(s, c, e, 0, 1);
      if (q < e) { junk_add(s, &j, c, q); r.pos = q; r.at_tag = 1; continue; }
    }
    junk_add(s, &j, c, e);
    r.pos = next_line(&r, e);
  }
  junk_flush(&r, &j);
}
